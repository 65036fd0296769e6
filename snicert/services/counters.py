"""Gap-free numbering under a row lock (SQLite: the write lock; PostgreSQL: FOR UPDATE)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from snicert.db.models import Counter


def next_value(s: Session, name: str) -> int:
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    stmt = select(Counter).where(Counter.name == name).with_for_update()
    counter = s.scalars(stmt.execution_options(populate_existing=True)).one()
    counter.value += 1
    s.flush()
    return counter.value
