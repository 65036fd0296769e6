"""Signed checkpoints of the audit chain, kept in the database and outside it.

Someone who can write the database can drop the append-only triggers, delete or edit rows
and recompute every hash and the head: the hash chain alone then checks out. What they
cannot do is sign. Every commit that advances the chain signs its head (seq, hash) with the
audit key (SNICERT_HOME/keys/audit, never in the database), stores the signature on the
head row, and once committed appends the same checkpoint to
SNICERT_HOME/audit/checkpoints.jsonl (append-only, one JSON object a line). Verification
(`check`) then finds
- a head rewritten after deleting the last rows, or after re-chaining an edit: its
  signature does not match;
- a head put back to an older signed state (a saved copy of the row): the file's later
  checkpoints name rows that are gone or now differ.
Not covered: an attacker who also controls the file and the key folder (the machine
itself). A process that dies between its commit and the append loses that one line; the
next commit writes a later checkpoint, and verification only compares what is there.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from snicert import config
from snicert.certs import keys

log = logging.getLogger(__name__)
_DOMAIN = b"snicert audit checkpoint v1\n"  # never a certificate's signed bytes


def _message(seq: int, digest: str) -> bytes:
    return _DOMAIN + f"{seq}\n{digest}".encode()


def sign(seq: int, digest: str) -> str:
    """'<kid>:<base64url signature>' of the head (seq, hash) under the audit key."""
    key = keys.signer(keys.AUDIT)
    return f"{key.kid}:{keys.b64u(key.sign(_message(seq, digest)))}"


def signature_problem(seq: int, digest: str, signature: str | None) -> str | None:
    """Why `signature` does not sign (seq, hash) with one of this home's audit keys."""
    if not signature:
        return "it carries no signature"
    kid, _, value = signature.partition(":")
    public = keys.trusted_keys(keys.AUDIT, kid).get(kid)
    if public is None:
        return f"it is signed by an unknown key {kid!r}"
    try:
        public.verify(keys.b64u_decode(value), _message(seq, digest))
    except (InvalidSignature, ValueError):
        return "its signature does not match"
    return None


FOLDER = "audit"  # under SNICERT_HOME


def path() -> Path:
    return config.home() / FOLDER / "checkpoints.jsonl"


def append(seq: int, digest: str, signature: str, at: str) -> None:
    """Called after the commit: a failure here is logged, the commit stands."""
    line = (
        json.dumps(
            {"seq": seq, "hash": digest, "signature": signature, "at": at}, separators=(",", ":")
        )
        + "\n"
    )
    try:
        target = path()
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as fh:  # one write() per line: O_APPEND
            fh.write(line)
    except OSError:
        log.exception("could not append the audit checkpoint of row %s", seq)


@dataclass(frozen=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    signature: str
    at: str


def read() -> tuple[list[Checkpoint], list[str]]:
    """The file's checkpoints and the problems reading it. A last line without its newline
    is a write cut short by a crash, not a problem."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return found, problems
    lines = text.split("\n")
    for number, raw in enumerate(lines[:-1], 1):  # lines[-1] is "" or a cut-short write
        try:
            d = json.loads(raw)
            found.append(
                Checkpoint(
                    number, int(d["seq"]), str(d["hash"]), str(d["signature"]), str(d.get("at", ""))
                )
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint file {path()} line {number}: unreadable")
    return found, problems


def check(
    head_seq: int,
    head_hash: str,
    head_signature: str | None,
    chain_end: int,
    chain_hashes: dict[int, str],
    file_checkpoints: list[Checkpoint],
) -> list[str]:
    """Compare the head row and the chain with the signed checkpoints.

    chain_hashes: the stored hash of each row a file checkpoint names (absent: row gone).
    """
    problems: list[str] = []
    if head_seq or head_signature:
        why = signature_problem(head_seq, head_hash, head_signature)
        if why:
            problems.append(
                f"the chain's head (row {head_seq}) is not signed by snicert: "
                f"{why}; it was rewritten outside snicert (rows deleted or "
                "re-chained)"
            )
    if not file_checkpoints:
        if head_seq:
            problems.append(f"no checkpoints outside the database ({path()} is missing or empty)")
        return problems
    last = max(file_checkpoints, key=lambda c: c.seq)
    why = signature_problem(last.seq, last.hash, last.signature)
    if why:  # only the last: one signature check, not one per commit ever made
        problems.append(
            f"checkpoint file line {last.line} (row {last.seq}): {why}; the file was edited"
        )
    if last.seq > chain_end:
        problems.append(
            f"the signed checkpoint of {last.at} records row {last.seq}, but "
            f"the chain ends at row {chain_end}: rows {chain_end + 1}.."
            f"{last.seq} were deleted"
        )
    differing = sorted(
        {
            c.seq
            for c in file_checkpoints
            if c.seq <= chain_end and chain_hashes.get(c.seq) != c.hash
        }
    )
    if differing:
        first = next(c for c in file_checkpoints if c.seq == differing[0])
        problems.append(
            f"row {first.seq} differs from its signed checkpoint of {first.at}: "
            f"the chain was rewritten from row {first.seq} or earlier "
            f"({len(differing)} checkpoint(s) differ, up to row {differing[-1]})"
        )
    return problems
