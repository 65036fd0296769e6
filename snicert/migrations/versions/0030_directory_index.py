"""The public directory's newest certificates first, read backwards from an index on
(issued_at, id) instead of sorting every listed certificate.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 00:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_certificates_issued_at", "certificates", ["issued_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_certificates_issued_at", table_name="certificates")
