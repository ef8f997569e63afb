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
of the person's portfolio; ``my_weeks`` answers for many people in the same six.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import subqueryload

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
    return my_weeks(session, [user], today)[user.id]


def my_weeks(session, users, today):
    """``{user id: MyWeek}`` for each of ``users`` (loaded with their schools), in the same six
    queries as one person's week: the weekly digest reads every project lead's at once."""
    week_starts, week_ends = week_of(today)
    weeks = {user.id: MyWeek(today, week_starts, week_ends) for user in users}
    if not users:
        return weeks
    ids = list(weeks)
    milestones = session.execute(
        select(Milestone, Initiative.owner_id).join(Initiative, Initiative.id == Milestone.initiative_id)
        .where(Initiative.status == "active",
               or_(Milestone.owner_id.in_(ids), Initiative.owner_id.in_(ids)),
               or_(and_(Milestone.done_on.is_(None), Milestone.due_on <= week_ends),
                   Milestone.done_on >= week_starts))
        .order_by(Milestone.done_on.is_not(None), Milestone.due_on, Milestone.id)).all()
    cycles = session.execute(
        select(PdsaCycle, pdsa.stuck_condition(today), Initiative.owner_id)
        .join(Initiative, Initiative.id == PdsaCycle.initiative_id)
        .where(Initiative.status == "active", PdsaCycle.stage != "closed",
               or_(PdsaCycle.owner_id.in_(ids), Initiative.owner_id.in_(ids)))
        .order_by(PdsaCycle.stage_since, PdsaCycle.id)).all()
    reviews = session.execute(
        select(DeimplementationReview).join(Initiative, Initiative.id == DeimplementationReview.initiative_id)
        .where(Initiative.status == "active", DeimplementationReview.reviewer_id.in_(ids),
               DeimplementationReview.decision.is_(None))
        .order_by(DeimplementationReview.due_on, DeimplementationReview.id)).scalars().all()
    initiatives = _initiatives(session, ids, {m.initiative_id for m, _ in milestones}
                               | {c.initiative_id for c, _, _ in cycles}
                               | {r.initiative_id for r in reviews})
    by_owner = defaultdict(list)
    for initiative in initiatives.values():
        by_owner[initiative.owner_id].append(initiative.id)
    readers = {user.id: _Reader(user, initiatives, by_owner[user.id]) for user in users}
    for milestone, owner_id in milestones:
        if milestone.owner_id in readers and milestone.done_on is None:
            readers[milestone.owner_id].has_work(milestone.initiative_id)
    for cycle, _, _ in cycles:
        if cycle.owner_id in readers:
            readers[cycle.owner_id].has_work(cycle.initiative_id)
    for review in reviews:
        readers[review.reviewer_id].has_work(review.initiative_id)

    for milestone, owner_id in milestones:
        for reader in _readers_of(readers, milestone.owner_id, owner_id, milestone.initiative_id):
            weeks[reader.user.id].milestones.append(reader.due(
                milestone, milestone.initiative_id, milestone.due_on,
                milestone.done_on is None and milestone.due_on < today, done_on=milestone.done_on))
    for cycle, is_stuck, owner_id in cycles:
        for reader in _readers_of(readers, cycle.owner_id, owner_id, cycle.initiative_id):
            weeks[reader.user.id].cycles.append(reader.due(
                cycle, cycle.initiative_id, cycle.do_ends_on if cycle.stage == "do" else None,
                bool(is_stuck), why=pdsa.why_stuck(cycle, today) if is_stuck else ""))
    for review in reviews:
        reader = readers[review.reviewer_id]
        if review.due_on <= week_ends and reader.sees(review.initiative_id):
            weeks[reader.user.id].reviews.append(reader.due(
                review, review.initiative_id, review.due_on, review.due_on < today))
    _measures_and_updates(session, weeks, readers, week_starts)
    return weeks


class _Reader:
    """One person's share of the initiatives read for everyone: those they may see and own
    or have work on (an open milestone due by Sunday, an open cycle, an undecided review)."""

    def __init__(self, user, initiatives, owned_ids):
        self.user, self.initiatives = user, initiatives
        #: The initiatives they own and see, by title (as ``initiatives`` is).
        self.owned = [i for i in owned_ids if permissions.can_see_initiative(user, initiatives[i])]
        self.mine = set(self.owned)
        self._may_act = {}

    def has_work(self, initiative_id):
        initiative = self.initiatives.get(initiative_id)
        if initiative is not None and permissions.can_see_initiative(self.user, initiative):
            self.mine.add(initiative_id)

    def sees(self, initiative_id):
        return initiative_id in self.mine

    def due(self, record, initiative_id, due_on, overdue, **kw):
        if initiative_id not in self._may_act:
            self._may_act[initiative_id] = permissions.can(
                self.user, permissions.WRITE, self.initiatives[initiative_id])
        return Due(record, self.initiatives[initiative_id], due_on, overdue,
                   self._may_act[initiative_id], **kw)


def _readers_of(readers, record_owner_id, initiative_owner_id, initiative_id):
    """The readers a milestone or cycle is listed for: its owner and its initiative's owner
    (once when they are the same person), each only where the initiative is theirs to read."""
    for user_id in {record_owner_id, initiative_owner_id}:
        reader = readers.get(user_id)
        if reader is not None and reader.sees(initiative_id):
            yield reader


def _measures_and_updates(session, weeks, readers, week_starts):
    """Each owned initiative's measures (a value due this week) and its progress update."""
    every_owned = [i for reader in readers.values() for i in reader.owned]
    measures = defaultdict(list)
    if every_owned:
        latest = func.max(MeasurePoint.on)
        for measure, last_on in session.execute(
                select(Measure, latest).outerjoin(MeasurePoint, MeasurePoint.measure_id == Measure.id)
                .where(Measure.initiative_id.in_(every_owned)).group_by(Measure.id)
                .order_by(Measure.initiative_id, Measure.id)).all():
            measures[measure.initiative_id].append((measure, last_on))
    for user_id, reader in readers.items():
        week = weeks[user_id]
        for initiative_id in sorted(reader.owned):
            for measure, last_on in measures[initiative_id]:
                week.measures.append(reader.due(
                    measure, initiative_id, None,
                    last_on is not None and last_on < week_starts - timedelta(days=7),
                    done_on=last_on if last_on is not None and last_on >= week_starts else None,
                    why=f"Last value on {last_on:%-d %B %Y}." if last_on else "No value yet."))
        for initiative_id in reader.owned:
            initiative = reader.initiatives[initiative_id]
            logged = initiative.last_update_at.date() if initiative.last_update_at else None
            week.updates.append(reader.due(
                initiative, initiative_id, None,
                logged is None or logged < week_starts - timedelta(days=7),
                done_on=logged if logged is not None and logged >= week_starts else None))


def _initiatives(session, user_ids, with_work):
    """``{id: Initiative}`` by title: the active initiatives ``user_ids`` own or have work on
    (``with_work``), with their schools (one query for them all, however many)."""
    stmt = (select(Initiative)
            .where(Initiative.status == "active",
                   or_(Initiative.owner_id.in_(user_ids), Initiative.id.in_(with_work or [-1])))
            .options(subqueryload(Initiative.schools))
            .order_by(Initiative.title, Initiative.id))
    return {initiative.id: initiative for initiative in session.execute(stmt).scalars()}
