"""Engines and transactions. SQLite by default, PostgreSQL via SNICERT_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from snicert import config
from snicert.db import events


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_pre_ping=True)

    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, emit BEGIN (so it can be IMMEDIATE below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the write lock up front: two transactions that read then write
        # never deadlock on a lock upgrade; they queue on busy_timeout instead. Readers
        # (`reading()`) begin deferred and never wait for a writer (WAL).
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


_ENGINES: dict[str, Engine] = {}
_FACTORIES: dict[str, sessionmaker[Session]] = {}
_READERS: dict[str, sessionmaker[Session]] = {}
_READ_ENGINES: dict[str, Engine] = {}
_READ_ONLY = "snicert_read_only"


def engine() -> Engine:
    url = config.database_url()
    if url not in _ENGINES:
        config.ensure_home()
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commits on success, rolls everything back on any error.

    Callbacks registered with `after_commit` run once the commit succeeded, then the
    transaction's domain events go through the handler table (snicert/db/events.py), so
    nothing outside the database (events, flow runs, rendered files) ever reports a change
    that was rolled back; callbacks registered with `after_rollback` undo work done outside
    the database (files written aside) when it did not commit.
    """
    url = config.database_url()
    if url not in _FACTORIES:
        _FACTORIES[url] = sessionmaker(engine(), expire_on_commit=False)
    with _FACTORIES[url]() as session:
        try:
            with session.begin():
                yield session
                events.close(session)
        except BaseException:
            events.take(session)  # a rolled-back change has no effects
            for undo in session.info.pop(_AFTER_ROLLBACK, {}).values():
                undo()
            raise
        callbacks = session.info.pop(_AFTER_COMMIT, {})
        committed = events.take(session)
    # files are in place before anything (a flow run) that follows the events reads them
    for callback in callbacks.values():
        callback()
    events.dispatch(committed)


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only unit of work (public pages, listings): on SQLite it takes no write lock.
    Anything written in it is rolled back."""
    url = config.database_url()
    if url not in _READERS:
        _READERS[url] = sessionmaker(
            engine().execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
    with _READERS[url]() as session, session.begin():
        yield session
        session.rollback()


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A read-only Core connection for the hottest read (the public verification API): an
    ORM session costs ~0.25 ms more per use than the indexed read itself (measured)."""
    url = config.database_url()
    if url not in _READ_ENGINES:
        _READ_ENGINES[url] = engine().execution_options(**{_READ_ONLY: True})
    with _READ_ENGINES[url].connect() as conn:
        try:
            yield conn
        finally:
            conn.rollback()


_AFTER_COMMIT = "snicert_after_commit"
_AFTER_ROLLBACK = "snicert_after_rollback"


def after_commit(session: Session, key: Hashable, callback: Callable[[], None]) -> None:
    """Run `callback` after this transaction commits; the same key is queued once."""
    session.info.setdefault(_AFTER_COMMIT, {}).setdefault(key, callback)


def after_rollback(session: Session, key: Hashable, callback: Callable[[], None]) -> None:
    """Run `callback` if this transaction ends without committing (an error, a refusal or
    a failed commit); the same key is queued once. A killed process runs nothing: see
    outputs.sweep_pending for what it leaves."""
    session.info.setdefault(_AFTER_ROLLBACK, {}).setdefault(key, callback)


def dispose_all() -> None:
    """Close every pooled connection (tests switch databases; forked workers start clean)."""
    for eng in _ENGINES.values():
        eng.dispose()
    _ENGINES.clear()
    _FACTORIES.clear()
    _READERS.clear()
    _READ_ENGINES.clear()
