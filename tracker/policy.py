""""One in, one out": the trust policy, each school's limit, when an out is required,
and the breaches the policy job and the dashboard report.

Rules as built:
- Counted initiatives are the *active* ones in prepare or deliver. Sustain is not
  counted: by then the work is routine, not a new demand on staff.
- A school's limit is its own ``max_active_initiatives`` when set, else the trust's.
- ``strict``: every initiative names an out before it enters Deliver. ``cap``: only when,
  in any of its schools, the school's *other* counted initiatives already reach that
  school's limit (entering would take it over).
- Breaches (``breaches``):
  - ``over_limit``: a school has more counted initiatives than its limit. ``since`` is
    the day the currently counted initiatives first outnumbered the limit: the day the
    (limit + 1)-th of them, in order of entering prepare/deliver, entered; that
    initiative is the breach's ``initiative_id`` (the one that tipped the school over).
    An initiative's entry day is its latest move into prepare or deliver from outside
    them (from explore or sustain), else ``phase_since`` when it has no history.
  - ``out_overdue``: an *active* initiative's out is not done and today is later than
    ``due_on + out_grace_days``; ``since`` is ``due_on + out_grace_days + 1``, the first
    day it counts as overdue. One item per school the out belongs to: for a named
    initiative, the schools both share; for a named practice, every school of the
    initiative. Ended initiatives have nothing left to make room for, so they are not
    reported.
"""
from datetime import timedelta

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from tracker import clock, permissions
from tracker.errors import Invalid, check_version
from tracker.locks import hold
from tracker.models import Initiative, School, Transition, TrustPolicy, initiative_schools
from tracker.models.policy import POLICY_MODES

COUNTED_PHASES = ("prepare", "deliver")
#: Upper bounds that keep a typo (a grace of 10 000 days) from becoming policy.
LIMITS = {"max_active_initiatives": (0, 1000), "out_grace_days": (0, 3650),
          "review_interval_days": (1, 3650)}
DONE_STATUSES = ("deimplemented", "completed")


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


def counted_by_school(session, school_ids):
    """``{school_id: number of counted initiatives}`` in one query."""
    stmt = (select(initiative_schools.c.school_id, func.count())
            .join(Initiative, Initiative.id == initiative_schools.c.initiative_id)
            .where(initiative_schools.c.school_id.in_(school_ids or [-1]),
                   Initiative.status == "active", Initiative.phase.in_(COUNTED_PHASES))
            .group_by(initiative_schools.c.school_id))
    counts = dict(session.execute(stmt).all())
    return {school_id: counts.get(school_id, 0) for school_id in school_ids}


def out_required(session, initiative):
    """Whether ``initiative`` must name a one-out before it may enter Deliver.

    ``strict``: always. ``cap``: when, in any of its schools, the school's *other*
    counted initiatives already reach that school's limit. One query (besides the policy,
    read once a session): each of the initiative's schools counts its own counted
    initiatives, so the count grows with a school, not with the trust.
    """
    policy = current_policy(session)
    if policy.mode == "strict":
        return True
    mine, theirs = initiative_schools.alias("mine"), initiative_schools.alias("theirs")
    others = (select(func.count()).select_from(theirs)
              .join(Initiative, Initiative.id == theirs.c.initiative_id)
              .where(theirs.c.school_id == mine.c.school_id, Initiative.id != initiative.id,
                     Initiative.status == "active", Initiative.phase.in_(COUNTED_PHASES))
              .scalar_subquery())
    limit = func.coalesce(School.max_active_initiatives, policy.max_active_initiatives)
    return session.execute(
        select(literal(True)).select_from(mine).join(School, School.id == mine.c.school_id)
        .where(mine.c.initiative_id == initiative.id, others >= limit).limit(1)).first() \
        is not None


def update_policy(session, actor, version=None, **values):
    """Change the trust policy (admins). ``values``: any of ``mode``,
    ``max_active_initiatives``, ``out_grace_days``, ``review_interval_days``.

    ``version`` None changes the policy as it is: it is held, so changes made at the same
    moment apply one after the other and none is refused.

    Raises Forbidden for anyone but an admin, Invalid for a value out of range and
    StaleVersion when ``version`` is not the one stored.
    """
    permissions.require(actor, permissions.ADMINISTER)
    policy = current_policy(session)
    if version is None:
        hold(session, policy)
    else:
        check_version(policy, version)
    problems = {}
    if "mode" in values and values["mode"] not in POLICY_MODES:
        problems["mode"] = ["Choose strict or cap."]
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if name in values and (not isinstance(value, int) or isinstance(value, bool)
                               or not low <= value <= high):
            problems[name] = [f"Give a whole number from {low} to {high}."]
    if problems:
        raise Invalid("The policy is not valid.", fields=problems)
    for name in ("mode", *LIMITS):
        if name in values:
            setattr(policy, name, values[name])
    session.flush()
    return policy


# --- breaches ---------------------------------------------------------------------------

def breaches(session, today, school_ids=None):
    """Every breach of the policy on ``today``, for ``school_ids`` (None: every school).

    Returns ``[{"kind", "school_id", "initiative_id", "since"}]`` sorted by school, kind,
    since and initiative; ``kind`` is ``over_limit`` or ``out_overdue`` (see the module
    docstring for what ``since`` means). Four queries whatever the size of the trust.
    """
    policy = current_policy(session)
    found = _over_limit(session, policy, school_ids) + _out_overdue(session, policy, today,
                                                                     school_ids)
    return sorted(found, key=lambda b: (b["school_id"], b["kind"], b["since"],
                                        b["initiative_id"]))


def _in_schools(column, school_ids):
    return [] if school_ids is None else [column.in_(list(school_ids) or [-1])]


def _over_limit(session, policy, school_ids):
    """One aggregate query: each counted initiative's entry day (in the trust's calendar,
    computed in SQL) numbered within its school, keeping the (limit + 1)-th."""
    link = initiative_schools.c
    entries = (select(Transition.initiative_id, func.max(Transition.at).label("at"))
               .where(Transition.to_phase.in_(COUNTED_PHASES),
                      Transition.from_phase.not_in(COUNTED_PHASES))
               .group_by(Transition.initiative_id).subquery())
    entered = func.coalesce(clock.trust_date_sql(entries.c.at, session.get_bind().dialect.name),
                            Initiative.phase_since)
    counted = (
        select(link.school_id, Initiative.id.label("initiative_id"), entered.label("entered"),
               func.coalesce(School.max_active_initiatives,
                             policy.max_active_initiatives).label("limit"),
               func.row_number().over(partition_by=link.school_id,
                                      order_by=(entered, Initiative.id)).label("place"))
        .join(School, School.id == link.school_id)
        .join(Initiative, Initiative.id == link.initiative_id)
        .outerjoin(entries, entries.c.initiative_id == Initiative.id)
        .where(Initiative.status == "active", Initiative.phase.in_(COUNTED_PHASES),
               *_in_schools(link.school_id, school_ids))).subquery()
    rows = session.execute(select(counted.c.school_id, counted.c.initiative_id,
                                  counted.c.entered)
                           .where(counted.c.place == counted.c.limit + 1)).all()
    return [{"kind": "over_limit", "school_id": school_id, "initiative_id": initiative_id,
             "since": since} for school_id, initiative_id, since in rows]


def _out_overdue(session, policy, today, school_ids):
    """Outs past due + grace and not done, one row per school they belong to."""
    link, shared = initiative_schools.c, initiative_schools.alias("shared")
    target_link = shared.c
    target = aliased(Initiative)
    last_due = today - timedelta(days=policy.out_grace_days + 1)
    names_initiative = Initiative.out_initiative_id.is_not(None)
    rows = session.execute(
        select(link.school_id, Initiative.id, Initiative.out_due_on)
        .join(Initiative, Initiative.id == link.initiative_id)
        .outerjoin(target, target.id == Initiative.out_initiative_id)
        .outerjoin(shared, and_(target_link.initiative_id == target.id,
                                     target_link.school_id == link.school_id))
        .where(Initiative.status == "active", Initiative.out_due_on <= last_due,
               or_(and_(names_initiative, target.status.not_in(DONE_STATUSES),
                        target_link.school_id.is_not(None)),
                   and_(Initiative.out_initiative_id.is_(None),
                        Initiative.out_practice.is_not(None), Initiative.out_practice != "",
                        Initiative.out_done_on.is_(None))),
               *_in_schools(link.school_id, school_ids))).all()
    grace = timedelta(days=policy.out_grace_days + 1)
    return [{"kind": "out_overdue", "school_id": school_id, "initiative_id": initiative_id,
             "since": due_on + grace} for school_id, initiative_id, due_on in rows]


# --- what a school's policy page shows ------------------------------------------------------

def counted_initiatives(session, school_id):
    """A select of a school's counted initiatives (for its policy page), oldest first."""
    return (select(Initiative).join(initiative_schools,
                                    initiative_schools.c.initiative_id == Initiative.id)
            .where(initiative_schools.c.school_id == school_id, Initiative.status == "active",
                   Initiative.phase.in_(COUNTED_PHASES))
            .order_by(Initiative.phase_since, Initiative.id))


def outs_due(session, school_id):
    """A select of the active initiatives in a school whose out is named and not yet done,
    soonest due first (the done-ness of a named initiative is read from its status)."""
    target = aliased(Initiative)
    return (select(Initiative)
            .join(initiative_schools, initiative_schools.c.initiative_id == Initiative.id)
            .outerjoin(target, target.id == Initiative.out_initiative_id)
            .where(initiative_schools.c.school_id == school_id, Initiative.status == "active",
                   Initiative.out_due_on.is_not(None),
                   or_(and_(Initiative.out_initiative_id.is_not(None),
                            target.status.not_in(DONE_STATUSES)),
                       and_(Initiative.out_initiative_id.is_(None),
                            Initiative.out_practice.is_not(None),
                            Initiative.out_done_on.is_(None))))
            .order_by(Initiative.out_due_on, Initiative.id))


def weeks_run(session, initiatives):
    """``{initiative_id: whole weeks}`` each ended initiative ran as a counted one: from the
    day it first entered Prepare or Deliver (its transition history; with no history, its
    ``phase_since`` if it ended in a counted phase or after) to ``ended_on``. One that never
    got past Explore, or has no end date, is left out. One query."""
    ids = [i.id for i in initiatives]
    day = clock.trust_date_sql(func.min(Transition.at), session.get_bind().dialect.name)
    first = dict(session.execute(
        select(Transition.initiative_id, day)
        .where(Transition.initiative_id.in_(ids or [-1]),
               Transition.to_phase.in_(COUNTED_PHASES))
        .group_by(Transition.initiative_id)).all())
    ran = {}
    for initiative in initiatives:
        if initiative.id in first:
            since = first[initiative.id]
        elif initiative.phase != "explore":
            since = initiative.phase_since
        else:
            continue
        if initiative.ended_on is not None and since is not None:
            ran[initiative.id] = max(0, (initiative.ended_on - since).days) // 7
    return ran


def out_overdue_on(policy, initiative, today):
    """Whether the initiative's out, not done, is past its due date plus the grace days."""
    return (initiative.has_out and not initiative.out_done and initiative.out_due_on is not None
            and today > clock.plus_days(initiative.out_due_on, policy.out_grace_days))
