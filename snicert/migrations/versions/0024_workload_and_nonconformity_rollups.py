"""Daily roll-ups for the management review's last raw scans (written in the same
transaction as what they count, snicert.services.rollups): actor_days, audit events per
acting user and local day (staff workload; audit.record); nonconformity_days,
non-conformities raised per local day, product and checklist item; decisions indexed by
(outcome, at) for a period's refusals. Both roll-ups are backfilled from the rows so far.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 20:30:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actor_days",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "day", name=op.f("pk_actor_days")),
    )
    op.create_table(
        "nonconformity_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "product", "item_id", name=op.f("pk_nonconformity_days")),
    )
    backfill()
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_outcome_at", ["outcome", "at", "application_id"])


def _local_day(column: str) -> str:
    """The local day of a stored UTC moment, in SQL: the zone's offset now (the LSPro's
    zones, Indonesia's, keep no daylight saving time)."""
    from snicert import settings

    offset = int(settings.current().zone.utcoffset(datetime.now()).total_seconds())
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST({column} + INTERVAL '{offset} seconds' AS DATE)"
    return f"date({column}, '{offset:+d} seconds')"


def backfill() -> None:
    """The roll-ups of the rows so far, counted in the database (a million events)."""
    day = _local_day("at")
    op.execute(
        "INSERT INTO actor_days (actor_id, day, n) "
        f"SELECT actor_id, {day}, count(*) FROM audit_events "
        f"WHERE actor_id IS NOT NULL GROUP BY actor_id, {day}"
    )
    day = _local_day("nonconformities.raised_at")
    op.execute(
        "INSERT INTO nonconformity_days (day, product, item_id, n) "
        f"SELECT {day}, applications.product, nonconformities.item_id, count(*) "
        "FROM nonconformities JOIN applications "
        "ON applications.id = nonconformities.application_id "
        f"GROUP BY {day}, applications.product, nonconformities.item_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_outcome_at")
    op.drop_table("nonconformity_days")
    op.drop_table("actor_days")
