"""Words people read: a gate that asks nothing says so, a review email names its initiative
once, and the stopped register counts the weeks an initiative took staff time."""
from datetime import date, datetime, timedelta, timezone

from tracker import digests, nudge_mail
from tracker.models import Transition

TODAY = date(2026, 12, 1)
CONFIG = {"BASE_URL": "https://tracker.example", "TRUST_NAME": "Test Trust"}


def test_a_one_out_the_policy_does_not_need_is_not_shown_as_named(make, login_as):
    make.policy(mode="cap", max_active_initiatives=5)
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="prepare")
    html = login_as(lead).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "No one out is needed: its schools are under their limit" in html
    assert "Name what this initiative will stop" not in html


def test_a_one_out_the_policy_needs_still_asks_for_it(make, login_as):
    make.policy(mode="strict")
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="prepare")
    html = login_as(lead).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert ('<span class="check-state">Missing</span> Name what this initiative will stop'
            in html)
    assert "No one out is needed" not in html


def test_a_late_review_in_the_digest_names_its_initiative_once(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], title="Phonics catch-up", phase="deliver",
                                 last_update_at=datetime(2026, 11, 30, tzinfo=timezone.utc))
    make.review(initiative, due_on=TODAY - timedelta(days=3))
    items = digests.digest(session, TODAY)[lead.id]
    _, text, html = nudge_mail.compose("digest", lead, items, TODAY, CONFIG)
    assert "De-implementation review (Phonics catch-up)" in text
    assert text.count("Phonics catch-up") == 1 and html.count("Phonics catch-up") == 1


def test_the_stopped_register_counts_weeks_from_the_first_counted_phase(make, session, login_as):
    school = make.school()
    initiative = make.initiative(schools=[school], status="deimplemented", phase="deliver",
                                 ended_on=date(2026, 6, 30))
    # Created today (the row is new), but it entered Prepare in March: it ran 17 weeks.
    for to, day in (("prepare", date(2026, 3, 3)), ("deliver", date(2026, 4, 1))):
        session.add(Transition(initiative_id=initiative.id, from_phase="explore", to_phase=to,
                               at=datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)))
    session.commit()
    html = login_as(make.user("admin")).get("/stopped").get_data(as_text=True)
    assert "Ran 17 weeks after Explore." in html
    assert "Ran less than a week" not in html


def test_an_initiative_stopped_in_explore_is_not_said_to_have_run(make, login_as):
    school = make.school()
    make.initiative(schools=[school], status="deimplemented", phase="explore",
                    ended_on=date(2026, 6, 30))
    html = login_as(make.user("admin")).get("/stopped").get_data(as_text=True)
    assert "Stopped before it reached Prepare." in html
    assert "Ran less than a week" not in html and "after Explore" not in html
