"""The board's standard report: the same figures for every school, side by side.

Each figure is one aggregate query over all the schools the reader can see, so the
report costs the same number of queries for 5 schools or 150.

The golden rule is a trust figure (it counts every school's support status) and every
reader gets it as such: the head of one school needs to know whether the trust can
support its schools, and the two counts name no school.
"""
from sqlalchemy import func, select

from tracker import capacity, pdsa, permissions, policy
from tracker.models import Initiative, Milestone, PdsaCycle, School, initiative_schools
from tracker.models.initiative import PHASES

ACTIVE = Initiative.status == "active"


def _per_school(session, stmt):
    return dict(session.execute(stmt).all())


def school_report(session, user, today):
    """``{"schools": [...], "golden_rule": {...}, "breaches": [...]}`` for what
    ``user`` can see (see the module docstring for the golden rule)."""
    schools = session.execute(
        select(School).order_by(School.name).where(*_scope(user))).scalars().all()
    ids = [s.id for s in schools]
    link = initiative_schools.c
    by_phase, by_rag = {}, {}
    for school_id, phase, rag, count in session.execute(
            select(link.school_id, Initiative.phase, Initiative.rag, func.count())
            .join(Initiative, Initiative.id == link.initiative_id)
            .where(link.school_id.in_(ids or [-1]), ACTIVE)
            .group_by(link.school_id, Initiative.phase, Initiative.rag)):
        by_phase.setdefault(school_id, dict.fromkeys(PHASES, 0))[phase] += count
        rag_counts = by_rag.setdefault(school_id, {"green": 0, "amber": 0, "red": 0, "none": 0})
        rag_counts[rag or "none"] += count
    overdue = _per_school(session, select(link.school_id, func.count(Milestone.id))
                          .join(Initiative, Initiative.id == link.initiative_id)
                          .join(Milestone, Milestone.initiative_id == Initiative.id)
                          .where(link.school_id.in_(ids or [-1]), ACTIVE,
                                 Milestone.done_on.is_(None), Milestone.due_on < today)
                          .group_by(link.school_id))
    stuck = _per_school(session, select(link.school_id, func.count(PdsaCycle.id))
                        .join(Initiative, Initiative.id == link.initiative_id)
                        .join(PdsaCycle, PdsaCycle.initiative_id == Initiative.id)
                        .where(link.school_id.in_(ids or [-1]), ACTIVE,
                               pdsa.stuck_condition(today))
                        .group_by(link.school_id))
    breaches = policy.breaches(session, today, school_ids=ids)
    breach_count = {}
    for breach in breaches:
        breach_count[breach["school_id"]] = breach_count.get(breach["school_id"], 0) + 1
    rows = [{"school_id": s.id, "name": s.name, "urn": s.urn, "support_status": s.support_status,
             "phases": by_phase.get(s.id, dict.fromkeys(PHASES, 0)),
             "rag": by_rag.get(s.id, {"green": 0, "amber": 0, "red": 0, "none": 0}),
             "active_initiatives": sum(by_phase.get(s.id, {}).values()),
             "overdue_milestones": overdue.get(s.id, 0), "stuck_pdsa_cycles": stuck.get(s.id, 0),
             "breaches": breach_count.get(s.id, 0)} for s in schools]
    return {"schools": rows, "golden_rule": capacity.golden_rule(session), "breaches": breaches}


def _scope(user):
    ids = permissions.visible_school_ids(user)
    return [] if ids is None else [School.id.in_(ids or [-1])]
