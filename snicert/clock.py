"""The one clock snicert reads. Tests and the demo can move it; nothing calls datetime.now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

import holidays

from snicert import settings

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


# --- working days: the one rule for due dates, reminders and lead times ---------------


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    """Indonesia's national holidays and cuti bersama (the `holidays` package: "public" and
    "government") and the LSPro's own days (products/holidays.yaml) in `year`."""
    from snicert.catalog.loader import extra_holidays  # the catalog loads lazily

    national = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    own = {h.date for h in extra_holidays().days if h.date.year == year}
    return frozenset(national) | frozenset(own)


def forget_days_off() -> None:
    """Re-read the holiday file on next use (after a test or the LSPro changed it)."""
    from snicert.catalog.loader import extra_holidays

    extra_holidays.cache_clear()
    _days_off.cache_clear()


def is_working_day(day: date) -> bool:
    """Monday to Friday, except a national holiday, cuti bersama or a day of the LSPro's
    holiday file. `day` is a local calendar date of the LSPro."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: datetime, days: int, zone: tzinfo | None = None) -> datetime:
    """`days` working days after `start`, at the same time of day; the days counted are
    the LSPro's local dates (a holiday is a date in Kupang, not in UTC). `zone`: the
    LSPro's, when the caller holds it (settings.current() checks the file each call: the
    history seeder spent a third of its time there)."""
    first = start.astimezone(zone or settings.current().zone).date()
    day, added = first, 0
    while added < days:
        day += timedelta(days=1)
        if is_working_day(day):
            added += 1
    return start + timedelta(days=(day - first).days)


def working_days_between(first: date, last: date) -> int:
    """Working days after `first` up to and including `last` (0 when last <= first; Friday
    to Monday: 1): the lead time from one local day to another."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def working_day_numbers(first: date, last: date) -> dict[date, int]:
    """For each day from `first` to `last`: working_days_between(first, day), computed in
    one pass for a calendar table to join in SQL."""
    numbers, count, day = {}, 0, first
    while day <= last:
        if day != first and is_working_day(day):
            count += 1
        numbers[day] = count
        day += timedelta(days=1)
    return numbers
