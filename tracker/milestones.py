"""Milestones: what an initiative will have done by when, and who sees to it.

Their status (``open``, ``done``, ``overdue``) is derived by ``Milestone.status_on``,
never stored; marking one done records the day.

A milestone of a shared initiative may be for one of its schools (``school_id``) or for all
(None), by the rule updates follow (``updates.school_problem``). One for a school later taken
out of the initiative is kept and shown as for a school no longer part of it; it still counts
for the initiative, and in no school's row of the dashboard.
"""
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from tracker import clock, permissions
from tracker.errors import Invalid, check_version
from tracker.models import Initiative, Milestone, User
from tracker.updates import school_problem


def get_milestone(session, actor, milestone_id, action=permissions.READ):
    """The milestone, if ``actor`` may do ``action`` to its initiative (NotFound / Forbidden)."""
    return permissions.get_initiative_part(session, actor, Milestone, milestone_id, action,
                                           "milestone")


def overdue_condition(today):
    """The SQL form of ``Milestone.status_on(today) == "overdue"`` (for counts and filters)."""
    return and_(Milestone.done_on.is_(None), Milestone.due_on < today)


def milestones_of(initiative):
    """A select of an initiative's milestones by due date, with their owners."""
    return (select(Milestone).where(Milestone.initiative_id == initiative.id)
            .options(joinedload(Milestone.owner)).order_by(Milestone.due_on, Milestone.id))


def _title(title):
    title = (title or "").strip()
    if not title:
        raise Invalid("Give the milestone a title.", fields={"title": ["Give the milestone a title."]})
    if "\x00" in title or len(title) > 200:
        raise Invalid("The title is not valid.", fields={"title": [
            "Use at most 200 characters, and no NUL characters."]})
    return title


def _owner(session, initiative, owner_id):
    owner = session.get(User, owner_id) if permissions.is_id(owner_id) else None
    if owner is None or not owner.active or not permissions.can_see_initiative(owner, initiative):
        raise Invalid("Unknown owner.", fields={"owner_id": [
            "No active person with this id who can see this initiative."]})
    return owner


def _done_on(done_on, today):
    if done_on is not None and done_on > today:
        raise Invalid("A milestone cannot be done in the future.",
                      fields={"done_on": ["Use today's date or an earlier one."]})
    return done_on


def _school_id(actor, initiative, school_id):
    problem = school_problem(actor, initiative, school_id, "milestone")
    if problem:
        raise Invalid("Unknown school.", fields={"school_id": [problem]})
    return school_id


def create_milestone(session, actor, initiative, *, title, due_on, owner_id=None, done_on=None,
                     school_id=None, today=None):
    """Add a milestone, for one of the initiative's schools or (``school_id`` None) for all;
    its owner defaults to the initiative's. Raises Forbidden, Invalid."""
    permissions.require(actor, permissions.WRITE, initiative)
    _school_id(actor, initiative, school_id)
    if due_on is None:
        raise Invalid("Say when the milestone is due.", fields={"due_on": ["Enter a due date."]})
    owner = (_owner(session, initiative, owner_id) if owner_id is not None
             else session.get(User, initiative.owner_id))
    milestone = Milestone(initiative_id=initiative.id, title=_title(title), due_on=due_on,
                          owner=owner, done_on=_done_on(done_on, today or clock.today()),
                          school_id=school_id)
    session.add(milestone)
    session.flush()
    return milestone


def update_milestone(session, actor, milestone, version, today=None, **changes):
    """Edit ``title``, ``due_on``, ``owner_id``, ``school_id`` (None: for all the schools) or
    ``done_on`` (None reopens it).
    Raises Forbidden, StaleVersion, Invalid."""
    initiative = session.get(Initiative, milestone.initiative_id)
    permissions.require(actor, permissions.WRITE, initiative)
    check_version(milestone, version)
    if "title" in changes:
        milestone.title = _title(changes["title"])
    if "due_on" in changes:
        if changes["due_on"] is None:
            raise Invalid("A milestone needs a due date.", fields={"due_on": ["Enter a due date."]})
        milestone.due_on = changes["due_on"]
    if "owner_id" in changes:
        owner_id = changes["owner_id"]
        milestone.owner = _owner(session, initiative, owner_id) if owner_id is not None else None
    if "school_id" in changes and changes["school_id"] != milestone.school_id:
        # Only a change is checked: a milestone for a school since taken out can still be done.
        milestone.school_id = _school_id(actor, initiative, changes["school_id"])
    if "done_on" in changes:
        milestone.done_on = _done_on(changes["done_on"], today or clock.today())
    session.flush()
    return milestone


def mark_done(session, actor, milestone, version, on=None, today=None):
    """Tick a milestone done, on ``on`` or today. Raises Forbidden, StaleVersion, Invalid."""
    today = today or clock.today()
    return update_milestone(session, actor, milestone, version, today=today, done_on=on or today)


def delete_milestone(session, actor, milestone):
    """Remove a milestone. Raises Forbidden."""
    initiative = session.get(Initiative, milestone.initiative_id)
    permissions.require(actor, permissions.WRITE, initiative)
    session.delete(milestone)
    session.flush()
