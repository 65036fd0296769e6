"""complaints and appeals (ISO/IEC 17065 §7.13); a surveillance case may be a special one
opened by a complaint

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("tracking_hash", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("investigation", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=True),
        sa.Column("public_outcome", sa.String(length=2000), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_complaints_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_complaints_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["users.id"], name=op.f("fk_complaints_handler_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("number", name=op.f("uq_complaints_number")),
        sa.UniqueConstraint("tracking_hash", name=op.f("uq_complaints_tracking_hash")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaints_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_state"), ["state"], unique=False)
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("appealed_event", sa.Integer(), nullable=False),
        sa.Column("appealed_by", sa.Integer(), nullable=True),
        sa.Column("appealed_at", sa.DateTime(), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("grounds", sa.String(length=4000), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_appeals_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["appealed_by"], ["users.id"], name=op.f("fk_appeals_appealed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_appeals_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(["filed_by"], ["users.id"], name=op.f("fk_appeals_filed_by_users")),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["users.id"], name=op.f("fk_appeals_handler_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("appealed_event", name=op.f("uq_appeals_appealed_event")),
        sa.UniqueConstraint("number", name=op.f("uq_appeals_number")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appeals_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appeals_state"), ["state"], unique=False)
    with op.batch_alter_table("surveillance_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complaint_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_surveillance_cases_complaint_id_complaints"),
            "complaints",
            ["complaint_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("surveillance_cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_surveillance_cases_complaint_id_complaints"), type_="foreignkey"
        )
        batch_op.drop_column("complaint_id")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_state"))
        batch_op.drop_index(batch_op.f("ix_appeals_application_id"))
    op.drop_table("appeals")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_state"))
        batch_op.drop_index(batch_op.f("ix_complaints_certificate_id"))
    op.drop_table("complaints")
