"""Prefect settings snicert chooses deliberately (measured; see bench/README.md).

They are process environment defaults, so an operator's own PREFECT_* values win. They must
be set before prefect is imported, hence `configure()` at the top of flows/ and the CLI.
"""

from __future__ import annotations

import os

from snicert import config

DEFAULTS = {
    # No network here; analytics would try to reach the internet.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # On SQLite the task-run recorder's one-row transactions collide with the next
    # flow run's insert ("database is locked", PrefectHQ/prefect#18934) and the client
    # backs off ~2 s. Batching its writes removes nearly all collisions.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "50",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "50",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    # Same for the event persister: fewer, larger write transactions.
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_READ_BATCH_SIZE": "50",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # Background task runs have no flow run, and Prefect's API log handler only sends
    # logs of flow runs: otherwise each run's log line warns about that (task runs'
    # states and names still reach the server as events).
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # The embedded server's first start creates its database; on a fresh machine (cold
    # file cache, no bytecode yet, a busy CPU) that took longer than Prefect's 20 s, the
    # caller gave up and the event it was sending was lost. Measured here: 27 s with the
    # machine's two cores busy. It only bounds the wait for a server that never answers.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    # The server's CSRF protection is off by default; the client then need not fetch a
    # token per client (one request per flow run). Enable both together if you enable it.
    "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED": "false",
}


def configure() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    # The embedded server keeps its database under SNICERT_HOME like everything else.
    if "PREFECT_HOME" not in os.environ:
        prefect_home = config.home() / "prefect"
        prefect_home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(prefect_home)
