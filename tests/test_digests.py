"""The weekly digest, one per role, and the unanswered-concern nudge, as an operator runs
them (``flask --app wsgi jobs run ...``) with mail going to a real SMTP server on loopback."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.test_jobs_cli import jobs_run, smtp  # noqa: F401  (smtp: a fixture)
from tracker import digests, jobs, my_week, notifications
from tracker.models import Allocation, Insight, Measure, MeasurePoint, Transition

TODAY = date(2026, 12, 1)  # a Tuesday; the week ahead starts on Monday 7 December
RUN = TODAY.isoformat()
LONG_AGO = datetime(2026, 9, 1, tzinfo=timezone.utc)


def at(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def quiet(make, **kw):
    """An active initiative updated yesterday, started long ago (not news, not stale)."""
    kw.setdefault("last_update_at", at(TODAY - timedelta(days=1)))
    kw.setdefault("created_at", LONG_AGO)
    return make.initiative(**kw)


def concern(session, school, title="Pupils say lessons are noisy", days_ago=45, initiatives=()):
    insight = Insight(school_id=school.id, source="pupil_voice", on=TODAY - timedelta(days=days_ago),
                      title=title, summary="", judgement="concern", initiatives=list(initiatives))
    session.add(insight)
    session.commit()
    return insight


# --- the unanswered-concern nudge ---------------------------------------------------------------

def test_an_unanswered_concern_is_told_to_the_school_lead_in_their_one_nudge_email_once(
        session, make, runner, smtp):
    school = make.school(name="Millbrook Primary")
    make.user("school_lead", schools=[school], email="head@millbrook.example")
    make.user("school_lead", schools=[make.school()], email="head@elsewhere.example")
    owner = make.user("project_lead", schools=[school])
    initiative = quiet(make, schools=[school], owner=owner, title="Reading for pleasure")
    make.milestone(initiative, title="Library restocked", due_on=TODAY - timedelta(days=20))
    concern(session, school, "Pupils say lessons are noisy", days_ago=45)
    concern(session, school, "Taken up", days_ago=45, initiatives=[initiative])
    concern(session, school, "Too recent", days_ago=10)
    weekly_day = TODAY.weekday()  # the concern topic is weekly by default: make today the day
    runner.app.config["NUDGE_WEEKLY_DAY"] = weekly_day
    try:
        assert "queued 2 emails" in jobs_run(runner, "nudges", RUN)
        assert "queued 0 emails (2 already queued" in jobs_run(runner, "nudges", RUN)
        jobs_run(runner, "outbox")
    finally:
        runner.app.config["NUDGE_WEEKLY_DAY"] = 0
    [message] = smtp.to("head@millbrook.example")
    text, html = text_of(message), html_of(message)
    assert "CONCERNS NO INITIATIVE HAS TAKEN UP" in text and "OVERDUE MILESTONES IN YOUR SCHOOLS" in text
    assert "Pupils say lessons are noisy (Millbrook Primary)" in text
    assert "Pupil voice, 17 October 2026: judged a concern" in text and "Taken up" not in text and "Too recent" not in text
    link = f"https://tracker.example/schools/{school.id}/insights?unanswered=1"
    assert link in text and link in html
    assert "1 unanswered concern" in message["Subject"]
    assert smtp.to("head@elsewhere.example") == []


def test_a_school_lead_who_turned_off_concerns_still_gets_their_other_nudges(session, make, runner, smtp):
    school = make.school()
    make.user("school_lead", schools=[school], email="head@school.example",
              notification_prefs={"insights": "never"})
    concern(session, school)
    assert "queued 0 emails" in jobs_run(runner, "nudges", RUN)
    assert "1 not wanted by preferences" in jobs_run(runner, "nudges", RUN)


def test_the_concern_topic_is_offered_to_school_leads_on_the_settings_page(session, make, login_as):
    lead = make.user("school_lead", schools=[make.school()])
    html = login_as(lead).get("/account/notifications").get_data(as_text=True)
    topic = notifications.TOPIC_BY_CODE["insights"]
    assert topic.label in html and topic.hint.split(",")[0] in html


# --- one digest per role -------------------------------------------------------------------------

@pytest.fixture
def trust(session, make):
    """Two schools; one of each reader; work to tell each of them about."""
    north, south = make.school(name="North Academy"), make.school(name="South Academy")
    people = {
        "lead": make.user("school_lead", schools=[north], name="Hana Lead", email="lead@north.example"),
        "project": make.user("project_lead", schools=[north], name="Paul Project",
                             email="project@north.example"),
        "central": make.user("central_team", name="Cara Central", email="central@trust.example"),
        "board": make.user("viewer", name="Bea Board", email="board@trust.example"),
        "reader": make.user("viewer", schools=[south], name="Sam Reader", email="reader@south.example"),
    }
    mine = quiet(make, schools=[north], owner=people["project"], title="Phonics first",
                 phase="deliver", last_update_at=at(TODAY - timedelta(days=3)))
    make.milestone(mine, title="Training day", due_on=date(2026, 12, 9))
    make.milestone(mine, title="Next term", due_on=date(2027, 1, 20))
    stale = quiet(make, schools=[north], owner=people["project"], title="Quiet maths",
                  last_update_at=at(TODAY - timedelta(days=60)))
    make.milestone(stale, title="Baseline", due_on=TODAY - timedelta(days=5))
    session.add(Transition(initiative_id=mine.id, from_phase="prepare", to_phase="deliver",
                           at=at(TODAY - timedelta(days=2))))
    oracy = quiet(make, schools=[south], owner=people["central"], title="Oracy",
                  created_at=at(TODAY - timedelta(days=3)))
    make.milestone(oracy, title="Talk partners", due_on=TODAY - timedelta(days=2))
    expert = make.expert(name="Maya Patel", days_per_week=1.0)
    monday = TODAY - timedelta(days=TODAY.weekday())
    session.add(Allocation(expert_id=expert.id, school_id=north.id, starts_on=monday,
                           ends_on=monday + timedelta(days=4), days_per_week=2.0, status="confirmed",
                           override_reason="test"))
    session.commit()
    concern(session, north, "Behaviour at lunchtime")
    return {"north": north, "south": south, "people": people, "mine": mine}


def test_each_role_gets_the_digest_that_fits_it(session, trust, runner, smtp):
    assert "queued 5 emails" in jobs_run(runner, "digest", RUN)
    jobs_run(runner, "outbox")
    [project] = smtp.to("project@north.example")
    text = text_of(project)
    assert project["Subject"].startswith("[") and "Your week ahead from 7 December 2026" in project["Subject"]
    assert "MILESTONES DUE IN THE WEEK AHEAD" in text and "Training day" in text and "Next term" not in text
    assert "PROGRESS UPDATES DUE" in text and "Log one by 13 December 2026" in text

    [lead] = smtp.to("lead@north.example")
    text = text_of(lead)
    assert "Your schools' week to 1 December 2026" in lead["Subject"]
    for words in ("WHAT IS LATE", "Milestone: Baseline", "INITIATIVES WITH NO RECENT UPDATE", "Quiet maths",
                  "CONCERNS NO INITIATIVE HAS TAKEN UP", "Behaviour at lunchtime", "WHAT MOVED", "Phonics first"):
        assert words in text, words
    assert "Oracy" not in text  # South's

    [central] = smtp.to("central@trust.example")
    text = text_of(central)
    assert "EXPERTS OVER-ALLOCATED" in text and "Maya Patel" in text
    assert "INITIATIVES IN DELIVER WITH NO CAPACITY" in text and "Phonics first" in text

    [board] = smtp.to("board@trust.example")
    text, html = text_of(board), html_of(board)
    assert "The trust's week to 1 December 2026" in board["Subject"]
    for words in ("WHAT STARTED", "Oracy", "WHAT MOVED", "Phonics first", "Behaviour at lunchtime",
                  "WHAT IS LATE", "https://tracker.example/dashboard"):
        assert words in text, words
    assert 'href="https://tracker.example/dashboard"' in html
    assert "- Oracy: Started on 28 November 2026." in text  # a line an item, linked in the HTML
    assert f'href="https://tracker.example/initiatives/{trust["mine"].id}"' in html

    [reader] = smtp.to("reader@south.example")  # a viewer of South reads South's week
    assert "Your schools' week" in reader["Subject"] and "Talk partners" in text_of(reader)
    assert "Behaviour at lunchtime" not in text_of(reader)


def test_the_board_digest_fits_a_screen_and_counts_the_rest_with_a_link(session, make, runner, smtp):
    make.user("viewer", email="board@trust.example")
    school = make.school()
    for n in range(43):
        late = quiet(make, schools=[school], title=f"Initiative {n}")
        make.milestone(late, title=f"Late {n}", due_on=TODAY - timedelta(days=1 + n))
    jobs_run(runner, "digest", RUN)
    jobs_run(runner, "outbox")
    [message] = smtp.to("board@trust.example")
    text = text_of(message)
    assert "...and 40 more: https://tracker.example/initiatives" in text
    assert sum(1 for line in text.splitlines() if "Late " in line) == 3
    assert len([line for line in text.splitlines() if line.strip()]) <= 15
    assert "…and 40 more" in html_of(message)


def kpi_with_points(session, school, values, last_on):
    kpi = Measure(initiative_id=None, name="Attendance", unit="%", higher_is_better=True)
    session.add(kpi)
    session.flush()
    for i, value in enumerate(values):
        session.add(MeasurePoint(measure_id=kpi.id, school_id=school.id,
                                 on=last_on - timedelta(weeks=len(values) - 1 - i), value=value))
    session.commit()
    return kpi


def test_a_kpi_whose_icon_changed_since_last_week_is_in_the_board_digest(session, make, runner, smtp):
    make.user("viewer", email="board@trust.example")
    school = make.school(name="North Academy")
    steady = [94.0, 95.0] * 7
    kpi_with_points(session, school, steady + [60.0], last_on=TODAY - timedelta(days=1))
    found = digests.kpi_changes(session, make.user("admin"), TODAY)
    assert [(i.kind, i.title) for i in found] == [("kpi_changed", "Attendance in North Academy")]
    assert "common cause variation → special cause concern" in found[0].detail
    jobs_run(runner, "digest", RUN)
    jobs_run(runner, "outbox")
    [message] = smtp.to("board@trust.example")
    text = text_of(message)
    assert "TRUST KPIS WHOSE READING CHANGED" in text and "Attendance in North Academy" in text


def test_a_kpi_with_the_same_reading_as_last_week_is_not_news(session, make):
    school = make.school()
    kpi_with_points(session, school, [94.0, 95.0] * 8, last_on=TODAY - timedelta(days=1))
    assert digests.kpi_changes(session, make.user("admin"), TODAY) == []


def test_a_digest_is_queued_once_per_date_and_not_to_whoever_turned_it_off(session, trust, runner, smtp):
    trust["people"]["lead"].notification_prefs = {"digest": "never"}
    session.commit()
    assert "queued 4 emails" in jobs_run(runner, "digest", RUN)
    assert "queued 0 emails (4 already queued, 1 not wanted by preferences)" in jobs_run(runner, "digest", RUN)
    jobs_run(runner, "outbox")
    assert smtp.to("lead@north.example") == []
    assert len(smtp.to("board@trust.example")) == 1


def test_an_smtp_outage_delays_the_digests_and_loses_none(session, trust, runner, smtp, monkeypatch):
    jobs_run(runner, "digest", RUN)
    smtp.stop()
    assert "sent 0, will retry 1" in jobs_run(runner, "outbox")  # the first failure stops the run
    smtp.start()
    assert "sent 4" in jobs_run(runner, "outbox")  # the one that failed waits out its pause
    later = datetime.now(timezone.utc) + timedelta(minutes=2)
    monkeypatch.setattr(jobs, "_now", lambda: later)
    assert "sent 1" in jobs_run(runner, "outbox")
    assert "sent 0" in jobs_run(runner, "outbox")
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.inbox) == sorted(
        p.email for p in trust["people"].values())


def test_the_digest_job_asks_as_many_queries_for_a_larger_trust(session, trust, make, runner, count_queries):
    def measure(day):
        with count_queries() as counter:
            jobs.run_job("digest", day, session=session, config=runner.app.config)
        return counter.count
    make.policy()  # (the policy's first reading writes its defaults)
    few = measure(TODAY)
    owner, north = trust["people"]["project"], trust["north"]
    for n in range(20):
        initiative = quiet(make, schools=[north, trust["south"]], owner=owner, phase="deliver",
                           last_update_at=at(TODAY - timedelta(days=40)))
        make.milestone(initiative, due_on=TODAY - timedelta(days=n + 1))
        make.milestone(initiative, due_on=TODAY + timedelta(days=8))
        session.add(Transition(initiative_id=initiative.id, from_phase="prepare", to_phase="deliver",
                               at=at(TODAY - timedelta(days=1))))
        concern(session, north, f"Concern {n}")
    session.commit()
    assert measure(TODAY + timedelta(days=7)) == few


def test_more_project_leads_cost_the_digest_no_more_queries(session, trust, make, runner,
                                                            count_queries):
    """Every project lead's week ahead is read at once (``my_week.my_weeks``), not one
    person at a time: a trust with hundreds of leads sends its digest in the same queries."""
    def measure(day):
        with count_queries() as counter:
            jobs.run_job("digest", day, session=session, config=runner.app.config)
        return counter.count
    make.policy()
    few = measure(TODAY)
    north = trust["north"]
    for n in range(6):
        lead = make.user("project_lead", schools=[north], email=f"lead{n}@north.example")
        initiative = quiet(make, schools=[north], owner=lead, phase="deliver")
        make.milestone(initiative, due_on=TODAY + timedelta(days=8))
    session.commit()
    assert measure(TODAY + timedelta(days=7)) == few


def test_everyones_week_read_at_once_is_each_ones_own_week(session, trust, make):
    """``my_weeks`` gives each person exactly what ``my_week`` gives them alone, including
    work on someone else's initiative and nothing from an initiative they may not see."""
    north, south = trust["north"], trust["south"]
    paul = trust["people"]["project"]
    other = make.user("project_lead", schools=[south], email="other@south.example")
    theirs = quiet(make, schools=[south], owner=other, title="Southern reading")
    make.milestone(theirs, title="Paul's part", due_on=TODAY, owner_id=paul.id)  # not his school
    make.milestone(theirs, title="Their own", due_on=TODAY)
    shared = quiet(make, schools=[north], owner=paul, title="Shared")
    make.milestone(shared, title="Other's step", due_on=TODAY, owner_id=other.id)
    leads = quiet(make, schools=[north], owner=trust["people"]["lead"], title="Lead's own")
    make.milestone(leads, title="Paul helps", due_on=TODAY, owner_id=paul.id)
    session.commit()
    people = [paul, other, trust["people"]["lead"]]

    def shape(week):
        return {kind: [(d.record.id, d.initiative.id, d.due_on, d.overdue, d.can_act, d.done_on)
                       for d in getattr(week, kind)]
                for kind in ("milestones", "cycles", "reviews", "measures", "updates")}
    together = my_week.my_weeks(session, people, TODAY)
    for person in people:
        assert shape(together[person.id]) == shape(my_week.my_week(session, person, TODAY))
    pauls = [d.record.title for d in together[paul.id].milestones]
    assert "Paul helps" in pauls and "Other's step" in pauls  # his school's, his initiative's
    assert "Paul's part" not in pauls  # on an initiative of a school he does not see
    assert "Other's step" not in [d.record.title for d in together[other.id].milestones]
