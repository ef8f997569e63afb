"""The trust's notion of "today", and of a plausible date. Jobs and tests pass a date explicitly
instead of reading today.

A plausible date is one the trust's records could carry: from ``EARLIEST_DATE`` to
``LATEST_YEARS_AHEAD`` years after the trust's today. Every way in (API, pages, CSV imports)
refuses any other date, so no date sum a rule makes (a due date plus grace days) can leave
the calendar; ``plus_days`` still guards the records stored before the rule.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from tracker.errors import Invalid

DEFAULT_EARLIEST_DATE = date(2000, 1, 1)
DEFAULT_LATEST_YEARS_AHEAD = 10


def _setting(name, default):
    return current_app.config.get(name, default) if has_app_context() else default


def today() -> date:
    zone = _setting("TIMEZONE", "Europe/London")
    return datetime.now(ZoneInfo(zone)).date()


def date_range(on: date | None = None) -> tuple[date, date]:
    """The first and last plausible dates, seen from ``on`` (the trust's today by default).
    From 29 February, the last is 28 February of the later year."""
    on = on or today()
    years = on.year + _setting("LATEST_YEARS_AHEAD", DEFAULT_LATEST_YEARS_AHEAD)
    last = on.replace(year=years, day=min(on.day, 28) if on.month == 2 else on.day)
    return _setting("EARLIEST_DATE", DEFAULT_EARLIEST_DATE), last


def plausible(on: date) -> bool:
    first, last = date_range()
    return first <= on <= last


def plausible_message() -> str:
    first, last = date_range()
    return f"Give a date from {_spoken(first)} to {_spoken(last)}."


def check_plausible_date(on: date | None, field: str) -> None:
    """Raise Invalid naming ``field`` unless ``on`` is None or a plausible date."""
    if on is not None and not plausible(on):
        message = plausible_message()
        raise Invalid(message, fields={field: [message]})


def plus_days(on: date, days: int) -> date:
    """``on`` moved by ``days``, stopping at the ends of the calendar instead of raising
    OverflowError (for records stored with a date outside the plausible range)."""
    try:
        return on + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _spoken(on: date) -> str:
    return f"{on.day} {on:%B %Y}"
