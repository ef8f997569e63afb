"""The initiative page: the gate checklist before any click, the weekly forms, bounded queries."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker import lifecycle
from tracker.models import Milestone, PdsaCycle, Transition, Update


@pytest.fixture
def school(make):
    return make.school()


@pytest.fixture
def lead(make, school):
    return make.user("school_lead", schools=[school])


def text_of(response):
    return response.get_data(as_text=True)


def test_the_page_shows_the_next_gate_checklist_before_anyone_clicks(make, login_as, school, lead):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], phase="prepare", active_ingredients="Daily")
    html = text_of(login_as(lead).get(f"/initiatives/{initiative.id}"))
    assert "Ready for Deliver?" in html
    assert 'aria-current="step"' in html and "Current phase" in html
    for message in ("Plan at least one milestone.", "Add at least one measure to watch."):
        assert message in html
    assert html.count("<span class=\"check-state\">Met</span>") == 1


def test_a_blocked_move_shows_what_is_missing_beside_the_form(make, login_as, school, lead):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], phase="prepare")
    response = login_as(lead).post(f"/initiatives/{initiative.id}/move", data={"to": "deliver"})
    html = text_of(response)
    assert response.status_code == 200
    assert "Still missing:" in html and "Not ready for Deliver yet" in html
    assert "Name the active ingredients" in html
    assert initiative.phase == "prepare"


def test_a_move_back_without_a_reason_is_told_beside_the_reason(make, login_as, school, lead):
    initiative = make.initiative(schools=[school], phase="deliver")
    html = text_of(login_as(lead).post(f"/initiatives/{initiative.id}/move", data={"to": "prepare"}))
    assert "Moving back a phase needs a reason." in html


def test_a_move_that_passes_the_gate_is_kept_in_the_history(make, login_as, school, lead, session):
    initiative = make.initiative(schools=[school], problem="p", evidence="e")
    client = login_as(lead)
    response = client.post(f"/initiatives/{initiative.id}/move", data={"to": "prepare"})
    assert response.status_code == 302
    html = text_of(client.get(f"/initiatives/{initiative.id}"))
    assert "Moved to Prepare." in html
    assert session.execute(select(Transition)).scalar_one().to_phase == "prepare"


def test_only_admins_see_the_override_field_and_project_leads_see_no_move_form(make, login_as, school):
    initiative = make.initiative(schools=[school])
    admin_html = text_of(login_as(make.user("admin")).get(f"/initiatives/{initiative.id}"))
    lead_html = text_of(login_as(make.user("school_lead", schools=[school])).get(
        f"/initiatives/{initiative.id}"))
    owner_html = text_of(login_as(initiative.owner).get(f"/initiatives/{initiative.id}"))
    assert "Override reason" in admin_html and "Override reason" not in lead_html
    assert "Move the initiative" in lead_html and "Move the initiative" not in owner_html
    assert "Ready for Prepare?" in owner_html and "Log an update" in owner_html


def test_a_viewer_sees_the_page_but_none_of_its_forms(make, login_as, school):
    initiative = make.initiative(schools=[school])
    make.milestone(initiative)
    html = text_of(login_as(make.user("viewer", schools=[school])).get(f"/initiatives/{initiative.id}"))
    for form_text in ("Log an update", "Add a milestone", "Start a cycle", "Mark done",
                      "Move the initiative"):
        assert form_text not in html


@pytest.mark.parametrize("role", ["viewer", "central_team", "project_lead"])
def test_people_who_cannot_write_are_refused_each_form_post(make, login_as, school, role):
    initiative = make.initiative(schools=[school], problem="p", evidence="e")
    milestone = make.milestone(initiative)
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="C", stage="do"))
    client = login_as(make.user(role, schools=[school] if role != "central_team" else []))
    posts = {f"/initiatives/{initiative.id}/updates": {"rag": "green", "narrative": "x"},
             f"/initiatives/{initiative.id}/milestones": {"title": "x", "due_on": "2026-06-01"},
             f"/milestones/{milestone.id}/done": {"version": "1"},
             f"/initiatives/{initiative.id}/pdsa-cycles": {"title": "x"},
             f"/pdsa-cycles/{cycle.id}/advance": {f"cycle{cycle.id}-version": "1"},
             f"/initiatives/{initiative.id}/move": {"to": "prepare"}}
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path


def test_another_schools_initiative_and_its_records_are_not_found(make, login_as, school):
    theirs = make.initiative()
    milestone = make.milestone(theirs)
    cycle = make._save(PdsaCycle(initiative_id=theirs.id, title="C", stage="do"))
    client = login_as(make.user("school_lead", schools=[school]))
    assert client.get(f"/initiatives/{theirs.id}").status_code == 404
    assert client.post(f"/milestones/{milestone.id}/done", data={"version": "1"}).status_code == 404
    assert client.post(f"/pdsa-cycles/{cycle.id}/advance", data={}).status_code == 404
    assert client.post(f"/initiatives/{theirs.id}/updates", data={}).status_code == 404


def test_logging_an_update_sets_the_rag_and_shows_in_the_timeline(make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    client = login_as(lead)
    response = client.post(f"/initiatives/{initiative.id}/updates",
                           data={"rag": "amber", "narrative": "Two staff off sick."})
    assert response.status_code == 302
    html = text_of(client.get(f"/initiatives/{initiative.id}"))
    assert "Two staff off sick." in html and initiative.rag == "amber"


def test_an_update_without_a_narrative_is_told_beside_the_field(make, login_as, school, lead, session):
    initiative = make.initiative(schools=[school])
    html = text_of(login_as(lead).post(f"/initiatives/{initiative.id}/updates", data={"rag": "red"}))
    assert "Say in a sentence or two how it is going." in html
    assert session.execute(select(Update)).first() is None


def test_ticking_a_milestone_records_today_and_a_stale_tick_is_told(make, login_as, school, lead,
                                                                     session):
    milestone = make.milestone(make.initiative(schools=[school]))
    client = login_as(lead)
    assert client.post(f"/milestones/{milestone.id}/done", data={"version": "1"}).status_code == 302
    session.expire_all()
    assert session.get(Milestone, milestone.id).done_on == date.today()
    response = client.post(f"/milestones/{milestone.id}/done", data={"version": "1"},
                           follow_redirects=True)
    assert "Someone else changed this milestone" in text_of(response)


def test_adding_a_milestone_with_no_date_is_told_beside_the_field(make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    html = text_of(login_as(lead).post(f"/initiatives/{initiative.id}/milestones",
                                       data={"title": "Staff trained", "due_on": ""}))
    assert "Enter a due date." in html and "<details open>" in html


def test_advancing_a_cycle_without_its_notes_is_told_beside_the_field(make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="Groups of four", stage="do"))
    client = login_as(lead)
    html = text_of(client.post(f"/pdsa-cycles/{cycle.id}/advance",
                               data={f"cycle{cycle.id}-version": "1"}))
    assert "Record what happened, including anything unexpected." in html
    response = client.post(f"/pdsa-cycles/{cycle.id}/advance", data={
        f"cycle{cycle.id}-version": "1", f"cycle{cycle.id}-do_notes": "Ran for two weeks"})
    assert response.status_code == 302 and cycle.stage == "study"


def test_a_stuck_cycle_is_flagged_on_the_board(make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    make._save(PdsaCycle(initiative_id=initiative.id, title="Long do", stage="do",
                         stage_since=date.today() - timedelta(days=40)))
    html = text_of(login_as(lead).get(f"/initiatives/{initiative.id}"))
    assert "Stuck:" in html and "In Do for 40 days with no Study yet." in html


def test_page_query_count_does_not_grow_with_milestones_cycles_updates_or_transitions(
        make, login_as, school, lead, session, count_queries):
    make.policy(mode="cap")
    initiative = make.initiative(schools=[school], phase="explore")
    make.measure(initiative)
    client = login_as(lead)

    def add(n):
        for k in range(n):
            make.milestone(initiative, title=f"M{k}", owner_id=make.user(
                "project_lead", schools=[school]).id)
            make._save(PdsaCycle(initiative_id=initiative.id, title=f"C{k}",
                                 stage=("plan", "do", "study", "act", "closed")[k % 5],
                                 owner_id=lead.id))
            make._save(Update(initiative_id=initiative.id, rag="green", narrative=f"U{k}",
                              author_id=make.user("school_lead", schools=[school]).id))
            to = "prepare" if initiative.phase == "explore" else "explore"
            lifecycle.record_transition(session, make.user("admin"), initiative, to, reason="r")
            session.commit()

    counts = []
    for n in (1, 12):
        add(n)
        with count_queries() as queries:
            response = client.get(f"/initiatives/{initiative.id}")
        assert response.status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1], counts


def test_an_admin_override_on_the_page_moves_and_shows_in_the_history(make, login_as, school):
    initiative = make.initiative(schools=[school])
    client = login_as(make.user("admin", name="Ada Admin"))
    response = client.post(f"/initiatives/{initiative.id}/move", data={
        "to": "prepare", "override_reason": "Board decision; problem paper to follow."})
    assert response.status_code == 302
    html = text_of(client.get(f"/initiatives/{initiative.id}"))
    assert "Gate overridden:" in html and "Board decision; problem paper to follow." in html
    assert initiative.phase == "prepare"


def test_the_plan_names_its_pillars_and_helix_components(make, login_as, school, lead):
    initiative = make.initiative(schools=[school], pillars=["data"], helix_components=["use_evidence"])
    html = text_of(login_as(lead).get(f"/initiatives/{initiative.id}"))
    assert "Robust and real-time data" in html and "Use evidence" in html
