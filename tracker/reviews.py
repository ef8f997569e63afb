"""De-implementation reviews: when they fall due, who fills them in, and what their
decisions do.

Rules as built:
- A review falls due ``review_interval_days`` after an initiative enters Deliver
  (tracker.lifecycle schedules it) and after each ``continue`` decision. A school lead
  (or an admin) may add one at any time. One open review at a time is enough: a
  ``continue`` schedules the next only when none is waiting.
- The school lead of one of the initiative's schools, or an admin, writes and decides
  reviews (``permissions.DECIDE_REVIEW``); everyone who can see the initiative reads them.
- Deciding needs a rationale, and an initiative that is still active.
  ``continue``: the next review is scheduled. ``adapt``: an initiative in Deliver or
  Sustain moves back to Prepare, with the rationale as the transition's reason (one
  already in Prepare stays there; one still in Explore cannot adapt). ``deimplement``:
  status ``deimplemented``; allocations to it that have not started are cancelled, running
  ones end on the decision day, and the expert days this frees are kept on the review;
  its open PDSA cycles are closed (abandoned); any out that named it is done, since an
  out's done-ness is read from its initiative's status. Other open reviews of a stopped
  initiative are kept (they may hold notes) but are no longer due (``reviews_due``).
- A decided review can be edited only by an admin, and not its decision (its effects
  have happened; a new review decides again). Every change is in the audit log.
"""
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from tracker import clock, lifecycle, permissions
from tracker.capacity import expert_days
from tracker.errors import Forbidden, Invalid, check_version
from tracker.models import (Allocation, DeimplementationReview, Initiative, PdsaCycle, User,
                            initiative_schools)
from tracker.models.review import DECISIONS

TEXT_FIELDS = ("impact_evidence", "opportunity_cost", "workload", "would_stop", "rationale")
EDITABLE = TEXT_FIELDS + ("due_on", "reviewer_id")
ENDED_ALLOCATION = ("cancelled", "delivered")


def get_review(session, user, review_id, action=permissions.READ):
    """The review, if ``user`` may see its initiative (NotFound otherwise) and do ``action``
    to it (Forbidden otherwise)."""
    return permissions.get_initiative_part(session, user, DeimplementationReview, review_id,
                                           action, "review")


def reviews_of(initiative):
    """A select of an initiative's reviews, soonest due first."""
    return (select(DeimplementationReview)
            .where(DeimplementationReview.initiative_id == initiative.id)
            .order_by(DeimplementationReview.due_on, DeimplementationReview.id))


def reviews_due(school_ids=None, until=None):
    """A select of open reviews of active initiatives, soonest due first, with their
    initiatives loaded; narrowed to ``school_ids`` (None: all) and to those due by ``until``."""
    stmt = (select(DeimplementationReview)
            .join(Initiative, Initiative.id == DeimplementationReview.initiative_id)
            .where(DeimplementationReview.decision.is_(None), Initiative.status == "active")
            .options(joinedload(DeimplementationReview.initiative))
            .order_by(DeimplementationReview.due_on, DeimplementationReview.id))
    if school_ids is not None:
        stmt = stmt.where(exists().where(
            initiative_schools.c.initiative_id == Initiative.id,
            initiative_schools.c.school_id.in_(list(school_ids) or [-1])))
    if until is not None:
        stmt = stmt.where(DeimplementationReview.due_on <= until)
    return stmt


def add_review(session, actor, initiative, due_on, decision=None, today=None, **values):
    """Add a review of ``initiative`` due on ``due_on`` (school lead or admin), optionally
    deciding it at once. ``values``: the text fields and ``reviewer_id``."""
    permissions.require(actor, permissions.DECIDE_REVIEW, initiative)
    if initiative.status != "active":
        raise Invalid(f"The initiative has ended ({initiative.status}); there is nothing to review.",
                      fields={"due_on": ["The initiative has ended: no review is needed."]})
    if due_on is None:
        raise Invalid("Say when the review is due.", fields={"due_on": ["Give a due date."]})
    review = DeimplementationReview(initiative_id=initiative.id, due_on=due_on)
    review.initiative = initiative
    _apply(session, review, values)
    session.add(review)
    session.flush()
    if decision is not None:
        decide_review(session, actor, review, decision, values.get("rationale"), today=today)
    return review


def update_review(session, actor, review, version, today=None, **changes):
    """Edit a review; ``changes`` may carry ``decision`` (with ``rationale``) to decide it.

    Raises Forbidden unless the actor decides reviews for this initiative, or, once the
    review is decided, unless an admin; Invalid for a decided review's decision or bad
    values; StaleVersion for a stale ``version``.
    """
    initiative = review.initiative
    permissions.require(actor, permissions.DECIDE_REVIEW, initiative)
    if not permissions.may_edit_review(actor, review):
        raise Forbidden("This review has been decided; only an admin can change it.")
    check_version(review, version)
    decision = changes.pop("decision", None)
    if review.decision is not None and decision not in (None, review.decision):
        raise Invalid("A decided review keeps its decision.", fields={"decision": [
            "This review is decided and its decision has taken effect. "
            "Add a new review to decide again."]})
    _apply(session, review, changes)
    session.flush()
    if decision is not None and review.decision is None:
        decide_review(session, actor, review, decision, review.rationale, today=today)
    return review


def decide_review(session, actor, review, decision, rationale, today=None):
    """Record ``decision`` (continue, adapt or deimplement) with its ``rationale`` and carry
    it out (see the module docstring). Returns the review."""
    initiative = review.initiative
    permissions.require(actor, permissions.DECIDE_REVIEW, initiative)
    today = today or clock.today()
    rationale = (rationale or "").strip()
    problems = {}
    if decision not in DECISIONS:
        problems["decision"] = ["Choose continue, adapt or de-implement."]
    if not rationale:
        problems["rationale"] = ["Say why: the rationale is what the trust will read later."]
    if review.decision is not None:
        problems["decision"] = ["This review has already been decided."]
    elif initiative.status != "active":
        problems["decision"] = [f"The initiative has ended ({initiative.status}); "
                                "there is nothing left to decide."]
    elif decision == "adapt" and initiative.phase == "explore":
        problems["decision"] = ["Adapting returns an initiative to Prepare; "
                                "this one has not reached Prepare yet."]
    if problems:
        raise Invalid("The decision cannot be recorded.", fields=problems)
    review.decision, review.rationale = decision, rationale
    review.decided_on, review.decided_by_id = today, actor.id
    if review.reviewer_id is None:
        review.reviewer_id = actor.id
    session.flush()
    _carry_out(session, actor, review, initiative, today)
    return review


def _carry_out(session, actor, review, initiative, today):
    if review.decision == "continue":
        if not lifecycle.review_waiting(session, initiative):
            lifecycle.schedule_next_review(session, initiative, today)
    elif review.decision == "adapt":
        if initiative.phase != "prepare":
            lifecycle.record_transition(session, actor, initiative, "prepare",
                                        reason=review.rationale, today=today)
    else:
        lifecycle.record_transition(session, actor, initiative, "deimplemented",
                                    reason=review.rationale, today=today)
        review.freed_expert_days = end_allocations(session, initiative, today)
        close_cycles(session, initiative, today)
    session.flush()


def end_allocations(session, initiative, today):
    """Cancel the initiative's allocations that have not started and end running ones
    today. Returns the expert days this frees, counted as a school receives them
    (``capacity.expert_days``)."""
    freed = 0.0
    allocations = session.execute(select(Allocation).where(
        Allocation.initiative_id == initiative.id, Allocation.status.not_in(ENDED_ALLOCATION),
        Allocation.ends_on > today)).scalars().all()
    for allocation in allocations:
        if allocation.starts_on > today:
            freed += expert_days(allocation.days_per_week, allocation.starts_on,
                                 allocation.ends_on)
            allocation.status = "cancelled"
        else:
            freed += expert_days(allocation.days_per_week, today + timedelta(days=1),
                                 allocation.ends_on)
            allocation.ends_on = today
    return round(freed, 2)


def close_cycles(session, initiative, today):
    """Close the initiative's open PDSA cycles: stopping the initiative abandons them."""
    cycles = session.execute(select(PdsaCycle).where(
        PdsaCycle.initiative_id == initiative.id, PdsaCycle.stage != "closed")).scalars().all()
    for cycle in cycles:
        cycle.stage, cycle.stage_since = "closed", today
        cycle.act_decision = cycle.act_decision or "abandon"


def _apply(session, review, values):
    if "due_on" in values and values["due_on"] is None:
        raise Invalid("Say when the review is due.", fields={"due_on": ["Give a due date."]})
    if values.get("reviewer_id") is not None:
        reviewer = session.get(User, values["reviewer_id"]) \
            if permissions.is_id(values["reviewer_id"]) else None
        if reviewer is None or not reviewer.active:
            raise Invalid("Unknown reviewer.", fields={"reviewer_id": ["No active person with this id."]})
    for key in EDITABLE:
        if key in values:
            value = values[key]
            setattr(review, key, value.strip() if isinstance(value, str) else value)


# --- the stopped register ---------------------------------------------------------------

def stopped(user, school_id=None):
    """A select of ``(initiative, review)`` for the de-implemented initiatives ``user`` can see,
    most recently stopped first; ``review`` is the deciding review, or None when the
    initiative was stopped some other way (an import, the demo data)."""
    stmt = permissions.visible_initiatives(
        select(Initiative, DeimplementationReview)
        .outerjoin(DeimplementationReview,
                   (DeimplementationReview.initiative_id == Initiative.id)
                   & (DeimplementationReview.decision == "deimplement"))
        .where(Initiative.status == "deimplemented"), user)
    if school_id is not None:
        stmt = stmt.where(exists().where(initiative_schools.c.initiative_id == Initiative.id,
                                         initiative_schools.c.school_id == school_id))
    return stmt.order_by(Initiative.ended_on.desc(), Initiative.id.desc())
