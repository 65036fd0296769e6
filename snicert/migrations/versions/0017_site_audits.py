"""site_audits, audit_auditors, audit_findings, corrective_actions, audit_evidence: the
production-site audit of type-5 cases and surveillances; checklist_versions.kind (lab or
audit), each kind versioned on its own

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 14:33:50.791796
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import snicert.db.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("surveillance_case_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("planned_for", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("site", sa.String(length=500), nullable=False),
        sa.Column("checklist_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "checklist_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("planned_by", sa.Integer(), nullable=False),
        sa.Column("planned_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("visited_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("reported_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("closed_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_site_audits_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["checklist_version_id"],
            ["checklist_versions.id"],
            name=op.f("fk_site_audits_checklist_version_id_checklist_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["planned_by"], ["users.id"], name=op.f("fk_site_audits_planned_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["surveillance_case_id"],
            ["surveillance_cases.id"],
            name=op.f("fk_site_audits_surveillance_case_id_surveillance_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_audits")),
    )
    with op.batch_alter_table("site_audits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_site_audits_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_site_audits_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_site_audits_surveillance_case_id"),
            ["surveillance_case_id"],
            unique=False,
        )

    op.create_table(
        "audit_auditors",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("assigned_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["users.id"], name=op.f("fk_audit_auditors_assigned_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["site_audits.id"], name=op.f("fk_audit_auditors_audit_id_site_audits")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_auditors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("audit_id", "user_id", name=op.f("pk_audit_auditors")),
    )
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["site_audits.id"], name=op.f("fk_audit_findings_audit_id_site_audits")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_audit_findings_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_audit_findings_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
    )
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_findings_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("deadline", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("verdict_note", sa.Text(), nullable=True),
        sa.Column("verdict_by", sa.Integer(), nullable=True),
        sa.Column("verdict_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["audit_findings.id"],
            name=op.f("fk_corrective_actions_finding_id_audit_findings"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_corrective_actions_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["verdict_by"], ["users.id"], name=op.f("fk_corrective_actions_verdict_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_finding_id"), ["finding_id"], unique=False
        )

    op.create_table(
        "audit_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("corrective_action_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_audit_evidence_corrective_action_id_corrective_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["audit_findings.id"],
            name=op.f("fk_audit_evidence_finding_id_audit_findings"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_audit_evidence_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_evidence")),
    )
    with op.batch_alter_table("audit_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_evidence_finding_id"), ["finding_id"], unique=False
        )

    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="lab", nullable=False)
        )
        batch_op.drop_constraint(
            batch_op.f("uq_checklist_versions_product_version"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_checklist_versions_kind_product_version"), ["kind", "product", "version"]
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_evidence_finding_id"))

    op.drop_table("audit_evidence")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_actions_finding_id"))

    op.drop_table("corrective_actions")
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_findings_audit_id"))

    op.drop_table("audit_findings")
    op.drop_table("audit_auditors")
    with op.batch_alter_table("site_audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_audits_surveillance_case_id"))
        batch_op.drop_index(batch_op.f("ix_site_audits_state"))
        batch_op.drop_index(batch_op.f("ix_site_audits_application_id"))

    op.drop_table("site_audits")
    # audit checklists have no place in the older schema
    op.execute("DELETE FROM checklist_versions WHERE kind = 'audit'")
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_checklist_versions_kind_product_version"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_checklist_versions_product_version"), ["product", "version"]
        )
        batch_op.drop_column("kind")
