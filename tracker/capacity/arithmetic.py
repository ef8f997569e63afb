"""The arithmetic of load, weeks and expert days: pure, it knows no tables, so it is
tested with plain dates (the rules are in the package docstring, ``tracker.capacity``)."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from tracker import clock

ONE_DAY = timedelta(days=1)
#: Loads are sums of fractions such as 0.5 and 0.2; compare them without float noise.
PLACES = 6


@dataclass(frozen=True)
class Span:
    """A stretch of days, first and last included, at a number of days a week."""

    starts_on: date
    ends_on: date
    days_per_week: float

    def covers(self, day):
        return self.starts_on <= day <= self.ends_on


@dataclass
class WeekLoad:
    """One expert's ISO week: the greatest daily load in it against their days."""

    monday: date
    load: float
    capacity: float
    leave: bool = False
    overridden: bool = False

    @property
    def week(self):
        return iso_week(self.monday)

    @property
    def excess(self):
        return round(max(0.0, self.load - self.capacity), PLACES)

    @property
    def over(self):
        return self.excess > 0

    @property
    def spare(self):
        return round(max(0.0, self.capacity - self.load), PLACES)

    @property
    def share(self):
        """The load as a share of the expert's days (1.0 = fully used)."""
        return round(self.load / self.capacity, 3) if self.capacity else 0.0

    def as_dict(self):
        return {"week": self.week, "load": self.load, "capacity": self.capacity,
                "excess": self.excess}


def iso_week(day):
    """``2026-W49``: the ISO year and week of ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day):
    return day - timedelta(days=day.weekday())


def mondays(from_, to):
    """The Mondays of every ISO week that has a day in ``from_``..``to``."""
    monday, last = monday_of(from_), monday_of(to)
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def load_segments(spans, extra_breaks=()):
    """The load over time as ``[(first_day, last_day, load)]``, in order, where load > 0.

    Load only changes where a span starts or the day after one ends, so the days
    between those points share one load; ``extra_breaks`` adds more such points.
    """
    deltas = defaultdict(float)
    for span in spans:
        deltas[span.starts_on] += span.days_per_week
        deltas[clock.plus_days(span.ends_on, 1)] -= span.days_per_week
    for day in extra_breaks:
        deltas[day] += 0.0
    segments, load, previous = [], 0.0, None
    for day in sorted(deltas):
        if previous is not None and round(load, PLACES) > 0:
            segments.append((previous, clock.plus_days(day, -1), round(load, PLACES)))
        load += deltas[day]
        previous = day
    return segments


def load_on(day, spans):
    """The load on one day: the sum of the spans covering it."""
    return round(sum(s.days_per_week for s in spans if s.covers(day)), PLACES)


def weekly_loads(spans, capacity, from_, to, leave=(), overridden=()):
    """Each ISO week from ``from_`` to ``to``: its greatest daily load, against ``capacity``.

    ``spans`` are the allocations; ``leave`` the unavailable stretches (counted as
    ``capacity`` on each of their days); ``overridden`` the allocations let through by
    an override, which mark the weeks they touch.
    """
    weeks = {m: WeekLoad(m, 0.0, capacity) for m in mondays(from_, to)}
    leave_spans = [Span(s.starts_on, s.ends_on, capacity) for s in leave]
    for first, last, load in load_segments(list(spans) + leave_spans):
        for week in _weeks_touched(weeks, first, last):
            week.load = max(week.load, load)
    for span in leave:
        for week in _weeks_touched(weeks, span.starts_on, span.ends_on):
            week.leave = True
    for span in overridden:
        for week in _weeks_touched(weeks, span.starts_on, span.ends_on):
            week.overridden = True
    return list(weeks.values())


def _weeks_touched(weeks, first, last):
    # Only the weeks asked about: a span stored to 9999 is not walked week by week.
    monday, last = monday_of(max(first, min(weeks, default=first))), min(last, max(weeks, default=last))
    while monday <= last:
        if monday in weeks:
            yield weeks[monday]
        monday += timedelta(weeks=1)


def over_weeks(spans, capacity, from_=None, to=None):
    """The ISO weeks with a day (within ``from_``..``to``) where the load exceeds ``capacity``.

    Each week's load is its greatest over-capacity daily load.
    """
    worst = {}
    for first, last, load in load_segments(spans):
        if load <= capacity:
            continue
        first, last = max(first, from_ or first), min(last, to or last)
        if first > last:
            continue
        for monday in mondays(first, last):
            worst[monday] = max(worst.get(monday, 0.0), load)
    return [WeekLoad(m, worst[m], capacity) for m in sorted(worst)]


def refused_weeks(capacity, others, proposed, previous=None):
    """The weeks in which ``proposed`` would over-allocate an expert, as error ``weeks``.

    ``others`` are the expert's other spans (allocations and leave, leave at full
    ``capacity``); ``proposed`` the allocation as it would be; ``previous`` the same
    allocation as it is now, for a change to it (None for a new one or one that was
    cancelled). A day counts only when the load on it is over ``capacity`` and the
    change adds to it, so a change that only confirms or shrinks is never refused.
    """
    if proposed is None:
        return []
    breaks = [previous.starts_on, clock.plus_days(previous.ends_on, 1)] if previous else []
    worst = {}
    for first, last, load in load_segments(list(others) + [proposed], breaks):
        if load <= capacity or not proposed.covers(first):
            continue
        was = previous.days_per_week if previous and previous.covers(first) else 0.0
        if proposed.days_per_week - was <= 0:
            continue
        for monday in mondays(first, min(last, proposed.ends_on)):
            worst[monday] = max(worst.get(monday, 0.0), load)
    return [WeekLoad(m, worst[m], capacity).as_dict() for m in sorted(worst)]


def weekdays_between(first, last):
    """Monday-to-Friday days from ``first`` to ``last`` inclusive."""
    if last < first:
        return 0
    whole_weeks, rest = divmod((last - first).days + 1, 7)
    count = whole_weeks * 5
    for k in range(rest):
        if (first + timedelta(days=k)).weekday() < 5:
            count += 1
    return count


def expert_days(days_per_week, first, last):
    """The days of expert time ``days_per_week`` gives from ``first`` to ``last``: its days a
    week for each five weekdays (see the module docstring)."""
    return days_per_week * weekdays_between(first, last) / 5


def spare_by_week(spans, capacity, from_, to):
    """``{monday: spare}`` for each ISO week with a weekday in ``from_``..``to``: the days a
    week the expert still has free there, counting each weekday asked about.

    ``spans`` are allocations and leave (leave at ``capacity``). A weekday's free time is
    ``capacity`` less its load, never below nothing; the week's spare is the mean over its
    weekdays in the range, so one day of leave takes a fifth of the week, not all of it.
    """
    used = defaultdict(float)
    for first, last, load in load_segments(spans):
        first, last = max(first, from_), min(last, to)
        for monday in mondays(first, last) if first <= last else ():
            used[monday] += min(load, capacity) * weekdays_between(
                max(first, monday), min(last, monday + timedelta(days=6)))
    spare = {}
    for monday in mondays(from_, to):
        asked = weekdays_between(max(from_, monday), min(to, monday + timedelta(days=6)))
        if asked:
            spare[monday] = round(capacity - used[monday] / asked, PLACES)
    return spare
