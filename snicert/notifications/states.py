"""The lifecycle of one outbox message, as data (the style of snicert/lifecycle.py).

pending --claim--> sending --sent--> sent
                   sending --fail--> pending (retry after a back-off) or failed (no tries left)
                   sending --claim--> sending (only when the lease ran out: a killed deliverer)
failed  --retry (an official)--> pending
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from snicert.db.models import OutboxMessage
from snicert.roles import Role


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


Guard = Callable[[OutboxMessage, datetime], bool]


def due(m: OutboxMessage, now: datetime) -> bool:
    """Its (next) attempt time has come."""
    return m.next_attempt_at <= now


def lease_expired(m: OutboxMessage, now: datetime) -> bool:
    """The deliverer that claimed it did not finish in time (killed, hung)."""
    return m.lease_until is not None and m.lease_until <= now


def tries_left(m: OutboxMessage, now: datetime) -> bool:
    return m.attempts < MAX_ATTEMPTS


def no_tries_left(m: OutboxMessage, now: datetime) -> bool:
    return m.attempts >= MAX_ATTEMPTS


def always(m: OutboxMessage, now: datetime) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    action: str
    source: Delivery
    target: Delivery
    roles: frozenset[Role]
    guard: Guard


D, R = Delivery, Role
STEPS: tuple[Step, ...] = (
    Step("claim", D.PENDING, D.SENDING, frozenset({R.SYSTEM}), due),
    Step("claim", D.SENDING, D.SENDING, frozenset({R.SYSTEM}), lease_expired),
    Step("sent", D.SENDING, D.SENT, frozenset({R.SYSTEM}), always),
    Step("fail", D.SENDING, D.PENDING, frozenset({R.SYSTEM}), tries_left),
    Step("fail", D.SENDING, D.FAILED, frozenset({R.SYSTEM}), no_tries_left),
    Step("retry", D.FAILED, D.PENDING, frozenset({R.OFFICIAL}), always),
)

# Back-off after the n-th failed attempt: 1, 2, 4, 8 ... minutes, at most 6 hours; after
# MAX_ATTEMPTS the message is failed and waits for an official's retry.
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 6 * 3600


def backoff_seconds(attempts: int) -> int:
    return min(FIRST_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def step(m: OutboxMessage, action: str, now: datetime) -> Step | None:
    """The step `action` takes from the message's state now, or None if none applies."""
    for s in STEPS:
        if s.action == action and s.source == m.status and s.guard(m, now):
            return s
    return None


def claimable(now: datetime):  # noqa: ANN201 (a SQLAlchemy clause)
    """The `claim` guards as one query condition (rows to lock and claim)."""
    from sqlalchemy import and_, or_

    return or_(
        and_(OutboxMessage.status == D.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == D.SENDING, OutboxMessage.lease_until <= now),
    )
