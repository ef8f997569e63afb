"""De-implementation reviews: scheduling, who decides, and what each decision does."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker import policy, reviews
from tracker.audit import acting_as
from tracker.errors import Forbidden, Invalid
from tracker.initiatives import one_out_of
from tracker.lifecycle import record_transition
from tracker.models import (Allocation, AuditEntry, DeimplementationReview, PdsaCycle,
                            Transition)

TODAY = date(2026, 6, 15)


@pytest.fixture
def delivering(make, session):
    """An initiative in Deliver at one school, its school lead, and its open review."""
    make.policy(review_interval_days=90, out_grace_days=0)
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="deliver")
    review = make_review(session, initiative, due_on=TODAY)
    return initiative, lead, review


def make_review(session, initiative, **kw):
    review = DeimplementationReview(initiative_id=initiative.id, **kw)
    session.add(review)
    session.commit()
    return review


def decide(session, actor, review, decision, rationale="Evidence reviewed with staff."):
    reviews.decide_review(session, actor, review, decision, rationale, today=TODAY)
    session.commit()
    return review


# --- scheduling --------------------------------------------------------------------------------

def test_entering_deliver_puts_a_review_due_the_policys_interval_later(make, session):
    make.policy(review_interval_days=60)
    initiative = make.initiative(phase="prepare")
    record_transition(session, None, initiative, "deliver", today=TODAY)
    session.commit()
    due = session.execute(reviews.reviews_of(initiative)).scalars().one().due_on
    assert due == TODAY + timedelta(days=60)


def test_continue_schedules_the_next_review_an_interval_after_the_decision(delivering, session):
    initiative, lead, review = delivering
    decide(session, lead, review, "continue")
    rows = session.execute(reviews.reviews_of(initiative)).scalars().all()
    assert [(r.due_on, r.decision) for r in rows] == [
        (TODAY, "continue"), (TODAY + timedelta(days=90), None)]
    assert (review.decided_on, review.decided_by_id, review.reviewer_id) == (TODAY, lead.id, lead.id)


def test_continue_adds_no_second_open_review_when_one_is_already_waiting(delivering, session):
    initiative, lead, review = delivering
    make_review(session, initiative, due_on=TODAY + timedelta(days=10))
    decide(session, lead, review, "continue")
    open_ = [r for r in session.execute(reviews.reviews_of(initiative)).scalars() if not r.decision]
    assert [r.due_on for r in open_] == [TODAY + timedelta(days=10)]


def test_a_school_lead_adds_a_review_at_any_time(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="explore")
    review = reviews.add_review(session, lead, initiative, TODAY, workload="Two hours a week")
    assert (review.due_on, review.workload, review.decision) == (TODAY, "Two hours a week", None)


def test_an_ended_initiative_gets_no_new_review(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], status="deimplemented")
    with pytest.raises(Invalid):
        reviews.add_review(session, lead, initiative, TODAY)


# --- adapt -------------------------------------------------------------------------------------

@pytest.mark.parametrize("phase,moves", [("deliver", True), ("sustain", True), ("prepare", False)])
def test_adapt_returns_the_initiative_to_prepare_with_the_reason_recorded(make, session, phase, moves):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase=phase)
    review = make_review(session, initiative, due_on=TODAY)
    decide(session, lead, review, "adapt", "Fidelity too low: re-plan the coaching.")
    assert (initiative.phase, initiative.status) == ("prepare", "active")
    moves_made = session.execute(select(Transition).where(
        Transition.initiative_id == initiative.id)).scalars().all()
    assert [(t.from_phase, t.to_phase, t.reason) for t in moves_made] == (
        [(phase, "prepare", "Fidelity too low: re-plan the coaching.")] if moves else [])


def test_an_initiative_still_in_explore_cannot_adapt(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="explore")
    review = make_review(session, initiative, due_on=TODAY)
    with pytest.raises(Invalid) as error:
        decide(session, lead, review, "adapt")
    assert "decision" in error.value.fields


# --- deimplement -------------------------------------------------------------------------------

def test_deimplement_stops_the_initiative_and_records_why(delivering, session):
    initiative, lead, review = delivering
    decide(session, lead, review, "deimplement", "No impact after two terms; workload high.")
    assert (initiative.status, initiative.ended_on, initiative.phase) == (
        "deimplemented", TODAY, "deliver")
    last = session.execute(select(Transition).where(
        Transition.initiative_id == initiative.id)).scalars().one()
    assert (last.to_phase, last.reason) == ("deimplemented", "No impact after two terms; workload high.")


def test_deimplement_cancels_allocations_not_started_and_ends_running_ones_today(
        delivering, make, session):
    initiative, lead, review = delivering
    expert = make.expert(days_per_week=3)
    school_id = initiative.schools[0].id

    def allocation(starts, ends, status="confirmed", days=1.0):
        row = Allocation(expert_id=expert.id, school_id=school_id, initiative_id=initiative.id,
                         starts_on=starts, ends_on=ends, days_per_week=days, status=status)
        session.add(row)
        return row
    future = allocation(TODAY + timedelta(days=7), TODAY + timedelta(days=20))       # 14 days
    running = allocation(TODAY - timedelta(days=10), TODAY + timedelta(days=7), days=2.0)  # 7 days left
    past = allocation(TODAY - timedelta(days=40), TODAY - timedelta(days=20))
    already_cancelled = allocation(TODAY + timedelta(days=1), TODAY + timedelta(days=8),
                                   status="cancelled")
    session.commit()

    decide(session, lead, review, "deimplement")
    assert (future.status, future.ends_on) == ("cancelled", TODAY + timedelta(days=20))
    assert (running.status, running.ends_on) == ("confirmed", TODAY)
    assert past.ends_on == TODAY - timedelta(days=20)
    assert already_cancelled.ends_on == TODAY + timedelta(days=8)
    assert review.freed_expert_days == 4.0  # 1 day/wk x 2 weeks + 2 days/wk x 1 week


def test_deimplement_closes_the_initiatives_open_pdsa_cycles(delivering, session):
    initiative, lead, review = delivering
    cycles = {stage: PdsaCycle(initiative_id=initiative.id, title=stage, stage=stage,
                               act_decision="adopt" if stage == "closed" else None,
                               stage_since=TODAY - timedelta(days=30))
              for stage in ("plan", "do", "study", "closed")}
    session.add_all(cycles.values())
    session.commit()
    decide(session, lead, review, "deimplement")
    assert {s: (c.stage, c.act_decision) for s, c in cycles.items()} == {
        "plan": ("closed", "abandon"), "do": ("closed", "abandon"),
        "study": ("closed", "abandon"), "closed": ("closed", "adopt")}
    assert cycles["do"].stage_since == TODAY and cycles["closed"].stage_since != TODAY


def test_deimplement_makes_an_out_that_named_it_done_and_its_breach_disappear(
        delivering, make, session):
    initiative, lead, review = delivering
    newcomer = make.initiative(schools=initiative.schools, phase="deliver",
                               out_initiative_id=initiative.id,
                               out_due_on=TODAY - timedelta(days=3))
    assert [b["kind"] for b in policy.breaches(session, TODAY)] == ["out_overdue"]
    decide(session, lead, review, "deimplement")
    assert one_out_of(newcomer)["done_on"] == TODAY
    assert policy.breaches(session, TODAY) == []


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("decision,rationale,field", [
    ("stop", "Because.", "decision"), ("continue", "   ", "rationale"), ("continue", None, "rationale"),
])
def test_a_decision_needs_a_known_choice_and_a_rationale(delivering, session, decision, rationale, field):
    _, lead, review = delivering
    with pytest.raises(Invalid) as error:
        reviews.decide_review(session, lead, review, decision, rationale, today=TODAY)
    assert field in error.value.fields
    assert review.decision is None


def test_a_review_is_decided_once(delivering, session):
    _, lead, review = delivering
    decide(session, lead, review, "continue")
    with pytest.raises(Invalid):
        reviews.decide_review(session, lead, review, "deimplement", "Changed our minds", today=TODAY)


def test_the_review_of_an_ended_initiative_cannot_be_decided(delivering, session):
    initiative, lead, review = delivering
    initiative.status = "completed"
    session.commit()
    with pytest.raises(Invalid):
        decide(session, lead, review, "continue")


# --- who decides -------------------------------------------------------------------------------

@pytest.mark.parametrize("role,in_school,allowed", [
    ("admin", False, True), ("school_lead", True, True), ("school_lead", False, False),
    ("central_team", False, False), ("project_lead", True, False), ("viewer", True, False),
    ("viewer", False, False),
])
def test_only_the_school_lead_or_an_admin_decides(delivering, make, session, role, in_school, allowed):
    initiative, _, review = delivering
    actor = make.user(role, schools=initiative.schools if in_school else [])
    if role == "project_lead":
        initiative.owner_id = actor.id  # even the owner only reads the review
        session.commit()
    if allowed:
        decide(session, actor, review, "continue")
        assert review.decision == "continue"
    else:
        with pytest.raises(Forbidden):
            decide(session, actor, review, "continue")


def test_a_decided_review_is_edited_only_by_an_admin_and_the_edit_is_audited(
        delivering, make, session):
    _, lead, review = delivering
    decide(session, lead, review, "continue")
    with pytest.raises(Forbidden):
        reviews.update_review(session, lead, review, review.version, rationale="Rewritten")
    session.rollback()
    admin = make.user("admin")
    acting_as(session, admin)
    reviews.update_review(session, admin, review, review.version, rationale="Clarified wording")
    session.commit()
    entry = session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "reviews", AuditEntry.record_id == review.id,
        AuditEntry.action == "update", AuditEntry.actor_id == admin.id)
        .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.changes["rationale"] == ["Evidence reviewed with staff.", "Clarified wording"]


def test_even_an_admin_cannot_change_a_decided_reviews_decision(delivering, make, session):
    _, lead, review = delivering
    decide(session, lead, review, "continue")
    with pytest.raises(Invalid) as error:
        reviews.update_review(session, make.user("admin"), review, review.version,
                              decision="deimplement")
    assert "decision" in error.value.fields


# --- lists -------------------------------------------------------------------------------------

def test_reviews_due_lists_open_reviews_of_active_initiatives_in_the_schools_asked_for(make, session):
    a, b = make.school(), make.school()
    due_a = make_review(session, make.initiative(schools=[a], phase="deliver"), due_on=TODAY)
    make_review(session, make.initiative(schools=[b], phase="deliver"), due_on=TODAY)
    make_review(session, make.initiative(schools=[a], status="deimplemented"), due_on=TODAY)
    make_review(session, make.initiative(schools=[a], phase="deliver"), due_on=TODAY,
                decision="continue", rationale="ok", decided_on=TODAY)
    later = make_review(session, make.initiative(schools=[a], phase="deliver"),
                        due_on=TODAY + timedelta(days=40))
    found = session.execute(reviews.reviews_due([a.id])).scalars().all()
    assert [r.id for r in found] == [due_a.id, later.id]
    soon = session.execute(reviews.reviews_due([a.id], until=TODAY + timedelta(days=30))).scalars()
    assert [r.id for r in soon] == [due_a.id]


def test_the_stopped_register_lists_what_was_deimplemented_with_the_deciding_review(
        delivering, make, session):
    initiative, lead, review = delivering
    decide(session, lead, review, "deimplement", "Replaced by a better programme.")
    make.initiative(schools=initiative.schools, status="completed")
    viewer = make.user("viewer", schools=initiative.schools)
    rows = session.execute(reviews.stopped(viewer)).all()
    assert [(i.id, r.rationale) for i, r in rows] == [(initiative.id, "Replaced by a better programme.")]
    elsewhere = make.user("viewer", schools=[make.school()])
    assert session.execute(reviews.stopped(elsewhere)).all() == []
