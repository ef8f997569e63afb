"""Coverage: how many active initiatives tag each of the seven pillars and each of the
twelve triple helix components, so a trust sees which parts of its model have no work
behind them.

Counts are of the active initiatives the reader can see; an initiative with several
schools (horizontal) counts once in the trust and once in each of its schools. Every
pillar and component is present, with 0 where nothing tags it.
"""
from sqlalchemy import distinct, func, select

from tracker import permissions, schools
from tracker.models import Initiative, InitiativeTag, initiative_schools
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS

#: The two frameworks as the API names them, with the tag framework and codes of each.
FRAMEWORKS = (("pillars", "pillar", PILLARS), ("helix_components", "helix", HELIX_COMPONENTS))
#: The triple helix's three strands, four components each, in the model's order.
HELIX_STRANDS = (
    ("Curate clear goals", HELIX_COMPONENTS[0:4]),
    ("Build capability and capacity", HELIX_COMPONENTS[4:8]),
    ("Implement improvement initiatives", HELIX_COMPONENTS[8:12]),
)


def _empty():
    return {name: dict.fromkeys(codes, 0) for name, _, codes in FRAMEWORKS}


def _fill(counts, framework, code, n):
    for name, tag_framework, codes in FRAMEWORKS:
        if tag_framework == framework and code in codes:
            counts[name][code] += n


def _tagged_active(user):
    """A select of (framework, code, initiative id) of the active initiatives ``user`` sees."""
    stmt = (select(InitiativeTag.framework, InitiativeTag.code, Initiative.id)
            .join(Initiative, Initiative.id == InitiativeTag.initiative_id)
            .where(Initiative.status == "active"))
    return permissions.visible_initiatives(stmt, user)


def coverage(session, user, school_id=None):
    """``{"pillars": {pillar: n}, "helix_components": {component: n}}``: active initiatives
    ``user`` can see tagged with each, in ``school_id`` when given. One query (two with a
    school). Raises NotFound when ``school_id`` is not a school ``user`` can see."""
    stmt = _tagged_active(user)
    if school_id is not None:
        schools.get_school(session, user, school_id)
        link = initiative_schools.c
        stmt = stmt.where(Initiative.id.in_(
            select(link.initiative_id).where(link.school_id == school_id)))
    tags = stmt.subquery()
    counts = _empty()
    for framework, code, n in session.execute(
            select(tags.c.framework, tags.c.code, func.count(distinct(tags.c.id)))
            .group_by(tags.c.framework, tags.c.code)):
        _fill(counts, framework, code, n)
    return counts


def coverage_grid(session, user):
    """The coverage of every school ``user`` can see and of all of them together:
    ``{"schools": [School], "trust": counts, "by_school": {school_id: counts}, "gaps":
    gaps(trust)}`` where ``counts`` is ``coverage``'s shape. Three queries whatever the size
    of the trust."""
    visible = session.execute(schools.visible_schools(user)).scalars().all()
    ids = [s.id for s in visible]
    link = initiative_schools.c
    by_school = {school_id: _empty() for school_id in ids}
    for school_id, framework, code, n in session.execute(
            select(link.school_id, InitiativeTag.framework, InitiativeTag.code, func.count())
            .join(Initiative, Initiative.id == link.initiative_id)
            .join(InitiativeTag, InitiativeTag.initiative_id == Initiative.id)
            .where(link.school_id.in_(ids or [-1]), Initiative.status == "active")
            .group_by(link.school_id, InitiativeTag.framework, InitiativeTag.code)):
        _fill(by_school[school_id], framework, code, n)
    trust = coverage(session, user)
    return {"schools": visible, "trust": trust, "by_school": by_school, "gaps": gaps(trust)}


def gaps(counts):
    """What nothing covers in ``counts`` (``coverage``'s shape): ``{"pillars": [pillar],
    "helix_components": [component]}`` in the frameworks' order."""
    return {name: [code for code in codes if not counts[name][code]] for name, _, codes in FRAMEWORKS}
