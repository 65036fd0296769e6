"""users.must_change_password (initial passwords and one-time codes are changed at first
sign-in)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies and drops `users`, which the tables that
    # reference it refuse with foreign keys on; SQLite >= 3.35 drops a column in place.
    op.drop_column("users", "must_change_password")
