"""PDSA cycles: small tests of a change, Plan → Do → Study → Act → closed.

Each advance needs the fields of the stage being left: a Plan has a question and a
prediction before anything is done; a Do records what happened before it is studied;
a Study says what was learned against the prediction before anyone acts; an Act
decides adopt, adapt or abandon. ``stage_since`` is the day the current stage began,
which is what "stuck" is judged by. A cycle may follow a previous one's Act
(``parent_id``), so a chain reads as one line of learning.
"""
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from tracker import clock, permissions
from tracker.errors import Invalid, check_version
from tracker.models import Initiative, PdsaCycle, User
from tracker.models.pdsa import ACT_DECISIONS, STAGES

TEXT_FIELDS = ("question", "prediction", "plan_notes", "do_notes", "study_notes", "act_notes")
#: What each stage needs before the cycle can move on to it: field → message.
REQUIRED_TO_ENTER = {
    "do": {"question": "Write the question this cycle will answer.",
           "prediction": "Write down what you predict will happen."},
    "study": {"do_notes": "Record what happened, including anything unexpected."},
    "act": {"study_notes": "Say what you learned, compared with your prediction."},
    "closed": {"act_decision": "Decide: adopt, adapt or abandon."},
}
#: The notes written while a cycle is in each stage: what a person edits there.
NOTES_OF = {"plan": ("question", "prediction", "plan_notes"), "do": ("do_notes",),
            "study": ("study_notes",), "act": ("act_notes",)}
STAGE_LABELS = {"plan": "Plan", "do": "Do", "study": "Study", "act": "Act", "closed": "Closed"}
#: Stages a follow-on cycle may start from: its parent has acted.
ACTED = ("act", "closed")


def next_stage(cycle):
    """The stage after the cycle's current one, or None once closed."""
    index = STAGES.index(cycle.stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def get_cycle(session, actor, cycle_id, action=permissions.READ):
    """The cycle, if ``actor`` may do ``action`` to its initiative (NotFound / Forbidden)."""
    return permissions.get_initiative_part(session, actor, PdsaCycle, cycle_id, action,
                                           "PDSA cycle")


def cycles_of(initiative):
    """A select of an initiative's cycles, oldest first, with their owners."""
    return (select(PdsaCycle).where(PdsaCycle.initiative_id == initiative.id)
            .options(joinedload(PdsaCycle.owner)).order_by(PdsaCycle.id))


def _owner(session, initiative, owner_id):
    owner = session.get(User, owner_id) if permissions.is_id(owner_id) else None
    if owner is None or not owner.active or not permissions.can_see_initiative(owner, initiative):
        raise Invalid("Unknown owner.", fields={"owner_id": [
            "No active person with this id who can see this initiative."]})
    return owner


def _check_text(values):
    problems = {name: ["Text may not contain NUL characters."]
                for name, value in values.items() if isinstance(value, str) and "\x00" in value}
    if problems:
        raise Invalid("Some fields are not valid.", fields=problems)


def start_cycle(session, actor, initiative, *, title, question="", prediction="", plan_notes="",
                do_ends_on=None, owner_id=None, parent_id=None, today=None):
    """Start a cycle in Plan. ``parent_id`` names the cycle whose Act it follows: in the
    same initiative, and already at Act or closed. Raises Forbidden, Invalid."""
    permissions.require(actor, permissions.WRITE, initiative)
    title = (title or "").strip()
    if not title:
        raise Invalid("Give the cycle a title.", fields={"title": ["Give the cycle a title."]})
    _check_text({"title": title, "question": question, "prediction": prediction,
                 "plan_notes": plan_notes})
    parent = None
    if parent_id is not None:
        parent = session.get(PdsaCycle, parent_id) if permissions.is_id(parent_id) else None
        if parent is None or parent.initiative_id != initiative.id:
            raise Invalid("Unknown earlier cycle.", fields={"parent_id": [
                "No cycle with this id in this initiative."]})
        if parent.stage not in ACTED:
            raise Invalid("The earlier cycle has not reached Act yet.", fields={"parent_id": [
                "A cycle can follow another once that one has reached Act."]})
    owner = _owner(session, initiative, owner_id) if owner_id is not None else actor
    cycle = PdsaCycle(initiative_id=initiative.id, parent_id=parent.id if parent else None,
                      title=title, stage="plan", question=question or "",
                      prediction=prediction or "", plan_notes=plan_notes or "",
                      do_ends_on=do_ends_on, owner=owner, stage_since=today or clock.today())
    session.add(cycle)
    session.flush()
    return cycle


def update_cycle(session, actor, cycle, version, **changes):
    """Edit a cycle's title, notes, owner or planned end of Do; the stage moves only by
    ``advance_cycle``. Raises Forbidden, StaleVersion, Invalid."""
    initiative = session.get(Initiative, cycle.initiative_id)
    permissions.require(actor, permissions.WRITE, initiative)
    check_version(cycle, version)
    _check_text(changes)
    if "title" in changes:
        title = (changes.pop("title") or "").strip()
        if not title:
            raise Invalid("Give the cycle a title.", fields={"title": ["Give the cycle a title."]})
        cycle.title = title
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        cycle.owner = _owner(session, initiative, owner_id) if owner_id is not None else None
    if "do_ends_on" in changes:
        cycle.do_ends_on = changes.pop("do_ends_on")
    for name in TEXT_FIELDS:
        if name in changes:
            setattr(cycle, name, changes[name] or "")
    session.flush()
    return cycle


def missing_for(cycle, stage):
    """``{field: [message]}`` for each field ``stage`` needs that the cycle lacks."""
    missing = {}
    for name, message in REQUIRED_TO_ENTER.get(stage, {}).items():
        value = getattr(cycle, name)
        if name == "act_decision":
            ok = value in ACT_DECISIONS
        else:
            ok = bool((value or "").strip())
        if not ok:
            missing[name] = [message]
    return missing


def advance_cycle(session, actor, cycle, fields, version=None, today=None):
    """Move ``cycle`` one stage on, first applying ``fields`` (the stage's notes, or
    ``act_decision`` to close). Raises Forbidden, StaleVersion, and Invalid naming each
    field the next stage needs, or when the cycle is already closed.

    ``version`` None advances the cycle as loaded; the write is still guarded by the
    version loaded (the mapper's ``version_id_col``), so of two advances that read the same
    stage one moves it and the other raises StaleDataError at the flush: a cycle never
    moves two stages on two clicks meant for one.
    """
    initiative = session.get(Initiative, cycle.initiative_id)
    permissions.require(actor, permissions.WRITE, initiative)
    if version is not None:
        check_version(cycle, version)
    to = next_stage(cycle)
    if to is None:
        raise Invalid("This cycle is closed; start a new cycle from it instead.")
    fields = dict(fields or {})
    decision = fields.pop("act_decision", None)
    if decision is not None:
        if decision not in ACT_DECISIONS:
            raise Invalid("Choose adopt, adapt or abandon.",
                          fields={"act_decision": ["Choose adopt, adapt or abandon."]})
        cycle.act_decision = decision
    unknown = sorted(set(fields) - set(TEXT_FIELDS))
    if unknown:
        raise Invalid("Unknown field.", fields={name: ["Unknown field."] for name in unknown})
    _check_text(fields)
    for name, value in fields.items():
        setattr(cycle, name, value or "")
    missing = missing_for(cycle, to)
    if missing:
        raise Invalid(f"Not ready to move to {STAGE_LABELS[to]}.", fields=missing)
    cycle.stage, cycle.stage_since = to, today or clock.today()
    session.flush()
    return cycle


def stuck_condition(today, do_days=14, idle_days=30):
    """The SQL condition for a stuck cycle (see ``stuck_cycles``)."""
    do_overran = and_(PdsaCycle.stage == "do", or_(
        PdsaCycle.do_ends_on < today,
        and_(PdsaCycle.do_ends_on.is_(None), PdsaCycle.stage_since <= today - timedelta(days=do_days))))
    idle = and_(PdsaCycle.stage.in_(("plan", "study", "act")),
                PdsaCycle.stage_since <= today - timedelta(days=idle_days))
    return or_(do_overran, idle)


def stuck_cycles(session, today, do_days=14, idle_days=30, initiative_ids=None):
    """Cycles of active initiatives that are stuck on ``today``, in one query:

    - in Do past its planned end (``do_ends_on``), or, with no planned end, for
      ``do_days`` or more, and so not yet studied: "do, do, do";
    - in Plan, Study or Act, untouched for ``idle_days`` or more.

    ``initiative_ids`` narrows to those initiatives. Each cycle comes with its owner and
    initiative loaded; ``why_stuck`` says why in words.
    """
    stmt = (select(PdsaCycle).join(Initiative, Initiative.id == PdsaCycle.initiative_id)
            .where(Initiative.status == "active", stuck_condition(today, do_days, idle_days))
            .options(joinedload(PdsaCycle.owner), joinedload(PdsaCycle.initiative))
            .order_by(PdsaCycle.stage_since, PdsaCycle.id))
    if initiative_ids is not None:
        stmt = stmt.where(PdsaCycle.initiative_id.in_(list(initiative_ids) or [-1]))
    return session.execute(stmt).scalars().all()


def why_stuck(cycle, today):
    """A sentence saying why a stuck cycle is stuck (for nudges and pages)."""
    days = (today - cycle.stage_since).days
    if cycle.stage == "do":
        if cycle.do_ends_on is not None and cycle.do_ends_on < today:
            return (f"Do was planned to end on {cycle.do_ends_on:%-d %B %Y} and there is "
                    "no Study yet.")
        return f"In Do for {days} days with no Study yet."
    return f"In {STAGE_LABELS[cycle.stage]} for {days} days without a change."
