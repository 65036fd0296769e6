"""The embedded Prefect server: Prefect's own ephemeral server, with two changes for SQLite.

On SQLite, Prefect's server answers 503 when a write meets "database is locked"
(PrefectHQ/prefect#18934): creating a flow run reads, awaits, then writes, and any commit in
between (another request's, or the server's own event and task-run writers') makes the
write fail. Prefect's client then backs off 2 s, 4 s, 8 s...; measured here, one flow run in
60 waited 2 s with one client, and with three threads creating runs at once some waited
longer than five retries. So this server
- handles one writing request (any method but GET/HEAD/OPTIONS) at a time: SQLite has one
  writer anyway, and requests no longer invalidate each other's reads; reads stay parallel;
- opens the transactions of a writing request with BEGIN IMMEDIATE, as Prefect already does
  for its row-locking ones: the request then waits (SQLite's busy timeout) while the
  server's own event and task-run writers commit, instead of failing. Measured: about one
  flow-run creation in 20 met such a commit and cost the client a 0.05-0.5 s retry, some
  50 ms per application on average; none does now;
- answers any 503 still left with a short random `Retry-After` (0.05-0.5 s), which the
  client honours;
- on shutdown, waits one task-run-recorder flush interval (1 s, prefect_env) before Prefect
  cancels its services, so the last task runs are written without an ERROR in the log.

Used as the embedded server: started on first use when no PREFECT_API_URL is set (the demo,
the benchmarks, a flow run from the CLI) and by `snicert serve`, whose server also has
Prefect's UI and all of its services. A Prefect server of one's own (PostgreSQL in
production) is left as it is.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import random
import subprocess
import sys
import threading
from typing import Any

from snicert import logs

RETRY_AFTER = (0.05, 0.5)  # seconds, drawn at random per answer
_lock = threading.Lock()


READS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing = contextvars.ContextVar("snicert_writing_request", default=False)


def _immediate_transactions_when_writing() -> None:
    """Within a writing request, every transaction Prefect begins is BEGIN IMMEDIATE."""
    from contextlib import asynccontextmanager

    from prefect.server.database.configurations import AioSqliteConfiguration

    begin = AioSqliteConfiguration.begin_transaction
    if getattr(begin, "snicert", False):
        return  # already in place

    @asynccontextmanager
    async def begin_transaction(self, session, with_for_update: bool = False):
        async with begin(self, session, with_for_update=with_for_update or _writing.get()) as tx:
            yield tx

    begin_transaction.snicert = True  # type: ignore[attr-defined]
    AioSqliteConfiguration.begin_transaction = begin_transaction


class SqliteFriendly:
    """ASGI wrapper around Prefect's app (see the module's docstring)."""

    def __init__(self, app: Any):
        self.app = app
        self.writing = asyncio.Lock()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._settle_before_shutdown(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_soon(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 503:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"retry-after" for name, _ in headers):
                    wait = f"{random.uniform(*RETRY_AFTER):.2f}".encode()
                    message = {**message, "headers": [*headers, (b"retry-after", wait)]}
            await send(message)

        if scope["method"] in READS:
            await self.app(scope, receive, send_soon)
            return
        async with self.writing:
            token = _writing.set(True)
            try:
                await self.app(scope, receive, send_soon)
            finally:
                _writing.reset(token)

    def _settle_before_shutdown(self, receive: Any) -> Any:
        """Hand Prefect the shutdown only once its recorders had time to write what the
        last clients sent: its services are cancelled at shutdown, and a task-run
        recorder cancelled while writing logs an ERROR with a traceback (and writes the
        batch again, if the process is given the time)."""

        async def receive_later() -> dict:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await asyncio.sleep(_flush_interval() + 0.5)
            return message

        return receive_later


def _flush_interval() -> float:
    from prefect.settings import get_current_settings

    return get_current_settings().server.services.task_run_recorder.flush_interval


def create_app() -> SqliteFriendly:
    """uvicorn factory for the server process."""
    from prefect.server.api.server import create_app as prefect_app

    _immediate_transactions_when_writing()
    return SqliteFriendly(prefect_app())


def command(host: str, port: int, log_level: str = "warning") -> list[str]:
    """Run Prefect's server app behind this wrapper (run it with `server_env`)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "snicert.prefect_server:create_app",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        log_level,
        "--lifespan",
        "on",
    ]


def server_env(env: dict[str, str], host: str, port: int) -> dict[str, str]:
    """The server process's environment: what `prefect server start` tells create_app
    (this is the final app, not a test's; where it listens, which is also the API address
    its UI is given in /ui-settings unless PREFECT_UI_API_URL says otherwise)."""
    env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}  # another server's
    return {
        **env,
        "PREFECT__SERVER_FINAL": "1",
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
    }


def _server_class() -> type:
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class EmbeddedServer(SubprocessASGIServer):
        _instances: dict = {}  # not shared with Prefect's own ephemeral servers

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            # As Prefect's, with this module's factory.
            env = {
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            }
            with (logs.directory() / "prefect-server.log").open("ab") as out:
                return subprocess.Popen(
                    command("127.0.0.1", self.port, "error"),
                    env=server_env(env, "127.0.0.1", self.port),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )

    return EmbeddedServer


def ensure_api() -> None:
    """Point Prefect at the embedded server (started on first use) unless an API is set."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    with _lock:
        if PREFECT_API_URL.value():
            return
        server = _server_class()()
        server.start()
        use_api(server.api_url)


def use_api(api: str) -> None:
    """Point this process's Prefect at `api`, also when its settings were loaded already
    (logging set-up imports Prefect first thing)."""
    from prefect.context import refresh_global_settings_context

    os.environ["PREFECT_API_URL"] = api
    refresh_global_settings_context()
