"""The initiative page: the gate checklist before any click, the weekly forms, bounded queries."""
from datetime import date, timedelta
from html.parser import HTMLParser

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


#: Statements the initiative page takes for its school lead (see the test below).
PAGE_QUERIES = 20


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
    # Pinned (31 before issue 15): the initiative comes with its schools, tags and owner, the
    # cycles each with whether it is stuck, the gates' facts once for the checklist and the
    # moves, and the charts' annotations from the cycles and history already loaded.
    assert counts[0] == PAGE_QUERIES, f"the initiative page now takes {counts[0]} queries"


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


# --- every field its own id; after a write, back where the person was --------------------

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.label_targets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])


@pytest.mark.parametrize("who", ["school_lead", "owner"])
def test_every_id_on_the_initiative_page_is_unique_and_each_label_names_a_field(
        app, monkeypatch, make, login_as, school, lead, who):
    initiative = make.initiative(schools=[school])
    make.milestone(initiative)
    make._save(PdsaCycle(initiative_id=initiative.id, title="Pairs", stage="act"))
    client = login_as(lead if who == "school_lead" else initiative.owner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as served: forms carry tokens
    parsed = _Ids()
    parsed.feed(text_of(client.get(f"/initiatives/{initiative.id}")))
    repeated = sorted({i for i in parsed.ids if parsed.ids.count(i) > 1})
    assert repeated == []
    assert set(parsed.label_targets) <= set(parsed.ids)
    assert "milestone-title" in parsed.ids and "cycle-title" in parsed.ids


def test_after_logging_an_update_the_page_opens_on_the_form_with_the_update_beneath(
        make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    client = login_as(lead)
    response = client.post(f"/initiatives/{initiative.id}/updates",
                           data={"rag": "green", "narrative": "Phonics groups running."})
    assert response.status_code == 302 and response.location.endswith("#updates")
    html = text_of(client.get(response.location))
    section = html[html.index('id="updates"'):]
    section = section[:section.index("</section>")]
    assert "Log update</button>" in section and "Phonics groups running." in section


def test_the_next_pdsa_step_is_open_for_the_cycles_owner(make, login_as, school, lead):
    initiative = make.initiative(schools=[school])
    mine = make._save(PdsaCycle(initiative_id=initiative.id, title="Mine", stage="do",
                                owner_id=lead.id))
    theirs = make._save(PdsaCycle(initiative_id=initiative.id, title="Theirs", stage="do",
                                  owner_id=initiative.owner_id))
    html = text_of(login_as(lead).get(f"/initiatives/{initiative.id}"))

    def step(cycle):
        card = html[html.index(f'id="cycle-{cycle.id}"'):]
        return card[card.index("<details", card.index("Edit the Do notes")):][:15]
    assert step(mine).startswith("<details open")
    assert not step(theirs).startswith("<details open")


# --- milestones: edit, reschedule, delete ---------------------------------------------------

def test_a_lead_reschedules_and_renames_a_milestone_on_its_edit_page(make, login_as, school, lead,
                                                                     session):
    initiative = make.initiative(schools=[school])
    milestone = make.milestone(initiative, title="Staff trained")
    client = login_as(lead)
    page = text_of(client.get(f"/milestones/{milestone.id}/edit"))
    assert 'value="Staff trained"' in page and milestone.due_on.isoformat() in page
    later = milestone.due_on + timedelta(days=21)
    response = client.post(f"/milestones/{milestone.id}/edit", data={
        "title": "All staff trained", "due_on": later.isoformat(), "owner_id": "0",
        "version": str(milestone.version)})
    assert response.status_code == 302
    assert response.location.endswith(f"#milestone-{milestone.id}")
    session.expire_all()
    saved = session.get(Milestone, milestone.id)
    assert (saved.title, saved.due_on, saved.owner_id) == ("All staff trained", later, None)


def test_a_milestone_edit_with_a_stale_version_or_no_title_is_told_and_changes_nothing(
        make, login_as, school, lead, session):
    milestone = make.milestone(make.initiative(schools=[school]), title="Staff trained")
    client = login_as(lead)
    due = milestone.due_on.isoformat()
    untitled = client.post(f"/milestones/{milestone.id}/edit", data={
        "title": " ", "due_on": due, "version": str(milestone.version)})
    assert untitled.status_code == 200 and "Give the milestone a title." in text_of(untitled)
    stale = client.post(f"/milestones/{milestone.id}/edit", data={
        "title": "Renamed", "due_on": due, "version": str(milestone.version + 1)})
    assert stale.status_code == 200
    assert 'value="Renamed"' in text_of(stale)  # what was typed is kept
    assert f'name="version" type="hidden" value="{milestone.version}"' in text_of(stale)
    session.expire_all()
    assert session.get(Milestone, milestone.id).title == "Staff trained"


def test_deleting_a_milestone_asks_first_then_removes_it(make, login_as, school, lead, session):
    initiative = make.initiative(schools=[school])
    milestone = make.milestone(initiative, title="Staff trained")
    client = login_as(lead)
    confirm = client.get(f"/milestones/{milestone.id}/delete")
    assert confirm.status_code == 200
    assert "Delete the milestone “Staff trained”?" in text_of(confirm)
    assert session.get(Milestone, milestone.id) is not None
    response = client.post(f"/milestones/{milestone.id}/delete", data={})
    assert response.status_code == 302 and response.location.endswith("#milestones")
    session.expire_all()
    assert session.get(Milestone, milestone.id) is None


# --- PDSA: the notes of the stage a cycle is in --------------------------------------------

def test_a_lead_edits_the_notes_of_the_stage_the_cycle_is_in(make, login_as, school, lead,
                                                              session):
    initiative = make.initiative(schools=[school])
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="Pairs", stage="do",
                                 question="Q", prediction="P"))
    client = login_as(lead)
    page = text_of(client.get(f"/pdsa-cycles/{cycle.id}/notes"))
    assert 'name="do_notes"' in page and 'name="study_notes"' not in page
    assert 'name="question"' not in page
    response = client.post(f"/pdsa-cycles/{cycle.id}/notes", data={
        "do_notes": "Week one: two classes", "study_notes": "not this stage's",
        "question": "changed?", "version": str(cycle.version)})
    assert response.status_code == 302 and response.location.endswith(f"#cycle-{cycle.id}")
    session.expire_all()
    saved = session.get(PdsaCycle, cycle.id)
    assert (saved.stage, saved.do_notes, saved.study_notes, saved.question) == (
        "do", "Week one: two classes", "", "Q")


def test_a_stale_notes_save_is_told_and_keeps_the_text(make, login_as, school, lead, session):
    cycle = make._save(PdsaCycle(initiative_id=make.initiative(schools=[school]).id,
                                 title="Pairs", stage="study"))
    response = login_as(lead).post(f"/pdsa-cycles/{cycle.id}/notes", data={
        "study_notes": "Fewer incidents", "version": str(cycle.version + 1)})
    assert response.status_code == 200
    assert "Fewer incidents" in text_of(response) and "Someone else changed this" in text_of(response)
    session.expire_all()
    assert session.get(PdsaCycle, cycle.id).study_notes in ("", None)


@pytest.mark.parametrize("role", ["viewer", "central_team", "project_lead"])
def test_people_who_cannot_write_are_refused_the_edit_pages(make, login_as, school, role):
    initiative = make.initiative(schools=[school])
    milestone = make.milestone(initiative)
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="C", stage="do"))
    client = login_as(make.user(role, schools=[school] if role != "central_team" else []))
    for path in (f"/milestones/{milestone.id}/edit", f"/milestones/{milestone.id}/delete",
                 f"/pdsa-cycles/{cycle.id}/notes"):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={"version": "1"}).status_code == 403, path


def test_the_owning_project_lead_edits_and_another_schools_lead_finds_nothing(make, login_as,
                                                                              school):
    owner = make.user("project_lead", schools=[school])
    initiative = make.initiative(schools=[school], owner=owner)
    milestone = make.milestone(initiative)
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="C", stage="do"))
    mine = login_as(owner)
    for path in (f"/milestones/{milestone.id}/edit", f"/milestones/{milestone.id}/delete",
                 f"/pdsa-cycles/{cycle.id}/notes"):
        assert mine.get(path).status_code == 200, path
    other = login_as(make.user("school_lead", schools=[make.school()]))
    for path in (f"/milestones/{milestone.id}/edit", f"/milestones/{milestone.id}/delete",
                 f"/pdsa-cycles/{cycle.id}/notes"):
        assert other.get(path).status_code == 404, path
        assert other.post(path, data={}).status_code == 404, path


def test_the_edit_pages_cost_the_same_queries_for_more_people_and_milestones(
        make, login_as, school, lead, count_queries):
    initiative = make.initiative(schools=[school])
    milestone = make.milestone(initiative)
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="C", stage="do"))
    client = login_as(lead)
    counts = []
    for n in (1, 10):
        for k in range(n):
            make.milestone(initiative, title=f"M{k}",
                           owner_id=make.user("project_lead", schools=[school]).id)
        with count_queries() as queries:
            for path in (f"/milestones/{milestone.id}/edit", f"/milestones/{milestone.id}/delete",
                         f"/pdsa-cycles/{cycle.id}/notes"):
                assert client.get(path).status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1], counts
