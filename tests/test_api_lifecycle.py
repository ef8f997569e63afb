"""The lifecycle API: transitions and gates, milestones, updates and PDSA cycles."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.models import AuditEntry, PdsaCycle, Update

# --- who may do what, on every route ----------------------------------------------------

#: route name → (kind, a function of the fixture world giving (method, path, json))
ROUTES = {
    "list transitions": ("read", lambda w: ("GET", f"/initiatives/{w.i.id}/transitions", None)),
    "move phase": ("move", lambda w: ("POST", f"/initiatives/{w.i.id}/transitions", {"to": "prepare"})),
    "gates": ("read", lambda w: ("GET", f"/initiatives/{w.i.id}/gates", None)),
    "list milestones": ("read", lambda w: ("GET", f"/initiatives/{w.i.id}/milestones", None)),
    "add milestone": ("write", lambda w: ("POST", f"/initiatives/{w.i.id}/milestones",
                                          {"title": "Staff trained", "due_on": "2026-06-01"})),
    "get milestone": ("read", lambda w: ("GET", f"/milestones/{w.m.id}", None)),
    "edit milestone": ("write", lambda w: ("PATCH", f"/milestones/{w.m.id}",
                                           {"title": "Renamed", "version": w.m.version})),
    "delete milestone": ("write", lambda w: ("DELETE", f"/milestones/{w.m.id}", None)),
    "list updates": ("read", lambda w: ("GET", f"/initiatives/{w.i.id}/updates", None)),
    "log update": ("write", lambda w: ("POST", f"/initiatives/{w.i.id}/updates",
                                       {"rag": "amber", "narrative": "Slow start."})),
    "list cycles": ("read", lambda w: ("GET", f"/initiatives/{w.i.id}/pdsa-cycles", None)),
    "start cycle": ("write", lambda w: ("POST", f"/initiatives/{w.i.id}/pdsa-cycles",
                                        {"title": "Phonics groups of 4"})),
    "get cycle": ("read", lambda w: ("GET", f"/pdsa-cycles/{w.c.id}", None)),
    "edit cycle": ("write", lambda w: ("PATCH", f"/pdsa-cycles/{w.c.id}",
                                       {"do_notes": "Went well", "version": w.c.version})),
    "advance cycle": ("write", lambda w: ("POST", f"/pdsa-cycles/{w.c.id}/advance",
                                          {"version": w.c.version})),
}

#: role → what it may do to an initiative in its own school it does not own
#: (``owner`` is the project lead who owns it; ``elsewhere`` belongs to another school).
ALLOWED = {
    "admin": {"read", "write", "move"},
    "central_team": {"read"},
    "school_lead": {"read", "write", "move"},
    "owner": {"read", "write"},
    "project_lead": {"read"},
    "viewer": {"read"},
    "elsewhere": set(),
}
SUCCESS = {"GET": 200, "POST": 201, "PATCH": 200, "DELETE": 204}


class World:
    pass


@pytest.fixture
def world(make):
    w = World()
    w.school, w.other_school = make.school(), make.school()
    w.owner = make.user("project_lead", schools=[w.school])
    w.i = make.initiative(schools=[w.school], owner=w.owner, problem="Low reading ages",
                          evidence="EEF literacy guidance")
    w.m = make.milestone(w.i)
    w.c = make._save(PdsaCycle(initiative_id=w.i.id, title="Try it", question="Will it?",
                               prediction="Yes", owner_id=w.owner.id))
    w.people = {
        "admin": make.user("admin"),
        "central_team": make.user("central_team"),
        "school_lead": make.user("school_lead", schools=[w.school]),
        "owner": w.owner,
        "project_lead": make.user("project_lead", schools=[w.school]),
        "viewer": make.user("viewer", schools=[w.school]),
        "elsewhere": make.user("school_lead", schools=[w.other_school]),
    }
    return w


@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_answers_each_role_by_the_permission_rules(world, api_as, route, who):
    kind, build = ROUTES[route]
    method, path, body = build(world)
    response = api_as(world.people[who])._call(method, "/api/v1" + path, json=body)
    if who == "elsewhere":
        expected = 404
    elif kind in ALLOWED[who]:
        expected = 200 if route == "advance cycle" else SUCCESS[method]
    else:
        expected = 403
    assert response.status_code == expected, response.get_json()
    if expected >= 400:
        assert response.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[expected]


# --- transitions and gates -------------------------------------------------------------

@pytest.fixture
def school(make):
    return make.school()


@pytest.fixture
def lead(make, school):
    return make.user("school_lead", schools=[school])


def test_an_unmet_gate_gives_422_gate_blocked_with_every_missing_criterion(make, api_as, school,
                                                                          lead):
    make.policy(mode="strict")
    initiative = make.initiative(schools=[school], phase="prepare")
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                                 json={"to": "deliver"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "gate_blocked"
    assert [m["code"] for m in error["missing"]] == ["active_ingredients", "milestone", "measure",
                                                     "one_out"]
    assert all(m["message"] for m in error["missing"])
    assert api_as(lead).get(f"/api/v1/initiatives/{initiative.id}").get_json()["phase"] == "prepare"


def test_a_move_answers_the_transition_and_the_moved_initiative(make, api_as, school, lead):
    initiative = make.initiative(schools=[school], problem="p", evidence="e")
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                                 json={"to": "prepare"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["from"], body["to"], body["user_id"]) == ("explore", "prepare", lead.id)
    assert body["initiative"]["phase"] == "prepare"
    assert body["initiative"]["version"] == 2


def test_history_lists_from_to_who_when_reason_and_override(make, api_as, school, lead):
    admin = make.user("admin")
    initiative = make.initiative(schools=[school], phase="deliver")
    api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                      json={"to": "prepare", "reason": "Pilot showed gaps"})
    api_as(admin).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                       json={"to": "deliver", "override_reason": "Term starts Monday"})
    body = api_as(lead).get(f"/api/v1/initiatives/{initiative.id}/transitions").get_json()
    assert body["total"] == 2
    first, second = body["items"]
    assert set(first) >= {"from", "to", "user_id", "at", "reason", "override_reason"}
    assert (first["from"], first["to"], first["user_id"], first["reason"]) == (
        "deliver", "prepare", lead.id, "Pilot showed gaps")
    assert (second["to"], second["user_id"], second["override_reason"]) == (
        "deliver", admin.id, "Term starts Monday")


def test_moving_back_without_a_reason_is_refused_beside_the_reason(make, api_as, school, lead):
    initiative = make.initiative(schools=[school], phase="deliver")
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                                 json={"to": "explore"})
    assert response.status_code == 422
    assert "reason" in response.get_json()["error"]["fields"]


def test_a_school_lead_sending_an_override_is_refused_and_told_what_is_missing(
        make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                                 json={"to": "prepare", "override_reason": "Please"})
    assert response.status_code == 403
    assert [m["code"] for m in response.get_json()["error"]["missing"]] == ["problem", "evidence"]


@pytest.mark.parametrize("body,field", [
    ({"to": "sideways"}, "to"),
    ({"to": "deimplemented"}, "to"),
    ({}, "to"),
    ({"to": "prepare", "reason": "a\x00b"}, "reason"),
    ({"to": "prepare", "reason": "x" * 5001}, "reason"),
    ({"to": "prepare", "extra": 1}, "extra"),
    ({"to": 3}, "to"),
])
def test_bad_transition_bodies_get_422_naming_the_field(make, api_as, school, lead, body, field):
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_ending_rejected_from_explore_and_completed_only_from_sustain(make, api_as, school, lead):
    explore = make.initiative(schools=[school])
    deliver = make.initiative(schools=[school], phase="deliver")
    api = api_as(lead)
    assert api.post(f"/api/v1/initiatives/{explore.id}/transitions",
                    json={"to": "rejected"}).get_json()["initiative"]["status"] == "rejected"
    refused = api.post(f"/api/v1/initiatives/{deliver.id}/transitions", json={"to": "completed"})
    assert refused.status_code == 422 and "to" in refused.get_json()["error"]["fields"]


def test_gates_show_every_criterion_and_the_next_phase(make, api_as, school, lead):
    initiative = make.initiative(schools=[school], problem="Low attendance")
    body = api_as(lead).get(f"/api/v1/initiatives/{initiative.id}/gates").get_json()
    assert (body["phase"], body["next"]) == ("explore", "prepare")
    prepare = body["gates"][0]
    assert prepare["to"] == "prepare" and prepare["met"] is False
    assert {c["code"]: c["met"] for c in prepare["criteria"]} == {"problem": True, "evidence": False}


def test_gates_list_the_moves_the_caller_may_make_and_a_skip_they_list_lands(
        make, api_as, school, lead):
    make.policy(mode="cap", max_active_initiatives=5)
    initiative = make.initiative(schools=[school], phase="explore", problem="Low attendance",
                                 evidence="EEF", active_ingredients="Daily check-ins")
    make.milestone(initiative)
    make.measure(initiative)
    body = api_as(lead).get(f"/api/v1/initiatives/{initiative.id}/gates").get_json()
    assert [(m["to"], m["kind"], m["ready"], m["needs_reason"]) for m in body["allowed_moves"]] == [
        ("prepare", "forward", True, False), ("deliver", "forward", True, False),
        ("rejected", "end", True, False)]
    owner = api_as(initiative.owner).get(f"/api/v1/initiatives/{initiative.id}/gates").get_json()
    assert owner["allowed_moves"] == []
    moved = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                              json={"to": "deliver"})
    assert moved.status_code == 201
    after = api_as(lead).get(f"/api/v1/initiatives/{initiative.id}/gates").get_json()
    assert [(m["to"], m["kind"], m["ready"], m["needs_reason"])
            for m in after["allowed_moves"]] == [
        ("sustain", "forward", False, False), ("prepare", "back", True, True),
        ("explore", "back", True, True)]
    assert [m["code"] for m in after["allowed_moves"][0]["missing"]] == ["pdsa_studied"]


def test_unknown_and_huge_initiative_ids_are_not_found(api_as, lead):
    for initiative_id in (999, 2**63, 10**30):
        response = api_as(lead).post(f"/api/v1/initiatives/{initiative_id}/transitions",
                                     json={"to": "prepare"})
        assert response.status_code == 404


# --- milestones --------------------------------------------------------------------------

def test_milestone_status_is_derived_open_done_or_overdue(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    today = date.today()
    make.milestone(initiative, title="Later", due_on=today + timedelta(days=3))
    make.milestone(initiative, title="Late", due_on=today - timedelta(days=1))
    make.milestone(initiative, title="Done", due_on=today - timedelta(days=9),
                   done_on=today - timedelta(days=10))
    items = api_as(lead).get(f"/api/v1/initiatives/{initiative.id}/milestones").get_json()["items"]
    assert [(m["title"], m["status"]) for m in items] == [
        ("Done", "done"), ("Late", "overdue"), ("Later", "open")]


def test_marking_a_milestone_done_records_when_and_reopening_clears_it(make, api_as, school, lead):
    milestone = make.milestone(make.initiative(schools=[school]))
    api = api_as(lead)
    today = date.today().isoformat()
    done = api.patch(f"/api/v1/milestones/{milestone.id}", json={"done_on": today, "version": 1})
    assert done.status_code == 200
    assert (done.get_json()["done_on"], done.get_json()["status"]) == (today, "done")
    reopened = api.patch(f"/api/v1/milestones/{milestone.id}", json={"done_on": None, "version": 2})
    assert reopened.get_json()["status"] == "open"


def test_a_new_milestone_is_owned_by_the_initiatives_owner_unless_named(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/milestones",
                                 json={"title": "Staff trained", "due_on": "2026-06-01"})
    assert response.status_code == 201
    assert response.get_json()["owner_id"] == initiative.owner_id
    assert response.get_json()["status"] in ("open", "overdue")


def test_a_stale_milestone_edit_gets_409_and_writes_nothing(make, api_as, school, lead):
    milestone = make.milestone(make.initiative(schools=[school]), title="Before")
    api = api_as(lead)
    api.patch(f"/api/v1/milestones/{milestone.id}", json={"title": "After", "version": 1})
    stale = api.patch(f"/api/v1/milestones/{milestone.id}", json={"title": "Lost", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(f"/api/v1/milestones/{milestone.id}").get_json()["title"] == "After"


@pytest.mark.parametrize("body,field", [
    ({"title": "", "due_on": "2026-06-01"}, "title"),
    ({"title": "x" * 201, "due_on": "2026-06-01"}, "title"),
    ({"title": "a\x00", "due_on": "2026-06-01"}, "title"),
    ({"title": "T", "due_on": "2026-02-30"}, "due_on"),
    ({"title": "T", "due_on": "soon"}, "due_on"),
    ({"title": "T"}, "due_on"),
    ({"title": "T", "due_on": "2026-06-01", "owner_id": 2**63}, "owner_id"),
    ({"title": "T", "due_on": "2026-06-01", "owner_id": 99999}, "owner_id"),
    ({"title": "T", "due_on": "2026-06-01", "done_on": "2999-01-01"}, "done_on"),
    ({"title": "T", "due_on": "2026-06-01", "colour": "red"}, "colour"),
])
def test_bad_milestones_get_422_naming_the_field(make, api_as, school, lead, body, field):
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/milestones", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_a_milestone_owner_from_another_school_is_refused(make, api_as, school, lead):
    stranger = make.user("project_lead", schools=[make.school()])
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/milestones", json={
        "title": "T", "due_on": "2026-06-01", "owner_id": stranger.id})
    assert response.status_code == 422 and "owner_id" in response.get_json()["error"]["fields"]


def test_a_deleted_milestone_is_gone(make, api_as, school, lead):
    milestone = make.milestone(make.initiative(schools=[school]))
    api = api_as(lead)
    assert api.delete(f"/api/v1/milestones/{milestone.id}").status_code == 204
    assert api.get(f"/api/v1/milestones/{milestone.id}").status_code == 404


# --- updates -----------------------------------------------------------------------------

def test_the_latest_update_sets_the_initiatives_rag(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    api = api_as(lead)
    api.post(f"/api/v1/initiatives/{initiative.id}/updates", json={"rag": "red", "narrative": "Stalled."})
    response = api.post(f"/api/v1/initiatives/{initiative.id}/updates",
                        json={"rag": "green", "narrative": "Back on track."})
    assert response.status_code == 201
    assert response.get_json()["author_id"] == lead.id
    got = api.get(f"/api/v1/initiatives/{initiative.id}").get_json()
    assert got["rag"] == "green" and got["last_update_at"]
    items = api.get(f"/api/v1/initiatives/{initiative.id}/updates").get_json()["items"]
    assert [u["narrative"] for u in items] == ["Back on track.", "Stalled."]
    assert set(items[0]) >= {"id", "rag", "narrative", "author_id", "created_at"}


@pytest.mark.parametrize("body,field", [
    ({"rag": "blue", "narrative": "x"}, "rag"),
    ({"narrative": "x"}, "rag"),
    ({"rag": "red", "narrative": ""}, "narrative"),
    ({"rag": "red", "narrative": "a\x00"}, "narrative"),
    ({"rag": "red", "narrative": 5}, "narrative"),
])
def test_bad_updates_get_422_and_change_nothing(make, api_as, school, lead, session, body, field):
    initiative = make.initiative(schools=[school])
    response = api_as(lead).post(f"/api/v1/initiatives/{initiative.id}/updates", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert session.execute(select(Update)).first() is None


# --- PDSA cycles -------------------------------------------------------------------------

def test_a_cycle_advances_stage_by_stage_with_each_stages_fields(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    api = api_as(lead)
    cycle = api.post(f"/api/v1/initiatives/{initiative.id}/pdsa-cycles",
                     json={"title": "Groups of four"}).get_json()
    assert (cycle["stage"], cycle["next_stage"], cycle["owner_id"]) == ("plan", "do", lead.id)
    path = f"/api/v1/pdsa-cycles/{cycle['id']}/advance"
    steps = [({"question": "Do groups of 4 help?", "prediction": "Fluency up 10%"}, "do"),
             ({"do_notes": "Ran for two weeks"}, "study"),
             ({"study_notes": "Fluency up 6%, less than predicted"}, "act"),
             ({"act_decision": "adapt"}, "closed")]
    version = cycle["version"]
    for fields, stage in steps:
        response = api.post(path, json={**fields, "version": version})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["stage"] == stage
        assert response.get_json()["stage_since"] == date.today().isoformat()
        version = response.get_json()["version"]
    closed = api.post(path, json={"version": version})
    assert closed.status_code == 422


@pytest.mark.parametrize("stage,fields", [
    ("plan", {"question", "prediction"}),
    ("do", {"do_notes"}),
    ("study", {"study_notes"}),
    ("act", {"act_decision"}),
])
def test_advancing_without_the_stages_fields_names_each_missing_field(
        make, api_as, school, lead, stage, fields):
    initiative = make.initiative(schools=[school])
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="T", stage=stage))
    response = api_as(lead).post(f"/api/v1/pdsa-cycles/{cycle.id}/advance",
                                 json={"version": cycle.version})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields
    assert api_as(lead).get(f"/api/v1/pdsa-cycles/{cycle.id}").get_json()["stage"] == stage


def test_a_cycle_can_follow_one_that_reached_act(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    acted = make._save(PdsaCycle(initiative_id=initiative.id, title="First", stage="closed",
                                 act_decision="adapt"))
    doing = make._save(PdsaCycle(initiative_id=initiative.id, title="Other", stage="do"))
    elsewhere = make._save(PdsaCycle(initiative_id=make.initiative(schools=[school]).id,
                                     title="Elsewhere", stage="closed"))
    api = api_as(lead)
    path = f"/api/v1/initiatives/{initiative.id}/pdsa-cycles"
    follow = api.post(path, json={"title": "Second", "parent_id": acted.id})
    assert follow.status_code == 201 and follow.get_json()["parent_id"] == acted.id
    for parent in (doing, elsewhere):
        refused = api.post(path, json={"title": "X", "parent_id": parent.id})
        assert refused.status_code == 422 and "parent_id" in refused.get_json()["error"]["fields"]


def test_a_stale_cycle_edit_or_advance_gets_409(make, api_as, school, lead):
    initiative = make.initiative(schools=[school])
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="T", stage="do"))
    api = api_as(lead)
    assert api.patch(f"/api/v1/pdsa-cycles/{cycle.id}",
                     json={"do_notes": "Day 1", "version": 1}).status_code == 200
    assert api.patch(f"/api/v1/pdsa-cycles/{cycle.id}",
                     json={"do_notes": "Lost", "version": 1}).status_code == 409
    assert api.post(f"/api/v1/pdsa-cycles/{cycle.id}/advance",
                    json={"version": 1, "do_notes": "x"}).status_code == 409


@pytest.mark.parametrize("body,field", [
    ({"version": 1, "act_decision": "maybe"}, "act_decision"),
    ({"version": "1"}, "version"),
    ({"version": 1, "stage": "closed"}, "stage"),
    ({"version": 1, "do_notes": "a\x00"}, "do_notes"),
])
def test_bad_advance_bodies_get_422(make, api_as, school, lead, body, field):
    initiative = make.initiative(schools=[school])
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="T", stage="act"))
    response = api_as(lead).post(f"/api/v1/pdsa-cycles/{cycle.id}/advance", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


# --- bounded lists -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["transitions", "milestones", "updates", "pdsa-cycles"])
def test_list_query_count_does_not_grow_with_rows(make, api_as, school, lead, session,
                                                  count_queries, path):
    initiative = make.initiative(schools=[school])
    api = api_as(lead)

    def add_rows(n):
        for k in range(n):
            make.milestone(initiative, title=f"M{k}")
            make._save(PdsaCycle(initiative_id=initiative.id, title=f"C{k}", owner_id=lead.id))
            api.post(f"/api/v1/initiatives/{initiative.id}/updates",
                     json={"rag": "green", "narrative": f"U{k}"})
            to = "prepare" if initiative.phase == "explore" else "explore"
            from tracker import lifecycle
            lifecycle.record_transition(session, lead, initiative, to, reason="r")
            session.commit()

    counts = []
    for n in (1, 10):
        add_rows(n)
        with count_queries() as queries:
            response = api.get(f"/api/v1/initiatives/{initiative.id}/{path}")
        assert response.status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1]


def test_the_openapi_document_describes_the_lifecycle_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/initiatives/{initiative_id}/transitions",
                 "/api/v1/initiatives/{initiative_id}/gates",
                 "/api/v1/milestones/{milestone_id}",
                 "/api/v1/pdsa-cycles/{cycle_id}/advance",
                 "/api/v1/initiatives/{initiative_id}/updates"):
        assert path in paths


def test_overrides_are_audited_with_the_missing_codes(make, api_as, school, session):
    admin = make.user("admin")
    initiative = make.initiative(schools=[school], phase="deliver")
    api_as(admin).post(f"/api/v1/initiatives/{initiative.id}/transitions",
                       json={"to": "sustain", "override_reason": "Evaluated externally"})
    event = session.execute(select(AuditEntry).where(AuditEntry.action == "override")).scalar_one()
    assert event.changes["missing"] == ["pdsa_studied"]
