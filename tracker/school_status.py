"""How a shared (horizontal) initiative stands in each of its schools.

Each school of an initiative has its own RAG of it (the newest update for that school or for
all, kept in ``initiative_schools.rag`` by ``updates.log_update``), its latest update (for
it or for all), and its overdue milestones (for it or for all). A reader sees the status of
the schools they can see only, as everywhere else.

``statuses`` answers for any number of initiatives in three queries, so a list or a page
costs the same for two schools or a hundred.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from tracker import milestones, permissions
from tracker.models import Milestone, School, Update, initiative_schools


@dataclass
class SchoolStatus:
    school_id: int
    name: str
    #: The school's own RAG of the initiative (None: no update yet).
    rag: Optional[str]
    #: When the newest update for this school or for all was logged.
    latest_update_at: Optional[datetime]
    #: Milestones for this school or for all that are past due and not done.
    overdue_milestones: int


def statuses(session, viewer, initiative_ids, today):
    """``{initiative_id: [SchoolStatus]}`` for each of ``initiative_ids``, its schools by name,
    only those ``viewer`` can see (None: every school)."""
    ids = list(initiative_ids) or [-1]
    visible = permissions.visible_school_ids(viewer) if viewer is not None else None
    link = initiative_schools.c
    rows = session.execute(
        select(link.initiative_id, link.school_id, link.rag, School.name)
        .join(School, School.id == link.school_id)
        .where(link.initiative_id.in_(ids))
        .order_by(link.initiative_id, School.name, School.id)).all()
    latest = dict(((i, s), at) for i, s, at in session.execute(
        select(Update.initiative_id, Update.school_id, func.max(Update.created_at))
        .where(Update.initiative_id.in_(ids))
        .group_by(Update.initiative_id, Update.school_id)).all())
    overdue = dict(((i, s), n) for i, s, n in session.execute(
        select(Milestone.initiative_id, Milestone.school_id, func.count())
        .where(Milestone.initiative_id.in_(ids), milestones.overdue_condition(today))
        .group_by(Milestone.initiative_id, Milestone.school_id)).all())
    result = {i: [] for i in initiative_ids}
    for initiative_id, school_id, rag, name in rows:
        if visible is not None and school_id not in visible:
            continue
        times = [t for t in (latest.get((initiative_id, school_id)),
                             latest.get((initiative_id, None))) if t is not None]
        result[initiative_id].append(SchoolStatus(
            school_id=school_id, name=name, rag=rag, latest_update_at=max(times, default=None),
            overdue_milestones=overdue.get((initiative_id, school_id), 0)
            + overdue.get((initiative_id, None), 0)))
    return result


@dataclass
class PageView:
    """What the initiative page shows per school: each school's status (for a shared
    initiative), and the words for whom an update or milestone is for."""

    #: Whether the initiative is shared by several schools (so it reports per school).
    shared: bool
    statuses: list
    #: The name of every school the initiative's updates and milestones are for.
    names: dict
    current_ids: frozenset

    def label_of(self, school_id):
        """Whom an update or milestone for ``school_id`` is for, in words."""
        if school_id is None:
            return "all schools"
        name = self.names.get(school_id, "A school")
        return name if school_id in self.current_ids else f"{name} (no longer part of it)"


def page_view(session, viewer, initiative, today):
    """The initiative page's per-school part, in four queries whatever the number of schools.

    An update or milestone for a school since taken out of the initiative is kept and named as
    for a school no longer part of it."""
    found = statuses(session, viewer, [initiative.id], today)[initiative.id]
    referred = (select(Update.school_id).where(Update.initiative_id == initiative.id)
                .union(select(Milestone.school_id).where(Milestone.initiative_id == initiative.id)))
    names = dict(session.execute(select(School.id, School.name)
                                 .where(School.id.in_(referred))).all())
    return PageView(shared=len(initiative.schools) > 1, statuses=found, names=names,
                    current_ids=frozenset(initiative.school_ids))
