"""a lab result's retest request is its state (lab_results.status 'retest_requested'), not a
flag beside 'verified': lab_results.retest_requested goes

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE lab_results SET status = 'retest_requested' "
        "WHERE status = 'verified' AND retest_requested"
    )
    # in place (no batch copy): SQLite drops a plain column itself since 3.35
    op.drop_column("lab_results", "retest_requested")


def downgrade() -> None:
    op.add_column(
        "lab_results",
        sa.Column("retest_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE lab_results SET status = 'verified', retest_requested = TRUE "
        "WHERE status = 'retest_requested'"
    )
