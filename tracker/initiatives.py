"""Initiatives: starting one, editing its plan, naming its "one out", and finding them.

Phase and status change only through tracker.lifecycle (gates and history); here
are the fields a project lead edits while planning.

Scope: ``school`` (one school), ``schools`` (several) or ``trust`` (every school). Setting
``trust`` (on create or edit) attaches every school of the trust, so only someone who sees
every school may set it (nobody adds a school they cannot see: others get Invalid naming
``scope``); a school added to the trust later joins its active trust-wide initiatives
(``join_trust_initiatives``). Taking a school out of a trust-wide initiative makes it
``schools``. A school that joins takes its RAG from the newest update for all schools.
"""
from collections import defaultdict, namedtuple

from sqlalchemy import Integer, String, exists, literal, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker import goals, milestones, nudges, pdsa, permissions, updates
from tracker.errors import Invalid, NotFound, check_version
from tracker.models import (Initiative, InitiativeTag, Milestone, PdsaCycle, School, User,
                            initiative_drivers, initiative_schools)
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS
from tracker.clock import today
from tracker.search import matches_text

TEXT_FIELDS = ("title", "problem", "evidence", "intended_outcomes", "active_ingredients",
               "implementation_strategies")


def with_details(stmt):
    """Eager-load what a list or page shows, so the query count does not grow with the rows."""
    return stmt.options(selectinload(Initiative.schools), selectinload(Initiative.tags),
                        joinedload(Initiative.owner), joinedload(Initiative.out_initiative))


#: ``rag`` filter value for initiatives with no RAG rating yet.
NO_RAG = "none"
#: The ``attention`` filter: what needs attention, in the dashboard's words.
ATTENTION = {"overdue_milestones": "With overdue milestones",
             "stuck_pdsa_cycles": "With stuck PDSA cycles",
             "stale": "With no recent progress update"}


def attention_condition(attention, on):
    """The SQL condition for initiatives that need ``attention`` (an ``ATTENTION`` key) on ``on``:
    the same rules the dashboard counts and the nudges job tells people about."""
    if attention == "overdue_milestones":
        return exists(select(Milestone.id).where(Milestone.initiative_id == Initiative.id,
                                                 milestones.overdue_condition(on)))
    if attention == "stuck_pdsa_cycles":
        return exists(select(PdsaCycle.id).where(PdsaCycle.initiative_id == Initiative.id,
                                                 pdsa.stuck_condition(on)))
    return nudges.stale_condition(on)


def tagged_condition(framework, code):
    """The SQL condition for initiatives tagged ``code`` of ``framework`` (``pillar``/``helix``)."""
    return exists(select(InitiativeTag.code).where(
        InitiativeTag.initiative_id == Initiative.id,
        InitiativeTag.framework == framework, InitiativeTag.code == code))


def find_initiatives(user, **filters):
    """``filter_initiatives`` with what a record's reader needs eager-loaded (``with_details``)."""
    return with_details(filter_initiatives(user, **filters))


def filter_initiatives(user, *, school_id=None, phase=None, status=None, rag=None,
                       owner_id=None, pillar=None, helix_component=None, attention=None, q=None):
    """A select of the initiatives ``user`` can see, narrowed by the given filters, by id,
    loading nothing more (see ``find_initiatives`` and ``table_rows``).

    ``rag`` may be ``NO_RAG`` (not rated yet); ``attention`` an ``ATTENTION`` key. With a
    ``school_id``, ``rag`` is that school's own RAG of the initiative (as the dashboard's row
    of the school counts it), else the initiative's."""
    stmt = permissions.visible_initiatives(select(Initiative), user)
    if school_id is not None:
        link = initiative_schools.c
        in_school = [link.initiative_id == Initiative.id, link.school_id == school_id]
        if rag is not None:
            in_school.append(link.rag.is_(None) if rag == NO_RAG else link.rag == rag)
            rag = None
        stmt = stmt.where(exists(select(link.initiative_id).where(*in_school)))
    if rag == NO_RAG:
        stmt, rag = stmt.where(Initiative.rag.is_(None)), None
    for column, value in ((Initiative.phase, phase), (Initiative.status, status),
                          (Initiative.rag, rag), (Initiative.owner_id, owner_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if attention is not None:
        stmt = stmt.where(attention_condition(attention, today()))
    for framework, code in (("pillar", pillar), ("helix", helix_component)):
        if code is not None:
            stmt = stmt.where(tagged_condition(framework, code))
    if q:
        stmt = stmt.where(matches_text(q, Initiative.title, Initiative.problem, Initiative.evidence))
    return stmt.order_by(Initiative.id)


#: A person or a school as a table names it.
Named = namedtuple("Named", "id name")
#: One row of a table of initiatives (``table_rows``): what the pages' lists show.
TableRow = namedtuple("TableRow", "id title phase status rag owner schools")


def table_rows(session, stmt):
    """``[TableRow]``: what a table of initiatives shows (title, phase or status, RAG, owner,
    schools by name) for the initiatives of ``stmt`` (``filter_initiatives``, narrowed and
    limited as the caller likes), in its order. Two queries whatever the number of rows, and
    plain rows rather than records: a list never pays for the texts, tags or one out it does
    not show."""
    rows = session.execute(stmt.with_only_columns(
        Initiative.id, Initiative.title, Initiative.phase, Initiative.status, Initiative.rag,
        User.id, User.name).join_from(Initiative, User, User.id == Initiative.owner_id)).all()
    link = initiative_schools.c
    schools = defaultdict(list)
    for initiative_id, school_id, name in session.execute(
            select(link.initiative_id, School.id, School.name)
            .join(School, School.id == link.school_id)
            .where(link.initiative_id.in_([row[0] for row in rows]))
            .order_by(School.name, School.id)):
        schools[initiative_id].append(Named(school_id, name))
    return [TableRow(id_, title, phase, status, rag, Named(owner_id, owner_name), schools[id_])
            for id_, title, phase, status, rag, owner_id, owner_name in rows]


class InitiativeRecord:
    """An initiative as plain values, read like an ``Initiative`` by a serialiser: its columns,
    ``school_ids``, ``pillars``, ``helix_components``, ``driver_ids`` and what its one out
    needs (``has_out``, ``out_done`` and ``out_initiative`` are the model's own rules)."""

    has_out = Initiative.has_out
    out_done = Initiative.out_done

    def __init__(self, **values):
        self.__dict__.update(values)


_COLUMNS = tuple(Initiative.__table__.columns)
#: The initiative an initiative's one out names (made once: a new alias a call costs more
#: than the query).
_OUT = aliased(Initiative, name="out_initiative")


def records(session, stmt):
    """``[InitiativeRecord]`` for the initiatives of ``stmt`` (``filter_initiatives``, narrowed
    and limited as the caller likes), in its order: what the API's list gives of each, in
    two queries whatever the number of rows (the initiatives with their out's status; their
    schools, tags and drivers), without building a record of the ORM for any of them."""
    rows = session.execute(stmt.with_only_columns(*_COLUMNS, _OUT.status, _OUT.ended_on)
                           .join_from(Initiative, _OUT, _OUT.id == Initiative.out_initiative_id,
                                      isouter=True)).all()
    ids = [row[0] for row in rows]
    link, served = initiative_schools.c, initiative_drivers.c
    # Schools (by name, as Initiative.schools), tags (by code) and drivers (by id) in one
    # query: (initiative, what, id or None, the text to sort by).
    parts = union_all(
        select(link.initiative_id, literal("school").label("what"),
               link.school_id.label("number"), School.name.label("text"))
        .join(School, School.id == link.school_id).where(link.initiative_id.in_(ids)),
        select(InitiativeTag.initiative_id, InitiativeTag.framework, literal(None, Integer),
               InitiativeTag.code).where(InitiativeTag.initiative_id.in_(ids)),
        select(served.initiative_id, literal("driver"), served.driver_id, literal(None, String))
        .where(served.initiative_id.in_(ids)))
    listed = defaultdict(list)
    for initiative_id, what, number, text in session.execute(parts.order_by("text", "number")):
        listed[initiative_id, what].append(text if number is None else number)
    found = []
    for row in rows:
        values = {column.key: value for column, value in zip(_COLUMNS, row)}
        id_ = values["id"]
        status, ended_on = row[len(_COLUMNS):]
        found.append(InitiativeRecord(
            **values, school_ids=listed[id_, "school"], pillars=sorted(listed[id_, "pillar"]),
            helix_components=sorted(listed[id_, "helix"]), driver_ids=listed[id_, "driver"],
            out_initiative=None if status is None else InitiativeRecord(
                status=status, ended_on=ended_on)))
    return found


def owners_seen_by(user):
    """A select of ``(id, name)`` of the people who own an initiative ``user`` can see, by
    name: the choices of a list's Owner filter (whoever owns something shown, and nobody
    else however many people the trust has)."""
    owned = permissions.visible_initiatives(select(Initiative.owner_id), user)
    return select(User.id, User.name).where(User.id.in_(owned)).order_by(User.name, User.id)


def one_out_of(initiative):
    """The API's ``one_out`` value: null, or what the initiative will stop and by when."""
    if not initiative.has_out:
        return None
    done_on = initiative.out_done_on
    if initiative.out_initiative_id is not None and initiative.out_done:
        done_on = initiative.out_initiative.ended_on
    return {"initiative_id": initiative.out_initiative_id, "practice": initiative.out_practice,
            "due_on": initiative.out_due_on, "done_on": done_on}


def _owner(session, owner_id, school_ids):
    owner = session.get(User, owner_id) if permissions.is_id(owner_id) else None
    if owner is None or not owner.active:
        raise Invalid("Unknown owner.", fields={"owner_id": ["No active person with this id."]})
    if not permissions.can_own(owner, school_ids):
        raise Invalid("This person cannot own the initiative.", fields={"owner_id": [
            "The owner must be a project lead or school lead of one of the initiative's "
            "schools, or an admin."]})
    return owner


def possible_owners(school_ids):
    """A select of the people who may own an initiative of ``school_ids``, by name."""
    return permissions.possible_owners(select(User).order_by(User.name, User.id), school_ids)


def _schools(session, actor, school_ids, already=()):
    """The schools of ``school_ids``; each must be one the actor sees, or in ``already``
    (the initiative's own, which may be sent back as read). One the actor cannot see reads
    as unknown, so asking reveals nothing."""
    if not school_ids:
        raise Invalid("An initiative belongs to at least one school.",
                      fields={"school_ids": ["Choose at least one school."]})
    found = session.execute(select(School).where(School.id.in_(set(school_ids)))).scalars().all()
    unknown = sorted(set(school_ids) - {s.id for s in found})
    hidden = [s.id for s in found
              if s.id not in already and not permissions.can_see_school(actor, s.id)]
    if unknown or hidden:
        raise Invalid("Unknown school.", fields={"school_ids": [
            f"No school with id {i}." for i in sorted(unknown + hidden)]})
    return found


def hidden_school_ids(actor, initiative):
    """The initiative's schools ``actor`` cannot see: a form that shows only the others
    sends these back, since nobody may remove a school they cannot see."""
    return [i for i in initiative.school_ids if not permissions.can_see_school(actor, i)]


def _changed_schools(session, actor, initiative, school_ids):
    schools = _schools(session, actor, school_ids, already=initiative.school_ids)
    removed = set(hidden_school_ids(actor, initiative)) - {s.id for s in schools}
    if removed:
        raise Invalid("You can only remove schools you can see.", fields={"school_ids": [
            f"School {i} is not one of yours: only its own leads or an admin can take the "
            "initiative out of it." for i in sorted(removed)]})
    return schools


def _set_tags(initiative, framework, codes, allowed):
    bad = sorted(set(codes) - set(allowed))
    if bad:
        field = "pillars" if framework == "pillar" else "helix_components"
        raise Invalid("Unknown tag.", fields={field: [f"Not one of the choices: {', '.join(bad)}."]})
    keep = [t for t in initiative.tags if t.framework != framework]
    current = {t.code: t for t in initiative.tags if t.framework == framework}
    initiative.tags = keep + [current.get(c) or InitiativeTag(framework=framework, code=c)
                              for c in sorted(set(codes))]


def set_one_out(session, actor, initiative, one_out):
    """Name what ``initiative`` will stop (or clear it with None).

    The out is another initiative the actor can see, in one of this initiative's
    schools, or a named practice; either way with a due date.
    """
    if one_out is None:
        initiative.out_initiative_id = initiative.out_practice = None
        initiative.out_due_on = initiative.out_done_on = None
        return
    target_id, practice = one_out.get("initiative_id"), (one_out.get("practice") or "").strip()
    problems = {}
    if target_id is None and not practice:
        problems["one_out"] = ["Name the initiative or the practice that will stop."]
    elif target_id is not None and practice:
        # One out, one way of being done: an initiative by its status, a practice by done_on.
        problems["one_out"] = ["Name either an initiative or a practice, not both."]
    if one_out.get("due_on") is None:
        problems["one_out.due_on"] = ["Say by when it will stop."]
    if target_id is None and one_out.get("done_on") and one_out["done_on"] > today():
        problems["one_out.done_on"] = ["A practice cannot have stopped on a day still to come."]
    if target_id is not None:
        target = session.get(Initiative, target_id) if permissions.is_id(target_id) else None
        if target is None or not permissions.can_see_initiative(actor, target):
            problems["one_out.initiative_id"] = ["No such initiative."]
        elif target.id == initiative.id:
            problems["one_out.initiative_id"] = ["An initiative cannot replace itself."]
        elif not set(target.school_ids) & set(initiative.school_ids):
            problems["one_out.initiative_id"] = ["The initiative to stop must be in one of this initiative's schools."]
        elif target.status != "active" and target.id != initiative.out_initiative_id:
            # Naming something already over would make room that was never taken.
            problems["one_out.initiative_id"] = [f"That initiative has already ended ({target.status}); name one still running."]
    if problems:
        raise Invalid("The one out is not valid.", fields=problems)
    initiative.out_initiative_id = target_id
    initiative.out_initiative = session.get(Initiative, target_id) if target_id else None
    initiative.out_practice = practice or None
    initiative.out_due_on = one_out["due_on"]
    initiative.out_done_on = one_out.get("done_on") if target_id is None else None


def _trust_schools(session, actor):
    """Every school of the trust, for a trust-wide initiative; Invalid naming ``scope`` unless
    ``actor`` sees every school."""
    schools = session.execute(select(School).order_by(School.id)).scalars().all()
    if not all(permissions.can_see_school(actor, s.id) for s in schools):
        raise Invalid("Only someone who sees every school can make an initiative trust-wide.",
                      fields={"scope": ["A trust-wide initiative takes in every school, and "
                                        "you cannot see them all: choose its schools instead, "
                                        "or ask an admin."]})
    return schools


def _scope_of(scope, schools):
    return scope or ("school" if len(schools) == 1 else "schools")


def create_initiative(session, actor, *, title, school_ids, owner_id=None, pillars=(),
                      helix_components=(), one_out=None, scope=None, driver_ids=(), **texts):
    """Start an initiative in Explore. Raises Forbidden outside the actor's schools, and
    Invalid naming ``owner_id`` for an owner who may not own it (``permissions.can_own``),
    or ``scope`` for a trust-wide one from someone who cannot see every school."""
    schools = _schools(session, actor, school_ids)
    if scope == "trust":
        schools = _trust_schools(session, actor)
    permissions.require(actor, permissions.CREATE, school_ids=[s.id for s in schools])
    owner = _owner(session, owner_id, [s.id for s in schools]) if owner_id else actor
    initiative = Initiative(title=title.strip(), owner=owner, schools=schools, phase="explore",
                            status="active", phase_since=today(),
                            scope=_scope_of(scope, schools),
                            **{k: v for k, v in texts.items() if k in TEXT_FIELDS})
    session.add(initiative)
    _set_tags(initiative, "pillar", pillars, PILLARS)
    _set_tags(initiative, "helix", helix_components, HELIX_COMPONENTS)
    session.flush()
    if one_out is not None:
        set_one_out(session, actor, initiative, one_out)
        session.flush()
    if driver_ids:
        # The drivers it serves (tracker.goals): a trust goal's, or its own schools' goals'.
        goals.set_drivers(session, actor, initiative, driver_ids)
    return initiative


def update_initiative(session, actor, initiative, version, **changes):
    """Edit the plan's fields. ``version`` must be the one the actor read (else StaleVersion).

    Raises Invalid naming ``owner_id`` for a new owner who may not own it, and naming
    ``school_ids`` for a school added or removed that the actor cannot see, or a change of
    schools that would leave the owner outside them.
    """
    permissions.require(actor, permissions.WRITE, initiative)
    check_version(initiative, version)
    owner_id = changes.pop("owner_id", initiative.owner_id)
    before = set(initiative.school_ids)
    if changes.get("scope") == "trust":
        if "school_ids" in changes:
            _changed_schools(session, actor, initiative, changes["school_ids"])
        changes["school_ids"] = [s.id for s in _trust_schools(session, actor)]
    if "school_ids" in changes:
        owner_fitted = permissions.can_own(initiative.owner, initiative.school_ids)
        initiative.schools = _changed_schools(session, actor, initiative,
                                              changes.pop("school_ids"))
        if initiative.scope == "trust" and "scope" not in changes and set(
                initiative.school_ids) != before:
            initiative.scope = _scope_of(None, initiative.schools)
        # Ownership shows the initiative to its owner: the schools may not move away from them.
        if owner_fitted and owner_id == initiative.owner_id and not permissions.can_own(
                initiative.owner, initiative.school_ids):
            raise Invalid("The owner could no longer see this initiative.", fields={
                "school_ids": ["Keep one of the owner's schools, or hand the initiative to "
                               "someone in the schools that remain."]})
    if owner_id != initiative.owner_id:
        initiative.owner = _owner(session, owner_id, initiative.school_ids)
    if "pillars" in changes:
        _set_tags(initiative, "pillar", changes.pop("pillars"), PILLARS)
    if "helix_components" in changes:
        _set_tags(initiative, "helix", changes.pop("helix_components"), HELIX_COMPONENTS)
    if "one_out" in changes:
        set_one_out(session, actor, initiative, changes.pop("one_out"))
    if "scope" in changes:
        initiative.scope = changes.pop("scope")
    if "driver_ids" in changes:
        goals.set_drivers(session, actor, initiative, changes.pop("driver_ids"))
    for key in TEXT_FIELDS:
        if key in changes:
            setattr(initiative, key, changes[key].strip() if key == "title" else changes[key])
    session.flush()
    joined = set(initiative.school_ids) - before
    if joined:
        updates.refresh_school_rags(session, initiative.id, joined)
    return initiative


def join_trust_initiatives(session, school):
    """Put a school new to the trust into every active trust-wide initiative, with the RAG of
    each one's newest update for all schools. Returns those initiatives."""
    joining = session.execute(select(Initiative).where(
        Initiative.scope == "trust", Initiative.status == "active")).scalars().all()
    for initiative in joining:
        if school not in initiative.schools:
            initiative.schools.append(school)
    session.flush()
    for initiative in joining:
        updates.refresh_school_rags(session, initiative.id, [school.id])
    return joining


def get_visible(session, user, initiative_id):
    """An initiative ``user`` may see, or NotFound."""
    return permissions.get_initiative(session, user, initiative_id)


def get_for_page(session, user, initiative_id, action=permissions.READ):
    """``permissions.get_initiative``, with the initiative's schools, tags and owner (what
    its page shows, and the permission check reads) loaded in the same one query."""
    if not permissions.is_id(initiative_id):
        raise NotFound("No such initiative.")
    loaded = session.execute(select(Initiative).where(Initiative.id == initiative_id).options(
        joinedload(Initiative.schools), joinedload(Initiative.tags),
        joinedload(Initiative.owner))).unique().scalar_one_or_none()
    # ``loaded`` (or None) is held while the lookup finds it in the session's identity map.
    found = permissions.get_initiative(session, user, initiative_id, action)
    return found if loaded is None else loaded


__all__ = ["create_initiative", "update_initiative", "find_initiatives", "filter_initiatives",
           "table_rows", "records", "owners_seen_by", "set_one_out",
           "one_out_of", "get_visible", "get_for_page", "with_details", "possible_owners", "hidden_school_ids",
           "join_trust_initiatives",
           "NotFound"]


def my_initiatives(user):
    """What the home page lists: a project lead's own, a school lead's schools', else all
    active (a select for ``table_rows``)."""
    stmt = filter_initiatives(user)
    if user.role == "project_lead":
        return stmt.where(Initiative.owner_id == user.id)
    return stmt.where(Initiative.status == "active")
