"""skm_surveys.u1..u9: each SKM element's score as a column of the survey (the regulation
fixes nine), so the index is one pass over one table; skm_scores goes

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The element ids of surveys/skm.yaml version 1 and their codes, as stored by 0012.
CODES = {
    "persyaratan": 1,
    "prosedur": 2,
    "waktu": 3,
    "biaya": 4,
    "produk": 5,
    "kompetensi": 6,
    "perilaku": 7,
    "pengaduan": 8,
    "sarana": 9,
}
ANSWERED_IN_FULL = (
    "state <> 'answered' OR (" + " AND ".join(f"u{i} IS NOT NULL" for i in range(1, 10)) + ")"
)


# On SQLite a batch operation copies and drops skm_surveys, which a table referencing it
# with rows refuses (foreign keys on): the scores wait aside in a plain table meanwhile.
ASIDE = "skm_scores_0014"


def upgrade() -> None:
    op.execute(f"CREATE TABLE {ASIDE} AS SELECT survey_id, element, score FROM skm_scores")
    # without it each UPDATE below reads the whole table once per survey
    op.execute(f"CREATE UNIQUE INDEX ix_{ASIDE} ON {ASIDE} (survey_id, element)")
    op.drop_table("skm_scores")
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        for i in range(1, 10):
            batch_op.add_column(sa.Column(f"u{i}", sa.Integer(), nullable=True))
            batch_op.create_check_constraint(
                op.f(f"ck_skm_surveys_u{i}_1_to_4"), f"u{i} BETWEEN 1 AND 4"
            )
    for element, i in CODES.items():
        op.execute(
            f"UPDATE skm_surveys SET u{i} = (SELECT score FROM {ASIDE} WHERE "
            f"{ASIDE}.survey_id = skm_surveys.id AND {ASIDE}.element = '{element}')"
        )
    op.drop_table(ASIDE)
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_skm_surveys_answered_in_full"), ANSWERED_IN_FULL)


def downgrade() -> None:
    op.create_table(
        "skm_scores",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 4", name=op.f("ck_skm_scores_score_1_to_4")),
        sa.PrimaryKeyConstraint("survey_id", "element", name=op.f("pk_skm_scores")),
    )
    for element, i in CODES.items():
        op.execute(
            f"INSERT INTO skm_scores (survey_id, element, score) "
            f"SELECT id, '{element}', u{i} FROM skm_surveys WHERE u{i} IS NOT NULL"
        )
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_skm_surveys_answered_in_full"), type_="check")
        for i in range(1, 10):
            batch_op.drop_constraint(op.f(f"ck_skm_surveys_u{i}_1_to_4"), type_="check")
            batch_op.drop_column(f"u{i}")
    with op.batch_alter_table("skm_scores", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_skm_scores_survey_id_skm_surveys"), "skm_surveys", ["survey_id"], ["id"]
        )
