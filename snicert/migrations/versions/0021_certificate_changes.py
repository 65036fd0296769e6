"""certificate_changes and change_documents: changes a holder notifies (ISO/IEC 17065
§7.10), assessed by an official; version_reviews: certificates issued under an older
checklist or standard, assessed one by one; audit_findings.due_at and .overdue: the
correction deadline in working days, flagged by the daily sweep

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 16:22:23.332497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("notified_by", sa.Integer(), nullable=False),
        sa.Column("notified_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=True),
        sa.Column("assessed_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("surveillance_case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_certificate_changes_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by"], ["users.id"], name=op.f("fk_certificate_changes_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_changes_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["notified_by"], ["users.id"], name=op.f("fk_certificate_changes_notified_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["surveillance_case_id"],
            ["surveillance_cases.id"],
            name=op.f("fk_certificate_changes_surveillance_case_id_surveillance_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_changes")),
        sa.UniqueConstraint("number", name=op.f("uq_certificate_changes_number")),
    )
    with op.batch_alter_table("certificate_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_changes_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificate_changes_state"), ["state"], unique=False)

    op.create_table(
        "version_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("against", sa.String(length=200), nullable=False),
        sa.Column("issued_under", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=False),
        sa.Column("assessed_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("surveillance_case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessed_by"], ["users.id"], name=op.f("fk_version_reviews_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_version_reviews_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["surveillance_case_id"],
            ["surveillance_cases.id"],
            name=op.f("fk_version_reviews_surveillance_case_id_surveillance_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_reviews")),
        sa.UniqueConstraint(
            "certificate_id",
            "basis",
            "against",
            name=op.f("uq_version_reviews_certificate_id_basis_against"),
        ),
    )
    with op.batch_alter_table("version_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_version_reviews_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "change_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["certificate_changes.id"],
            name=op.f("fk_change_documents_change_id_certificate_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_change_documents_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_documents")),
    )
    with op.batch_alter_table("change_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_documents_change_id"), ["change_id"], unique=False
        )

    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", snicert.db.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_column("overdue")
        batch_op.drop_column("due_at")

    with op.batch_alter_table("change_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_documents_change_id"))

    op.drop_table("change_documents")
    with op.batch_alter_table("version_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_reviews_certificate_id"))

    op.drop_table("version_reviews")
    with op.batch_alter_table("certificate_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_changes_state"))
        batch_op.drop_index(batch_op.f("ix_certificate_changes_certificate_id"))

    op.drop_table("certificate_changes")
