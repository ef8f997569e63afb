"""Who may do what, in one place. The API, the pages, the CLI and the jobs all ask here.

Roles (API.md):
- ``admin``: everything.
- ``central_team``: reads everything; manages experts and allocations.
- ``school_lead``: reads and writes the initiatives of their schools, moves their
  phases, decides their reviews.
- ``project_lead``: reads their schools' initiatives, creates initiatives in their
  schools, writes the ones they own.
- ``viewer``: reads their schools; a viewer with no school reads the whole trust.

School scope is the rule under all of them: a person sees nothing of a school that
is not theirs, and a record they may not see is reported as not found.
"""
from dataclasses import dataclass

from sqlalchemy import exists, or_, select

from tracker.errors import Forbidden, NotFound
from tracker.models import Initiative, School, User, initiative_schools

READ = "read"
CREATE = "create"
WRITE = "write"
MOVE_PHASE = "move_phase"
#: Asking the people who move phases to move one: anyone who may change the initiative.
REQUEST_MOVE = "request_move"
DECIDE_REVIEW = "decide_review"
ALLOCATE = "allocate"
ADMINISTER = "administer"
#: The roles, besides admins, that start initiatives (in their own schools).
CREATORS = ("school_lead", "project_lead")


def sees_whole_trust(user):
    return user.role in ("admin", "central_team") or (user.role == "viewer" and not user.schools)


def visible_school_ids(user):
    """The ids of the schools this person may see, or None for every school."""
    return None if sees_whole_trust(user) else set(user.school_ids)


def can_see_school(user, school_id):
    ids = visible_school_ids(user)
    return ids is None or school_id in ids


def visible_initiatives(stmt, user):
    """Narrow a ``select(Initiative)`` to the initiatives this person may see."""
    ids = visible_school_ids(user)
    if ids is None:
        return stmt
    in_my_schools = exists(
        select(initiative_schools.c.initiative_id).where(
            initiative_schools.c.initiative_id == Initiative.id,
            initiative_schools.c.school_id.in_(ids or [-1])))
    return stmt.where(or_(in_my_schools, Initiative.owner_id == user.id))


def can_see_initiative(user, initiative):
    ids = visible_school_ids(user)
    if ids is None or initiative.owner_id == user.id:
        return True
    return bool(ids & set(initiative.school_ids))


def can(user, action, initiative=None, school_ids=None):
    """Whether ``user`` may do ``action``, to ``initiative`` or in ``school_ids``.

    ``initiative`` actions assume the caller has checked visibility (see get_initiative).
    """
    if user.role == "admin":
        return True
    if action == READ:
        return initiative is None or can_see_initiative(user, initiative)
    if action == ALLOCATE:
        return user.role == "central_team"
    if action == ADMINISTER:
        return False
    if action == CREATE:
        mine = set(user.school_ids)
        return user.role in CREATORS and bool(school_ids) and set(school_ids) <= mine
    if initiative is None:
        return False
    leads_a_school = user.role == "school_lead" and bool(
        set(user.school_ids) & set(initiative.school_ids))
    if action in (MOVE_PHASE, DECIDE_REVIEW):
        return leads_a_school
    if action in (WRITE, REQUEST_MOVE):
        return leads_a_school or (user.role == "project_lead" and initiative.owner_id == user.id)
    return False


def may_report_for(user, initiative, school_id):
    """Whether ``user`` may log progress (an update, a milestone) of ``initiative`` for its
    school ``school_id`` alone: one of its schools, which the user sees, and an initiative
    they may change. Nobody reports for a school they cannot see (as nobody adds one)."""
    return (school_id in set(initiative.school_ids) and can_see_school(user, school_id)
            and can(user, WRITE, initiative))


def may_start_initiatives(user, school_ids=None):
    """Whether ``user`` may start an initiative in ``school_ids``; with None, in at least one
    school (whether to offer "Start an initiative" at all)."""
    if school_ids is None:
        return user.role == "admin" or (user.role in CREATORS and bool(user.school_ids))
    return can(user, CREATE, school_ids=school_ids)


def may_edit_review(user, review):
    """Whether ``user`` may write ``review``: who decides its initiative's reviews, and once
    it is decided (its effects have happened) only an admin."""
    return can(user, DECIDE_REVIEW, review.initiative) and (
        review.decision is None or user.role == "admin")


def may_self_evaluate(user, school_id=None):
    """Whether ``user`` may record a self-evaluation round against the seven pillars: the
    trust's own (``school_id`` None) by an admin or the central team; a school's by an admin
    or a school lead of that school. Reading needs only sight of the school (the trust's own
    rounds are read by everyone signed in)."""
    if user.role == "admin":
        return True
    if school_id is None:
        return user.role == "central_team"
    return user.role == "school_lead" and school_id in set(user.school_ids)


def may_write_goal(user, school_id=None):
    """Whether ``user`` may write goals and their drivers: the trust's (``school_id`` None)
    by an admin or the central team; a school's by an admin or a school lead of that school
    (the same people who self-evaluate it). Reading needs only sight of the school (the
    trust's goals are read by everyone signed in)."""
    return may_self_evaluate(user, school_id)


def may_define_kpis(user):
    """Whether ``user`` may define, edit, re-base or remove the trust's KPIs (measures with
    no initiative): admins and the central team. Everyone signed in reads them."""
    return user.role in ("admin", "central_team")


def may_record_kpi(user, school_id=None):
    """Whether ``user`` may record (or remove) a trust KPI's value for ``school_id``: admins
    and the central team for any school, a school lead for their own schools; with None,
    whether for at least one school (whether to offer the form at all)."""
    if user.role in ("admin", "central_team"):
        return True
    if user.role != "school_lead":
        return False
    return bool(user.school_ids) if school_id is None else school_id in set(user.school_ids)


def may_write_insights(user, school_id=None):
    """Whether ``user`` may record, edit or remove insights about ``school_id``: admins, the
    central team, and that school's school leads; with None, whether for at least one school
    (whether to offer the form at all). Reading needs only sight of the school.
    The same people who record the school's trust KPI values."""
    return may_record_kpi(user, school_id)


def can_own(user, school_ids):
    """Whether ``user`` may own an initiative of ``school_ids``: an active person who sees at
    least one of those schools and, as its owner, may write it (so never a viewer or the
    central team). Ownership shows an initiative to its owner, so it must not hand one out
    of scope."""
    if not user.active or not any(can_see_school(user, s) for s in school_ids):
        return False
    return can(user, WRITE, _Owned(owner_id=user.id, school_ids=list(school_ids)))


def possible_owners(stmt, school_ids):
    """Narrow a ``select(User)`` to the people ``can_own`` allows for ``school_ids``."""
    return stmt.where(User.active.is_(True), or_(
        User.role == "admin",
        User.role.in_(("school_lead", "project_lead"))
        & User.schools.any(School.id.in_(list(school_ids) or [-1]))))


@dataclass(frozen=True)
class _Owned:
    """What ``can`` reads of an initiative, for one not yet stored the way it would be."""

    owner_id: int
    school_ids: list


def visible_allocations(stmt, user):
    """Narrow a ``select(Allocation)`` to what ``user`` may read: everything for those who
    see the whole trust; a school's allocations for its school leads and viewers; those
    to their own initiatives for project leads; and an expert's own, to the expert."""
    from tracker.models import Allocation, Expert

    if sees_whole_trust(user):
        return stmt
    mine = [Allocation.expert_id.in_(select(Expert.id).where(Expert.user_id == user.id))]
    if user.role in ("school_lead", "viewer"):
        mine.append(Allocation.school_id.in_(user.school_ids or [-1]))
    if user.role == "project_lead":
        mine.append(Allocation.initiative_id.in_(
            select(Initiative.id).where(Initiative.owner_id == user.id)))
    return stmt.where(or_(*mine))


def can_see_allocation(user, allocation):
    """The one-record form of ``visible_allocations``."""
    if sees_whole_trust(user) or (allocation.expert.user_id == user.id):
        return True
    if user.role in ("school_lead", "viewer"):
        return allocation.school_id in set(user.school_ids)
    if user.role == "project_lead" and allocation.initiative_id is not None:
        return allocation.initiative.owner_id == user.id
    return False


def get_initiative(session, user, initiative_id, action=READ):
    """The initiative, if ``user`` may do ``action`` to it.

    Raises NotFound when it does not exist or the user may not see it, and
    Forbidden when they may see it but not do ``action``.
    """
    initiative = session.get(Initiative, initiative_id) if _is_id(initiative_id) else None
    if initiative is None or not can_see_initiative(user, initiative):
        raise NotFound("No such initiative.")
    require(user, action, initiative)
    return initiative


def get_initiative_part(session, user, model, record_id, action=READ, name="record"):
    """A record that belongs to an initiative (a milestone, PDSA cycle, measure, review...),
    if ``user`` may do ``action`` to that initiative.

    Raises NotFound ("No such {name}.") when it does not exist or its initiative is not
    visible, and Forbidden when visible but the action is not allowed.
    """
    record = session.get(model, record_id) if is_id(record_id) else None
    if record is None:
        raise NotFound(f"No such {name}.")
    try:
        get_initiative(session, user, record.initiative_id, action)
    except NotFound:
        raise NotFound(f"No such {name}.") from None
    return record


def require(user, action, initiative=None, school_ids=None):
    """Raise Forbidden unless ``can(...)``."""
    if not can(user, action, initiative=initiative, school_ids=school_ids):
        raise Forbidden(_refusal(action))


def _refusal(action):
    return {
        READ: "You cannot see this.",
        CREATE: "You can only start initiatives in your own schools.",
        WRITE: "Only the initiative's owner, its school lead or an admin can change it.",
        MOVE_PHASE: "Only the school lead or an admin can move an initiative between phases.",
        REQUEST_MOVE: "Only the initiative's owner, its school lead or an admin can ask for a move.",
        DECIDE_REVIEW: "Only the school lead or an admin can decide a review.",
        ALLOCATE: "Only the central team or an admin can allocate experts.",
        ADMINISTER: "Only an admin can do this.",
    }.get(action, "You are not allowed to do this.")


#: The largest id a record can have: ids are the databases' INTEGER (32 bits on PostgreSQL,
#: which refuses a larger number in a query rather than finding no row).
MAX_ID = 2**31 - 1


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def is_id(value):
    """Whether ``value`` can be a record's id (a positive integer up to ``MAX_ID``)."""
    return _is_id(value)
