"""applications.system_since: since when a case waits on the system's automated step, with
its index (flows/resume.py re-dispatches the oldest; the dashboard counts those waiting
longer than five minutes). Cases in a state whose step is always due (submitted,
approved) start marked since they entered it; the conditional ones (sampling, testing,
site audit, decision) are marked by the next change that makes their step due.

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN (no batch: rebuilding `applications` on SQLite would
    # drop a table other tables' foreign keys point at)
    op.add_column(
        "applications", sa.Column("system_since", snicert.db.models.UTCDateTime(), nullable=True)
    )
    op.create_index("ix_applications_system_since", "applications", ["system_since"])
    op.execute(
        "UPDATE applications SET system_since = state_changed_at"
        " WHERE state IN ('submitted', 'approved')"
    )


def downgrade() -> None:
    op.drop_index("ix_applications_system_since", table_name="applications")
    op.drop_column("applications", "system_since")  # SQLite >= 3.35 drops it in place
