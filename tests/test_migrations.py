"""The Alembic migrations build exactly the schema the models describe, and go both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from snicert.db import engine as db
from snicert.db.migrate import alembic_config
from snicert.db.models import Base


def _diff() -> list:
    with db.engine().connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def test_migrated_schema_matches_the_models(home) -> None:
    assert _diff() == []


def test_downgrade_to_base_and_upgrade_again(home) -> None:
    cfg = alembic_config()
    with db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with db.engine().connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    with db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _diff() == []
