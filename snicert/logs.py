"""Log files: a long-running command (`serve`, `demo`) writes snicert's, Prefect's and
uvicorn's records of its process to SNICERT_HOME/logs/snicert.log, next to the logs of the
Prefect server and the runner, so one folder tells an operator what happened."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from snicert import config

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that do not propagate to the root in Prefect's logging configuration.
NON_PROPAGATING = ("uvicorn", "fastapi", "prefect._internal", "prefect.extra")


def directory() -> Path:
    path = config.home() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def recording(name: str = "snicert") -> Iterator[Path]:
    """While inside, this process's records also go to SNICERT_HOME/logs/<name>.log:
    snicert's from INFO (what serve started and stopped; the terminal still shows only
    its warnings and errors), everyone else's from the root's level (WARNING, Prefect's
    default)."""
    import prefect  # noqa: F401  (Prefect configures logging on import; ours goes on top)

    path = directory() / f"{name}.log"
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(FORMAT))
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.WARNING)
    terminal.setFormatter(logging.Formatter(FORMAT))
    loggers = [logging.getLogger(), *map(logging.getLogger, NON_PROPAGATING)]
    own = logging.getLogger("snicert")
    saved = own.level, own.propagate, own.handlers
    for logger in loggers:
        logger.addHandler(to_file)
    own.setLevel(logging.INFO)
    own.propagate, own.handlers = False, [to_file, terminal]
    try:
        yield path
    finally:
        for logger in loggers:
            logger.removeHandler(to_file)
        own.level, own.propagate, own.handlers = saved
        to_file.close()
