"""Run the web app with uvicorn inside `snicert serve`."""

from __future__ import annotations

from typing import Any

import uvicorn

from snicert.web.app import create_app


def serve_web(host: str, port: int, services: Any) -> None:
    """Blocks until Ctrl-C (uvicorn handles the signal and returns)."""
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
