"""Where snicert keeps its state. Everything lives under SNICERT_HOME (default ./var)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("SNICERT_HOME", "var")).resolve()


def database_url() -> str:
    url = os.environ.get("SNICERT_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{home() / 'snicert.db'}"


def blob_dir() -> Path:
    return home() / "blobs"


def ensure_home() -> Path:
    h = home()
    h.mkdir(parents=True, exist_ok=True)
    return h
