"""A Prefect task worker for snicert's background tasks (flows.certification.TASKS).

What `prefect task serve` does, with a clean stop: a long-lived process subscribes to the
Prefect server's scheduled runs of these tasks and runs each one it is handed, in a thread
of its own (up to LIMIT at once). No new process per run. Start as many as you like, on
any machine that reaches the Prefect server, snicert's database and the task scheduling
storage (README, "Server mode"): the server hands each run to one of them.

`snicert serve` starts one (embedded mode); `snicert worker` runs one in the foreground;
the demo runs one in a thread (`in_thread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from prefect.task_worker import StopTaskWorker, TaskWorker

import flows  # noqa: F401  (configures Prefect before it is imported)
from flows.certification import TASKS

# Runs at once per worker: each is mostly waiting on the database; more only queue for
# its locks and the two cores.
LIMIT = 4


class StoppableTaskWorker(TaskWorker):
    def handle_sigterm(self, signum: int, frame: object) -> None:
        # Prefect 3.8.8's handler waits for a call on the loop it interrupts (as the
        # runner's does: flows/runner.py); treat SIGTERM as Ctrl-C: asyncio.run cancels
        # the worker, which stops taking runs and ends.
        signal.raise_signal(signal.SIGINT)


async def serve(limit: int = LIMIT, started: threading.Event | None = None) -> None:
    """Serve until cancelled (Ctrl-C, SIGTERM, or `in_thread`'s stop)."""
    worker = StoppableTaskWorker(*TASKS, limit=limit)
    if started is not None:
        started.set()
    with contextlib.suppress(StopTaskWorker, asyncio.CancelledError):
        await worker.astart()


def main() -> None:
    """Serve in the foreground until SIGTERM or Ctrl-C (PREFECT_API_URL names the server)."""
    # SIGINT must raise KeyboardInterrupt even if the parent ignored it (a shell's
    # background job does): asyncio.run only handles it then.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT or SIGTERM: a normal stop
        asyncio.run(serve())


@contextlib.contextmanager
def in_thread(limit: int = LIMIT) -> Iterator[None]:
    """A task worker in a thread of this process while the block runs (the demo)."""
    started = threading.Event()
    box: dict[str, Any] = {}

    async def run() -> None:
        box["loop"], box["task"] = asyncio.get_running_loop(), asyncio.current_task()
        await serve(limit, started)

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="task-worker", daemon=True)
    thread.start()
    started.wait(60)
    try:
        yield
    finally:
        if "loop" in box:
            box["loop"].call_soon_threadsafe(box["task"].cancel)
        thread.join(10)


if __name__ == "__main__":
    main()
