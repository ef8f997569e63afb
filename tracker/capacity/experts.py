"""Experts and their leave: who they are, their days, and when they are away."""
from datetime import timedelta

from sqlalchemy import select

from tracker import clock, permissions
from tracker.audit import record_event
from tracker.capacity.arithmetic import Span, over_weeks
from tracker.capacity.loading import (
    MAX_RANGE_DAYS, allocation_span, check_days, check_range, leave_rows, live_allocations,
    normalise_specialism, over_message, reason_given, specialism_filter)
from tracker.emails import valid_email
from tracker.errors import Forbidden, Invalid, NotFound, OverAllocated, check_version
from tracker.models import Expert, School, Unavailability, User
from tracker.search import matches_text

MAX_SPECIALISMS = 30


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


def find_experts(*, specialism=None, home_school_id=None, active=None, q=None):
    """A select of experts, by name; everyone may read the experts (a staff directory)."""
    stmt = select(Expert).order_by(Expert.name, Expert.id)
    if specialism:
        stmt = stmt.where(specialism_filter(specialism))
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
            check_days(values["days_per_week"], "days_per_week")
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
        spans = [allocation_span(a) for a in live_allocations(session, [expert.id], start, end)]
        spans += [Span(u.starts_on, u.ends_on, expert.days_per_week)
                  for u in leave_rows(session, [expert.id], start, end)]
        weeks = [w.as_dict() for w in over_weeks(spans, expert.days_per_week, start, end)]
        if weeks and not reason_given(override_reason):
            raise OverAllocated(over_message(expert, weeks), weeks)
        if weeks:
            session.flush()
            record_event(session, "override", "experts", expert.id, {
                "reason": reason_given(override_reason), "weeks": weeks})
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
    check_range(starts_on, ends_on, names=("starts_on", "ends_on"))
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
