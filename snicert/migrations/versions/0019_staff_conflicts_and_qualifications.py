"""staff_conflicts (declared conflicts of interest with a business) and
staff_qualifications (a function on a product, valid from / until, with evidence):
impartiality and competence under ISO/IEC 17065 §4.2, §6.1

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_until", sa.Date(), nullable=True),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("declared_by", sa.Integer(), nullable=True),
        sa.Column("declared_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('ownership', 'relationship', 'consulting')",
            name=op.f("ck_staff_conflicts_kind_known"),
        ),
        sa.CheckConstraint(
            "state IN ('declared', 'closed')", name=op.f("ck_staff_conflicts_state_known")
        ),
        sa.CheckConstraint(
            "period_until IS NULL OR period_from IS NULL OR period_from <= period_until",
            name=op.f("ck_staff_conflicts_period_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_staff_conflicts_business_id_businesses"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_staff_conflicts_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["declared_by"], ["users.id"], name=op.f("fk_staff_conflicts_declared_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_conflicts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_conflicts")),
    )
    with op.batch_alter_table("staff_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_conflicts_business_id"), ["business_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_conflicts_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_staff_conflicts_open",
            ["user_id", "business_id", "kind"],
            unique=True,
            postgresql_where=sa.text("state = 'declared'"),
            sqlite_where=sa.text("state = 'declared'"),
        )
    op.create_table(
        "staff_qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("function", sa.String(length=20), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('current', 'superseded', 'withdrawn')",
            name=op.f("ck_staff_qualifications_state_known"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from <= valid_until",
            name=op.f("ck_staff_qualifications_period_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"], ["users.id"], name=op.f("fk_staff_qualifications_ended_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_staff_qualifications_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_qualifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_qualifications")),
    )
    with op.batch_alter_table("staff_qualifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_qualifications_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_staff_qualifications_current",
            ["user_id", "function", "product"],
            unique=True,
            postgresql_where=sa.text("state = 'current'"),
            sqlite_where=sa.text("state = 'current'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_qualifications", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_staff_qualifications_current",
            postgresql_where=sa.text("state = 'current'"),
            sqlite_where=sa.text("state = 'current'"),
        )
        batch_op.drop_index(batch_op.f("ix_staff_qualifications_user_id"))
    op.drop_table("staff_qualifications")
    with op.batch_alter_table("staff_conflicts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_staff_conflicts_open",
            postgresql_where=sa.text("state = 'declared'"),
            sqlite_where=sa.text("state = 'declared'"),
        )
        batch_op.drop_index(batch_op.f("ix_staff_conflicts_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_conflicts_business_id"))
    op.drop_table("staff_conflicts")
