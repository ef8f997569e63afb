"""Allocations: deploying an expert to a school, refused when it over-allocates them
unless an override's reason is given."""
from datetime import date

from sqlalchemy.orm import joinedload
from sqlalchemy import select

from tracker import clock, permissions
from tracker.audit import record_event
from tracker.capacity.arithmetic import Span, refused_weeks
from tracker.capacity.loading import (
    allocation_span, check_days, check_range, leave_rows, live_allocations, over_message,
    reason_given)
from tracker.errors import Invalid, NotFound, OverAllocated, check_version
from tracker.models import Allocation, Expert, Initiative, School
from tracker.models.capacity import ALLOCATION_STATUSES

PAST_MESSAGE = "This day has passed: a new allocation must end today or later."


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
            check_range(starts_on, ends_on, names=("starts_on", "ends_on"))
        except Invalid as error:
            problems.update(error.fields)
            if "ends_on" in error.fields and ends_on < starts_on:
                problems["ends_on"] = ["The last day is before the first."]
    try:
        check_days(values.get("days_per_week"), "days_per_week")
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
        previous = allocation_span(allocation)
    others = [allocation_span(a) for a in live_allocations(
        session, [expert.id], proposed.starts_on, proposed.ends_on,
        exclude_id=allocation.id if allocation is not None else None)]
    others += [Span(u.starts_on, u.ends_on, expert.days_per_week)
               for u in leave_rows(session, [expert.id], proposed.starts_on, proposed.ends_on)]
    return refused_weeks(expert.days_per_week, others, proposed, previous)


def _apply(session, expert, allocation, values):
    weeks = _check_load(session, expert, values, allocation if allocation.id else None)
    reason = reason_given(values.get("override_reason"))
    if weeks and not reason:
        raise OverAllocated(over_message(expert, weeks), weeks)
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
