"""Append-only, hash-chained audit log.

Each row's hash covers its own fields and the previous row's hash, and the chain's head
(last seq and hash) is kept in `audit_head`. An edited row breaks its own hash, a deleted
or reordered row breaks the links, and a deleted tail no longer matches the head.
Database triggers also refuse UPDATE and DELETE on the table.

Someone with write access to the database can get past all of that (drop the triggers,
re-chain, rewrite the head), so every commit that advances the chain also signs its head
with a key the database does not hold and keeps that checkpoint outside the database too
(snicert/checkpoints.py); snicert/integrity.py checks everything together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from snicert import checkpoints, clock
from snicert.db import events
from snicert.db.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64
_HEAD = "snicert_audit_head"
_CHECKPOINT = "snicert_audit_checkpoint"


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_HASHED = ("seq", "actor_id", "actor", "action", "entity", "entity_id", "application_id", "data")


def _digest(prev_hash: str, e: AuditEvent) -> str:
    return row_hash(prev_hash, {**{k: getattr(e, k) for k in _HASHED}, "at": e.at})


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The hash of one audit row (its columns as a dict, `data` already canonical JSON)
    after `prev_hash`; bulk writers (snicert/seed_history.py) chain their rows with it."""
    record = canonical_json({**{k: row[k] for k in _HASHED}, "at": row["at"].isoformat()})
    return hashlib.sha256(f"{prev_hash}\n{record}".encode()).hexdigest()


def record(
    s: Session,
    actor: User | str | None,
    action: str,
    entity: str,
    entity_id: int | None,
    application_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with it).

    `actor` is a user, or the name of an actor without an account (`"cli"`: the operator
    at the shell of SNICERT_HOME); None is the system."""
    user = actor if isinstance(actor, User) else None
    s.flush()  # entity ids must exist before they are recorded
    head = hold_head(s)
    event = AuditEvent(
        seq=head.seq + 1,
        # microsecond precision survives every backend, so the hash re-computes exactly
        at=clock.now().astimezone(UTC),
        actor_id=user.id if user else None,
        actor=user.email if user else actor or "system",
        action=action,
        entity=entity,
        entity_id=entity_id,
        application_id=application_id,
        data=canonical_json(data),
        prev_hash=head.hash,
    )
    event.hash = _digest(head.hash, event)
    s.add(event)  # inserted by the next flush (the next event's, a query's, or the commit's)
    head.seq, head.hash = event.seq, event.hash
    events.record(s, events.DomainEvent(event, user))  # and what follows it (events.py)
    return event


def hold_head(s: Session) -> _Head:
    """Lock the chain's head for this transaction (once; held until it ends). Every
    writing transaction that records takes it, so it orders them: a row shared across
    cases (a roll-up count) must be written only after it, or two transactions can each
    hold what the other waits for (a deadlock on PostgreSQL)."""
    head = s.info.get(_HEAD)
    if head is None:
        row = s.get(AuditHead, 1, with_for_update=True)
        if row is None:  # first event ever: the migration normally creates the head
            row = AuditHead(id=1, seq=0, hash=GENESIS)
            s.add(row)
        head = s.info[_HEAD] = _Head(row, row.seq, row.hash)
    return head


def adopt_unsigned_head(s: Session) -> bool:
    """A chain written before its head was signed (a home upgraded by `snicert init`):
    sign its head as found, once, at this transaction's commit. Checkpoints vouch for the
    chain from here on; `verify` still checks every row before."""
    row = s.get(AuditHead, 1, with_for_update=True)
    if row is None or row.signature or not row.seq or _HEAD in s.info:
        return False
    s.info[_HEAD] = _Head(row, row.seq, row.hash)  # _store_head signs it at the commit
    return True


@dataclass
class _Head:
    """The chain's head as this transaction advances it. The row (locked since the first
    event) is written once, at commit: not once per event (~70 updates per application)."""

    row: AuditHead
    seq: int
    hash: str


# A savepoint released (Session.begin_nested) fires before_commit and after_commit too, but
# the transaction goes on and may still roll back: only the outermost commit signs the head
# and appends its checkpoint (one appended for a savepoint of a transaction that then rolled
# back, or was killed, named rows that never existed).


@sa_event.listens_for(Session, "before_commit")
def _store_head(s: Session) -> None:
    if s.in_nested_transaction():
        return
    head = s.info.get(_HEAD)
    if head is not None:
        signature = checkpoints.sign(head.seq, head.hash)  # ~0.1 ms, once per commit
        head.row.seq, head.row.hash, head.row.signature = head.seq, head.hash, signature
        s.info[_CHECKPOINT] = (head.seq, head.hash, signature)


@sa_event.listens_for(Session, "after_commit")
def _keep_checkpoint(s: Session) -> None:
    if s.in_nested_transaction():
        return
    s.info.pop(_HEAD, None)  # a later transaction on this session locks the head again
    checkpoint = s.info.pop(_CHECKPOINT, None)
    if checkpoint is not None:
        checkpoints.append(*checkpoint, clock.now().astimezone(UTC).isoformat())


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_head(s: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        return  # a savepoint rolled back (events are never recorded inside one)
    s.info.pop(_HEAD, None)
    s.info.pop(_CHECKPOINT, None)


def status_set_by(entity: str, action: str, data: str) -> str | None:
    """The state an application event, or the status a certificate event, leaves its
    entity in; None for an event that changes neither."""
    if entity not in ("application", "certificate"):
        return None
    if action == "application.created":
        return "draft"
    if action == "certificate.issued":
        return "active"
    if '"to":' not in data:  # cheap: most events carry no transition
        return None
    return json.loads(data).get("to")


@dataclass
class ChainReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(s: Session, visit: Callable[[AuditEvent], None] | None = None) -> ChainReport:
    """Check the chain row by row against its head; `visit` sees every row on the way
    (integrity.check reads the checkpoints' rows and the status events in the same pass)."""
    problems: list[str] = []
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        checked += 1
        if visit is not None:
            visit(e)
        if e.seq != expected_seq:
            problems.append(f"rows {expected_seq}..{e.seq - 1} are missing (deleted)")
        if e.prev_hash != prev_hash:
            problems.append(
                f"row {e.seq}: does not follow the row before it "
                "(a row was deleted, inserted or reordered)"
            )
        if _digest(e.prev_hash, e) != e.hash:
            problems.append(f"row {e.seq}: content does not match its hash (edited)")
        prev_hash, expected_seq = e.hash, e.seq + 1
    head = s.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(
            f"the chain ends at row {expected_seq - 1} but its head records row "
            f"{head_seq}: rows at the end were deleted or added"
        )
    return ChainReport(checked, problems)
