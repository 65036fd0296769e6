"""Where snicert keeps its state. Everything lives under SNICERT_HOME (default ./var)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def home() -> Path:
    return _resolved(os.environ.get("SNICERT_HOME", "var"), os.getcwd())


@lru_cache(maxsize=32)
def _resolved(raw: str, cwd: str) -> Path:
    # Resolving costs file-system calls, and every transaction asks for the database URL.
    return (Path(cwd) / raw).resolve()


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
