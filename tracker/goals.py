"""Goals and driver diagrams (the Model for Improvement's driver diagram, DOMAIN.md).

A *goal* is an aim of the trust (``school_id`` None) or of one school: a measurable statement,
maybe tied to a measure (a trust KPI, or a measure the author can see) and a target date.
Under it, *primary drivers* (no parent: the few big things that must change) and *secondary
drivers* under a primary one (where to act). Initiatives are the change ideas: they link to the
drivers they serve.

Rules (API.md "Goals and driver diagrams"):
- Two levels only: a secondary driver's parent is a primary driver of the SAME goal
  (``Invalid`` naming ``parent_id`` otherwise). Deleting a primary driver deletes its
  secondary ones; deleting a driver or a goal unlinks its initiatives (they stay).
- Who writes: ``permissions.may_write_goal`` (the trust's: admins and the central team; a
  school's: its school leads and admins). Who reads: the trust's goals, everyone signed in; a
  school's, whoever sees the school. A goal not visible is "no such goal".
- An initiative may serve the drivers of a goal it can align to: any trust goal, and a school's
  goal only when the initiative is in that school. Linking needs write permission on the
  initiative. Links to drivers the actor cannot see are kept as they are (like an initiative's
  schools they cannot see).
- A diagram shows only the initiatives the reader may see (``permissions.visible_initiatives``).

Writes are audited at the flush (tracker.audit). Nothing here commits.
"""
from collections import defaultdict

from sqlalchemy import exists, select

from tracker import clock, measures, permissions, schools
from tracker.errors import Forbidden, Invalid, NotFound, check_version
from tracker.models import Driver, Goal, Initiative, School, initiative_drivers

MAX_TITLE = 200
MAX_AIM = 5000
WRITE_REFUSAL = ("Only an admin or the central team can change the trust's goals; a school's "
                 "goals, its school lead or an admin.")


# --- reading ------------------------------------------------------------------------------

def can_see_goal(user, goal):
    return goal.school_id is None or permissions.can_see_school(user, goal.school_id)


def visible_goals(stmt, user):
    """Narrow a ``select(Goal)`` to the goals ``user`` may read."""
    ids = permissions.visible_school_ids(user)
    if ids is None:
        return stmt
    return stmt.where(Goal.school_id.is_(None) | Goal.school_id.in_(ids or [-1]))


def find_goals(session, user, school_id=None):
    """A select of the goals ``user`` may read, the trust's first, then by school and title;
    with ``school_id``, that school's only (NotFound for a school ``user`` cannot see)."""
    stmt = visible_goals(select(Goal), user)
    if school_id is not None:
        stmt = stmt.where(Goal.school_id == schools.get_school(session, user, school_id).id)
    return stmt.order_by(Goal.school_id.is_not(None), Goal.school_id, Goal.title, Goal.id)


def get_goal(session, user, goal_id, action=permissions.READ):
    """The goal, if ``user`` may do ``action`` (READ or WRITE) to it. Raises NotFound when it
    does not exist or is not visible, Forbidden when visible but not writable."""
    goal = session.get(Goal, goal_id) if permissions.is_id(goal_id) else None
    if goal is None or not can_see_goal(user, goal):
        raise NotFound("No such goal.")
    if action != permissions.READ:
        _require_writer(user, goal.school_id)
    return goal


def drivers_of(goal):
    """A select of ``goal``'s drivers, primary and secondary, in the order they were added."""
    return select(Driver).where(Driver.goal_id == goal.id).order_by(Driver.id)


def get_driver(session, user, goal, driver_id):
    """A driver of ``goal`` (NotFound when it is not one of its drivers)."""
    driver = session.get(Driver, driver_id) if permissions.is_id(driver_id) else None
    if driver is None or driver.goal_id != goal.id:
        raise NotFound("No such driver.")
    return driver


def _require_writer(user, school_id):
    if not permissions.may_write_goal(user, school_id):
        raise Forbidden(WRITE_REFUSAL)


def writable_schools(session, user):
    """The schools whose goals ``user`` may write, by name (the choices of a goal's form)."""
    return [s for s in session.execute(schools.visible_schools(user)).scalars()
            if permissions.may_write_goal(user, s.id)]


# --- goals ----------------------------------------------------------------------------------

def _check_goal_fields(session, actor, values):
    problems = {}
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            problems["title"] = ["Give the goal a title."]
        elif len(values["title"]) > MAX_TITLE:
            problems["title"] = [f"At most {MAX_TITLE} characters."]
    if "aim" in values:
        values["aim"] = (values["aim"] or "").strip()
        if len(values["aim"]) > MAX_AIM:
            problems["aim"] = [f"At most {MAX_AIM} characters."]
    if values.get("target_on") is not None and not clock.plausible(values["target_on"]):
        problems["target_on"] = [clock.plausible_message()]
    if values.get("measure_id") is not None:
        try:
            measures.get_measure(session, actor, values["measure_id"])
        except (NotFound, Forbidden):
            problems["measure_id"] = ["No such measure: choose a trust KPI or a measure you can see."]
    if problems:
        raise Invalid("The goal is not valid.", fields=problems)


def create_goal(session, actor, *, title, aim="", school_id=None, measure_id=None,
                target_on=None):
    """A new goal of the trust (``school_id`` None) or of one school. Raises NotFound
    (naming ``school_id``, as Invalid) for a school ``actor`` cannot see, Forbidden for one
    whose goals they may not write, Invalid by field for a bad title, measure or date."""
    if school_id is not None:
        school = session.get(School, school_id) if permissions.is_id(school_id) else None
        if school is None or not permissions.can_see_school(actor, school.id):
            raise Invalid("Unknown school.", fields={"school_id": [f"No school with id {school_id}."]})
    _require_writer(actor, school_id)
    values = {"title": title, "aim": aim or "", "measure_id": measure_id, "target_on": target_on}
    _check_goal_fields(session, actor, values)
    goal = Goal(school_id=school_id, author_id=actor.id, **values)
    session.add(goal)
    session.flush()
    return goal


def update_goal(session, actor, goal, version, **changes):
    """Edit a goal's title, aim, measure or target date; ``version`` must be the one read."""
    _require_writer(actor, goal.school_id)
    check_version(goal, version)
    changes = {k: v for k, v in changes.items() if k in ("title", "aim", "measure_id", "target_on")}
    _check_goal_fields(session, actor, changes)
    for key, value in changes.items():
        setattr(goal, key, value)
    session.flush()
    return goal


def delete_goal(session, actor, goal):
    """Delete a goal with its drivers; the initiatives under them stay, unlinked."""
    _require_writer(actor, goal.school_id)
    # Secondary drivers first, each level flushed: the database would otherwise remove a
    # secondary driver with its primary one before the session deletes it (a stale delete).
    for secondary in (True, False):
        for driver in [d for d in goal.drivers if (d.parent_id is not None) == secondary]:
            driver.initiatives = []
            session.delete(driver)
        session.flush()
    session.expire(goal, ["drivers"])
    session.delete(goal)
    session.flush()


# --- drivers --------------------------------------------------------------------------------

def _driver_title(title):
    title = (title or "").strip()
    if not title:
        raise Invalid("The driver needs a title.", fields={"title": ["Give the driver a title."]})
    if len(title) > MAX_TITLE:
        raise Invalid("The title is too long.", fields={"title": [f"At most {MAX_TITLE} characters."]})
    return title


def add_driver(session, actor, goal, *, title, parent_id=None):
    """A primary driver of ``goal`` (no parent) or a secondary one under ``parent_id``, which
    must be a primary driver of the same goal (Invalid naming ``parent_id`` otherwise)."""
    _require_writer(actor, goal.school_id)
    title = _driver_title(title)
    if parent_id is not None:
        parent = session.get(Driver, parent_id) if permissions.is_id(parent_id) else None
        if parent is None or parent.goal_id != goal.id:
            raise Invalid("Unknown driver.", fields={"parent_id": [
                "No such driver of this goal: a secondary driver goes under one of its primary drivers."]})
        if parent.parent_id is not None:
            raise Invalid("Drivers have two levels.", fields={"parent_id": [
                "That driver is already a secondary driver: put this one under a primary driver."]})
    driver = Driver(goal_id=goal.id, parent_id=parent_id, title=title)
    session.add(driver)
    session.flush()
    session.expire(goal, ["drivers"])
    return driver


def rename_driver(session, actor, driver, version, title):
    goal = session.get(Goal, driver.goal_id)
    _require_writer(actor, goal.school_id)
    check_version(driver, version)
    driver.title = _driver_title(title)
    session.flush()
    return driver


def delete_driver(session, actor, driver):
    """Delete a driver; a primary one takes its secondary drivers with it. Initiatives stay."""
    goal = session.get(Goal, driver.goal_id)
    _require_writer(actor, goal.school_id)
    doomed = [d for d in goal.drivers if d.parent_id == driver.id] + [driver]
    for each in doomed:
        each.initiatives = []
        session.delete(each)
        session.flush()
    session.expire(goal, ["drivers"])


# --- initiatives under drivers ---------------------------------------------------------------

def may_align(initiative, goal):
    """Whether ``initiative`` may serve drivers of ``goal``: any trust goal; a school's goal
    only when the initiative is in that school."""
    return goal.school_id is None or goal.school_id in initiative.school_ids


def set_drivers(session, actor, initiative, driver_ids):
    """Make ``initiative`` serve exactly ``driver_ids`` (among the drivers ``actor`` sees;
    links to drivers they cannot see are kept). Raises Forbidden without write permission on
    the initiative, Invalid naming ``driver_ids`` for an unknown driver or one of a goal the
    initiative cannot align to."""
    permissions.require(actor, permissions.WRITE, initiative)
    wanted = set(driver_ids)
    found = session.execute(
        select(Driver, Goal).join(Goal, Goal.id == Driver.goal_id)
        .where(Driver.id.in_(wanted or [-1]))).all()
    seen = {driver.id: (driver, goal) for driver, goal in found if can_see_goal(actor, goal)}
    problems = [f"No driver with id {i}." for i in sorted(wanted - set(seen))]
    problems += [f"“{driver.title}” is a driver of another school's goal: an initiative serves "
                 "the trust's goals and its own schools' goals."
                 for driver, goal in seen.values() if not may_align(initiative, goal)]
    if problems:
        raise Invalid("Unknown driver.", fields={"driver_ids": problems})
    current = initiative.drivers
    schools_of = dict(session.execute(select(Goal.id, Goal.school_id).where(
        Goal.id.in_({d.goal_id for d in current} or [-1]))).all())
    kept = [d for d in current if schools_of[d.goal_id] is not None
            and not permissions.can_see_school(actor, schools_of[d.goal_id])]
    chosen = [seen[i][0] for i in sorted(wanted)]
    if {d.id for d in initiative.drivers} != {d.id for d in kept + chosen}:
        initiative.drivers = kept + chosen
    session.flush()
    return initiative


def served_by(session, user, initiative):
    """The drivers ``initiative`` serves that ``user`` may see, as ``[(goal, driver)]`` by
    goal and driver (one query)."""
    rows = session.execute(visible_goals(
        select(Goal, Driver).join(Driver, Driver.goal_id == Goal.id)
        .join(initiative_drivers, initiative_drivers.c.driver_id == Driver.id)
        .where(initiative_drivers.c.initiative_id == initiative.id), user)
        .order_by(Goal.school_id.is_not(None), Goal.title, Goal.id, Driver.id)).all()
    return [(goal, driver) for goal, driver in rows]


def driver_choices(session, actor, initiative_school_ids):
    """The drivers an initiative of ``initiative_school_ids`` may serve, grouped by goal, as
    ``[(goal, [(driver, primary title or None)])]`` (two queries): the trust's goals and
    those of the initiative's schools ``actor`` sees."""
    goals = session.execute(find_goals(session, actor).where(
        Goal.school_id.is_(None) | Goal.school_id.in_(list(initiative_school_ids) or [-1]))
    ).scalars().all()
    drivers = session.execute(select(Driver).where(Driver.goal_id.in_([g.id for g in goals] or [-1]))
                              .order_by(Driver.id)).scalars().all()
    by_goal = defaultdict(list)
    titles = {d.id: d.title for d in drivers}
    for driver in _tree_order(drivers):
        by_goal[driver.goal_id].append((driver, titles.get(driver.parent_id)))
    return [(goal, by_goal[goal.id]) for goal in goals if by_goal[goal.id]]


def _tree_order(drivers):
    """Primary drivers each followed by its secondary ones, in the order they were added."""
    children = defaultdict(list)
    for driver in drivers:
        children[driver.parent_id].append(driver)
    return [d for primary in children[None] for d in [primary] + children[primary.id]]


# --- the diagram ------------------------------------------------------------------------------

def diagram(session, user, goal):
    """The goal's driver diagram as plain data (two queries, whatever its size)::

        {"goal": goal, "drivers": [{"id", "title", "parent_id", "version",
                                    "children": [...the same, with no children...],
                                    "initiatives": [{"id", "title", "phase", "rag", "status"}],
                                    "no_initiative": bool}]}

    Primary drivers in the order added, each with its secondary drivers; under each driver
    the initiatives ``user`` may see, by title. ``no_initiative``: none under the driver nor
    under its secondary drivers (the gap a driver diagram exists to show).
    """
    drivers = session.execute(drivers_of(goal)).scalars().all()
    linked = defaultdict(list)
    rows = session.execute(permissions.visible_initiatives(
        select(initiative_drivers.c.driver_id, Initiative.id, Initiative.title, Initiative.phase,
               Initiative.rag, Initiative.status)
        .join(Initiative, Initiative.id == initiative_drivers.c.initiative_id)
        .where(initiative_drivers.c.driver_id.in_([d.id for d in drivers] or [-1])), user)
        .order_by(Initiative.title, Initiative.id))
    for driver_id, *values in rows:
        linked[driver_id].append(dict(zip(("id", "title", "phase", "rag", "status"), values)))

    def node(driver, children):
        # A gap in the diagram: no work the reader sees under the driver or its children.
        empty = not linked[driver.id] and all(c["no_initiative"] for c in children)
        return {"id": driver.id, "title": driver.title, "parent_id": driver.parent_id,
                "version": driver.version, "children": children,
                "initiatives": linked[driver.id], "no_initiative": empty}

    secondary = defaultdict(list)
    for driver in drivers:
        if driver.parent_id is not None:
            secondary[driver.parent_id].append(node(driver, []))
    return {"goal": goal, "drivers": [node(d, secondary[d.id]) for d in drivers
                                      if d.parent_id is None]}


def not_aligned(session, user):
    """A select of the active initiatives ``user`` sees that serve no driver of any goal,
    by title."""
    linked = exists(select(initiative_drivers.c.initiative_id)
                    .where(initiative_drivers.c.initiative_id == Initiative.id))
    return permissions.visible_initiatives(
        select(Initiative).where(Initiative.status == "active", ~linked), user
    ).order_by(Initiative.title, Initiative.id)
