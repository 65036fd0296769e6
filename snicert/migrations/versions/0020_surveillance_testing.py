"""yearly surveillance as a case with sampling and testing: surveillance_cases keep the
surveillance plan and lab checklist of their cycle; samples and lab_results may belong to
a surveillance case (surveillance_case_id) beside their application

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("surveillance_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", JSON, nullable=True))
        batch_op.add_column(sa.Column("checklist_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checklist_snapshot", JSON, nullable=True))
        batch_op.add_column(sa.Column("state_changed_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_surveillance_cases_checklist_version_id_checklist_versions",
            "checklist_versions",
            ["checklist_version_id"],
            ["id"],
        )
    for table in ("samples", "lab_results"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("surveillance_case_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                f"ix_{table}_surveillance_case_id", ["surveillance_case_id"], unique=False
            )
            batch_op.create_foreign_key(
                f"fk_{table}_surveillance_case_id_surveillance_cases",
                "surveillance_cases",
                ["surveillance_case_id"],
                ["id"],
            )


def downgrade() -> None:
    for table in ("lab_results", "samples"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                f"fk_{table}_surveillance_case_id_surveillance_cases", type_="foreignkey"
            )
            batch_op.drop_index(f"ix_{table}_surveillance_case_id")
            batch_op.drop_column("surveillance_case_id")
    with op.batch_alter_table("surveillance_cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_surveillance_cases_checklist_version_id_checklist_versions", type_="foreignkey"
        )
        for column in ("state_changed_at", "checklist_snapshot", "checklist_version_id", "plan"):
            batch_op.drop_column(column)
