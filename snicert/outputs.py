"""Files snicert renders, written under SNICERT_HOME/outputs and recorded with their sha256.

A file is first written aside, under outputs/.pending/<sha256>.<random>, and moved to its
place only once the transaction that records it has committed: a step that fails, is
refused or rolls back leaves no file behind (a signed certificate naming a business that
never got the number, say). A process killed before its commit leaves only a pending file,
which `sweep_pending` removes; one killed between the commit and the move leaves a
recorded file still pending, which `absolute` (every reader's way to the file) and
`sweep_pending` move into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, config
from snicert.db.engine import after_commit, after_rollback
from snicert.db.models import Output
from snicert.templating import environment

PENDING = "outputs/.pending"


@cache
def templates() -> Environment:
    return environment(PackageLoader("snicert", "templates"), undefined=StrictUndefined)


def find(s: Session, owner: str, kind: str) -> Output | None:
    return s.scalar(select(Output).where(Output.owner == owner, Output.kind == kind))


def write(s: Session, owner: str, kind: str, relpath: str, data: bytes, media_type: str) -> Output:
    """Record the file and write it aside; it is moved to `relpath` after the commit. An
    existing (owner, kind) row is returned unchanged, and the unique constraint stops two
    concurrent runs from both recording."""
    existing = find(s, owner, kind)
    if existing is not None:
        return existing
    digest = hashlib.sha256(data).hexdigest()
    pending = _write_pending(digest, data)
    target = config.home() / relpath
    after_rollback(s, ("output", relpath), lambda: pending.unlink(missing_ok=True))
    out = Output(
        owner=owner,
        kind=kind,
        path=relpath,
        media_type=media_type,
        sha256=digest,
        size=len(data),
        created_at=clock.now(),
    )
    s.add(out)
    s.flush()
    after_commit(s, ("output", relpath), lambda: _place(pending, target))
    return out


def absolute(out: Output) -> Path:
    """Where the recorded file is; one its process left pending after the commit is moved
    into place first."""
    path = config.home() / out.path
    if not path.exists():
        for pending in _pending_dir().glob(f"{out.sha256}.*"):
            _place(pending, path)
            break
    return path


def sweep_pending(s: Session, older_than: float = 3600.0) -> tuple[int, int]:
    """Tidy what killed processes left in outputs/.pending: files of a committed record are
    moved into place; others older than `older_than` seconds (their transaction never
    committed; younger ones may still be in flight) are deleted. Returns (placed, deleted)."""
    folder = _pending_dir()
    if not folder.is_dir():
        return 0, 0
    files = [p for p in folder.iterdir() if not p.name.startswith(".")]
    digests = {p.name.split(".", 1)[0] for p in files}
    recorded = (
        {out.sha256: out for out in s.scalars(select(Output).where(Output.sha256.in_(digests)))}
        if digests
        else {}
    )
    placed = deleted = 0
    cutoff = time.time() - older_than
    for p in files:
        out = recorded.get(p.name.split(".", 1)[0])
        with contextlib.suppress(FileNotFoundError):  # a concurrent commit just moved it
            if out is not None and not (config.home() / out.path).exists():
                _place(p, config.home() / out.path)
                placed += 1
            elif p.stat().st_mtime < cutoff:  # never committed, or a copy already in place
                p.unlink()
                deleted += 1
    return placed, deleted


def _pending_dir() -> Path:
    return config.home() / PENDING


def _write_pending(digest: str, data: bytes) -> Path:
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # a name of its own per transaction: a concurrent run writing the same content and
    # rolling back must not delete the winner's file
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{digest}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _place(pending: Path, target: Path) -> None:
    """Move a pending file into place (idempotent: a second call finds it gone)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.replace(pending, target)
