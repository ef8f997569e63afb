"""The school page: one school's picture brought together, as plain data.

Nothing here is a rule of its own. Each part is asked of the module that owns it, so the
page says what the other pages say about the same school:

- the figures that need attention (overdue milestones, stuck PDSA cycles, stale initiatives,
  breaches, expert days this term, unanswered concerns) and the trust KPIs are the school's
  row of the board's standard report (``dashboard.school_report`` narrowed to this school),
  so the page and the dashboard row can never disagree;
- the active initiatives (its own and the horizontal ones it takes part in), each with the
  school's own RAG of it (``initiative_schools.rag``: a shared initiative may be green in one
  school and red in another);
- expert time (``capacity``): days received this term by status, and the allocations that
  run now or start later, as the reader may see them (``permissions.visible_allocations``);
- the latest self-evaluation beside the one before (``self_evaluation.latest_with_previous``);
- the policy: its limit (its own or the trust's), how many initiatives count against it, and
  its breaches;
- its insights (``insights.insights_for_school_page``): the latest, and the unanswered
  concerns (those the dashboard counts).

A school the reader cannot see is NotFound. A fixed number of queries whatever the number of
initiatives, KPI points, allocations or ratings.
"""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker import capacity, dashboard, insights, policy, schools, self_evaluation
from tracker.models import Allocation, Initiative, initiative_schools
from tracker.models.initiative import PHASES

#: The most current and coming allocations the page lists (the planner has the rest).
MAX_ALLOCATIONS = 20


def _initiatives(session, school_id):
    """The school's active initiatives with its own RAG of each and how many schools share
    it: ``[(Initiative, rag, schools)]`` by phase then title, owners loaded (one query)."""
    link = initiative_schools.c
    sharing = initiative_schools.alias("sharing")
    schools_of = (select(func.count()).select_from(sharing)
                  .where(sharing.c.initiative_id == Initiative.id).scalar_subquery())
    return session.execute(
        select(Initiative, link.rag, schools_of)
        .join(initiative_schools, link.initiative_id == Initiative.id)
        .where(link.school_id == school_id, Initiative.status == "active")
        .options(joinedload(Initiative.owner))
        .order_by(Initiative.title, Initiative.id)).unique().all()


def _by_phase(rows):
    phases = {phase: [] for phase in PHASES}
    for initiative, rag, shared_by in rows:
        phases[initiative.phase].append({
            "id": initiative.id, "title": initiative.title, "phase": initiative.phase,
            "rag": rag, "owner_name": initiative.owner.name if initiative.owner else None,
            "schools": shared_by, "last_update_at": initiative.last_update_at})
    return [{"phase": phase, "initiatives": items} for phase, items in phases.items()]


def _allocations(session, user, school_id, today):
    """The allocations to the school that run on or after ``today`` (not cancelled), the
    soonest first, as the reader may see them: ``(rows, more)`` (one query)."""
    stmt = (capacity.find_allocations(user, school_id=school_id, from_=today)
            .where(Allocation.status != "cancelled").limit(MAX_ALLOCATIONS + 1))
    found = session.execute(stmt).unique().scalars().all()
    return found[:MAX_ALLOCATIONS], len(found) > MAX_ALLOCATIONS


def _kpis(report, row):
    return [dict(kpi, **cell) for kpi, cell in zip(report["trust_kpis"], row["kpis"])]


def school_picture(session, user, school_id, today):
    """One school's picture on ``today`` for ``user``::

        {"school": School, "row": the dashboard's row of the school, "stale_days",
         "term": {"name", "starts_on", "ends_on"},
         "limit": n, "own_limit": bool, "counted": n,
         "phases": [{"phase", "initiatives": [{"id", "title", "phase", "rag" (the school's
                    own), "owner_name", "schools" (how many take part), "last_update_at"}]}],
         "active_initiatives": n,
         "kpis": [{"measure_id", "name", "unit", "higher_is_better", "target", "latest",
                   "variation", "assurance"}],
         "received": {"planned", "confirmed", "delivered", "total"} (days this term),
         "allocations": [Allocation] (now and coming), "more_allocations": bool,
         "self_evaluation": self_evaluation.latest_with_previous(...),
         "breaches": [{"kind", "school_id", "initiative_id", "since", "title"}],
         "insights": insights.SchoolInsights}

    Raises NotFound for a school ``user`` cannot see (or that does not exist).
    """
    school = schools.get_school(session, user, school_id)
    report = dashboard.school_report(session, user, today, school_ids=[school.id])
    row = report["schools"][0]
    rows = _initiatives(session, school.id)
    titles = {initiative.id: initiative.title for initiative, _, _ in rows}
    current = policy.current_policy(session)
    term = report["term"]
    received = capacity.days_received_by_school(
        session, term["starts_on"], term["ends_on"], school_ids=[school.id]).get(school.id)
    allocations, more = _allocations(session, user, school.id, today)
    return {
        "school": school, "row": row, "stale_days": report["stale_days"], "term": term,
        "limit": policy.limit_for(school, current),
        "own_limit": school.max_active_initiatives is not None,
        "counted": policy.counted_by_school(session, [school.id]).get(school.id, 0),
        "phases": _by_phase(rows), "active_initiatives": len(rows),
        "kpis": _kpis(report, row),
        "received": received or {"planned": 0.0, "confirmed": 0.0, "delivered": 0.0, "total": 0.0},
        "allocations": allocations, "more_allocations": more,
        "self_evaluation": self_evaluation.latest_with_previous(session, user, school.id),
        "breaches": [dict(b, title=titles.get(b["initiative_id"]))
                     for b in report["breaches"] if b["school_id"] == school.id],
        "insights": insights.insights_for_school_page(session, user, school.id, today),
    }


def own_school_id(user):
    """The school a person's "My school" opens: their school, the first by name when they
    have several; None when they have none (admins, the central team, a trust-wide viewer)."""
    own = sorted(user.schools, key=lambda school: (school.name, school.id))
    return own[0].id if own else None
