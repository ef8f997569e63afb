"""The questions planners ask of capacity: load by week, who is over, who is free, what a
school receives, the golden rule. Each runs a fixed number of queries whatever the number
of experts or allocations."""
from collections import defaultdict, namedtuple

from sqlalchemy import exists, func, select
from sqlalchemy.orm import subqueryload

from tracker.capacity.arithmetic import PLACES, expert_days, over_weeks, spare_by_week
from tracker.capacity.loading import (
    check_days, check_range, leave_rows, live_allocations, spans_by_expert, specialism_filter,
    week_table)
from tracker.models import Allocation, Expert, Initiative, School, initiative_schools

GOLDEN_RATIO = 3


def load_by_week(session, expert_ids, from_, to):
    """Each expert's load by ISO week: ``{expert_id: [{"week", "load", "capacity", "excess"}]}``.

    ``expert_ids`` None means every active expert. Three queries.
    """
    check_range(from_, to)
    stmt = select(Expert).order_by(Expert.name)
    stmt = stmt.where(Expert.active.is_(True)) if expert_ids is None else stmt.where(
        Expert.id.in_(list(expert_ids) or [-1]))
    experts = session.execute(stmt).scalars().all()
    ids = [e.id for e in experts]
    table = week_table(experts, live_allocations(session, ids, from_, to),
                        leave_rows(session, ids, from_, to), from_, to)
    return {expert_id: [w.as_dict() for w in weeks] for expert_id, weeks in table.items()}


def over_allocations(session, from_, to):
    """Active experts over-allocated in ``from_``..``to``, and when; three queries.

    ``[{"expert_id", "name", "email", "weeks": [{"week", "load", "capacity", "excess"}]}]``.
    """
    check_range(from_, to)
    experts = session.execute(select(Expert).where(Expert.active.is_(True))
                              .order_by(Expert.name)).scalars().all()
    spans_of = spans_by_expert(session, experts, None, from_, to)
    found = []
    for expert in experts:
        weeks = over_weeks(spans_of[expert.id], expert.days_per_week, from_, to)
        if weeks:
            found.append({"expert_id": expert.id, "name": expert.name, "email": expert.email,
                          "weeks": [w.as_dict() for w in weeks]})
    return found


def _without_capacity(today):
    """A select of the active initiatives in Deliver with no non-cancelled allocation
    covering ``today``, by title."""
    covered = exists().where(Allocation.initiative_id == Initiative.id,
                             Allocation.status != "cancelled",
                             Allocation.starts_on <= today, Allocation.ends_on >= today)
    return (select(Initiative).where(Initiative.status == "active", Initiative.phase == "deliver",
                                     ~covered)
            .order_by(Initiative.title, Initiative.id))


def initiatives_without_capacity(session, today):
    """Active initiatives in Deliver with no non-cancelled allocation covering ``today``, by
    title, with their schools.

    Two queries however many there are (the schools in one query, not in batches).
    """
    return session.execute(_without_capacity(today).options(subqueryload(Initiative.schools))
                           ).scalars().all()


#: One initiative in Deliver with no expert today, as the planner lists it.
Uncovered = namedtuple("Uncovered", "id title schools")


def uncovered_page(session, today, page=1, per_page=50):
    """One page of ``initiatives_without_capacity``: ``{"items": [Uncovered], "total": N}``,
    ``schools`` being each one's ``(id, name)`` by name. Two queries whatever the page or
    the number of initiatives (the total rides along with the page's rows)."""
    stmt = _without_capacity(today).with_only_columns(
        Initiative.id, Initiative.title, func.count().over()).limit(per_page).offset(
        (max(1, page) - 1) * per_page)
    rows = session.execute(stmt).all()
    link = initiative_schools.c
    schools = defaultdict(list)
    for initiative_id, school_id, name in session.execute(
            select(link.initiative_id, School.id, School.name)
            .join(School, School.id == link.school_id)
            .where(link.initiative_id.in_([row[0] for row in rows] or [-1]))
            .order_by(School.name, School.id)):
        schools[initiative_id].append((school_id, name))
    total = rows[0][2] if rows else None
    if total is None and page > 1:  # past the last page: the count alone
        total = session.execute(select(func.count()).select_from(
            _without_capacity(today).order_by(None).subquery())).scalar_one()
    return {"items": [Uncovered(id_, title, schools[id_]) for id_, title, _ in rows],
            "total": total or 0}


def days_received(allocation, term_start, term_end):
    """Days of expert time ``allocation`` gives within the term (``expert_days``)."""
    first, last = max(allocation.starts_on, term_start), min(allocation.ends_on, term_end)
    return expert_days(allocation.days_per_week, first, last)


def days_received_by_school(session, term_start, term_end, school_ids=None):
    """Expert days each school receives in the term, from non-cancelled allocations.

    ``{school_id: {"planned", "confirmed", "delivered", "total"}}`` for every school
    (narrowed to ``school_ids`` when given) that receives any; one query.
    """
    check_range(term_start, term_end)
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


def available_experts(session, specialism, from_, to, days_per_week):
    """Active experts with ``days_per_week`` free in every ISO week of ``from_``..``to``,
    counting days (``spare_by_week``): a day of leave takes that day, not the week.

    Best fit first: the least spare time that still fits (so a part-time expert who
    fits exactly is offered before a full-timer whose days are better kept for bigger
    asks), then by name. ``specialism`` None or empty means any. Returns
    ``[(expert, spare)]``, ``spare`` being the fewest free days a week across the range.
    Three queries.
    """
    check_range(from_, to)
    check_days(days_per_week, "days_per_week")
    stmt = select(Expert).where(Expert.active.is_(True), Expert.days_per_week >= days_per_week)
    if specialism:
        stmt = stmt.where(specialism_filter(specialism))
    experts = session.execute(stmt.order_by(Expert.name)).scalars().all()
    spans_of = spans_by_expert(session, experts, [e.id for e in experts], from_, to)
    fits = []
    for expert in experts:
        spans = spans_of[expert.id]
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
