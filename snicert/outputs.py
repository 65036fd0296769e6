"""Files snicert renders, written under SNICERT_HOME/outputs and recorded with their sha256."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, config, storage
from snicert.db.models import Output
from snicert.templating import environment


@cache
def templates() -> Environment:
    return environment(PackageLoader("snicert", "templates"), undefined=StrictUndefined)


def find(s: Session, owner: str, kind: str) -> Output | None:
    return s.scalar(select(Output).where(Output.owner == owner, Output.kind == kind))


def write(s: Session, owner: str, kind: str, relpath: str, data: bytes, media_type: str) -> Output:
    """Write the file atomically and record it; an existing (owner, kind) row is returned
    unchanged, and the unique constraint stops two concurrent runs from both recording."""
    existing = find(s, owner, kind)
    if existing is not None:
        return existing
    storage.write_atomic(config.home() / relpath, data)
    out = Output(
        owner=owner,
        kind=kind,
        path=relpath,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        created_at=clock.now(),
    )
    s.add(out)
    s.flush()
    return out


def absolute(out: Output) -> Path:
    return config.home() / out.path
