"""Capacity: expert teachers, their leave, their allocations, and who is free.

The rules, in the domain's words:

- An expert's **load** on a day is the sum of the ``days_per_week`` of their allocations
  that are not cancelled and cover that day (planned, confirmed and delivered all count),
  plus their whole ``days_per_week`` on a day they are unavailable (leave, a course).
- They are **over-allocated** on any day where that load exceeds their own
  ``days_per_week``. Because the rule is by day, allocations that follow each other
  (one ends on Sunday, the next starts on Monday) never clash, and ones that overlap
  by even one day add up on that day.
- A **week** is an ISO week (``2026-W49``: Monday to Sunday; the year is the ISO year,
  so 2020-12-31 is in ``2020-W53`` and 2021-01-01 too). A week's load is the greatest
  daily load within it: the question a planner asks of a week is "is there a day in it
  when this person is asked for more than they have", not an average that would hide it.
  Ranges asked about are widened to whole weeks.
- A new or changed allocation that makes the load worse on a day that is then over
  the expert's days is refused with ``OverAllocated`` (the weeks, their load and the
  excess), unless it carries an ``override_reason``: that is stored on the allocation
  and logged as an ``override`` event. The central team owns capacity, so they (and
  admins) may override, as they are the ones who allocate. A change that adds no load
  on any over-allocated day (confirming, marking delivered, shortening, cancelling) is
  never refused, so an allocation let through once is not refused again for a status
  change.
- An allocation for more days a week than the expert's contract is over-allocation,
  not invalid input: it gets 409 and can be overridden (extra days agreed and paid).
  More days than a week has is invalid (422).
- A **new** allocation must not end in the past (before the trust's today): planning
  is about weeks to come, and a January booking typed in December is a typo, not a
  plan. It is refused as invalid, naming ``ends_on``. An allocation already stored
  stays editable and cancellable after it ends (marking it delivered, correcting its
  days, cancelling one that never happened), so the record can be put right.
- Leave is a fact, not a request: recording it is never refused, even when it puts the
  expert over their days; the planner and ``over_allocations`` then show it.
- **Expert days** (what a school receives, what a de-implementation frees) are one rule,
  ``expert_days``: an allocation gives its ``days_per_week`` for each five weekdays it
  runs (a Monday-to-Friday week at 2 days a week gives 2; a weekend gives none).
- **Who is free** for so many days a week over a range counts days the same way: in each
  ISO week, the expert's spare is the mean, over the weekdays asked about, of their
  ``days_per_week`` less that day's load (never below nothing). A one-day course takes a
  fifth of that week, not the whole week. (An allocation laid over the course day itself
  is still judged by the load rule above, day by day.)

The arithmetic (``Span``, ``load_segments``, ``weekly_loads``, ``refused_weeks``,
``expert_days``, ``spare_by_week``) is
pure and knows no tables, so it is tested with plain dates; the questions below it each
run a fixed number of queries whatever the number of experts or allocations.
"""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, cast, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import clock, permissions
from tracker.audit import record_event
from tracker.emails import valid_email
from tracker.errors import Forbidden, Invalid, NotFound, OverAllocated, check_version
from tracker.models import Allocation, Expert, Initiative, School, Unavailability, User
from tracker.models.capacity import ALLOCATION_STATUSES
from tracker.search import matches_text
from tracker.wording import plural

ONE_DAY = timedelta(days=1)
#: Loads are sums of fractions such as 0.5 and 0.2; compare them without float noise.
PLACES = 6
#: The longest allocation, leave or question range, so a typo of a year cannot
#: ask for thousands of weeks.
MAX_RANGE_DAYS = 3 * 366
MAX_SPECIALISMS = 30
GOLDEN_RATIO = 3
PAST_MESSAGE = "This day has passed: a new allocation must end today or later."


# --- the arithmetic -----------------------------------------------------------------

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


# --- terms --------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    name: str
    starts_on: date
    ends_on: date


def term_of(day):
    """The school term ``day`` falls in, by fixed dates: autumn September to December,
    spring January to March, summer April to August (Easter moves; the planner lets a
    person pick any range, and these bounds only choose what to show first)."""
    if day.month >= 9:
        return Term(f"Autumn {day.year}", date(day.year, 9, 1), date(day.year, 12, 31))
    if day.month <= 3:
        return Term(f"Spring {day.year}", date(day.year, 1, 1), date(day.year, 3, 31))
    return Term(f"Summer {day.year}", date(day.year, 4, 1), date(day.year, 8, 31))


def next_term(term):
    return term_of(term.ends_on + ONE_DAY)


def previous_term(term):
    return term_of(term.starts_on - ONE_DAY)


# --- loading what the arithmetic needs ------------------------------------------------

def _allocation_span(allocation):
    return Span(allocation.starts_on, allocation.ends_on, allocation.days_per_week)


def _live_allocations(session, expert_ids, from_, to, *, exclude_id=None):
    """Non-cancelled allocations of ``expert_ids`` (None: everyone) touching ``from_``..``to``,
    as plain rows of what the arithmetic reads (loading whole records costs three times
    as much on a large trust)."""
    stmt = select(Allocation.id, Allocation.expert_id, Allocation.starts_on, Allocation.ends_on,
                  Allocation.days_per_week, Allocation.override_reason).where(
        Allocation.status != "cancelled", Allocation.starts_on <= to, Allocation.ends_on >= from_)
    if expert_ids is not None:
        stmt = stmt.where(Allocation.expert_id.in_(list(expert_ids) or [-1]))
    if exclude_id is not None:
        stmt = stmt.where(Allocation.id != exclude_id)
    return session.execute(stmt.order_by(Allocation.starts_on, Allocation.id)).all()


def _leave(session, expert_ids, from_, to):
    stmt = select(Unavailability.expert_id, Unavailability.starts_on, Unavailability.ends_on).where(
        Unavailability.starts_on <= to, Unavailability.ends_on >= from_)
    if expert_ids is not None:
        stmt = stmt.where(Unavailability.expert_id.in_(list(expert_ids) or [-1]))
    return session.execute(stmt.order_by(Unavailability.starts_on)).all()


def _by_expert(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.expert_id].append(row)
    return grouped


def _week_table(experts, allocations, leave, from_, to):
    """``{expert_id: [WeekLoad, ...]}`` from rows already loaded (no queries)."""
    allocations, leave = _by_expert(allocations), _by_expert(leave)
    return {e.id: weekly_loads(
        [_allocation_span(a) for a in allocations[e.id]], e.days_per_week, from_, to,
        leave=[Span(u.starts_on, u.ends_on, 0) for u in leave[e.id]],
        overridden=[_allocation_span(a) for a in allocations[e.id] if a.override_reason])
        for e in experts}


def _check_range(from_, to, names=("from", "to")):
    problems = {name: [clock.plausible_message()]
                for name, on in zip(names, (from_, to)) if not clock.plausible(on)}
    if not problems and to < from_:
        problems[names[1]] = ["The end is before the start."]
    elif not problems and (to - from_).days > MAX_RANGE_DAYS:
        problems[names[1]] = ["Ask about at most three years at a time."]
    if problems:
        raise Invalid("The date range is not valid.", fields=problems)


# --- the questions ------------------------------------------------------------------

def load_by_week(session, expert_ids, from_, to):
    """Each expert's load by ISO week: ``{expert_id: [{"week", "load", "capacity", "excess"}]}``.

    ``expert_ids`` None means every active expert. Three queries.
    """
    _check_range(from_, to)
    stmt = select(Expert).order_by(Expert.name)
    stmt = stmt.where(Expert.active.is_(True)) if expert_ids is None else stmt.where(
        Expert.id.in_(list(expert_ids) or [-1]))
    experts = session.execute(stmt).scalars().all()
    ids = [e.id for e in experts]
    table = _week_table(experts, _live_allocations(session, ids, from_, to),
                        _leave(session, ids, from_, to), from_, to)
    return {expert_id: [w.as_dict() for w in weeks] for expert_id, weeks in table.items()}


def over_allocations(session, from_, to):
    """Active experts over-allocated in ``from_``..``to``, and when; three queries.

    ``[{"expert_id", "name", "email", "weeks": [{"week", "load", "capacity", "excess"}]}]``.
    """
    _check_range(from_, to)
    experts = session.execute(select(Expert).where(Expert.active.is_(True))
                              .order_by(Expert.name)).scalars().all()
    allocations = _by_expert(_live_allocations(session, None, from_, to))
    leave = _by_expert(_leave(session, None, from_, to))
    found = []
    for expert in experts:
        spans = [_allocation_span(a) for a in allocations[expert.id]]
        spans += [Span(u.starts_on, u.ends_on, expert.days_per_week) for u in leave[expert.id]]
        weeks = over_weeks(spans, expert.days_per_week, from_, to)
        if weeks:
            found.append({"expert_id": expert.id, "name": expert.name, "email": expert.email,
                          "weeks": [w.as_dict() for w in weeks]})
    return found


def initiatives_without_capacity(session, today):
    """Active initiatives in Deliver with no non-cancelled allocation covering ``today``.

    Two queries (the initiatives, then their schools).
    """
    covered = exists().where(Allocation.initiative_id == Initiative.id,
                             Allocation.status != "cancelled",
                             Allocation.starts_on <= today, Allocation.ends_on >= today)
    return session.execute(
        select(Initiative).where(Initiative.status == "active", Initiative.phase == "deliver",
                                 ~covered)
        .options(selectinload(Initiative.schools)).order_by(Initiative.title, Initiative.id)
    ).scalars().all()


def days_received(allocation, term_start, term_end):
    """Days of expert time ``allocation`` gives within the term (``expert_days``)."""
    first, last = max(allocation.starts_on, term_start), min(allocation.ends_on, term_end)
    return expert_days(allocation.days_per_week, first, last)


def days_received_by_school(session, term_start, term_end, school_ids=None):
    """Expert days each school receives in the term, from non-cancelled allocations.

    ``{school_id: {"planned", "confirmed", "delivered", "total"}}`` for every school
    (narrowed to ``school_ids`` when given) that receives any; one query.
    """
    _check_range(term_start, term_end)
    stmt = select(Allocation.school_id, Allocation.status, Allocation.starts_on,
                  Allocation.ends_on, Allocation.days_per_week).where(
        Allocation.status != "cancelled", Allocation.starts_on <= term_end,
        Allocation.ends_on >= term_start)
    if school_ids is not None:
        stmt = stmt.where(Allocation.school_id.in_(list(school_ids) or [-1]))
    received = {}
    for allocation in session.execute(stmt):
        days = days_received(allocation, term_start, term_end)
        row = received.setdefault(allocation.school_id, {"planned": 0.0, "confirmed": 0.0,
                                                         "delivered": 0.0, "total": 0.0})
        row[allocation.status] += days
        row["total"] += days
    return {k: {s: round(v, 2) for s, v in row.items()} for k, row in received.items()}


def _specialism_filter(specialism):
    """Experts whose list holds ``specialism`` exactly (specialisms are stored lower-case).

    The JSON list is matched as text with its quotes, which works alike on SQLite and
    PostgreSQL without a dialect's JSON operators.
    """
    needle = json.dumps(normalise_specialism(specialism))
    return cast(Expert.specialisms, String).contains(needle, autoescape=True)


def available_experts(session, specialism, from_, to, days_per_week):
    """Active experts with ``days_per_week`` free in every ISO week of ``from_``..``to``,
    counting days (``spare_by_week``): a day of leave takes that day, not the week.

    Best fit first: the least spare time that still fits (so a part-time expert who
    fits exactly is offered before a full-timer whose days are better kept for bigger
    asks), then by name. ``specialism`` None or empty means any. Returns
    ``[(expert, spare)]``, ``spare`` being the fewest free days a week across the range.
    Three queries.
    """
    _check_range(from_, to)
    _check_days(days_per_week, "days_per_week")
    stmt = select(Expert).where(Expert.active.is_(True), Expert.days_per_week >= days_per_week)
    if specialism:
        stmt = stmt.where(_specialism_filter(specialism))
    experts = session.execute(stmt.order_by(Expert.name)).scalars().all()
    ids = [e.id for e in experts]
    allocations = _by_expert(_live_allocations(session, ids, from_, to))
    leave = _by_expert(_leave(session, ids, from_, to))
    fits = []
    for expert in experts:
        spans = [_allocation_span(a) for a in allocations[expert.id]]
        spans += [Span(u.starts_on, u.ends_on, expert.days_per_week) for u in leave[expert.id]]
        # A range of weekend days asks for no expert days, so nothing stands in the way.
        spare = min(spare_by_week(spans, expert.days_per_week, from_, to).values(),
                    default=expert.days_per_week)
        if spare + 10 ** -PLACES >= days_per_week:
            fits.append((expert, spare))
    fits.sort(key=lambda pair: (pair[1], pair[0].name.lower(), pair[0].id))
    return fits


def golden_rule(session):
    """Schools able to give support per school needing intensive support.

    ``{"can_support", "needs_support", "ratio", "ok"}``: ``ok`` when the ratio is at
    least 3. With no school needing support the ratio is undefined, so ``ratio`` is
    null and ``ok`` is true (nothing is asked of the supporting schools). One query.
    """
    counts = dict(session.execute(
        select(School.support_status, func.count()).group_by(School.support_status)).all())
    can, needs = counts.get("can_support", 0), counts.get("needs_support", 0)
    ratio = round(can / needs, 2) if needs else None
    return {"can_support": can, "needs_support": needs, "ratio": ratio,
            "ok": ratio is None or ratio >= GOLDEN_RATIO}


def planner(session, from_, to, *, specialism=None, school_id=None, page=1, per_page=100):
    """What the planner page shows, in five queries whatever the data size.

    Active experts by name (narrowed to a specialism, and to those based at or working
    in ``school_id`` within the range), one page of them at a time, each with their ISO
    weeks; and that page's overridden allocations in the range. ``{"weeks": [monday...],
    "rows": [{"expert", "weeks": [WeekLoad]}], "overrides": [Allocation], "specialisms":
    [...], "total": N, "page": n, "pages": n}``.
    """
    _check_range(from_, to)
    specialisms = sorted({s for row in session.execute(
        select(Expert.specialisms).where(Expert.active.is_(True))).scalars() for s in row or []})
    stmt = select(Expert).where(Expert.active.is_(True)).options(joinedload(Expert.home_school))
    if specialism:
        stmt = stmt.where(_specialism_filter(specialism))
    if school_id is not None:
        working_there = select(Allocation.expert_id).where(
            Allocation.school_id == school_id, Allocation.status != "cancelled",
            Allocation.starts_on <= to, Allocation.ends_on >= from_)
        stmt = stmt.where(or_(Expert.home_school_id == school_id, Expert.id.in_(working_there)))
    matching = session.execute(stmt.order_by(Expert.name, Expert.id)).scalars().all()
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(1, page), pages)
    experts = matching[(page - 1) * per_page:page * per_page]
    ids = [e.id for e in experts]
    table = _week_table(experts, _live_allocations(session, ids, from_, to),
                        _leave(session, ids, from_, to), from_, to)
    overrides = session.execute(
        select(Allocation).where(Allocation.expert_id.in_(ids or [-1]),
                                 Allocation.override_reason.is_not(None),
                                 Allocation.status != "cancelled",
                                 Allocation.starts_on <= to, Allocation.ends_on >= from_)
        .options(joinedload(Allocation.school), joinedload(Allocation.expert))
        .order_by(Allocation.starts_on, Allocation.id)).scalars().all()
    return {"weeks": mondays(from_, to), "specialisms": specialisms,
            "rows": [{"expert": e, "weeks": table[e.id]} for e in experts],
            "overrides": overrides, "total": len(matching), "page": page, "pages": pages}


# --- experts ------------------------------------------------------------------------

def normalise_specialism(value):
    return " ".join(str(value).split()).lower()


def _specialisms(values):
    cleaned = []
    for value in values or []:
        value = normalise_specialism(value)
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_SPECIALISMS:
        raise Invalid("Too many specialisms.", fields={
            "specialisms": [f"Name at most {MAX_SPECIALISMS}."]})
    return cleaned


def _check_days(value, field):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not (0 < value <= 7):
        raise Invalid("Days a week must be more than 0 and at most 7.",
                      fields={field: ["Give more than 0 and at most 7 days a week."]})


def find_experts(*, specialism=None, home_school_id=None, active=None, q=None):
    """A select of experts, by name; everyone may read the experts (a staff directory)."""
    stmt = select(Expert).order_by(Expert.name, Expert.id)
    if specialism:
        stmt = stmt.where(_specialism_filter(specialism))
    if home_school_id is not None:
        stmt = stmt.where(Expert.home_school_id == home_school_id)
    if active is not None:
        stmt = stmt.where(Expert.active.is_(active))
    if q:
        stmt = stmt.where(matches_text(q, Expert.name, Expert.email))
    return stmt


def get_expert(session, expert_id):
    """An expert, or NotFound."""
    expert = session.get(Expert, expert_id) if permissions.is_id(expert_id) else None
    if expert is None:
        raise NotFound("No such expert.")
    return expert


def _expert_fields(session, expert, values):
    """Check and apply ``values`` to ``expert``; raise Invalid naming every bad field."""
    problems = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            problems["name"] = ["Enter the expert's name."]
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower()
        taken = session.execute(select(Expert.id).where(
            Expert.email == values["email"], Expert.id != (expert.id or -1))).first()
        if not valid_email(values["email"]):
            problems["email"] = ["Enter an email address, like name@school.org.uk."]
        elif taken:
            problems["email"] = ["Another expert has this email."]
    if "days_per_week" in values:
        try:
            _check_days(values["days_per_week"], "days_per_week")
        except Invalid as error:
            problems.update(error.fields)
    if values.get("home_school_id") is not None and not (
            permissions.is_id(values["home_school_id"])
            and session.get(School, values["home_school_id"])):
        problems["home_school_id"] = ["No school with this id."]
    if values.get("user_id") is not None and not (
            permissions.is_id(values["user_id"]) and session.get(User, values["user_id"])):
        problems["user_id"] = ["No person with this id."]
    if "specialisms" in values:
        try:
            values["specialisms"] = _specialisms(values["specialisms"])
        except Invalid as error:
            problems.update(error.fields)
    if problems:
        raise Invalid("The expert is not valid as given.", fields=problems)
    for key in ("name", "email", "specialisms", "home_school_id", "days_per_week", "user_id",
                "active"):
        if key in values:
            setattr(expert, key, values[key])


def create_expert(session, actor, *, name, email, days_per_week, specialisms=(),
                  home_school_id=None, user_id=None, active=True):
    """Add an expert (central team, admin)."""
    permissions.require(actor, permissions.ALLOCATE)
    expert = Expert()
    _expert_fields(session, expert, {
        "name": name, "email": email, "days_per_week": days_per_week,
        "specialisms": list(specialisms), "home_school_id": home_school_id, "user_id": user_id,
        "active": active})
    session.add(expert)
    session.flush()
    return expert


def update_expert(session, actor, expert, version, override_reason=None, **changes):
    """Change an expert (central team, admin); ``version`` as read, else StaleVersion.

    Cutting their ``days_per_week`` below what is already allocated from today on is
    refused with OverAllocated unless ``override_reason`` is given (then logged).
    """
    permissions.require(actor, permissions.ALLOCATE)
    check_version(expert, version)
    old_days = expert.days_per_week
    _expert_fields(session, expert, dict(changes))
    if expert.days_per_week < old_days and expert.active:
        start = clock.today()
        end = start + timedelta(days=MAX_RANGE_DAYS)
        spans = [_allocation_span(a) for a in _live_allocations(session, [expert.id], start, end)]
        spans += [Span(u.starts_on, u.ends_on, expert.days_per_week)
                  for u in _leave(session, [expert.id], start, end)]
        weeks = [w.as_dict() for w in over_weeks(spans, expert.days_per_week, start, end)]
        if weeks and not _reason(override_reason):
            raise OverAllocated(_over_message(expert, weeks), weeks)
        if weeks:
            session.flush()
            record_event(session, "override", "experts", expert.id, {
                "reason": _reason(override_reason), "weeks": weeks})
    session.flush()
    return expert


# --- unavailability -----------------------------------------------------------------

def _may_see_leave(actor, expert):
    return permissions.can(actor, permissions.ALLOCATE) or (
        expert.user_id is not None and expert.user_id == actor.id)


def unavailability_of(session, actor, expert):
    """The expert's leave, newest first. Leave can be personal, so only the central
    team, admins and the expert themself see it (Forbidden for anyone else)."""
    if not _may_see_leave(actor, expert):
        raise Forbidden("Only the central team and the expert can see their leave.")
    return session.execute(select(Unavailability).where(Unavailability.expert_id == expert.id)
                           .order_by(Unavailability.starts_on.desc())).scalars().all()


def add_unavailability(session, actor, expert, *, starts_on, ends_on, reason=""):
    """Record leave or a course (central team, admin). Never refused for load: see module."""
    permissions.require(actor, permissions.ALLOCATE)
    _check_range(starts_on, ends_on, names=("starts_on", "ends_on"))
    leave = Unavailability(expert_id=expert.id, starts_on=starts_on, ends_on=ends_on,
                           reason=(reason or "").strip())
    session.add(leave)
    session.flush()
    return leave


def remove_unavailability(session, actor, expert, unavailability_id):
    permissions.require(actor, permissions.ALLOCATE)
    leave = session.get(Unavailability, unavailability_id) if permissions.is_id(
        unavailability_id) else None
    if leave is None or leave.expert_id != expert.id:
        raise NotFound("No such unavailability.")
    session.delete(leave)
    session.flush()


# --- allocations --------------------------------------------------------------------

def find_allocations(user, *, expert_id=None, school_id=None, initiative_id=None, status=None,
                     from_=None, to=None):
    """A select of the allocations ``user`` may see, narrowed; ``from_``/``to`` keep those
    that touch the range."""
    stmt = permissions.visible_allocations(select(Allocation), user)
    for column, value in ((Allocation.expert_id, expert_id), (Allocation.school_id, school_id),
                          (Allocation.initiative_id, initiative_id), (Allocation.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if from_ is not None:
        stmt = stmt.where(Allocation.ends_on >= from_)
    if to is not None:
        stmt = stmt.where(Allocation.starts_on <= to)
    return stmt.options(joinedload(Allocation.expert), joinedload(Allocation.school),
                        joinedload(Allocation.initiative)).order_by(
        Allocation.starts_on, Allocation.id)


def get_allocation(session, user, allocation_id):
    """An allocation ``user`` may see, or NotFound (another school's looks the same)."""
    allocation = session.get(Allocation, allocation_id) if permissions.is_id(allocation_id) else None
    if allocation is None or not permissions.can_see_allocation(user, allocation):
        raise NotFound("No such allocation.")
    return allocation


def _reason(value):
    value = (value or "").strip()
    return value or None


def _over_message(expert, weeks):
    names = ", ".join(w["week"] for w in weeks[:6]) + (" and more" if len(weeks) > 6 else "")
    worst = max(w["excess"] for w in weeks)
    return (f"{expert.name} would be over their {plural(expert.days_per_week, 'day')} a week in "
            f"{plural(len(weeks), 'week')} ({names}), by up to "
            f"{plural(worst, 'day')}. Give a reason to override.")


def _validated(session, values, allocation=None):
    """Check an allocation's would-be values; returns (expert, values). Raises Invalid."""
    problems = {}
    expert = school = None
    expert_id, school_id = values.get("expert_id"), values.get("school_id")
    if expert_id is None or not permissions.is_id(expert_id) or not (
            expert := session.get(Expert, expert_id, with_for_update=True)):
        # The row lock makes two allocations of one expert wait for each other
        # (PostgreSQL), so two clients cannot each pass the check and double-book.
        problems["expert_id"] = ["No expert with this id."]
    elif not expert.active and (allocation is None or allocation.expert_id != expert.id):
        problems["expert_id"] = ["This expert is no longer deployed."]
    if school_id is None or not permissions.is_id(school_id) or not (
            school := session.get(School, school_id)):
        problems["school_id"] = ["No school with this id."]
    initiative_id = values.get("initiative_id")
    if initiative_id is not None:
        initiative = session.get(Initiative, initiative_id) if permissions.is_id(
            initiative_id) else None
        if initiative is None:
            problems["initiative_id"] = ["No initiative with this id."]
        elif school is not None and school.id not in initiative.school_ids:
            problems["initiative_id"] = ["This initiative is not one of that school's."]
        elif initiative.status != "active" and (
                allocation is None or allocation.initiative_id != initiative.id):
            problems["initiative_id"] = ["This initiative has ended."]
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts_on, date):
        problems["starts_on"] = ["Give the first day."]
    if not isinstance(ends_on, date):
        problems["ends_on"] = ["Give the last day."]
    if isinstance(starts_on, date) and isinstance(ends_on, date):
        try:
            _check_range(starts_on, ends_on, names=("starts_on", "ends_on"))
        except Invalid as error:
            problems.update(error.fields)
            if "ends_on" in error.fields and ends_on < starts_on:
                problems["ends_on"] = ["The last day is before the first."]
    try:
        _check_days(values.get("days_per_week"), "days_per_week")
    except Invalid as error:
        problems.update(error.fields)
    if allocation is None and isinstance(ends_on, date) and "ends_on" not in problems \
            and ends_on < clock.today():
        problems["ends_on"] = [PAST_MESSAGE]
    if values.get("status") not in ALLOCATION_STATUSES:
        problems["status"] = [f"Choose one of: {', '.join(ALLOCATION_STATUSES)}."]
    if len(values.get("notes") or "") > 10_000 or len(values.get("override_reason") or "") > 2000:
        problems["override_reason" if len(values.get("override_reason") or "") > 2000
                 else "notes"] = ["This is too long."]
    if problems:
        raise Invalid("The allocation is not valid as given.", fields=problems)
    return expert


def _check_load(session, expert, values, allocation=None):
    """The error ``weeks`` if these values would over-allocate ``expert`` (else [])."""
    if values["status"] == "cancelled":
        return []
    proposed = Span(values["starts_on"], values["ends_on"], values["days_per_week"])
    previous = None
    if allocation is not None and allocation.expert_id == expert.id and allocation.status != "cancelled":
        previous = _allocation_span(allocation)
    others = [_allocation_span(a) for a in _live_allocations(
        session, [expert.id], proposed.starts_on, proposed.ends_on,
        exclude_id=allocation.id if allocation is not None else None)]
    others += [Span(u.starts_on, u.ends_on, expert.days_per_week)
               for u in _leave(session, [expert.id], proposed.starts_on, proposed.ends_on)]
    return refused_weeks(expert.days_per_week, others, proposed, previous)


def _apply(session, expert, allocation, values):
    weeks = _check_load(session, expert, values, allocation if allocation.id else None)
    reason = _reason(values.get("override_reason"))
    if weeks and not reason:
        raise OverAllocated(_over_message(expert, weeks), weeks)
    for key in ("expert_id", "school_id", "initiative_id", "starts_on", "ends_on",
                "days_per_week", "status", "notes"):
        setattr(allocation, key, values[key])
    if weeks:
        allocation.override_reason = reason
    session.add(allocation)
    session.flush()
    if weeks:
        record_event(session, "override", "allocations", allocation.id,
                     {"reason": reason, "expert_id": expert.id, "weeks": weeks})
        session.flush()
    return allocation


def allocate(session, actor, *, expert_id, school_id, initiative_id=None, starts_on, ends_on,
             days_per_week, status="planned", override_reason=None, notes=""):
    """Deploy an expert to a school (and optionally one of its initiatives).

    Raises Forbidden unless the actor may allocate; Invalid for bad values (every bad
    field named, ``ends_on`` when it is before today); OverAllocated with the weeks when the expert would be over their days
    and no ``override_reason`` is given. An override's reason is stored on the
    allocation and logged as an ``override`` event.
    """
    permissions.require(actor, permissions.ALLOCATE)
    values = {"expert_id": expert_id, "school_id": school_id, "initiative_id": initiative_id,
              "starts_on": starts_on, "ends_on": ends_on, "days_per_week": days_per_week,
              "status": status, "override_reason": override_reason, "notes": notes or ""}
    expert = _validated(session, values)
    return _apply(session, expert, Allocation(), values)


def change_allocation(session, actor, allocation, version, **changes):
    """Change an allocation; ``version`` must be the one read (else StaleVersion).

    Same checks as ``allocate`` on the allocation as it would be, except that it may
    end in the past (a stored allocation stays correctable and cancellable); only a
    change that adds load to an over-allocated day is refused (see the module docstring).
    """
    permissions.require(actor, permissions.ALLOCATE)
    check_version(allocation, version)
    unknown = set(changes) - {"expert_id", "school_id", "initiative_id", "starts_on", "ends_on",
                              "days_per_week", "status", "notes", "override_reason"}
    if unknown:
        raise Invalid("Unknown fields.", fields={k: ["Unknown field."] for k in sorted(unknown)})
    values = {key: getattr(allocation, key) for key in (
        "expert_id", "school_id", "initiative_id", "starts_on", "ends_on", "days_per_week",
        "status", "notes")}
    values["override_reason"] = None
    values.update(changes)
    values["notes"] = values["notes"] or ""
    expert = _validated(session, values, allocation)
    return _apply(session, expert, allocation, values)


__all__ = [
    "Span", "WeekLoad", "Term", "iso_week", "monday_of", "mondays", "load_segments", "load_on",
    "weekly_loads", "over_weeks", "refused_weeks", "term_of", "next_term", "previous_term",
    "spare_by_week", "expert_days",
    "load_by_week", "over_allocations", "initiatives_without_capacity", "days_received",
    "days_received_by_school", "available_experts", "golden_rule", "planner",
    "find_experts", "get_expert", "create_expert", "update_expert", "unavailability_of",
    "add_unavailability", "remove_unavailability", "find_allocations", "get_allocation",
    "allocate", "change_allocation", "weekdays_between",
]
