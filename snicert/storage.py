"""Content-addressed file store under SNICERT_HOME/blobs (sha256 names, atomic writes).

A blob written for a transaction that then rolls back is harmless: it is unreferenced,
and writing the same content again reuses it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from snicert import config


def blob_path(sha256: str) -> Path:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 digest: {sha256!r}")
    return config.blob_dir() / sha256[:2] / sha256[2:4] / sha256


def write_atomic(target: Path, data: bytes) -> None:
    """Write a file so that readers see either nothing or all of it, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic_stream(target: Path, chunks: Iterable[bytes]) -> None:
    """As write_atomic, from pieces (a streamed export): never the whole file in memory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(digest)
    if not target.exists():
        write_atomic(target, data)
    return digest


def get(sha256: str) -> bytes:
    data = blob_path(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"stored file {sha256} is corrupt")
    return data
