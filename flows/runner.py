"""The embedded runner: serves snicert's scheduled deployments from this machine (the
daily sweep and the notification outbox). `snicert serve` starts it and stops it with
SIGTERM. The cases' automated stages are not deployments: a task worker runs them
(flows/worker.py)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from prefect.runner import Runner
from prefect.schedules import Cron, Interval

import flows  # noqa: F401  (configures Prefect before it is imported)
from flows.notifications import notifications
from flows.resume import resume
from flows.surveillance import sweep
from snicert.health import SWEEP_DEPLOYMENT

SWEEP_CRON = "0 6 * * *"  # every morning, Kupang time
SWEEP_TZ = "Asia/Makassar"


class StoppableRunner(Runner):
    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        # Prefect 3.8.8's handler waits, from inside the event loop's own thread, for a
        # call scheduled on that loop: it never returns and the runner ignores SIGTERM.
        # Treat SIGTERM as Ctrl-C instead: asyncio.run cancels the runner, which stops
        # its loops and its flow-run processes on the way out.
        signal.raise_signal(signal.SIGINT)


def main() -> None:
    # Schedules are not paused on shutdown (Prefect's default would be to): the scheduled
    # runs stay on the server, so a sweep that fell due while serve was down runs as soon
    # as the runner is back, instead of waiting for the next morning.
    runner = StoppableRunner(pause_on_shutdown=False)
    runner.add_deployment(
        sweep.to_deployment(name=SWEEP_DEPLOYMENT, schedule=Cron(SWEEP_CRON, timezone=SWEEP_TZ))
    )
    # the outbox: every minute, and started after each commit that writes to it
    runner.add_deployment(notifications.to_deployment(name="notifications", schedule=Interval(60)))
    # what waits on the system too long (a failed run, a dead worker): every minute
    runner.add_deployment(resume.to_deployment(name="resume", schedule=Interval(60)))
    # SIGINT must raise KeyboardInterrupt even if the parent ignored it (a shell's
    # background job does): asyncio.run only handles it then.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT or SIGTERM: a normal stop
        asyncio.run(runner.start())


if __name__ == "__main__":
    main()
