"""The one clock snicert reads. Tests and the demo can move it; nothing calls datetime.now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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


def is_working_day(day: date) -> bool:
    """The one rule for working days (service standards, lead times): Monday to Friday.
    National holidays are not modelled yet; when they are, they belong here."""
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days after `start`."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            added += 1
    return current


def working_days_between(first: date, last: date) -> int:
    """Working days after `first` up to and including `last` (0 when last <= first)."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def working_day_numbers(first: date, last: date) -> dict[date, int]:
    """For each day from `first` to `last`: how many working days lie after `first` up to
    and including it. The working days from day a to day b are numbers[b] - numbers[a]
    (a day entered and left the same day: 0; Friday to Monday: 1)."""
    numbers, count, day = {}, 0, first
    while day <= last:
        if day != first and is_working_day(day):
            count += 1
        numbers[day] = count
        day += timedelta(days=1)
    return numbers
