"""Milestones (derived status, done dates) and progress updates (RAG and narrative)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tracker import milestones, updates
from tracker.errors import Forbidden, Invalid, StaleVersion
from tracker.models import Initiative, Milestone

TODAY = date(2026, 3, 2)


def milestone_owner(milestone, session):
    return session.get(Initiative, milestone.initiative_id).owner


@pytest.mark.parametrize("due,done,status", [
    (TODAY + timedelta(days=1), None, "open"),
    (TODAY, None, "open"),
    (TODAY - timedelta(days=1), None, "overdue"),
    (TODAY - timedelta(days=1), TODAY, "done"),
    (TODAY + timedelta(days=9), TODAY, "done"),
])
def test_milestone_status_is_derived_from_its_dates(due, done, status):
    assert Milestone(due_on=due, done_on=done).status_on(TODAY) == status


def test_marking_done_records_the_day(make, session):
    milestone = make.milestone(make.initiative(), due_on=TODAY)
    milestones.mark_done(session, milestone_owner(milestone, session), milestone,
                         milestone.version, today=TODAY)
    assert milestone.done_on == TODAY and milestone.status_on(TODAY) == "done"


def test_marking_done_on_a_day_in_the_future_is_refused(make, session):
    milestone = make.milestone(make.initiative())
    with pytest.raises(Invalid) as refused:
        milestones.mark_done(session, milestone_owner(milestone, session), milestone,
                             milestone.version, on=TODAY + timedelta(days=1), today=TODAY)
    assert "done_on" in refused.value.fields


def test_a_stale_tick_is_refused(make, session):
    milestone = make.milestone(make.initiative())
    with pytest.raises(StaleVersion):
        milestones.mark_done(session, milestone_owner(milestone, session), milestone,
                             milestone.version + 1, today=TODAY)


@pytest.mark.parametrize("role,own_school,is_owner,allowed", [
    ("admin", False, False, True),
    ("school_lead", True, False, True),
    ("project_lead", True, True, True),
    ("project_lead", True, False, False),
    ("central_team", False, False, False),
    ("viewer", True, False, False),
])
def test_who_may_add_milestones_and_log_updates(make, session, role, own_school, is_owner, allowed):
    school = make.school()
    actor = make.user(role, schools=[school] if own_school else [])
    initiative = make.initiative(schools=[school], owner=actor if is_owner else None)
    for act in (lambda: milestones.create_milestone(session, actor, initiative, title="T",
                                                    due_on=TODAY),
                lambda: updates.log_update(session, actor, initiative, rag="green",
                                           narrative="Fine")):
        if allowed:
            act()
        else:
            with pytest.raises(Forbidden):
                act()


def test_an_update_sets_the_initiatives_rag_and_when_it_was_last_updated(make, session):
    initiative = make.initiative()
    now = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    update = updates.log_update(session, initiative.owner, initiative, rag="amber",
                                narrative="  Two staff off sick.  ", now=now)
    assert (initiative.rag, initiative.last_update_at) == ("amber", now)
    assert update.narrative == "Two staff off sick." and update.author_id == initiative.owner_id


@pytest.mark.parametrize("rag,narrative,fields", [
    ("purple", "Fine", {"rag"}),
    (None, "Fine", {"rag"}),
    ("green", "   ", {"narrative"}),
    ("green", "x" * 10_001, {"narrative"}),
    ("blue", "", {"rag", "narrative"}),
])
def test_an_incomplete_update_names_each_problem(make, session, rag, narrative, fields):
    initiative = make.initiative()
    with pytest.raises(Invalid) as refused:
        updates.log_update(session, initiative.owner, initiative, rag=rag, narrative=narrative)
    assert set(refused.value.fields) == fields
    assert initiative.rag is None
