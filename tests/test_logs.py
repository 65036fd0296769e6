"""snicert.logs: what serve's and the demo's process log lands in SNICERT_HOME/logs/snicert.log,
and nothing is left attached once the command is over."""

from __future__ import annotations

import logging


def test_records_reach_the_file_and_handlers_go_away(home) -> None:
    from snicert import logs

    root_handlers = list(logging.getLogger().handlers)
    with logs.recording() as path:
        logging.getLogger("snicert.serve").info("started runner")
        logging.getLogger("snicert.effects").error("could not emit snicert.application.created")
        logging.getLogger("uvicorn.error").error("Exception in ASGI application")
        logging.getLogger("prefect.server").warning("a warning from Prefect")
        logging.getLogger("prefect.server").info("chatter below the root's level")
    text = path.read_text()
    assert path == home / "logs" / "snicert.log"
    assert "INFO snicert.serve: started runner" in text
    assert "ERROR snicert.effects: could not emit" in text
    assert "ERROR uvicorn.error: Exception in ASGI application" in text
    assert "WARNING prefect.server: a warning from Prefect" in text
    assert "chatter" not in text
    assert logging.getLogger().handlers == root_handlers
    assert logging.getLogger("snicert").propagate
    logging.getLogger("snicert.serve").error("after the command")
    assert "after the command" not in path.read_text()
