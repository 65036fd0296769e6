"""The embedded Prefect server's wrapper: short random Retry-After on 503, one write at a
time, BEGIN IMMEDIATE within writes, start-up objects frozen out of the collector."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text

from snicert.prefect_server import RETRY_AFTER, SqliteFriendly


def _app(status: int, headers: list | None = None, delay: float = 0.0, log: list | None = None):
    async def app(scope, receive, send):
        if log is not None:
            log.append(("start", scope["method"]))
        await asyncio.sleep(delay)
        if log is not None:
            log.append(("end", scope["method"]))
        await send(
            {"type": "http.response.start", "status": status, "headers": list(headers or [])}
        )
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _call(app, method: str = "POST") -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": method, "path": "/api/flow_runs/"}, receive, send)
    return sent


def _headers(sent: list[dict]) -> dict[bytes, bytes]:
    return dict(sent[0]["headers"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_503_gets_short_random_retry_after(method):
    waits = set()
    for _ in range(20):
        sent = asyncio.run(_call(SqliteFriendly(_app(503)), method))
        assert sent[0]["status"] == 503
        wait = float(_headers(sent)[b"retry-after"])
        assert RETRY_AFTER[0] <= wait <= RETRY_AFTER[1]
        waits.add(wait)
    assert len(waits) > 1  # random, so collided clients do not retry in step


def test_other_answers_and_existing_retry_after_untouched():
    sent = asyncio.run(_call(SqliteFriendly(_app(201, [(b"x", b"1")]))))
    assert sent[0]["status"] == 201 and _headers(sent) == {b"x": b"1"}
    sent = asyncio.run(_call(SqliteFriendly(_app(503, [(b"Retry-After", b"7")]))))
    assert _headers(sent) == {b"Retry-After": b"7"}


def _overlaps(method: str) -> bool:
    log: list = []
    app = SqliteFriendly(_app(200, delay=0.02, log=log))

    async def both():
        await asyncio.gather(_call(app, method), _call(app, method))

    asyncio.run(both())
    return [kind for kind, _ in log] == ["start", "start", "end", "end"]


def test_writes_take_turns_reads_do_not():
    assert not _overlaps("POST")
    assert not _overlaps("PATCH")
    assert _overlaps("GET")


def test_non_http_scopes_pass_through():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(SqliteFriendly(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


def _write_lock_free(path) -> bool:
    """Can another connection take SQLite's write lock right now (without waiting)?"""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize(("method", "locked"), [("POST", True), ("GET", False)])
def test_writing_requests_begin_immediate(tmp_path, method, locked):
    """Prefect begins a plain transaction DEFERRED: it reads, then fails to write if another
    commit came in between. Within a writing request it holds the write lock from BEGIN."""
    from prefect.server.database.configurations import AioSqliteConfiguration

    from snicert.prefect_server import _immediate_transactions_when_writing

    _immediate_transactions_when_writing()
    _immediate_transactions_when_writing()  # a second call changes nothing
    path = tmp_path / "prefect.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    seen = []

    async def app(scope, receive, send):
        config = AioSqliteConfiguration(f"sqlite+aiosqlite:///{path}")
        engine = await config.engine()
        session = await config.session(engine)
        async with session, config.begin_transaction(session):
            await session.execute(text("SELECT count(*) FROM t"))  # a read, no write yet
            seen.append(await asyncio.to_thread(_write_lock_free, path))
        await engine.dispose()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    asyncio.run(_call(SqliteFriendly(app), method))
    assert seen == [not locked]
