"""Phases and gates: each criterion met and unmet, back moves, overrides, endings."""
from datetime import date

import pytest
from sqlalchemy import delete, select

from tracker import lifecycle
from tracker.errors import Forbidden, GateBlocked, Invalid
from tracker.models import (AuditEntry, DeimplementationReview, Measure, Milestone, PdsaCycle,
                            Transition)

TODAY = date(2026, 3, 2)


@pytest.fixture
def school(make):
    return make.school()


@pytest.fixture
def lead(make, school):
    return make.user("school_lead", schools=[school])


def ready(make, school, phase, **kw):
    """An initiative in ``phase`` that meets every gate up to Sustain."""
    values = {"problem": "Year 3 reading ages lag by 9 months.", "evidence": "EEF guidance.",
              "active_ingredients": "Daily 20-minute sessions.", "out_practice": "Weekly spelling tests",
              "out_due_on": date(2026, 4, 1)}
    values.update(kw)
    initiative = make.initiative(schools=[school], phase=phase, **values)
    make.milestone(initiative)
    make.measure(initiative)
    make._save(PdsaCycle(initiative_id=initiative.id, title="Try it", stage="study"))
    return initiative


# --- every criterion, met and unmet ----------------------------------------------------

GATE_CASES = [
    # (phase from, phase to, what to break, code expected missing)
    ("explore", "prepare", {"problem": ""}, "problem"),
    ("explore", "prepare", {"problem": "   "}, "problem"),
    ("explore", "prepare", {"evidence": ""}, "evidence"),
    ("prepare", "deliver", {"active_ingredients": ""}, "active_ingredients"),
    ("prepare", "deliver", {"no": "milestone"}, "milestone"),
    ("prepare", "deliver", {"no": "measure"}, "measure"),
    ("prepare", "deliver", {"out_practice": None}, "one_out"),
    ("prepare", "deliver", {"out_due_on": None}, "one_out"),
    ("deliver", "sustain", {"no": "pdsa"}, "pdsa_studied"),
    ("deliver", "sustain", {"pdsa_stage": "do"}, "pdsa_studied"),
]


@pytest.mark.parametrize("phase,to,broken,code", GATE_CASES)
def test_each_gate_criterion_blocks_when_unmet_and_passes_when_met(
        make, session, school, lead, phase, to, broken, code):
    make.policy(mode="strict")
    broken = dict(broken)
    removed, stage = broken.pop("no", None), broken.pop("pdsa_stage", None)
    initiative = ready(make, school, phase, **broken)
    if removed == "milestone":
        session.execute(delete(Milestone).where(Milestone.initiative_id == initiative.id))
    if removed == "measure":
        session.execute(delete(Measure).where(Measure.initiative_id == initiative.id))
    if removed == "pdsa" or stage:
        for cycle in session.execute(select(PdsaCycle)).scalars():
            if removed:
                session.delete(cycle)
            else:
                cycle.stage = stage
    session.commit()

    with pytest.raises(GateBlocked) as blocked:
        lifecycle.move_phase(session, lead, initiative, to, today=TODAY)
    assert [m["code"] for m in blocked.value.missing] == [code]
    assert all(m["message"] for m in blocked.value.missing)
    session.rollback()

    fully_ready = ready(make, school, phase)
    transition = lifecycle.move_phase(session, lead, fully_ready, to, today=TODAY)
    assert (transition.from_phase, transition.to_phase) == (phase, to)
    assert fully_ready.phase == to and fully_ready.phase_since == TODAY


def test_deliver_gate_names_every_missing_criterion_at_once(make, session, school, lead):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], phase="prepare")
    with pytest.raises(GateBlocked) as blocked:
        lifecycle.move_phase(session, lead, initiative, "deliver", today=TODAY)
    assert [m["code"] for m in blocked.value.missing] == [
        "active_ingredients", "milestone", "measure", "one_out"]


@pytest.mark.parametrize("mode,others,limit,required", [
    ("strict", 0, 5, True),
    ("cap", 0, 5, False),
    ("cap", 1, 2, False),
    ("cap", 2, 2, True),
])
def test_one_out_is_needed_only_when_the_policy_requires_it(
        make, session, school, lead, mode, others, limit, required):
    make.policy(mode=mode, max_active_initiatives=limit)
    for _ in range(others):
        make.initiative(schools=[school], phase="deliver")
    initiative = ready(make, school, "prepare", out_practice=None, out_due_on=None)
    missing = [m["code"] for m in lifecycle.unmet_criteria(session, initiative, "deliver")]
    assert missing == (["one_out"] if required else [])


def test_an_out_named_by_initiative_with_a_due_date_meets_the_gate_before_it_is_done(
        make, session, school, lead):
    make.policy(mode="strict")
    old = make.initiative(schools=[school], phase="deliver")
    initiative = ready(make, school, "prepare", out_practice=None, out_initiative_id=old.id)
    assert lifecycle.unmet_criteria(session, initiative, "deliver") == []


def test_skipping_ahead_must_meet_every_gate_on_the_way(make, session, school, lead):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], phase="explore")
    codes = [m["code"] for m in lifecycle.unmet_criteria(session, initiative, "sustain")]
    assert codes == ["problem", "evidence", "active_ingredients", "milestone", "measure",
                     "one_out", "pdsa_studied"]


def test_checklist_shows_each_gate_with_its_criteria_met_or_not(make, session, school):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], problem="Low attendance")
    checklist = lifecycle.gate_checklist(session, initiative)
    assert [g["to"] for g in checklist] == ["prepare", "deliver", "sustain"]
    prepare = checklist[0]
    assert prepare["met"] is False
    assert [(c["code"], c["met"]) for c in prepare["criteria"]] == [("problem", True), ("evidence", False)]


# --- back moves, overrides, permissions ------------------------------------------------

def test_moving_back_needs_a_reason_and_passes_no_gate(make, session, school, lead):
    initiative = make.initiative(schools=[school], phase="deliver")
    with pytest.raises(Invalid) as refused:
        lifecycle.move_phase(session, lead, initiative, "prepare", reason="  ", today=TODAY)
    assert "reason" in refused.value.fields
    transition = lifecycle.move_phase(session, lead, initiative, "prepare",
                                      reason="The pilot showed the materials are too hard.",
                                      today=TODAY)
    assert initiative.phase == "prepare"
    assert transition.reason == "The pilot showed the materials are too hard."


def test_admin_override_moves_past_an_unmet_gate_and_is_recorded(make, session, school):
    admin = make.user("admin")
    initiative = make.initiative(schools=[school], phase="explore")
    transition = lifecycle.move_phase(session, admin, initiative, "prepare",
                                      override_reason="Board decision, problem paper to follow.",
                                      today=TODAY)
    session.commit()
    assert initiative.phase == "prepare"
    assert transition.override_reason == "Board decision, problem paper to follow."
    event = session.execute(select(AuditEntry).where(AuditEntry.action == "override")).scalar_one()
    assert event.record_id == initiative.id and event.actor_id == admin.id
    assert event.changes["missing"] == ["problem", "evidence"]


def test_admin_without_an_override_reason_is_blocked_like_anyone(make, session, school):
    admin = make.user("admin")
    initiative = make.initiative(schools=[school])
    with pytest.raises(GateBlocked):
        lifecycle.move_phase(session, admin, initiative, "prepare", override_reason=" ", today=TODAY)


def test_an_override_is_not_recorded_when_every_criterion_is_met(make, session, school):
    admin = make.user("admin")
    initiative = make.initiative(schools=[school], problem="p", evidence="e")
    transition = lifecycle.move_phase(session, admin, initiative, "prepare",
                                      override_reason="Just in case", today=TODAY)
    assert transition.override_reason is None


def test_a_school_lead_cannot_override_a_gate(make, session, school, lead):
    initiative = make.initiative(schools=[school])
    with pytest.raises(Forbidden) as refused:
        lifecycle.move_phase(session, lead, initiative, "prepare", override_reason="Trust me",
                             today=TODAY)
    assert [m["code"] for m in refused.value.missing] == ["problem", "evidence"]
    assert initiative.phase == "explore"


@pytest.mark.parametrize("role,own_school,allowed", [
    ("admin", False, True),
    ("school_lead", True, True),
    ("school_lead", False, False),
    ("project_lead", True, False),
    ("central_team", False, False),
    ("viewer", True, False),
])
def test_only_the_school_lead_or_an_admin_moves_phases(make, session, school, role, own_school,
                                                       allowed):
    actor = make.user(role, schools=[school] if own_school else [])
    initiative = make.initiative(schools=[school], owner=actor if role == "project_lead" else None,
                                 problem="p", evidence="e")
    if allowed:
        lifecycle.move_phase(session, actor, initiative, "prepare", today=TODAY)
        assert initiative.phase == "prepare"
    else:
        with pytest.raises(Forbidden):
            lifecycle.move_phase(session, actor, initiative, "prepare", today=TODAY)


# --- endings ----------------------------------------------------------------------------

@pytest.mark.parametrize("phase,to,allowed", [
    ("explore", "rejected", True),
    ("prepare", "rejected", False),
    ("deliver", "rejected", False),
    ("sustain", "completed", True),
    ("deliver", "completed", False),
    ("explore", "completed", False),
])
def test_endings_only_from_their_phase(make, session, school, lead, phase, to, allowed):
    initiative = make.initiative(schools=[school], phase=phase)
    if allowed:
        transition = lifecycle.move_phase(session, lead, initiative, to, today=TODAY)
        assert initiative.status == to and initiative.ended_on == TODAY
        assert initiative.phase == phase and transition.from_phase == phase
    else:
        with pytest.raises(Invalid):
            lifecycle.move_phase(session, lead, initiative, to, today=TODAY)
        assert initiative.status == "active"


@pytest.mark.parametrize("to", ["explore", "prepare", "completed", "rejected"])
def test_an_ended_initiative_moves_no_more(make, session, school, lead, to):
    initiative = make.initiative(schools=[school], phase="sustain", status="completed")
    with pytest.raises(Invalid):
        lifecycle.move_phase(session, lead, initiative, to, reason="Reopen", today=TODAY)


@pytest.mark.parametrize("to", ["explore", "deimplemented", "nowhere"])
def test_same_phase_unknown_targets_and_deimplemented_are_not_moves(make, session, school, lead, to):
    initiative = make.initiative(schools=[school], phase="explore")
    with pytest.raises(Invalid):
        lifecycle.move_phase(session, lead, initiative, to, today=TODAY)


# --- record_transition (also called by the de-implementation reviews) -----------------

def test_record_transition_keeps_history_and_dates(make, session, school, lead):
    initiative = make.initiative(schools=[school], phase="deliver")
    lifecycle.record_transition(session, lead, initiative, "prepare", reason="Adapt", today=TODAY)
    assert initiative.phase == "prepare" and initiative.phase_since == TODAY
    lifecycle.record_transition(session, lead, initiative, "deimplemented", today=date(2026, 5, 1))
    session.commit()
    assert initiative.status == "deimplemented" and initiative.ended_on == date(2026, 5, 1)
    history = session.execute(lifecycle.transitions_of(initiative)).scalars().all()
    assert [(t.from_phase, t.to_phase, t.user_id) for t in history] == [
        ("deliver", "prepare", lead.id), ("prepare", "deimplemented", lead.id)]


def test_entering_deliver_schedules_one_review(make, session, school, lead):
    make.policy(review_interval_days=90)
    initiative = ready(make, school, "prepare")
    lifecycle.move_phase(session, lead, initiative, "deliver", today=TODAY)
    lifecycle.move_phase(session, lead, initiative, "prepare", reason="Adapt", today=TODAY)
    lifecycle.move_phase(session, lead, initiative, "deliver", today=TODAY)
    reviews = session.execute(select(DeimplementationReview)).scalars().all()
    assert [r.due_on for r in reviews] == [date(2026, 5, 31)]
    assert session.execute(select(Transition)).scalars().all()[-1].to_phase == "deliver"


# --- the moves someone may ask for: one rule for the pages and the API ------------------

F, B, E = "forward", "back", "end"
ALLOWED_CASES = [
    # (who, phase, every gate met?, status, [(to, kind, ready)])
    ("school_lead", "explore", False, "active", [("prepare", F, False), ("rejected", E, True)]),
    ("school_lead", "explore", True, "active",
     [("prepare", F, True), ("deliver", F, True), ("sustain", F, True), ("rejected", E, True)]),
    ("school_lead", "prepare", True, "active",
     [("deliver", F, True), ("sustain", F, True), ("explore", B, True)]),
    ("school_lead", "deliver", False, "active",
     [("sustain", F, False), ("prepare", B, True), ("explore", B, True)]),
    ("school_lead", "sustain", True, "active",
     [("deliver", B, True), ("prepare", B, True), ("explore", B, True), ("completed", E, True)]),
    ("admin", "explore", False, "active",
     [("prepare", F, False), ("deliver", F, False), ("sustain", F, False), ("rejected", E, True)]),
    ("project_lead", "prepare", True, "active", []),
    ("viewer", "prepare", True, "active", []),
    ("school_lead", "deliver", True, "completed", []),
]


def _initiative_for(make, school, phase, met, status):
    if met:
        return ready(make, school, phase, status=status)
    return make.initiative(schools=[school], phase=phase, status=status)


@pytest.mark.parametrize("who,phase,met,status,expected", ALLOWED_CASES)
def test_allowed_moves_lists_the_moves_the_caller_may_ask_for(
        make, session, school, lead, who, phase, met, status, expected):
    make.policy(mode="strict")
    initiative = _initiative_for(make, school, phase, met, status)
    user = {"school_lead": lead, "admin": make.user("admin"),
            "viewer": make.user("viewer", schools=[school]),
            "project_lead": initiative.owner}[who]
    moves = lifecycle.allowed_moves(session, user, initiative)
    assert [(m.to, m.kind, m.ready) for m in moves] == expected
    assert all(m.needs_reason == (m.kind == B) for m in moves)


@pytest.mark.parametrize("who,phase,met,status,expected",
                         [c for c in ALLOWED_CASES if c[4]])
def test_every_allowed_move_lands_and_every_other_is_refused(
        make, session, school, lead, who, phase, met, status, expected):
    """What allowed_moves offers is exactly what move_phase accepts (ready ones as they are,
    the admin's unready ones with an override; a back move with its reason)."""
    make.policy(mode="strict")
    user = lead if who == "school_lead" else make.user("admin")
    offered = {to for to, _, _ in expected}
    for to in lifecycle.TARGETS:
        if to == "deimplemented":
            continue
        initiative = _initiative_for(make, school, phase, met, status)
        move = next((m for m in lifecycle.allowed_moves(session, user, initiative)
                     if m.to == to), None)
        override = "Agreed at the trust board." if move and not move.ready else None
        try:
            lifecycle.move_phase(session, user, initiative, to, reason="We learned why.",
                                 override_reason=override, today=TODAY)
        except (GateBlocked, Invalid, Forbidden):
            session.rollback()
            assert to not in offered or not move.ready and who != "admin", to
        else:
            session.rollback()
            assert to in offered, to
