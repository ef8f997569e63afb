"""Phases and gates: Explore → Prepare → Deliver → Sustain, and the endings.

Gates are data: each criterion is a ``Criterion`` with a code (API.md's
``missing[].code``), a message a person understands, and a check. ``GATES`` lists
the criteria an initiative must meet to *enter* each phase; moving forward more
than one phase at once must meet every gate on the way.

Decisions where the contract is silent:
- Moving back (Deliver → Prepare after a failed pilot) passes no gate but needs a
  ``reason``.
- ``rejected`` ends an initiative only from Explore: it is the go/no-go decision.
  Later, stopping on purpose is de-implementation, which a review decides
  (tracker.reviews calls ``record_transition`` with ``deimplemented``).
- ``completed`` ends an initiative only from Sustain: completed means embedded.
- An ended initiative moves no more.
- Only an admin's ``override_reason`` passes an unmet gate; anyone else sending one
  past an unmet gate is refused (Forbidden, with ``missing``). An override is kept on
  the transition and in the audit log. When every criterion is met nothing is
  overridden, so the override reason is not recorded.
"""
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from tracker import clock, outbox, permissions
from tracker.audit import record_event
from tracker.errors import Forbidden, GateBlocked, Invalid, check_version
from tracker.models import (DeimplementationReview, Initiative, Measure, Milestone, PdsaCycle,
                            Transition, User, initiative_schools, user_schools)
from tracker.models.initiative import PHASE_LABELS, PHASES
from tracker.policy import current_policy, out_required

#: Where a move may end an initiative, and from which phase.
ENDINGS = {"completed": "sustain", "rejected": "explore"}
#: Every value ``record_transition`` accepts as ``to``.
TARGETS = PHASES + ("completed", "rejected", "deimplemented")
STUDIED_STAGES = ("study", "act", "closed")


@dataclass(frozen=True)
class Facts:
    """What the gates need to know beyond the initiative's own columns (read in one query)."""

    has_milestone: bool
    has_measure: bool
    has_studied_cycle: bool
    out_required: bool


@dataclass(frozen=True)
class Criterion:
    code: str
    message: str
    check: Callable[[Initiative, Facts], bool]
    #: What a met criterion says instead of ``message``, when meeting it asked nothing of
    #: the initiative (None: ``message`` reads right either way).
    met_without_asking: Callable[[Initiative, Facts], str | None] = lambda initiative, facts: None

    def as_missing(self):
        return {"code": self.code, "message": self.message}

    def as_row(self, initiative, facts):
        met = self.check(initiative, facts)
        message = (met and self.met_without_asking(initiative, facts)) or self.message
        return {"code": self.code, "message": message, "met": met}


def _written(field):
    return lambda initiative, facts: bool((getattr(initiative, field) or "").strip())


def _one_out_named(initiative, facts):
    # Done-ness is not a gate: an out not carried out by its due date is an
    # ``out_overdue`` breach (tracker.policy), reported after the move.
    return not facts.out_required or (initiative.has_out and initiative.out_due_on is not None)


def _no_out_needed(initiative, facts):
    if facts.out_required or initiative.has_out:
        return None
    return "No one out is needed: its schools are under their limit of active initiatives."


GATES = {
    "prepare": (
        Criterion("problem", "Describe the problem, from the school's own data.",
                  _written("problem")),
        Criterion("evidence", "Say which evidence-informed approach you chose and why it fits.",
                  _written("evidence")),
    ),
    "deliver": (
        Criterion("active_ingredients",
                  "Name the active ingredients: the few things that must be done faithfully.",
                  _written("active_ingredients")),
        Criterion("milestone", "Plan at least one milestone.",
                  lambda initiative, facts: facts.has_milestone),
        Criterion("measure", "Add at least one measure to watch.",
                  lambda initiative, facts: facts.has_measure),
        Criterion("one_out",
                  "Name what this initiative will stop to make room (its one out), and by when.",
                  _one_out_named, _no_out_needed),
    ),
    "sustain": (
        Criterion("pdsa_studied",
                  "Take at least one PDSA cycle as far as Study, so something has been learned.",
                  lambda initiative, facts: facts.has_studied_cycle),
    ),
}


def gate_facts(session, initiative):
    """The facts the gates read, in one query (plus the policy's own for the one out)."""
    row = session.execute(select(
        exists().where(Milestone.initiative_id == initiative.id),
        exists().where(Measure.initiative_id == initiative.id),
        exists().where(PdsaCycle.initiative_id == initiative.id,
                       PdsaCycle.stage.in_(STUDIED_STAGES)),
    )).one()
    return Facts(has_milestone=bool(row[0]), has_measure=bool(row[1]),
                 has_studied_cycle=bool(row[2]), out_required=out_required(session, initiative))


def _phases_entered(initiative, to):
    """The phases a forward move from the current phase to ``to`` enters (empty otherwise)."""
    if to not in PHASES or initiative.status != "active":
        return ()
    here, there = PHASES.index(initiative.phase), PHASES.index(to)
    return PHASES[here + 1:there + 1]


def unmet_criteria(session, initiative, to, facts=None):
    """``[{"code", "message"}]``: every criterion not met for a move to ``to``, in gate order.

    Empty for back moves and endings, which pass no gate.
    """
    entered = _phases_entered(initiative, to)
    if not entered:
        return []
    facts = facts or gate_facts(session, initiative)
    return [c.as_missing() for phase in entered for c in GATES.get(phase, ())
            if not c.check(initiative, facts)]


def gate_checklist(session, initiative, facts=None):
    """Every gate with each criterion's state, for a page or client to show before a move:
    ``[{"to", "met", "criteria": [{"code", "message", "met"}]}]``. ``facts``: the
    ``gate_facts`` the caller has already gathered (else gathered here)."""
    facts = facts or gate_facts(session, initiative)
    checklist = []
    for phase, criteria in GATES.items():
        rows = [c.as_row(initiative, facts) for c in criteria]
        checklist.append({"to": phase, "met": all(r["met"] for r in rows), "criteria": rows})
    return checklist


def next_phase(initiative):
    """The phase after the current one, or None in Sustain or once ended."""
    if initiative.status != "active" or initiative.phase == PHASES[-1]:
        return None
    return PHASES[PHASES.index(initiative.phase) + 1]


def is_back_move(initiative, to):
    return to in PHASES and PHASES.index(to) < PHASES.index(initiative.phase)


@dataclass(frozen=True)
class Move:
    """A move someone may ask ``move_phase`` for."""

    to: str
    #: ``forward``, ``back`` (needs a reason) or ``end`` (completed, rejected).
    kind: str
    #: ``[{"code", "message"}]``: the criteria still unmet on the way. Empty: the move
    #: lands; otherwise the gate refuses it until they are met, or an admin overrides.
    missing: tuple = ()

    @property
    def ready(self):
        return not self.missing

    @property
    def needs_reason(self):
        return self.kind == "back"

    @property
    def label(self):
        """``Deliver (forward)``: the move in a person's words."""
        how = {"forward": "forward", "back": "back", "end": "ends it"}[self.kind]
        return f"{PHASE_LABELS[self.to]} ({how})"


def allowed_moves(session, user, initiative, facts=None):
    """The moves ``user`` may ask for, in the order a person weighs them: forward (nearest
    first), back (nearest first), then the ending. One rule for the pages and the API:

    - nobody but the school lead or an admin moves an initiative, and an ended one moves
      no more (none);
    - forward: the next phase, even with its gate unmet (the move then names what is
      missing); a phase beyond it only when every gate on the way is met, or for an
      admin, who may override an unmet gate;
    - back: every earlier phase, with a reason;
    - the ending its phase allows (rejected from Explore, completed from Sustain).
    """
    if initiative.status != "active" or not permissions.can(user, permissions.MOVE_PHASE,
                                                             initiative):
        return []
    facts = facts or gate_facts(session, initiative)
    here = PHASES.index(initiative.phase)
    moves = []
    for to in PHASES[here + 1:]:
        missing = tuple(unmet_criteria(session, initiative, to, facts))
        if to == next_phase(initiative) or not missing or user.role == "admin":
            moves.append(Move(to, "forward", missing))
    moves += [Move(to, "back") for to in reversed(PHASES[:here])]
    moves += [Move(end, "end") for end, phase in ENDINGS.items() if phase == initiative.phase]
    return moves


def _clean(text):
    text = (text or "").strip()
    return text or None


def move_phase(session, actor, initiative, to, reason=None, override_reason=None, today=None,
               version=None):
    """Move ``initiative`` to phase ``to``, or end it (``completed``, ``rejected``).

    ``version``, when given, must be the initiative's (StaleVersion otherwise). Either way
    the move writes the initiative guarded by the version loaded, so of two moves that read
    the same phase one lands and the other raises StaleDataError at the flush.

    Raises Forbidden unless the actor may move phases (school lead or admin); Invalid for
    a move that makes no sense (ended initiative, same phase, an ending from the wrong
    phase, a back move without ``reason``); GateBlocked with every unmet criterion; and
    Forbidden (with ``missing``) when someone other than an admin sends an
    ``override_reason`` past an unmet gate. Returns the Transition.
    """
    permissions.require(actor, permissions.MOVE_PHASE, initiative)
    if version is not None:
        check_version(initiative, version)
    reason, override_reason = _clean(reason), _clean(override_reason)
    _check_move(initiative, to, reason)
    missing = unmet_criteria(session, initiative, to)
    if missing and override_reason is None:
        raise GateBlocked(f"Not ready for {to.capitalize()}: " + " ".join(
            m["message"] for m in missing), missing=missing)
    if missing and actor.role != "admin":
        raise Forbidden("Only an admin can move an initiative past an unmet gate.",
                        missing=missing)
    if not missing:
        override_reason = None
    transition = record_transition(session, actor, initiative, to, reason=reason,
                                   override_reason=override_reason, today=today)
    if override_reason:
        record_event(session, "override", "initiatives", initiative.id, details={
            "to": to, "missing": [m["code"] for m in missing],
            "override_reason": override_reason, "transition_id": transition.id},
            actor_id=actor.id)
        session.flush()
    return transition


def _check_move(initiative, to, reason):
    if to not in PHASES and to not in ENDINGS:
        raise Invalid("Unknown phase.", fields={"to": [
            "Choose explore, prepare, deliver, sustain, completed or rejected."]})
    if initiative.status != "active":
        raise Invalid("This initiative has ended; it cannot move any more.",
                      fields={"to": [f"It is {initiative.status}."]})
    if to == initiative.phase:
        raise Invalid(f"The initiative is already in {to.capitalize()}.",
                      fields={"to": ["Choose another phase."]})
    if to in ENDINGS and initiative.phase != ENDINGS[to]:
        message = ("Only an initiative in Explore can be rejected; later, stop it through a "
                   "de-implementation review." if to == "rejected" else
                   "Only an initiative in Sustain can be completed.")
        raise Invalid(message, fields={"to": [message]})
    if is_back_move(initiative, to) and reason is None:
        raise Invalid("Say why the initiative is moving back.",
                      fields={"reason": ["Moving back a phase needs a reason."]})


def record_transition(session, actor, initiative, to, reason=None, override_reason=None,
                      today=None):
    """Write a move: set the phase (or the end status), ``phase_since``/``ended_on``, and
    keep a Transition. Checks neither permission nor gates: callers have decided.

    ``to`` is a phase, or ``completed``, ``rejected`` or ``deimplemented`` (ends the
    initiative; its phase stays where it ended). Entering Deliver schedules the next
    de-implementation review unless one is already waiting. Returns the Transition.
    """
    if to not in TARGETS:
        raise Invalid("Unknown phase.", fields={"to": [f"Not one of {', '.join(TARGETS)}."]})
    today = today or clock.today()
    from_phase = initiative.phase if initiative.status == "active" else initiative.status
    if to in PHASES:
        initiative.phase, initiative.status = to, "active"
        initiative.phase_since, initiative.ended_on = today, None
    else:
        initiative.status, initiative.ended_on = to, today
    transition = Transition(initiative_id=initiative.id, from_phase=from_phase, to_phase=to,
                            user_id=actor.id if actor is not None else None,
                            reason=reason, override_reason=override_reason)
    session.add(transition)
    session.flush()
    if to == "deliver" and from_phase != "deliver" and not review_waiting(session, initiative):
        schedule_next_review(session, initiative, today)
    return transition


# --- the de-implementation review a move schedules (tracker.reviews decides it) -----------

def review_waiting(session, initiative):
    """Whether the initiative has a review not yet decided."""
    return session.execute(select(exists().where(
        DeimplementationReview.initiative_id == initiative.id,
        DeimplementationReview.decision.is_(None)))).scalar()


def schedule_next_review(session, initiative, from_date):
    """Put the next review ``review_interval_days`` after ``from_date`` (entering Deliver,
    or a decided review). Returns the new review."""
    interval = current_policy(session).review_interval_days
    review = DeimplementationReview(initiative_id=initiative.id,
                                    due_on=clock.plus_days(from_date, interval))
    session.add(review)
    session.flush()
    return review


def transitions_of(initiative):
    """A select of an initiative's history, oldest first, with who moved it."""
    return (select(Transition).where(Transition.initiative_id == initiative.id)
            .options(joinedload(Transition.user)).order_by(Transition.at, Transition.id))


# --- asking the people who can move it ---------------------------------------------------

@dataclass(frozen=True)
class MoveRequest:
    to: str
    #: The people asked (school leads, else admins).
    asked: list
    #: How many emails this request queued: 0 when each was asked already today.
    queued: int


def movers(session, initiative):
    """Who may move ``initiative``: the active school leads of its schools, and the
    admins too when one of its schools has no school lead. In two queries, by name."""
    school_ids = initiative.school_ids
    leads = session.execute(
        select(User, user_schools.c.school_id)
        .join(user_schools, user_schools.c.user_id == User.id)
        .where(user_schools.c.school_id.in_(school_ids or [-1]), User.role == "school_lead",
               User.active.is_(True), User.anonymised_at.is_(None))).all()
    people = {user.id: user for user, _ in leads}
    if not school_ids or {school_id for _, school_id in leads} != set(school_ids):
        people.update((admin.id, admin) for admin in session.execute(
            select(User).where(User.role == "admin", User.active.is_(True),
                               User.anonymised_at.is_(None))).scalars())
    return sorted(people.values(), key=lambda user: (user.name.casefold(), user.id))


def request_move(session, actor, initiative, link, today=None):
    """Ask the people who may move ``initiative`` (``movers``) to move it to its next phase,
    by email through the outbox: once per person, initiative, phase and day, however
    often it is asked. ``link`` is the initiative page's address. A request that queued
    mail is audited. Returns a MoveRequest.

    Raises Forbidden unless ``actor`` may change the initiative; Invalid when it has no
    next phase (ended, or in Sustain) or nobody else can move it; GateBlocked, with
    every unmet criterion, while the next phase's gate is not met.
    """
    permissions.require(actor, permissions.REQUEST_MOVE, initiative)
    to, today = next_phase(initiative), today or clock.today()
    if to is None:
        raise Invalid("There is no next phase to ask for.", fields={"to": [
            "This initiative is in Sustain or has ended."]})
    missing = unmet_criteria(session, initiative, to)
    if missing:
        raise GateBlocked(f"Not ready for {PHASE_LABELS[to]}: " + " ".join(
            m["message"] for m in missing), missing=missing)
    everyone = movers(session, initiative)
    asked = [person for person in everyone if person.id != actor.id]
    if not asked:
        raise Invalid("Nobody else can move this initiative: you can move it yourself."
                      if everyone else "Nobody can move this initiative yet: its schools "
                      "have no school lead and the trust has no admin.")
    subject = f"Please move “{initiative.title}” to {PHASE_LABELS[to]}"
    text = (f"{actor.name} asks you to move “{initiative.title}” from "
            f"{PHASE_LABELS[initiative.phase]} to {PHASE_LABELS[to]}. Every criterion of the "
            f"gate is met.\n\nCheck it and move it here: {link}\n")
    queued = outbox.queue_messages(session, [dict(
        kind="move_request", recipient=person, subject=subject, text=text, html=None,
        key_date=today, subject_key=f"{initiative.id}:{to}") for person in asked])
    if queued:
        record_event(session, "move_requested", "initiatives", initiative.id, details={
            "to": to, "asked": [person.id for person in asked], "queued": queued},
            actor_id=actor.id)
        session.flush()
    return MoveRequest(to=to, asked=asked, queued=queued)
