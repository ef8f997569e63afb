"""Who is nudged about what (tracker.nudges), preferences, and the email settings page."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tracker import digests, jobs, notifications, nudges
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.models import (Allocation, DeimplementationReview, OutboxMessage, PdsaCycle, Transition,
                            Update)

TODAY = date(2026, 12, 1)  # a Tuesday
CONFIG = {"BASE_URL": "https://tracker.example", "TRUST_NAME": "Test Trust", "NUDGE_DUE_SOON_DAYS": 7,
          "NUDGE_ESCALATE_AFTER_DAYS": 14, "NUDGE_STALE_DAYS": 30, "NUDGE_PDSA_DO_DAYS": 14,
          "NUDGE_PDSA_IDLE_DAYS": 30, "NUDGE_WEEKLY_DAY": 0, "TIMEZONE": "Europe/London"}


def at(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def fresh(make, **kw):
    """An active initiative updated yesterday (so it is not stale), in its own school."""
    kw.setdefault("last_update_at", at(TODAY - timedelta(days=1)))
    return make.initiative(**kw)


def run(session, **kw):
    return nudges.nudges(session, TODAY, **kw)


def kinds(found, user):
    return sorted((i.kind, i.title) for i in found.get(user.id, []))


# --- milestones ------------------------------------------------------------------------------

@pytest.mark.parametrize("due_in, expected", [
    (-1, "milestone_overdue"), (-40, "milestone_overdue"), (0, "milestone_due"),
    (7, "milestone_due"), (8, None)])
def test_a_milestone_is_nudged_when_overdue_or_due_within_a_week(session, make, due_in, expected):
    initiative = fresh(make)
    make.milestone(initiative, title="Baseline", due_on=TODAY + timedelta(days=due_in))
    found = run(session)
    assert kinds(found, initiative.owner) == ([(expected, "Baseline")] if expected else [])


def test_a_milestone_goes_to_its_own_owner_else_to_the_initiative_owner(session, make):
    initiative = fresh(make)
    helper = make.user("project_lead", schools=initiative.schools)
    make.milestone(initiative, title="Theirs", due_on=TODAY - timedelta(days=2), owner_id=helper.id)
    make.milestone(initiative, title="Nobody's", due_on=TODAY - timedelta(days=2), owner_id=None)
    found = run(session)
    assert kinds(found, helper) == [("milestone_overdue", "Theirs")]
    assert kinds(found, initiative.owner) == [("milestone_overdue", "Nobody's")]


def test_a_milestone_whose_owners_have_left_goes_to_the_school_lead(session, make):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    owner = make.user("project_lead", schools=[school], active=False)
    initiative = fresh(make, schools=[school], owner=owner)
    make.milestone(initiative, title="Orphan", due_on=TODAY - timedelta(days=2))
    assert kinds(run(session), lead) == [("milestone_overdue", "Orphan")]


def test_done_milestones_and_those_of_ended_initiatives_are_not_nudged(session, make):
    initiative = fresh(make)
    make.milestone(initiative, due_on=TODAY - timedelta(days=3), done_on=TODAY - timedelta(days=4))
    ended = fresh(make, status="completed")
    make.milestone(ended, due_on=TODAY - timedelta(days=3))
    assert run(session) == {}


@pytest.mark.parametrize("days_late, escalated", [(13, False), (14, True), (90, True)])
def test_a_milestone_overdue_past_the_escalation_days_also_goes_to_the_school_leads(
        session, make, days_late, escalated):
    school, other = make.school(), make.school()
    lead, other_lead = make.user("school_lead", schools=[school]), make.user("school_lead", schools=[other])
    initiative = fresh(make, schools=[school])
    make.milestone(initiative, title="Late", due_on=TODAY - timedelta(days=days_late))
    found = run(session)
    assert kinds(found, initiative.owner) == [("milestone_overdue", "Late")]
    assert kinds(found, lead) == ([("escalated_milestone", "Late")] if escalated else [])
    assert kinds(found, other_lead) == []


# --- stale initiatives, stuck cycles, reviews ---------------------------------------------------

@pytest.mark.parametrize("days_since_update, stale", [(29, False), (30, True), (200, True)])
def test_an_initiative_with_no_update_for_thirty_days_nudges_its_owner(session, make, days_since_update, stale):
    initiative = make.initiative(title="Quiet", last_update_at=at(TODAY - timedelta(days=days_since_update)))
    assert kinds(run(session), initiative.owner) == ([("initiative_stale", "Quiet")] if stale else [])


def test_a_pdsa_cycle_stuck_in_do_nudges_its_owner(session, make):
    initiative = fresh(make, phase="deliver")
    session.add_all([
        PdsaCycle(initiative_id=initiative.id, title="Stuck", stage="do", owner_id=initiative.owner_id,
                  stage_since=TODAY - timedelta(days=20)),
        PdsaCycle(initiative_id=initiative.id, title="Moving", stage="do", owner_id=initiative.owner_id,
                  stage_since=TODAY - timedelta(days=3))])
    session.commit()
    found = run(session)
    assert kinds(found, initiative.owner) == [("pdsa_stuck", "Stuck")]
    assert "20 days" in found[initiative.owner.id][0].detail


def add_review(session, initiative, due_on, reviewer=None):
    session.add(DeimplementationReview(initiative_id=initiative.id, due_on=due_on,
                                       reviewer_id=reviewer.id if reviewer else None))
    session.commit()


def test_a_review_due_goes_to_its_reviewer_else_to_the_school_leads(session, make):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    reviewer = make.user("project_lead", schools=[school])
    named, unnamed = fresh(make, schools=[school], title="Named"), fresh(make, schools=[school], title="Unnamed")
    add_review(session, named, TODAY + timedelta(days=3), reviewer)
    add_review(session, unnamed, TODAY - timedelta(days=1))
    found = run(session)
    assert [(i.kind, i.initiative) for i in found[reviewer.id]] == [("review_due", "Named")]
    assert [(i.kind, i.initiative) for i in found[lead.id]] == [("review_overdue", "Unnamed")]


def test_a_review_overdue_past_the_escalation_days_also_goes_to_the_school_leads(session, make):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    reviewer = make.user("project_lead", schools=[school])
    initiative = fresh(make, schools=[school])
    add_review(session, initiative, TODAY - timedelta(days=20), reviewer)
    found = run(session)
    assert [i.kind for i in found[reviewer.id]] == ["review_overdue"]
    assert [i.kind for i in found[lead.id]] == ["escalated_review"]


# --- policy, capacity, digest ------------------------------------------------------------------

def test_a_school_over_its_limit_is_reported_to_its_lead(session, make):
    make.policy(max_active_initiatives=1)
    school = make.school(name="Millbrook")
    lead = make.user("school_lead", schools=[school])
    make.initiative(schools=[school], phase="deliver")
    make.initiative(schools=[school], phase="prepare")
    found = nudges.policy_nudges(session, TODAY)
    assert [(i.kind, i.title) for i in found[lead.id]] == [("over_limit", "Millbrook")]


def test_capacity_problems_go_to_the_central_team(session, make):
    central = make.user("central_team")
    expert = make.expert(name="Maya Patel", days_per_week=1.0)
    initiative = make.initiative(phase="deliver", title="No help")
    monday = TODAY - timedelta(days=TODAY.weekday())
    session.add(Allocation(expert_id=expert.id, school_id=initiative.schools[0].id, starts_on=monday,
                           ends_on=monday + timedelta(days=4), days_per_week=2.0, status="confirmed",
                           override_reason="test"))
    session.commit()
    found = nudges.capacity_nudges(session, TODAY)
    assert sorted((i.kind, i.title) for i in found[central.id]) == [
        ("no_capacity", "No help"), ("over_allocated", "Maya Patel")]


def test_the_digest_tells_leads_and_viewers_of_a_school_what_moved_was_late_and_was_stopped(session, make):
    school, other = make.school(), make.school()
    lead, viewer = make.user("school_lead", schools=[school]), make.user("viewer", schools=[school])
    trust_viewer, other_lead = make.user("viewer"), make.user("school_lead", schools=[other])
    moved = fresh(make, schools=[school], title="Moved", phase="deliver")
    session.add(Transition(initiative_id=moved.id, from_phase="prepare", to_phase="deliver",
                           at=at(TODAY - timedelta(days=2))))
    session.add(Transition(initiative_id=moved.id, from_phase="explore", to_phase="prepare",
                           at=at(TODAY - timedelta(days=20))))
    late = fresh(make, schools=[school], title="Late one")
    make.milestone(late, title="Training", due_on=TODAY - timedelta(days=3))
    fresh(make, schools=[school], title="Stopped", status="deimplemented", ended_on=TODAY - timedelta(days=1))
    session.commit()
    found = digests.digest(session, TODAY)
    expected = [("late", "Milestone: Training"), ("moved", "Moved"), ("stopped", "Stopped")]
    for person in (lead, viewer, trust_viewer):
        assert sorted((i.kind, i.title) for i in found[person.id]) == expected
    assert other_lead.id not in found


# --- preferences -------------------------------------------------------------------------------

MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


@pytest.mark.parametrize("prefs, topic, day, wanted", [
    ({}, "milestones", TUESDAY, True),
    ({"milestones": "daily"}, "milestones", TUESDAY, True),
    ({"milestones": "never"}, "milestones", TUESDAY, False),
    ({"milestones": "weekly"}, "milestones", TUESDAY, False),
    ({"milestones": "weekly"}, "milestones", MONDAY, True),
    ({"milestones": "never"}, "pdsa", TUESDAY, True),
    ({}, "digest", TUESDAY, True),
    ({"digest": "never"}, "digest", TUESDAY, False),
    ({"digest": "weekly"}, "digest", TUESDAY, True),
    ({"digest": "nonsense"}, "digest", TUESDAY, True),
])
def test_preferences_decide_what_a_person_gets_and_when(prefs, topic, day, wanted):
    assert notifications.wants(prefs, topic, day, weekly_day=0) is wanted


def test_preferences_refuse_unknown_topics_and_frequencies(session, make):
    user = make.user()
    with pytest.raises(Invalid) as error:
        notifications.set_preferences(session, user, user, {"digest": "daily", "gossip": "never"})
    assert set(error.value.fields) == {"digest", "gossip"}


def test_only_an_admin_sets_someone_elses_preferences(session, make):
    user, other, admin = make.user(), make.user(), make.user("admin")
    with pytest.raises(Forbidden):
        notifications.set_preferences(session, other, user, {"pdsa": "never"})
    notifications.set_preferences(session, admin, user, {"pdsa": "never"})
    assert user.notification_prefs == {"pdsa": "never"}


# --- the nudges job's cost -----------------------------------------------------------------------

def busy_initiative(make, session, school, owner):
    initiative = make.initiative(schools=[school], owner=owner, phase="deliver",
                                 last_update_at=at(TODAY - timedelta(days=60)))
    make.milestone(initiative, due_on=TODAY - timedelta(days=20))
    make.milestone(initiative, due_on=TODAY + timedelta(days=2))
    session.add(PdsaCycle(initiative_id=initiative.id, title="c", stage="do", owner_id=owner.id,
                          stage_since=TODAY - timedelta(days=30)))
    add_review(session, initiative, TODAY - timedelta(days=30))
    session.add(Update(initiative_id=initiative.id, rag="red", narrative="x", author_id=owner.id,
                       created_at=at(TODAY - timedelta(days=60))))
    session.commit()


def test_the_nudges_job_runs_in_the_same_number_of_queries_whatever_the_number_of_initiatives(
        session, make, count_queries):
    school = make.school()
    make.user("school_lead", schools=[school])
    owners = [make.user("project_lead", schools=[school]) for _ in range(3)]

    def measure(day):
        with count_queries() as counter:
            jobs.run_job("nudges", day, session=session, config=CONFIG)
        return counter.count
    for owner in owners:
        busy_initiative(make, session, school, owner)
    few = measure(TODAY)
    for n in range(30):
        busy_initiative(make, session, school, owners[n % 3])
    many = measure(TODAY + timedelta(days=1))
    assert many == few
    assert db.session.query(OutboxMessage).count() == 8  # 4 people, 2 days


# --- the email settings page -------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "central_team", "school_lead", "project_lead", "viewer"])
def test_everyone_can_choose_their_own_email_settings(session, make, login_as, role):
    school = make.school()
    user = make.user(role, schools=[school] if role in ("school_lead", "project_lead", "viewer") else [])
    client = login_as(user)
    page = client.get("/account/notifications")
    assert page.status_code == 200
    offered = [t for t in notifications.TOPICS if role in t.roles]
    html = page.get_data(as_text=True)
    assert all(t.label in html for t in offered)
    choice = {t.code: t.choices[-1] for t in offered}  # "never" for all
    response = client.post("/account/notifications", data=choice)
    assert response.status_code == 302
    session.expire_all()
    assert db.session.get(type(user), user.id).notification_prefs == choice


def test_the_settings_page_shows_an_impossible_choice_beside_its_field(session, make, login_as):
    user = make.user("school_lead", schools=[make.school()])
    client = login_as(user)
    response = client.post("/account/notifications", data={"digest": "daily", "policy": "weekly"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="digest-error"' in html and "Choose one of: Weekly, Never." in html
    session.expire_all()
    assert db.session.get(type(user), user.id).notification_prefs == {}


def test_the_settings_page_needs_a_signed_in_person(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
