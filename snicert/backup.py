"""Backups of a home: a consistent online copy of the database plus every stored file, with a
manifest of sha256 sums; and restoring one into an empty home.

The database is copied while snicert runs: SQLite through its online backup API (a
consistent snapshot even with writers active), PostgreSQL with `pg_dump` (one transaction
snapshot). Everything else under SNICERT_HOME that is state (documents, rendered files,
keys, settings) is copied as files; logs, Prefect's own database and locks are not state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from snicert import checkpoints, clock, config
from snicert.db import engine as db
from snicert.db.models import Base

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database/snicert.db"
PG_FILE = "database/snicert.pgdump"
# Not state: re-created by the processes that write them.
SKIP = {"logs", "prefect", "snicert.db", "snicert.db-wal", "snicert.db-shm", "serve.lock"}
CHECKPOINTS = checkpoints.FOLDER


class BackupError(Exception):
    """A backup or restore refused: says what and where."""


@dataclass
class Summary:
    path: Path
    database: str
    files: int
    bytes: int
    counts: dict[str, int]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _pg_url(url: str) -> str:
    """A libpq URL (pg_dump/pg_restore) from a SQLAlchemy one."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def row_counts() -> dict[str, int]:
    with db.reading() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def backup(dest: Path) -> Summary:
    """Copy the current home into `dest` (a new or empty folder)."""
    dest = dest.resolve()
    home = config.home()
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest}: the backup folder must be new or empty")
    if dest.is_relative_to(home):
        raise BackupError(f"{dest}: a backup cannot be inside the home it copies ({home})")
    url = config.database_url()
    (dest / "database").mkdir(parents=True, exist_ok=True)
    # The audit checkpoints (snicert/checkpoints.py) are copied before the database: every
    # checkpoint in the copy then names a row the snapshot holds (a checkpoint past the
    # snapshot's last row would read, after a restore, as rows deleted).
    if (home / CHECKPOINTS).is_dir():
        shutil.copytree(home / CHECKPOINTS, dest / "files" / CHECKPOINTS, symlinks=False)
    counts = row_counts()
    if _kind(url) == "sqlite":
        source = sqlite3.connect(str(home / "snicert.db"))
        target = sqlite3.connect(str(dest / SQLITE_FILE))
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
        db_file = SQLITE_FILE
    else:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dest / PG_FILE),
                _pg_url(url),
            ],
            "pg_dump",
        )
        db_file = PG_FILE
    for entry in sorted(home.iterdir()):
        if entry.name in SKIP or entry.name == CHECKPOINTS:
            continue
        if entry.is_dir():
            shutil.copytree(entry, dest / "files" / entry.name, symlinks=False)
        elif entry.is_file():
            (dest / "files").mkdir(exist_ok=True)
            shutil.copy2(entry, dest / "files" / entry.name)
    files: dict[str, dict[str, Any]] = {}
    total = 0
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        rel = path.relative_to(dest).as_posix()
        size = path.stat().st_size
        files[rel] = {"sha256": _sha256(path), "size": size}
        total += size
    manifest = {
        "format": FORMAT,
        "created_at": clock.now().isoformat(),
        "database": {"kind": _kind(url), "file": db_file},
        "counts": counts,
        "files": files,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Summary(dest, _kind(url), len(files), total, counts)


def check(src: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its size and sha256
    and nothing else is; BackupError naming the first files that do not match."""
    src = src.resolve()
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{src}: no {MANIFEST}: not a snicert backup") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{src / MANIFEST}: not valid JSON ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src / MANIFEST}: unknown format {manifest.get('format')!r}")
    listed: dict[str, dict[str, Any]] = manifest["files"]
    present = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()} - {MANIFEST}
    problems = [f"{rel}: missing" for rel in sorted(set(listed) - present)]
    problems += [f"{rel}: not in the manifest" for rel in sorted(present - set(listed))]
    for rel in sorted(set(listed) & present):
        path = src / rel
        if path.stat().st_size != listed[rel]["size"] or _sha256(path) != listed[rel]["sha256"]:
            problems.append(f"{rel}: content differs from the manifest (sha256)")
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise BackupError(f"{src}: the backup does not match its manifest: {shown}")
    return manifest


def restore(src: Path) -> Summary:
    """Restore a checked backup into the current home, which must be empty."""
    manifest = check(src)
    src = src.resolve()
    home = config.home()
    url = config.database_url()
    kind = manifest["database"]["kind"]
    if kind != _kind(url):
        raise BackupError(
            f"the backup holds a {kind} database but this home uses {_kind(url)} "
            f"({db.engine().url.render_as_string(hide_password=True)})"
        )
    leftovers = [p.name for p in home.iterdir() if p.name not in {"logs"}] if home.exists() else []
    if leftovers:
        raise BackupError(f"{home}: restore needs an empty home; it holds {', '.join(leftovers)}")
    if kind == "postgresql":
        tables = inspect(db.engine()).get_table_names()
        if tables:
            raise BackupError(
                f"the database {make_url(url).database} is not empty "
                f"({len(tables)} tables): restore needs an empty one"
            )
    home.mkdir(parents=True, exist_ok=True)
    files = src / "files"
    if files.is_dir():
        for entry in files.iterdir():
            target = home / entry.name
            if entry.is_dir():
                shutil.copytree(entry, target)
            else:
                shutil.copy2(entry, target)
    keys = home / "keys"
    if keys.is_dir():  # the signing keys (certificates, audit) stay private after the copy
        for folder in (keys, *(p for p in keys.iterdir() if p.is_dir())):
            os.chmod(folder, 0o700)
        for key in keys.rglob("*.key"):
            os.chmod(key, 0o600)
    if kind == "sqlite":
        db.dispose_all()
        shutil.copy2(src / manifest["database"]["file"], home / "snicert.db")
    else:
        db.dispose_all()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                _pg_url(url),
                str(src / manifest["database"]["file"]),
            ],
            "pg_restore",
        )
    counts = row_counts()
    if counts != manifest["counts"]:
        differ = {
            t: (manifest["counts"].get(t), n)
            for t, n in counts.items()
            if manifest["counts"].get(t) != n
        }
        raise BackupError(f"restored row counts differ from the backup's: {differ}")
    return Summary(
        home,
        kind,
        len(manifest["files"]),
        sum(f["size"] for f in manifest["files"].values()),
        counts,
    )


def _run(args: list[str], tool: str) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"{tool} is not installed (PostgreSQL client tools are needed)")
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
