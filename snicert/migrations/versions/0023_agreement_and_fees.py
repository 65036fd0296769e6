"""the certification agreement accepted at submission (applications.agreement_version and
agreement_accepted_at); quotations, invoices and payment proofs

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from snicert.db.models import JSONType, UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_accepted_at", UTCDateTime(), nullable=True))
    op.create_table(
        "quotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("items", JSONType, nullable=False),
        sa.Column("total_idr", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_quotations_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotations")),
        sa.UniqueConstraint("application_id", name=op.f("uq_quotations_application_id")),
        sa.UniqueConstraint("number", name=op.f("uq_quotations_number")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("quotation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("total_idr", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_invoices_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["quotation_id"], ["quotations.id"], name=op.f("fk_invoices_quotation_id_quotations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("application_id", name=op.f("uq_invoices_application_id")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("quotation_id", name=op.f("uq_invoices_quotation_id")),
    )
    op.create_table(
        "payment_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("verdict_by", sa.Integer(), nullable=True),
        sa.Column("verdict_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_payment_proofs_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payment_proofs_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_payment_proofs_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["verdict_by"], ["users.id"], name=op.f("fk_payment_proofs_verdict_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_proofs")),
        sa.UniqueConstraint("document_id", name=op.f("uq_payment_proofs_document_id")),
    )
    with op.batch_alter_table("payment_proofs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_proofs_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_proofs_invoice_id"))
    op.drop_table("payment_proofs")
    op.drop_table("invoices")
    op.drop_table("quotations")
    # plain columns: dropped in place (a batch copy of applications breaks the foreign
    # keys of every row that refers to it)
    op.drop_column("applications", "agreement_accepted_at")
    op.drop_column("applications", "agreement_version")
