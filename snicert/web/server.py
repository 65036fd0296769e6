"""Run the web app with uvicorn inside `snicert serve`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import uvicorn

from snicert.web.app import create_app

GRACE = 2  # seconds


def serve_web(
    host: str, port: int, ready: Callable[[], None], failed: Callable[[], str | None]
) -> bool:
    """Calls `ready()` once it listens, then blocks until SIGINT or SIGTERM (uvicorn shuts
    down, then re-raises the signal), or until `failed()` names a problem (a child process
    of serve died): then it returns. False when it could not listen (uvicorn logged why).
    log_config=None: uvicorn's records go through the process's logging (snicert.logs)."""
    config = uvicorn.Config(
        create_app(),
        host=host,
        port=port,
        log_level="warning",
        log_config=None,
        # requests still running at a stop get this long (then serve stops its children
        # within serve.STOP_WITHIN: all of it within 10 s)
        timeout_graceful_shutdown=GRACE,
    )
    server = uvicorn.Server(config)

    def watch() -> None:
        while not (server.started or server.should_exit):
            time.sleep(0.1)
        if server.started:
            ready()
        while not server.should_exit:
            if failed():
                server.should_exit = True
                return
            time.sleep(1)

    threading.Thread(target=watch, name="serve-watch", daemon=True).start()
    server.run()
    return server.started
