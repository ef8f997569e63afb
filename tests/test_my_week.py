"""My week: what a person has due this week, and the one step for each, without leaving the page."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tracker import clock
from tracker.extensions import db
from tracker.models import Measure, MeasurePoint, Milestone, PdsaCycle, Update
from tracker.my_week import my_week, week_of

WEDNESDAY = date(2026, 12, 2)


@pytest.fixture
def lead(make):
    school = make.school(name="Oakwood Primary")
    return make.user("project_lead", schools=[school], name="Laura Reid")


def _cycle(make, initiative, **kw):
    values = {"initiative_id": initiative.id, "title": "Groups of four", "stage": "do",
              "question": "Do groups of four keep pace?", "prediction": "Yes",
              "owner_id": initiative.owner_id, "stage_since": clock.today() - timedelta(days=3)}
    values.update(kw)
    return make._save(PdsaCycle(**values))


def _titles(items):
    return [getattr(item.record, "title", None) or item.record.name for item in items]


# --- the rules ---------------------------------------------------------------------------

def test_the_week_runs_monday_to_sunday():
    assert week_of(WEDNESDAY) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week_of(date(2026, 11, 30)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week_of(date(2026, 12, 6)) == (date(2026, 11, 30), date(2026, 12, 6))


def test_milestones_due_by_sunday_or_overdue_are_listed_and_later_ones_are_not(make, session, lead):
    mine = make.initiative(owner=lead, schools=lead.schools, title="Phonics")
    make.milestone(mine, title="Overdue", due_on=WEDNESDAY - timedelta(days=10))
    make.milestone(mine, title="Sunday", due_on=date(2026, 12, 6))
    make.milestone(mine, title="Next Monday", due_on=date(2026, 12, 7))
    make.milestone(mine, title="Done last week", due_on=date(2026, 11, 20), done_on=date(2026, 11, 27))
    make.milestone(mine, title="Ticked on Monday", due_on=date(2026, 12, 3), done_on=date(2026, 11, 30))
    someone_elses = make.initiative(schools=lead.schools, title="Not mine")
    make.milestone(someone_elses, title="Theirs", due_on=WEDNESDAY)
    make.milestone(someone_elses, title="Mine on theirs", due_on=WEDNESDAY, owner_id=lead.id)

    week = my_week(session, lead, WEDNESDAY)

    assert _titles(week.milestones) == ["Overdue", "Mine on theirs", "Sunday", "Ticked on Monday"]
    overdue, on_theirs, sunday, ticked = week.milestones
    assert overdue.overdue and not sunday.overdue
    assert ticked.done_on == date(2026, 11, 30)
    assert (overdue.can_act, on_theirs.can_act) == (True, False)  # only the owner's lead may tick


def test_open_cycles_wait_on_their_owner_and_stuck_ones_are_flagged(make, session, lead):
    mine = make.initiative(owner=lead, schools=lead.schools)
    _cycle(make, mine, title="Fresh", stage_since=WEDNESDAY - timedelta(days=2))
    _cycle(make, mine, title="Do, do, do", stage_since=WEDNESDAY - timedelta(days=20))
    _cycle(make, mine, title="Closed", stage="closed", act_decision="adopt")

    week = my_week(session, lead, WEDNESDAY)

    assert _titles(week.cycles) == ["Do, do, do", "Fresh"]
    stuck, fresh = week.cycles
    assert stuck.overdue and stuck.why == "In Do for 20 days with no Study yet."
    assert not fresh.overdue and fresh.why == ""


def test_a_measure_is_due_until_a_value_is_recorded_this_week(make, session, lead):
    mine = make.initiative(owner=lead, schools=lead.schools)
    quiet = make.measure(mine, name="Reading age")
    fresh = make.measure(mine, name="Attendance")
    make.measure(mine, name="Exclusions")
    session.add_all([MeasurePoint(measure_id=quiet.id, on=date(2026, 11, 10), value=1),
                     MeasurePoint(measure_id=fresh.id, on=date(2026, 11, 30), value=95)])
    session.commit()

    week = my_week(session, lead, WEDNESDAY)

    by_name = {item.record.name: item for item in week.measures}
    assert by_name["Reading age"].done_on is None and by_name["Reading age"].overdue
    assert by_name["Reading age"].why == "Last value on 10 November 2026."
    assert by_name["Attendance"].done_on == date(2026, 11, 30)
    assert by_name["Exclusions"].done_on is None and by_name["Exclusions"].why == "No value yet."
    assert week.open_count == 3  # two values, and the initiative's update


def test_an_update_is_due_each_week_for_each_initiative_the_person_owns(make, session, lead):
    quiet = make.initiative(owner=lead, schools=lead.schools, title="Quiet")
    logged = make.initiative(owner=lead, schools=lead.schools, title="Logged",
                             last_update_at=datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    make.initiative(owner=lead, schools=lead.schools, title="Stopped", status="completed")

    week = my_week(session, lead, WEDNESDAY)

    assert [item.record.title for item in week.updates] == ["Logged", "Quiet"]
    assert week.updates[0].done_on == date(2026, 12, 1)
    assert week.updates[1].done_on is None and week.updates[1].overdue
    assert quiet.id != logged.id


def test_reviews_the_person_carries_out_are_listed_when_due_this_week(make, session, lead):
    head = make.user("school_lead", schools=lead.schools)
    initiative = make.initiative(owner=lead, schools=lead.schools, title="Phonics")
    make.review(initiative, reviewer_id=head.id, due_on=WEDNESDAY - timedelta(days=1))
    make.review(initiative, reviewer_id=head.id, due_on=date(2026, 12, 20))

    assert [item.due_on for item in my_week(session, head, WEDNESDAY).reviews] == [
        WEDNESDAY - timedelta(days=1)]
    assert my_week(session, lead, WEDNESDAY).reviews == []


def test_nothing_from_schools_the_person_cannot_see(make, session, lead):
    elsewhere = make.school()
    other = make.initiative(schools=[elsewhere])
    make.milestone(other, title="Hidden", due_on=WEDNESDAY, owner_id=lead.id)

    assert my_week(session, lead, WEDNESDAY).milestones == []


# --- the page ------------------------------------------------------------------------------

@pytest.fixture
def loop(make, lead):
    initiative = make.initiative(owner=lead, schools=lead.schools, title="Daily phonics catch-up")
    milestone = make.milestone(initiative, title="Staff trained", due_on=clock.today())
    cycle = _cycle(make, initiative)
    measure = make.measure(initiative, name="Phonics check pass rate")
    return initiative, milestone, cycle, measure


def test_a_project_leads_home_is_her_week(login_as, lead, loop):
    page = login_as(lead).get("/").get_data(as_text=True)
    assert "<h1>My week</h1>" in page
    for label in ("Mark done: Staff trained", "Move “Groups of four” to Study",
                  "Add value: Phonics check pass rate", "Log update: Daily phonics catch-up"):
        assert label in page
    # Today's date is already in the data point's date field.
    assert f'value="{clock.today().isoformat()}"' in page


def test_a_school_lead_reaches_my_week_from_the_menu(login_as, make, lead):
    head = make.user("school_lead", schools=lead.schools)
    client = login_as(head)
    assert 'href="/my-week"' in client.get("/").get_data(as_text=True)
    assert "<h1>My week</h1>" in client.get("/my-week").get_data(as_text=True)


def test_ticking_a_milestone_goes_back_to_it_and_can_be_undone(login_as, session, lead, loop):
    _, milestone, _, _ = loop
    client = login_as(lead)
    response = client.post(f"/my-week/milestones/{milestone.id}/done",
                           data={f"milestone-{milestone.id}-version": milestone.version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my-week#milestone-{milestone.id}")
    session.expire_all()
    ticked = session.get(Milestone, milestone.id)
    assert ticked.done_on == clock.today()
    page = client.get("/my-week").get_data(as_text=True)
    assert "Undo: Staff trained" in page and "Marked “Staff trained” done." in page

    client.post(f"/my-week/milestones/{milestone.id}/undo",
                data={f"milestone-{milestone.id}-version": ticked.version})
    session.expire_all()
    assert session.get(Milestone, milestone.id).done_on is None


def test_a_stale_tick_changes_nothing_and_says_why(login_as, session, lead, loop):
    _, milestone, _, _ = loop
    client = login_as(lead)
    client.post(f"/my-week/milestones/{milestone.id}/done",
                data={f"milestone-{milestone.id}-version": milestone.version + 5})
    session.expire_all()
    assert session.get(Milestone, milestone.id).done_on is None
    assert "Someone else changed this milestone" in client.get("/my-week").get_data(as_text=True)


def test_advancing_a_cycle_takes_the_one_field_its_next_stage_needs(login_as, session, lead, loop):
    _, _, cycle, _ = loop
    client = login_as(lead)
    prefix = f"cycle-{cycle.id}-"
    empty = client.post(f"/my-week/pdsa-cycles/{cycle.id}/advance",
                        data={prefix + "version": cycle.version})
    assert empty.status_code == 200
    assert "Record what happened, including anything unexpected." in empty.get_data(as_text=True)
    assert 'aria-invalid="true"' in empty.get_data(as_text=True)
    session.expire_all()
    assert session.get(PdsaCycle, cycle.id).stage == "do"

    done = client.post(f"/my-week/pdsa-cycles/{cycle.id}/advance", data={
        prefix + "version": cycle.version, prefix + "do_notes": "Two groups kept pace."})
    assert done.status_code == 302, re.findall(r"flash[^<]*<|error-message[^<]*<[^<]*<", done.get_data(as_text=True))
    assert done.headers["Location"].endswith(f"#cycle-{cycle.id}")
    session.expire_all()
    moved = session.get(PdsaCycle, cycle.id)
    assert (moved.stage, moved.do_notes) == ("study", "Two groups kept pace.")


def test_adding_todays_value_records_a_point(login_as, session, lead, loop):
    _, _, _, measure = loop
    client = login_as(lead)
    prefix = f"measure-{measure.id}-"
    bad = client.post(f"/my-week/measures/{measure.id}/points",
                      data={prefix + "value": "lots", prefix + "on": clock.today().isoformat()})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    response = client.post(f"/my-week/measures/{measure.id}/points",
                           data={prefix + "value": "71.5", prefix + "on": clock.today().isoformat()})
    assert response.headers["Location"].endswith(f"#measure-{measure.id}")
    points = session.query(MeasurePoint).filter_by(measure_id=measure.id).all()
    assert [(p.on, p.value, p.school_id) for p in points] == [(clock.today(), 71.5, None)]


def test_a_one_line_update_with_its_rag(login_as, session, lead, loop):
    initiative, _, _, _ = loop
    client = login_as(lead)
    prefix = f"update-{initiative.id}-"
    missing = client.post(f"/my-week/initiatives/{initiative.id}/updates",
                          data={prefix + "narrative": "Fine."})
    assert "Choose green, amber or red." in missing.get_data(as_text=True)
    response = client.post(f"/my-week/initiatives/{initiative.id}/updates",
                           data={prefix + "rag": "amber", prefix + "narrative": "Two staff off."})
    assert response.headers["Location"].endswith(f"#update-{initiative.id}")
    logged = session.query(Update).filter_by(initiative_id=initiative.id).one()
    assert (logged.rag, logged.narrative) == ("amber", "Two staff off.")


def test_the_page_asks_a_fixed_number_of_queries_however_much_is_due(login_as, make, lead,
                                                                     count_queries):
    client = login_as(lead)

    def queries():
        with count_queries() as counted:
            assert client.get("/my-week").status_code == 200
        return counted.count

    initiative = make.initiative(owner=lead, schools=lead.schools)
    make.milestone(initiative, due_on=clock.today())
    _cycle(make, initiative)
    make.measure(initiative)
    few = queries()
    for n in range(4):
        more = make.initiative(owner=lead, schools=lead.schools + [make.school()])
        for k in range(3):
            make.milestone(more, title=f"M{n}.{k}", due_on=clock.today() - timedelta(days=k),
                           done_on=clock.today() if k == 2 else None)
            _cycle(make, more, title=f"C{n}.{k}", stage=("plan", "do", "act")[k])
            make.measure(more, name=f"Measure {n}.{k}")
            make.review(more, reviewer_id=lead.id)
    assert queries() == few == 7
