""""One in, one out": the trust policy, each school's limit, and when an out is required.

Counted initiatives are the active ones in prepare or deliver.
"""
from sqlalchemy import func, select

from tracker.models import Initiative, School, TrustPolicy, initiative_schools

COUNTED_PHASES = ("prepare", "deliver")


def current_policy(session):
    """The trust policy row, created with the defaults the first time it is asked for."""
    policy = session.get(TrustPolicy, 1)
    if policy is None:
        policy = TrustPolicy(id=1)
        session.add(policy)
        session.flush()
    return policy


def limit_for(school, policy):
    """A school's own cap when it has one, else the trust's."""
    return school.max_active_initiatives if school.max_active_initiatives is not None \
        else policy.max_active_initiatives


def counted_by_school(session, school_ids, excluding=None):
    """``{school_id: number of counted initiatives}`` in one query."""
    stmt = (select(initiative_schools.c.school_id, func.count())
            .join(Initiative, Initiative.id == initiative_schools.c.initiative_id)
            .where(initiative_schools.c.school_id.in_(school_ids or [-1]),
                   Initiative.status == "active", Initiative.phase.in_(COUNTED_PHASES))
            .group_by(initiative_schools.c.school_id))
    if excluding is not None:
        stmt = stmt.where(Initiative.id != excluding.id)
    counts = dict(session.execute(stmt).all())
    return {school_id: counts.get(school_id, 0) for school_id in school_ids}


def out_required(session, initiative):
    """Whether ``initiative`` must name a one-out before it may enter Deliver.

    ``strict``: always. ``cap``: when, in any of its schools, the school's *other*
    counted initiatives already reach that school's limit.
    """
    policy = current_policy(session)
    if policy.mode == "strict":
        return True
    schools = session.execute(
        select(School).where(School.id.in_(initiative.school_ids or [-1]))).scalars().all()
    others = counted_by_school(session, [s.id for s in schools], excluding=initiative)
    return any(others[s.id] >= limit_for(s, policy) for s in schools)
