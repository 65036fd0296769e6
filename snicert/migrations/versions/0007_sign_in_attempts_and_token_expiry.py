"""sign-in attempts counted per key and window (atomic limiter); API token expiry and
revocation time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 13:50:00

Tokens made before expiries existed expire 90 days after this upgrade; a revoked one keeps
the upgrade's time as its revocation time.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failures_key"))
    op.drop_table("sign_in_failures")
    op.create_table(
        "sign_in_attempts",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_start", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_sign_in_attempts")),
    )

    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC (UTCDateTime)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", snicert.db.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", snicert.db.models.UTCDateTime(), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("expires_at", sa.DateTime()),
        sa.column("revoked_at", sa.DateTime()),
        sa.column("revoked", sa.Boolean()),
    )
    op.execute(tokens.update().values(expires_at=now + timedelta(days=90)))
    op.execute(tokens.update().where(tokens.c.revoked.is_(True)).values(revoked_at=now))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=snicert.db.models.UTCDateTime(), nullable=False
        )
        batch_op.drop_column("revoked")


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    tokens = sa.table(
        "api_tokens", sa.column("revoked_at", sa.DateTime()), sa.column("revoked", sa.Boolean())
    )
    op.execute(tokens.update().where(tokens.c.revoked_at.is_not(None)).values(revoked=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("revoked", server_default=None)
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")

    op.drop_table("sign_in_attempts")
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_failures_key"), ["key"], unique=False)
