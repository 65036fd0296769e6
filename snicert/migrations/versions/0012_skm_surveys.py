"""skm_surveys and skm_scores: the satisfaction survey (SKM) of closed applications; the
applicants of cases closed before it existed are invited too

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skm_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("invited_at", snicert.db.models.UTCDateTime(), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", snicert.db.models.UTCDateTime(), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_skm_surveys_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_skm_surveys_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_skm_surveys_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skm_surveys")),
        sa.UniqueConstraint("application_id", name=op.f("uq_skm_surveys_application_id")),
    )
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skm_surveys_answered_at"), ["answered_at"])
        batch_op.create_index(batch_op.f("ix_skm_surveys_business_id"), ["business_id"])
    op.create_table(
        "skm_scores",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 4", name=op.f("ck_skm_scores_score_1_to_4")),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["skm_surveys.id"], name=op.f("fk_skm_scores_survey_id_skm_surveys")
        ),
        sa.PrimaryKeyConstraint("survey_id", "element", name=op.f("pk_skm_scores")),
    )
    # Cases already closed get their invitation as if the survey had existed then (their
    # audit log shows no `survey.invited` event: the migration, not a person, made them).
    op.execute(
        "INSERT INTO skm_surveys (application_id, business_id, product, state, invited_at) "
        "SELECT id, business_id, product, 'invited', state_changed_at FROM applications "
        "WHERE state IN ('certified', 'refused', 'withdrawn')"
    )


def downgrade() -> None:
    op.drop_table("skm_scores")
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skm_surveys_business_id"))
        batch_op.drop_index(batch_op.f("ix_skm_surveys_answered_at"))
    op.drop_table("skm_surveys")
