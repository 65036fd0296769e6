"""notifications and outbox rows to a contact without an account (user_id may be NULL: a
complainant's e-mail or phone); complaints.lang, the language the complainant is told in

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("notifications", "outbox"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lang", sa.String(length=2), nullable=False, server_default="id")
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("lang")
    op.execute("DELETE FROM outbox WHERE user_id IS NULL")
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    for table in ("outbox", "notifications"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
