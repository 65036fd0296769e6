"""Dates people enter, checked against the case's own timeline.

A date a person gives (sampling, reception, testing, a suspension's fix-by date) is
refused when it cannot be true: before the step it follows, in the future, or (fix-by)
outside a sensible window. Days are the site's (SNICERT_TIMEZONE, Kota Kupang's
Asia/Makassar by default). Refusals are InvalidInput naming the field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from snicert import clock, settings
from snicert.errors import InvalidInput

# a client's clock a little ahead of the server's is not a date in the future
CLOCK_SKEW = timedelta(minutes=5)
FIX_BY_MONTHS = 12  # the longest a suspension may give to fix what was found


def local_day(moment: datetime) -> date:
    """The day of `moment` in the site's time zone (Kota Kupang: Asia/Makassar)."""
    return moment.astimezone(settings.current().zone).date()


def today() -> date:
    return local_day(clock.now())


def _aware(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(field, moment.isoformat(), "date_no_zone")
    try:  # 0001-01-01 or 9999-12-31 may not even have a UTC or local day
        local_day(moment.astimezone(UTC))
    except OverflowError:
        raise InvalidInput(field, moment.isoformat(), "date_impossible") from None


def moment_in_timeline(
    field: str, moment: datetime, earliest: datetime, after: str, **params: object
) -> None:
    """A moment of a step: not before the step it follows (`after` names it: the text
    date_before_<after>, filled with `params`), not in the future."""
    _aware(field, moment)
    if moment < earliest:
        shown = settings.local_time(earliest)
        raise InvalidInput(field, moment.isoformat(), f"date_before_{after}", when=shown, **params)
    if moment > clock.now() + CLOCK_SKEW:
        raise InvalidInput(field, moment.isoformat(), "date_future")


def day_in_timeline(
    field: str, moment: datetime, earliest: datetime, after: str, **params: object
) -> None:
    """A day (a test date): from the day of the step it follows (as moment_in_timeline's
    `after`) to today, in Kota Kupang."""
    _aware(field, moment)
    day = local_day(moment)
    if day < local_day(earliest):
        raise InvalidInput(
            field,
            moment.isoformat(),
            f"date_before_{after}",
            when=local_day(earliest).isoformat(),
            **params,
        )
    if day > today():
        raise InvalidInput(field, moment.isoformat(), "date_after_today", today=today().isoformat())


def fix_by(field: str, moment: datetime, valid_until: datetime | None) -> None:
    """A suspension's fix-by date: after now, within FIX_BY_MONTHS and the certificate's
    validity."""
    from snicert.services.monitoring import add_months

    _aware(field, moment)
    now = clock.now()
    if moment <= now:
        raise InvalidInput(field, moment.isoformat(), "date_not_future")
    latest = add_months(now, FIX_BY_MONTHS)
    if moment > latest:
        raise InvalidInput(
            field,
            moment.isoformat(),
            "date_too_far",
            months=FIX_BY_MONTHS,
            latest=local_day(latest).isoformat(),
        )
    if valid_until is not None and moment > valid_until:
        raise InvalidInput(
            field,
            moment.isoformat(),
            "date_after_validity",
            until=local_day(valid_until).isoformat(),
        )
