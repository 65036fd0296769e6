"""stage_visits (each application's stay in each state, for the management review's lead
times) backfilled from the audit log; review_actions (the review's decisions and actions)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 14:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL = ("certified", "refused", "withdrawn")


def upgrade() -> None:
    visits = op.create_table(
        "stage_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_stage_visits_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_visits")),
    )
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stage_visits_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            "ix_stage_visits_entered_at", ["entered_at", "product", "state"], unique=False
        )
        batch_op.create_index(
            "ix_stage_visits_left_at", ["left_at", "product", "state", "entered_at"], unique=False
        )
        batch_op.create_index(
            "ix_stage_visits_open",
            ["entered_at"],
            unique=False,
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        )
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_from", sa.Date(), nullable=False),
        sa.Column("review_to", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_review_actions_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_review_actions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
    )
    with op.batch_alter_table("review_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_actions_review_from"), ["review_from"], unique=False
        )
    _backfill(visits)


def _backfill(visits: sa.Table) -> None:
    """The stays of existing applications, replayed from their audit events (creation and
    every event carrying a state change)."""
    conn = op.get_bind()
    products = dict(conn.execute(sa.text("SELECT id, product FROM applications")).all())
    if not products:
        return
    events = conn.execute(
        sa.text(
            "SELECT application_id, action, at, data FROM audit_events "
            "WHERE entity = 'application' AND application_id IS NOT NULL "
            "AND (action = 'application.created' OR data LIKE '%\"to\":%') "
            "ORDER BY application_id, seq"
        ).columns(
            sa.column("application_id", sa.Integer),
            sa.column("action", sa.String),
            sa.column("at", sa.DateTime),
            sa.column("data", sa.Text),
        )
    )
    rows, open_row = [], {}
    for app_id, action, at, data in events:
        if app_id not in products:
            continue
        state = "draft" if action == "application.created" else json.loads(data).get("to")
        if state is None:
            continue
        if app_id in open_row:
            open_row.pop(app_id)["left_at"] = at
        if state not in FINAL:
            row = {
                "application_id": app_id,
                "product": products[app_id],
                "state": state,
                "entered_at": at,
                "left_at": None,
            }
            rows.append(row)
            open_row[app_id] = row
    for start in range(0, len(rows), 5000):
        conn.execute(visits.insert(), rows[start : start + 5000])


def downgrade() -> None:
    with op.batch_alter_table("review_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_actions_review_from"))
    op.drop_table("review_actions")
    with op.batch_alter_table("stage_visits", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_stage_visits_open",
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        )
        batch_op.drop_index("ix_stage_visits_left_at")
        batch_op.drop_index("ix_stage_visits_entered_at")
        batch_op.drop_index(batch_op.f("ix_stage_visits_application_id"))
    op.drop_table("stage_visits")
