"""Test fixtures: a fresh, initialised database per test on SQLite, or on PostgreSQL when
SNICERT_TEST_DATABASE_URL is set (the whole suite then runs there)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

# Before anything imports prefect: its home (profiles, local server data) in a temp dir.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="snicert-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from snicert import bootstrap, clock, effects, settings, synthetic  # noqa: E402
from snicert.db import engine as db  # noqa: E402
from snicert.db import events  # noqa: E402
from snicert.db.models import Base  # noqa: E402
from snicert.services import public  # noqa: E402

PG_URL = os.environ.get("SNICERT_TEST_DATABASE_URL")


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """SQLite: one initialised database file copied for every test.
    PostgreSQL: the schema is rebuilt once; every test then empties the tables."""
    if PG_URL:
        _create_database(PG_URL)
        eng = db.make_engine(PG_URL)
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        eng.dispose()
        return None
    home = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{home / 'snicert.db'}"
    with _env(SNICERT_HOME=str(home), SNICERT_DATABASE_URL=url, SNICERT_FLOW_MODE="off"):
        bootstrap.init()
        db.dispose_all()  # closing the last connection checkpoints the WAL into the file
    return home / "snicert.db"


def _create_database(url: str) -> None:
    """Create the test database on the server if it is not there yet."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = db.make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


class _env:
    def __init__(self, **values: str):
        self.values, self.saved = values, {}

    def __enter__(self) -> None:
        for k, v in self.values.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v

    def __exit__(self, *exc: object) -> None:
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(autouse=True)
def _services_only() -> Iterator[None]:
    """What follows a recorded change, in tests: the people are told and the public cache
    is cleared, but no Prefect event goes out and no flow runs after a commit (tests that
    want them switch the table with `effects_table`)."""
    with events.use(effects.table("off")):
        yield


@pytest.fixture
def effects_table() -> Iterator[Callable[..., events.Table]]:
    """`effects_table(mode, emit=..., run=...)` swaps the handler table for this test."""
    with ExitStack() as stack:

        def switch(mode: str, **handlers: Callable) -> events.Table:
            return stack.enter_context(events.use(effects.table(mode, **handlers)))

        yield switch


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its real cost takes ~0.2 s per password; tests only need it to work."""
    from argon2 import PasswordHasher

    from snicert.services import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def home(tmp_path: Path, _template: Path | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An initialised SNICERT_HOME (system user, checklists loaded as drafts, no official)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SNICERT_HOME", str(home))
    # a made-up certification body: issuance is refused without an identity
    for name, value in synthetic.IDENTITY.items():
        monkeypatch.setenv(settings.env_name(name), value)
    # for the processes a test starts (in this one, the handler table decides: see above)
    monkeypatch.setenv("SNICERT_FLOW_MODE", "off")
    db.dispose_all()
    if PG_URL:
        monkeypatch.setenv("SNICERT_DATABASE_URL", PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with db.engine().begin() as conn:
            if conn.dialect.has_table(conn, "audit_head"):
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                conn.execute(
                    text(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
                )
        bootstrap.init()
    else:
        shutil.copy(_template, home / "snicert.db")
        # the keys and the audit checkpoints belong with the database they signed
        for folder in ("keys", "audit"):
            shutil.copytree(_template.parent / folder, home / folder)
        monkeypatch.setenv("SNICERT_DATABASE_URL", f"sqlite:///{home / 'snicert.db'}")
    clock.reset()
    public.forget_certificates()  # the verification cache outlives a test's database
    yield home
    clock.reset()
    db.dispose_all()
