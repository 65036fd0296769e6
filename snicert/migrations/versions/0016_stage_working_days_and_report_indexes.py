"""stage_visits.working_days (the lead of each ended stay, counted once when it ends) in the
review's index; indexes on lab_results.verified_at and audit_events.at for the review's
period counts

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 15:20:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_days", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index(
            "ix_stage_visits_left_at",
            ["left_at", "product", "state", "working_days"],
            unique=False,
        )
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.create_index("ix_lab_results_verified_at", ["verified_at"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)
    _backfill()


def _backfill() -> None:
    """The ended stays' working days, by the one rule, between local days."""
    from snicert import clock, settings

    conn = op.get_bind()
    zone = settings.current().zone
    rows = conn.execute(
        sa.text(
            "SELECT id, entered_at, left_at FROM stage_visits WHERE left_at IS NOT NULL"
        ).columns(
            sa.column("id", sa.Integer),
            sa.column("entered_at", sa.DateTime),
            sa.column("left_at", sa.DateTime),
        )
    ).all()
    if not rows:
        return

    def local(moment: datetime) -> date:  # stored naive, in UTC
        return moment.replace(tzinfo=UTC).astimezone(zone).date()

    first = min(local(r.entered_at) for r in rows)
    last = max(local(r.left_at) for r in rows)
    numbers = clock.working_day_numbers(first, last)
    visits = sa.table("stage_visits", sa.column("id"), sa.column("working_days"))
    update = (
        visits.update()
        .where(visits.c.id == sa.bindparam("visit"))
        .values(working_days=sa.bindparam("days"))
    )
    params = [
        {"visit": r.id, "days": numbers[local(r.left_at)] - numbers[local(r.entered_at)]}
        for r in rows
    ]
    for start in range(0, len(params), 10000):
        conn.execute(update, params[start : start + 10000])


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_at")
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_index("ix_lab_results_verified_at")
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index(
            "ix_stage_visits_left_at", ["left_at", "product", "state", "entered_at"], unique=False
        )
        batch_op.drop_column("working_days")
