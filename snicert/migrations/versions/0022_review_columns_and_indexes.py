"""Daily roll-ups the management review sums (written in the same transaction as what they
count): stage_days, stays entered and ended per local day, product and state (lifecycle.enter);
lab_result_days, lab results concluded per local day, product, parameter and outcome, with
lab_results.product (the application's, written with the result); stage_visits' left_at
index carries entered_at (the stays spanning a period's end, read from the index);
audit_events indexed by (actor_id, at) for staff workload and by (action, at) for the
counts of one kind of event in a period; custody_events by (event, at), likewise; applications by submission and by
closing (state, state_changed_at), covering the review's flow and lead-time counts

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 16:50:00
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEFT_AT = ["left_at", "product", "state", "working_days"]


def upgrade() -> None:
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE lab_results SET product = "
        "(SELECT applications.product FROM applications "
        "WHERE applications.id = lab_results.application_id)"
    )
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.alter_column("product", existing_type=sa.String(length=64), nullable=False)
    op.create_table(
        "lab_result_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("parameter_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("retest_requested", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "product", "parameter_id", "status", "retest_requested", "verdict"
        ),
    )
    op.create_table(
        "stage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "product", "state", "event", "working_days"),
    )
    _backfill()
    _backfill_stages()
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index("ix_stage_visits_left_at", LEFT_AT + ["entered_at"], unique=False)
    with op.batch_alter_table("custody_events", schema=None) as batch_op:
        batch_op.create_index("ix_custody_events_event_at", ["event", "at"], unique=False)
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_submitted", ["submitted_at", "product"])
        batch_op.create_index(
            "ix_applications_closed", ["state", "state_changed_at", "product", "submitted_at"]
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_at")
        batch_op.create_index("ix_audit_events_actor_at", ["actor_id", "at"], unique=False)
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"], unique=False)


def _backfill() -> None:
    """The concluded results so far, counted by the local day of their verified_at."""
    from snicert import settings

    zone = settings.current().zone
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT verified_at, product, parameter_id, status, retest_requested, verdict "
            "FROM lab_results WHERE verified_at IS NOT NULL AND status <> 'entered'"
        ).columns(verified_at=sa.DateTime)
    )
    counts: Counter[tuple] = Counter()
    for at, product, parameter, status, retest, verdict in rows:
        day = (
            at.replace(tzinfo=UTC).astimezone(zone).date()
            if at.tzinfo is None
            else at.astimezone(zone).date()
        )
        counts[day, product, parameter, status, bool(retest), verdict or ""] += 1
    days = sa.table(
        "lab_result_days",
        *(sa.column(c) for c in ("day", "product", "parameter_id", "status")),
        sa.column("retest_requested"),
        sa.column("verdict"),
        sa.column("n"),
    )
    params = [
        dict(
            day=k[0],
            product=k[1],
            parameter_id=k[2],
            status=k[3],
            retest_requested=k[4],
            verdict=k[5],
            n=n,
        )
        for k, n in counts.items()
    ]
    for start in range(0, len(params), 10000):
        conn.execute(days.insert(), params[start : start + 10000])


def _local_day(at: datetime, zone: tzinfo) -> date:
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(zone).date()


def _backfill_stages() -> None:
    """The stays so far: entered on the local day of entered_at, ended (with the working
    days stage_visits holds) on that of left_at."""
    from snicert import settings

    zone = settings.current().zone
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT product, state, entered_at, left_at, working_days FROM stage_visits"
        ).columns(entered_at=sa.DateTime, left_at=sa.DateTime)
    )
    counts: Counter[tuple] = Counter()
    for product, state, entered, left, days in rows:
        counts[_local_day(entered, zone), product, state, "entered", -1] += 1
        if left is not None:
            counts[_local_day(left, zone), product, state, "left", days] += 1
    table = sa.table(
        "stage_days",
        *(sa.column(c) for c in ("day", "product", "state", "event", "working_days", "n")),
    )
    params = [
        {"day": k[0], "product": k[1], "state": k[2], "event": k[3], "working_days": k[4], "n": n}
        for k, n in counts.items()
    ]
    for start in range(0, len(params), 10000):
        conn.execute(table.insert(), params[start : start + 10000])


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_closed")
        batch_op.drop_index("ix_applications_submitted")
    with op.batch_alter_table("custody_events", schema=None) as batch_op:
        batch_op.drop_index("ix_custody_events_event_at")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
        batch_op.drop_index("ix_audit_events_actor_at")
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index("ix_stage_visits_left_at", LEFT_AT, unique=False)
    op.drop_table("lab_result_days")
    op.drop_table("stage_days")
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_column("product")
