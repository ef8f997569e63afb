"""My week: what one person has to do this week, each thing with the one step that does it.

A week runs Monday to Sunday (the trust's calendar). What is the person's:

- **milestones** not done and due by Sunday (so overdue ones too), on active initiatives,
  that they own or that sit on an initiative they own; those ticked done this week stay
  listed, so a tick can be undone;
- **PDSA cycles** not closed that they own or that sit on an initiative they own: a cycle
  waits on its owner at every stage (the next stage needs their notes). One that is stuck
  (``tracker.pdsa.stuck_condition``, the rule the nudges use) is flagged as overdue;
- **reviews** they are the reviewer of, undecided and due by Sunday;
- **data points**: each measure of an active initiative they own, due when no value was
  recorded since Monday (a value a week is what a run chart needs to read a change), overdue
  when none for a fortnight more;
- **progress updates**: each active initiative they own, due when none was logged since
  Monday, overdue when none the week before either.

``my_week`` answers in a fixed number of queries (six) whatever the size of the trust or
of the person's portfolio.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from tracker import permissions, pdsa
from tracker.models import (DeimplementationReview, Initiative, Measure, MeasurePoint, Milestone,
                            PdsaCycle)


@dataclass
class Due:
    """One thing to do: a record, when it is due, and whether the person may do it here."""

    #: The milestone, cycle, review, measure or (for an update) initiative.
    record: object
    initiative: Initiative
    #: The day it falls due, or None when it has no date (an update or value "this week").
    due_on: date | None
    overdue: bool
    #: Whether the person may take the step (``permissions.WRITE`` on the initiative).
    can_act: bool
    #: The day it was done this week (a milestone ticked, a value or an update logged).
    done_on: date | None = None
    #: Why it needs attention, in words ("In Do for 20 days with no Study yet.").
    why: str = ""


@dataclass
class MyWeek:
    today: date
    week_starts: date
    week_ends: date
    milestones: list = field(default_factory=list)
    cycles: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    updates: list = field(default_factory=list)

    @property
    def open_count(self):
        """How many things are still to do (what is done this week does not count)."""
        return (len(self.cycles) + len(self.reviews)
                + sum(1 for item in self.milestones + self.measures + self.updates
                      if item.done_on is None))


def week_of(today):
    """(Monday, Sunday) of the week holding ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def my_week(session, user, today):
    """Everything due or overdue for ``user`` in the week holding ``today`` (see the module's
    docstring), oldest first in each list. Only initiatives the person may see are read."""
    week_starts, week_ends = week_of(today)
    week = MyWeek(today, week_starts, week_ends)
    initiatives = _initiatives(session, user, week_ends)
    if not initiatives:
        return week
    ids = list(initiatives)
    owned = [i for i in ids if initiatives[i].owner_id == user.id]
    may_act = {i: permissions.can(user, permissions.WRITE, initiatives[i]) for i in ids}

    def due(record, initiative_id, due_on, overdue, **kw):
        return Due(record, initiatives[initiative_id], due_on, overdue, may_act[initiative_id], **kw)

    for milestone in session.execute(
            select(Milestone).where(Milestone.initiative_id.in_(ids), _mine(Milestone, user),
                                    or_(and_(Milestone.done_on.is_(None),
                                             Milestone.due_on <= week_ends),
                                        Milestone.done_on >= week_starts))
            .order_by(Milestone.done_on.is_not(None), Milestone.due_on, Milestone.id)).scalars():
        week.milestones.append(due(milestone, milestone.initiative_id, milestone.due_on,
                                   milestone.done_on is None and milestone.due_on < today,
                                   done_on=milestone.done_on))

    stuck = pdsa.stuck_condition(today)
    for cycle, is_stuck in session.execute(
            select(PdsaCycle, stuck).where(PdsaCycle.initiative_id.in_(ids),
                                           PdsaCycle.stage != "closed", _mine(PdsaCycle, user))
            .order_by(PdsaCycle.stage_since, PdsaCycle.id)).all():
        week.cycles.append(due(cycle, cycle.initiative_id, cycle.do_ends_on if cycle.stage == "do"
                               else None, bool(is_stuck),
                               why=pdsa.why_stuck(cycle, today) if is_stuck else ""))

    for review in session.execute(
            select(DeimplementationReview).where(
                DeimplementationReview.initiative_id.in_(ids),
                DeimplementationReview.reviewer_id == user.id,
                DeimplementationReview.decision.is_(None),
                DeimplementationReview.due_on <= week_ends)
            .order_by(DeimplementationReview.due_on, DeimplementationReview.id)).scalars():
        week.reviews.append(due(review, review.initiative_id, review.due_on,
                                review.due_on < today))

    if owned:
        latest = func.max(MeasurePoint.on)
        for measure, last_on in session.execute(
                select(Measure, latest).outerjoin(MeasurePoint, MeasurePoint.measure_id == Measure.id)
                .where(Measure.initiative_id.in_(owned)).group_by(Measure.id)
                .order_by(Measure.initiative_id, Measure.id)).all():
            week.measures.append(due(
                measure, measure.initiative_id, None,
                last_on is not None and last_on < week_starts - timedelta(days=7),
                done_on=last_on if last_on is not None and last_on >= week_starts else None,
                why=f"Last value on {last_on:%-d %B %Y}." if last_on else "No value yet."))

    for initiative_id in owned:
        initiative = initiatives[initiative_id]
        logged = initiative.last_update_at.date() if initiative.last_update_at else None
        week.updates.append(due(
            initiative, initiative_id, None,
            logged is None or logged < week_starts - timedelta(days=7),
            done_on=logged if logged is not None and logged >= week_starts else None))
    return week


def _mine(model, user):
    """A milestone's or cycle's: the person owns it, or owns its initiative."""
    return or_(model.owner_id == user.id, exists().where(
        Initiative.id == model.initiative_id, Initiative.owner_id == user.id))


def _initiatives(session, user, week_ends):
    """``{id: Initiative}``: the active initiatives the person owns or has something due on."""
    has_work = or_(
        Initiative.owner_id == user.id,
        exists().where(Milestone.initiative_id == Initiative.id, Milestone.owner_id == user.id,
                       Milestone.done_on.is_(None), Milestone.due_on <= week_ends),
        exists().where(PdsaCycle.initiative_id == Initiative.id, PdsaCycle.owner_id == user.id,
                       PdsaCycle.stage != "closed"),
        exists().where(DeimplementationReview.initiative_id == Initiative.id,
                       DeimplementationReview.reviewer_id == user.id,
                       DeimplementationReview.decision.is_(None)))
    stmt = permissions.visible_initiatives(
        select(Initiative).where(Initiative.status == "active", has_work), user)
    rows = session.execute(stmt.options(selectinload(Initiative.schools))
                           .order_by(Initiative.title, Initiative.id)).scalars().all()
    return {initiative.id: initiative for initiative in rows}
