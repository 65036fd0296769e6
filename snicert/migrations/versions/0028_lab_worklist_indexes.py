"""The lab's worklist read from indexes: sealed samples in transit by status and the time
they were taken, surveillances in testing by status and due date.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_samples_status_taken_at", "samples", ["status", "taken_at"])
    op.create_index(
        "ix_surveillance_cases_status_due_at", "surveillance_cases", ["status", "due_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_surveillance_cases_status_due_at", table_name="surveillance_cases")
    op.drop_index("ix_samples_status_taken_at", table_name="samples")
