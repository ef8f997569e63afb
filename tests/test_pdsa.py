"""PDSA cycles: each advance needs its stage's fields; stuck cycles are found in one query."""
from datetime import date, timedelta

import pytest

from tracker import pdsa
from tracker.errors import Forbidden, Invalid, StaleVersion
from tracker.models import PdsaCycle

TODAY = date(2026, 3, 2)


@pytest.fixture
def initiative(make):
    return make.initiative()


def cycle_in(make, initiative, stage="plan", **kw):
    return make._save(PdsaCycle(initiative_id=initiative.id, title="Try it", stage=stage, **kw))


ADVANCES = [
    # (stage, fields sent, next stage or the fields reported missing)
    ("plan", {}, {"question", "prediction"}),
    ("plan", {"question": "Will pairs help?"}, {"prediction"}),
    ("plan", {"question": "Will pairs help?", "prediction": "   "}, {"prediction"}),
    ("plan", {"question": "Will pairs help?", "prediction": "Yes, by 5%"}, "do"),
    ("do", {}, {"do_notes"}),
    ("do", {"do_notes": "Ran it for 2 weeks"}, "study"),
    ("study", {}, {"study_notes"}),
    ("study", {"study_notes": "Up 3%, less than predicted"}, "act"),
    ("act", {}, {"act_decision"}),
    ("act", {"act_decision": "maybe"}, {"act_decision"}),
    ("act", {"act_decision": "abandon"}, "closed"),
]


@pytest.mark.parametrize("stage,fields,outcome", ADVANCES)
def test_each_advance_needs_the_fields_of_the_stage_it_leaves(make, session, initiative, stage,
                                                             fields, outcome):
    cycle = cycle_in(make, initiative, stage, stage_since=date(2026, 1, 5))
    if isinstance(outcome, str):
        pdsa.advance_cycle(session, initiative.owner, cycle, fields, cycle.version, today=TODAY)
        assert cycle.stage == outcome and cycle.stage_since == TODAY
    else:
        with pytest.raises(Invalid) as refused:
            pdsa.advance_cycle(session, initiative.owner, cycle, fields, cycle.version, today=TODAY)
        assert set(refused.value.fields) == outcome
        session.rollback()
        assert cycle.stage == stage and cycle.stage_since == date(2026, 1, 5)


def test_a_plan_written_earlier_counts_when_advancing(make, session, initiative):
    cycle = cycle_in(make, initiative, question="Q?", prediction="P")
    pdsa.advance_cycle(session, initiative.owner, cycle, {}, cycle.version, today=TODAY)
    assert cycle.stage == "do"


def test_a_closed_cycle_does_not_advance(make, session, initiative):
    cycle = cycle_in(make, initiative, "closed", act_decision="adopt")
    with pytest.raises(Invalid):
        pdsa.advance_cycle(session, initiative.owner, cycle, {}, cycle.version)


def test_advancing_needs_the_version_read(make, session, initiative):
    cycle = cycle_in(make, initiative, "do")
    with pytest.raises(StaleVersion):
        pdsa.advance_cycle(session, initiative.owner, cycle, {"do_notes": "x"}, cycle.version - 1)


def test_only_people_who_write_the_initiative_advance_its_cycles(make, session, initiative):
    cycle = cycle_in(make, initiative, "do")
    viewer = make.user("viewer", schools=initiative.schools)
    with pytest.raises(Forbidden):
        pdsa.advance_cycle(session, viewer, cycle, {"do_notes": "x"}, cycle.version)


def test_a_chain_of_cycles_follows_each_act(make, session, initiative):
    first = pdsa.start_cycle(session, initiative.owner, initiative, title="Pairs", today=TODAY)
    with pytest.raises(Invalid):
        pdsa.start_cycle(session, initiative.owner, initiative, title="Too soon", parent_id=first.id)
    first.stage = "act"
    second = pdsa.start_cycle(session, initiative.owner, initiative, title="Threes",
                              parent_id=first.id, today=TODAY)
    assert second.parent_id == first.id and second.stage == "plan"
    assert second.owner_id == initiative.owner_id and second.stage_since == TODAY


# --- stuck cycles --------------------------------------------------------------------------

STUCK = [
    # (stage, days in stage, do_ends_on relative to today or None, status, stuck?)
    ("do", 13, None, "active", False),
    ("do", 14, None, "active", True),
    ("do", 30, +5, "active", False),      # a long Do that is still inside its plan
    ("do", 3, -1, "active", True),        # past the planned end, no Study
    ("do", 3, 0, "active", False),        # the planned end is today
    ("plan", 29, None, "active", False),
    ("plan", 30, None, "active", True),
    ("study", 30, None, "active", True),
    ("act", 45, None, "active", True),
    ("closed", 400, None, "active", False),
    ("do", 60, None, "completed", False),  # ended initiatives nudge no one
]


@pytest.mark.parametrize("stage,days,ends,status,stuck", STUCK)
def test_stuck_cycles_are_found_by_stage_and_age(make, session, stage, days, ends, status, stuck):
    initiative = make.initiative(status=status)
    cycle = cycle_in(make, initiative, stage, stage_since=TODAY - timedelta(days=days),
                     do_ends_on=TODAY + timedelta(days=ends) if ends is not None else None)
    found = pdsa.stuck_cycles(session, TODAY)
    assert (cycle in found) is stuck
    if stuck:
        assert pdsa.why_stuck(cycle, TODAY)


def test_stuck_cycles_takes_its_thresholds_and_initiatives(make, session):
    one, two = make.initiative(), make.initiative()
    a = cycle_in(make, one, "do", stage_since=TODAY - timedelta(days=8))
    cycle_in(make, two, "do", stage_since=TODAY - timedelta(days=8))
    assert pdsa.stuck_cycles(session, TODAY) == []
    assert pdsa.stuck_cycles(session, TODAY, do_days=7, initiative_ids=[one.id]) == [a]
    assert pdsa.stuck_cycles(session, TODAY, do_days=7, initiative_ids=[]) == []


def test_stuck_cycles_is_one_query_with_owners_and_initiatives_loaded(make, session, count_queries):
    for _ in range(5):
        initiative = make.initiative()
        cycle_in(make, initiative, "do", stage_since=TODAY - timedelta(days=20),
                 owner_id=initiative.owner_id)
    session.expire_all()
    with count_queries() as queries:
        found = pdsa.stuck_cycles(session, TODAY)
        names = [(c.owner.name, c.initiative.title) for c in found]
    assert len(names) == 5 and queries.count == 1


def test_why_stuck_says_so_in_words(make):
    cycle = PdsaCycle(stage="do", stage_since=TODAY - timedelta(days=20), do_ends_on=date(2026, 2, 20))
    assert pdsa.why_stuck(cycle, TODAY) == (
        "Do was planned to end on 20 February 2026 and there is no Study yet.")
    cycle = PdsaCycle(stage="study", stage_since=TODAY - timedelta(days=31))
    assert pdsa.why_stuck(cycle, TODAY) == "In Study for 31 days without a change."
