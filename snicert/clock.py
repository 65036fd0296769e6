"""The one clock snicert reads. Tests and the demo can move it; nothing calls datetime.now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def freeze(at: datetime | None) -> None:
    """Pin the clock at `at` (aware datetime), or release it with None."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move the clock forward (frozen or not)."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen, _offset = None, timedelta(0)


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Mon-Fri) after `start`. National holidays are not modelled."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
