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
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("system_since", snicert.db.models.UTCDateTime(), nullable=True)
        )
        batch_op.create_index("ix_applications_system_since", ["system_since"], unique=False)
    op.execute(
        "UPDATE applications SET system_since = state_changed_at"
        " WHERE state IN ('submitted', 'approved')"
    )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_system_since")
        batch_op.drop_column("system_since")
