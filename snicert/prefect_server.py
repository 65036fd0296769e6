"""The embedded Prefect server: Prefect's own ephemeral server, plus one response header.

On SQLite, Prefect's server answers 503 when a write meets "database is locked"
(PrefectHQ/prefect#18934: creating a flow run reads, then writes, so a commit by the
server's own event or task-run writers in between fails it). Prefect's client then backs
off 2 s, then 4 s; measured here, about one flow run in 60 waited 2 s for a lock held a few
milliseconds. A 503 from this server carries `Retry-After: 0.05`, which the client honours.

Used whenever no PREFECT_API_URL is set (the demo, the benchmarks, a flow run from the CLI).
A dedicated server (`snicert serve`, or PostgreSQL in production) is left as it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

RETRY_AFTER = b"0.05"
_lock = threading.Lock()


class RetrySoon:
    """ASGI wrapper: a 503 without Retry-After gets a short one."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_soon(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 503:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"retry-after" for name, _ in headers):
                    message = {**message, "headers": [*headers,
                                                      (b"retry-after", RETRY_AFTER)]}
            await send(message)

        await self.app(scope, receive, send_soon)


def create_app() -> RetrySoon:
    """uvicorn factory for the server process."""
    from prefect.server.api.server import create_app as prefect_app

    return RetrySoon(prefect_app())


def _server_class() -> type:
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class EmbeddedServer(SubprocessASGIServer):
        _instances: dict = {}  # not shared with Prefect's own ephemeral servers

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            # As Prefect's, with this module's factory.
            env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                   "PREFECT__SERVER_FINAL": "1",
                   **get_current_settings().to_environment_variables(exclude_unset=True)}
            return subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory",
                 "snicert.prefect_server:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env=env)

    return EmbeddedServer


def ensure_api() -> None:
    """Point Prefect at the embedded server (started on first use) unless an API is set."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    with _lock:
        if PREFECT_API_URL.value():
            return
        server = _server_class()()
        server.start()
        os.environ["PREFECT_API_URL"] = server.api_url
        refresh_global_settings_context()
