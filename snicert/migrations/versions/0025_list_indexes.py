"""Indexes for the lists built in SQL (snicert/queries.py): every filter and sort of the
officials' list of applications (product with state, whom a case waits on, created, last
change, due date, business), businesses by name, and the lab's verification queue
(results by status and entry time)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_applications_product_state", "applications", ["product", "state"]),
    ("ix_applications_awaiting_role", "applications", ["awaiting_role", "state"]),
    ("ix_applications_created_at", "applications", ["created_at"]),
    ("ix_applications_state_changed_at", "applications", ["state_changed_at"]),
    ("ix_applications_due_at", "applications", ["due_at"]),
    ("ix_applications_business_id", "applications", ["business_id"]),
    ("ix_businesses_name", "businesses", ["name"]),
    ("ix_lab_results_status_entered", "lab_results", ["status", "entered_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
