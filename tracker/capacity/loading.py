"""What the arithmetic needs from the database, and the checks every question shares
(used inside the package; callers use the questions)."""
import json
from collections import defaultdict

from sqlalchemy import String, cast, select

from tracker import clock
from tracker.capacity.arithmetic import Span, weekly_loads
from tracker.errors import Invalid
from tracker.models import Allocation, Expert, Unavailability
from tracker.wording import plural

#: The longest allocation, leave or question range, so a typo of a year cannot
#: ask for thousands of weeks.
MAX_RANGE_DAYS = 3 * 366


def allocation_span(allocation):
    return Span(allocation.starts_on, allocation.ends_on, allocation.days_per_week)


def live_allocations(session, expert_ids, from_, to, *, exclude_id=None):
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


def leave_rows(session, expert_ids, from_, to):
    stmt = select(Unavailability.expert_id, Unavailability.starts_on, Unavailability.ends_on).where(
        Unavailability.starts_on <= to, Unavailability.ends_on >= from_)
    if expert_ids is not None:
        stmt = stmt.where(Unavailability.expert_id.in_(list(expert_ids) or [-1]))
    return session.execute(stmt.order_by(Unavailability.starts_on)).all()


def by_expert(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.expert_id].append(row)
    return grouped


def week_table(experts, allocations, leave, from_, to):
    """``{expert_id: [WeekLoad, ...]}`` from rows already loaded (no queries)."""
    allocations, leave = by_expert(allocations), by_expert(leave)
    return {e.id: weekly_loads(
        [allocation_span(a) for a in allocations[e.id]], e.days_per_week, from_, to,
        leave=[Span(u.starts_on, u.ends_on, 0) for u in leave[e.id]],
        overridden=[allocation_span(a) for a in allocations[e.id] if a.override_reason])
        for e in experts}


def spans_by_expert(session, experts, expert_ids, from_, to):
    """``{expert_id: [Span]}`` for ``experts``: their allocations and their leave (at their
    whole days) touching ``from_``..``to``; ``expert_ids`` narrows the two queries (None:
    everyone's rows, when ``experts`` are all the active ones)."""
    allocations = by_expert(live_allocations(session, expert_ids, from_, to))
    leave = by_expert(leave_rows(session, expert_ids, from_, to))
    return {expert.id: [allocation_span(a) for a in allocations[expert.id]]
            + [Span(u.starts_on, u.ends_on, expert.days_per_week) for u in leave[expert.id]]
            for expert in experts}


def check_range(from_, to, names=("from", "to")):
    problems = {name: [clock.plausible_message()]
                for name, on in zip(names, (from_, to)) if not clock.plausible(on)}
    if not problems and to < from_:
        problems[names[1]] = ["The end is before the start."]
    elif not problems and (to - from_).days > MAX_RANGE_DAYS:
        problems[names[1]] = ["Ask about at most three years at a time."]
    if problems:
        raise Invalid("The date range is not valid.", fields=problems)


def check_days(value, field):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not (0 < value <= 7):
        raise Invalid("Days a week must be more than 0 and at most 7.",
                      fields={field: ["Give more than 0 and at most 7 days a week."]})


def normalise_specialism(value):
    return " ".join(str(value).split()).lower()


def specialism_filter(specialism):
    """Experts whose list holds ``specialism`` exactly (specialisms are stored lower-case).

    The JSON list is matched as text with its quotes, which works alike on SQLite and
    PostgreSQL without a dialect's JSON operators.
    """
    needle = json.dumps(normalise_specialism(specialism))
    return cast(Expert.specialisms, String).contains(needle, autoescape=True)


def reason_given(value):
    value = (value or "").strip()
    return value or None


def over_message(expert, weeks):
    names = ", ".join(w["week"] for w in weeks[:6]) + (" and more" if len(weeks) > 6 else "")
    worst = max(w["excess"] for w in weeks)
    return (f"{expert.name} would be over their {plural(expert.days_per_week, 'day')} a week in "
            f"{plural(len(weeks), 'week')} ({names}), by up to "
            f"{plural(worst, 'day')}. Give a reason to override.")
