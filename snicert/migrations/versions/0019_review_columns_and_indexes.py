"""lab_results.product (the application's, written with the result: the review counts lab
results per product without joining 100,000 applications) in a covering index of the
review's lab figures; stage_visits' left_at index carries entered_at (the stays spanning a
period's end, read from the index); audit_events indexed by (at, actor_id) for staff workload and by
(action, at) for the counts of one kind of event in a period

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEFT_AT = ["left_at", "product", "state", "working_days"]
REVIEW_COLUMNS = ["verified_at", "status", "retest_requested", "product", "parameter_id", "verdict"]


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
        batch_op.drop_index("ix_lab_results_verified_at")
        batch_op.create_index("ix_lab_results_review", REVIEW_COLUMNS, unique=False)
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index("ix_stage_visits_left_at", LEFT_AT + ["entered_at"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_at")
        batch_op.create_index("ix_audit_events_at_actor", ["at", "actor_id"], unique=False)
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
        batch_op.drop_index("ix_audit_events_at_actor")
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.create_index("ix_stage_visits_left_at", LEFT_AT, unique=False)
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_index("ix_lab_results_review")
        batch_op.create_index("ix_lab_results_verified_at", ["verified_at"], unique=False)
        batch_op.drop_column("product")
