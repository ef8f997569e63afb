"""The trust's notion of "today", and of a plausible date. Jobs and tests pass a date explicitly
instead of reading today.

A plausible date is one the trust's records could carry: from ``EARLIEST_DATE`` to
``LATEST_YEARS_AHEAD`` years after the trust's today. Every way in (API, pages, CSV imports)
refuses any other date, so no date sum a rule makes (a due date plus grace days) can leave
the calendar; ``plus_days`` still guards the records stored before the rule.
"""
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Date, String, case, cast, func, literal, type_coerce

from tracker.errors import Invalid

DEFAULT_EARLIEST_DATE = date(2000, 1, 1)
DEFAULT_LATEST_YEARS_AHEAD = 10


def _setting(name, default):
    return current_app.config.get(name, default) if has_app_context() else default


def today() -> date:
    zone = _setting("TIMEZONE", "Europe/London")
    return datetime.now(ZoneInfo(zone)).date()


def trust_date_sql(column, dialect_name):
    """SQL for the trust's calendar day of a ``UTCDateTime`` column, so a query can group,
    order and compare by day without converting each row in Python.

    PostgreSQL converts with the zone's rules (``timezone(zone, at)``). SQLite keeps UTC
    text and knows no zones, so the day is read at the offset the zone had at that instant:
    a ``CASE`` over the zone's offset changes from the year before ``EARLIEST_DATE`` to a
    year after the last plausible date (a moment outside that keeps the nearest offset).
    """
    zone = _setting("TIMEZONE", "Europe/London")
    if dialect_name == "postgresql":
        return cast(func.timezone(zone, column), Date)
    first, last = date_range()
    changes, final = _offset_changes(zone, first.year - 1, last.year + 1)
    # Compared as text in the layout SQLAlchemy stores a SQLite DATETIME in (UTC).
    offset = literal(f"{final:+d} seconds")
    if changes:
        offset = case(*[(column < literal(at.strftime(SQLITE_DATETIME), String),
                         f"{before:+d} seconds") for at, before in changes], else_=offset)
    return type_coerce(func.date(column, offset), Date)


#: How SQLAlchemy writes a DATETIME into SQLite (text that sorts as time does).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


@lru_cache(maxsize=8)
def _offset_changes(zone, first_year, last_year):
    """``([(utc_instant, offset_seconds_before_it)], offset_after_the_last)``: each change of
    ``zone``'s UTC offset from ``first_year`` to ``last_year``, to the second."""
    tz = ZoneInfo(zone)

    def offset(at):
        return int(at.astimezone(tz).utcoffset().total_seconds())

    at = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    changes, current = [], offset(at)
    step = timedelta(days=7)  # no zone changes its offset twice within a week
    while at < end:
        later = at + step
        if offset(later) != current:
            low, high = at, later  # the change is in (low, high]: halve down to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (low, middle) if offset(middle) != current else (middle, high)
            if offset(high.replace(microsecond=0)) != current:
                high = high.replace(microsecond=0)
            changes.append((high, current))
            current = offset(high)
        at = later
    return changes, current


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
