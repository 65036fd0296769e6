"""tamper evidence: the audit head's signature, the certificate's signed credential

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:45:00

Certificates issued before this revision get their credential from the signed JSON file
rendered at issuance (outputs, kind "json"), when it is there; one without stays NULL and
`snicert audit verify` names it.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import snicert.db.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature", sa.String(length=200), nullable=True))
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential", snicert.db.models.JSONType, nullable=True))
    _backfill_credentials()


def _backfill_credentials() -> None:
    from snicert import config

    bind = op.get_bind()
    certificates = sa.table(
        "certificates",
        sa.column("id", sa.Integer),
        sa.column("credential", snicert.db.models.JSONType),
    )
    rows = bind.execute(
        sa.text(
            "SELECT owner, path FROM outputs WHERE kind = 'json' AND owner LIKE 'certificate:%'"
        )
    )
    for owner, path in rows.all():
        try:
            credential = json.loads((config.home() / path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        bind.execute(
            certificates.update()
            .where(certificates.c.id == int(owner.split(":", 1)[1]))
            .values(credential=credential)
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("credential")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("signature")
