"""The experts and allocations API: who may read and write, the 409 over_allocated
body with its weeks, overrides, PATCH with version, and bad input as clear 4xx."""
from datetime import date

import pytest

from tracker import clock
from tracker.models import AuditEntry

ROLES = ["admin", "central_team", "school_lead", "project_lead", "viewer"]
WRITERS = {"admin", "central_team"}


@pytest.fixture(autouse=True)
def trusts_today(monkeypatch):
    """The trust's today for these tests: the dates they book (from 7 December 2026) are to
    come, as a new allocation's must be, whatever day the suite runs."""
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))


@pytest.fixture
def trust(make):
    """Two schools, an initiative in each, an expert allocated to each school, and a
    person of every role attached to the first school."""
    mine, theirs = make.school(name="Oakwood"), make.school(name="Millbrook")
    owner = make.user("project_lead", schools=[mine])
    initiative = make.initiative(schools=[mine], owner=owner, phase="deliver")
    their_initiative = make.initiative(schools=[theirs], phase="deliver")
    expert = make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    people = {role: make.user(role, schools=[] if role in WRITERS else [mine]) for role in ROLES}
    people["project_lead"] = owner
    return {"mine": mine, "theirs": theirs, "initiative": initiative,
            "their_initiative": their_initiative, "expert": expert, "people": people}


@pytest.fixture
def central_api(trust, api_as):
    return api_as(trust["people"]["central_team"])


def allocation_body(trust, **kw):
    body = {"expert_id": trust["expert"].id, "school_id": trust["mine"].id,
            "initiative_id": trust["initiative"].id, "starts_on": "2026-12-07",
            "ends_on": "2026-12-18", "days_per_week": 1}
    body.update(kw)
    return body


def test_central_team_allocates_an_expert_to_a_schools_initiative(trust, central_api):
    response = central_api.post("/api/v1/allocations", json=allocation_body(trust))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body | {"id": 0, "created_at": None} == {
        "id": 0, "expert_id": trust["expert"].id, "school_id": trust["mine"].id,
        "initiative_id": trust["initiative"].id, "starts_on": "2026-12-07", "ends_on": "2026-12-18",
        "days_per_week": 1.0, "status": "planned", "override_reason": None, "notes": "",
        "created_at": None, "version": 1}


def test_a_double_booking_gets_409_over_allocated_with_the_weeks_and_nothing_is_written(trust, central_api):
    assert central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=1.5)).status_code == 201
    response = central_api.post("/api/v1/allocations", json=allocation_body(
        trust, starts_on="2026-12-14", ends_on="2027-01-08", initiative_id=None))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "over_allocated"
    assert error["weeks"] == [{"week": "2026-W51", "load": 2.5, "capacity": 2.0, "excess": 0.5}]
    assert "Maya Patel" in error["message"]
    assert central_api.get("/api/v1/allocations").get_json()["total"] == 1


def test_an_override_reason_lets_it_through_and_is_recorded(trust, central_api, session):
    central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=2))
    response = central_api.post("/api/v1/allocations", json=allocation_body(
        trust, override_reason="Covering a maternity leave"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["override_reason"] == "Covering a maternity leave"
    event = session.query(AuditEntry).filter_by(action="override").one()
    assert event.record_id == response.get_json()["id"]
    assert event.actor_id == trust["people"]["central_team"].id
    assert event.changes["weeks"] == [{"week": "2026-W50", "load": 3.0, "capacity": 2.0, "excess": 1.0},
                                      {"week": "2026-W51", "load": 3.0, "capacity": 2.0, "excess": 1.0}]


def test_patch_carries_the_version_and_a_stale_one_gets_409(trust, central_api):
    created = central_api.post("/api/v1/allocations", json=allocation_body(trust)).get_json()
    url = f"/api/v1/allocations/{created['id']}"
    first = central_api.patch(url, json={"status": "confirmed", "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = central_api.patch(url, json={"status": "delivered", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    missing = central_api.patch(url, json={"status": "delivered"})
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["fields"]
    assert central_api.get(url).get_json()["status"] == "confirmed"


def test_a_change_that_double_books_is_refused_unless_overridden(trust, central_api):
    central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=1))
    other = central_api.post("/api/v1/allocations", json=allocation_body(
        trust, starts_on="2027-01-04", ends_on="2027-01-08")).get_json()
    url = f"/api/v1/allocations/{other['id']}"
    moved = central_api.patch(url, json={"starts_on": "2026-12-14", "days_per_week": 1.5, "version": 1})
    assert moved.status_code == 409
    assert [w["week"] for w in moved.get_json()["error"]["weeks"]] == ["2026-W51"]
    allowed = central_api.patch(url, json={"starts_on": "2026-12-14", "days_per_week": 1.5, "version": 1,
                                           "override_reason": "Agreed with the head"})
    assert allowed.status_code == 200 and allowed.get_json()["override_reason"] == "Agreed with the head"


@pytest.mark.parametrize("changes, field", [
    ({"ends_on": "2026-12-01"}, "ends_on"),
    ({"days_per_week": 0}, "days_per_week"),
    ({"days_per_week": -2}, "days_per_week"),
    ({"days_per_week": 8}, "days_per_week"),
    ({"days_per_week": "two"}, "days_per_week"),
    ({"days_per_week": True}, "days_per_week"),
    ({"starts_on": "2026-02-30"}, "starts_on"),
    ({"starts_on": "1066-10-14"}, "starts_on"),
    ({"expert_id": 999999}, "expert_id"),
    ({"expert_id": 2**80}, "expert_id"),
    ({"expert_id": "1"}, "expert_id"),
    ({"school_id": 999999}, "school_id"),
    ({"initiative_id": "theirs"}, "initiative_id"),
    ({"status": "pending"}, "status"),
    ({"notes": "a\x00b"}, "notes"),
    ({"override_reason": "x" * 2001}, "override_reason"),
    ({"colour": "red"}, "colour"),
])
def test_bad_allocations_get_422_naming_the_field(trust, central_api, changes, field):
    if changes.get("initiative_id") == "theirs":
        changes = {"initiative_id": trust["their_initiative"].id}
    response = central_api.post("/api/v1/allocations", json=allocation_body(trust, **changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", ""])
def test_a_malformed_body_is_a_4xx_not_a_500(central_api, body):
    response = central_api.post("/api/v1/allocations", data=body,
                                headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("role", ROLES)
def test_only_central_team_and_admins_create_and_change_allocations(trust, api_as, central_api, role):
    created = central_api.post("/api/v1/allocations", json=allocation_body(trust)).get_json()
    api = api_as(trust["people"][role])
    post = api.post("/api/v1/allocations", json=allocation_body(trust, starts_on="2027-03-01",
                                                                 ends_on="2027-03-05"))
    patch = api.patch(f"/api/v1/allocations/{created['id']}", json={"notes": "x", "version": 1})
    if role in WRITERS:
        assert (post.status_code, patch.status_code) == (201, 200)
    else:
        assert (post.status_code, patch.status_code) == (403, 403)
        assert post.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role, sees_theirs", [
    ("admin", True), ("central_team", True), ("school_lead", False), ("project_lead", False),
    ("viewer", False)])
def test_each_role_reads_only_the_allocations_it_may(trust, make, api_as, central_api, role, sees_theirs):
    mine = central_api.post("/api/v1/allocations", json=allocation_body(trust)).get_json()
    theirs = central_api.post("/api/v1/allocations", json=allocation_body(
        trust, school_id=trust["theirs"].id, initiative_id=trust["their_initiative"].id,
        starts_on="2027-01-04", ends_on="2027-01-08")).get_json()
    api = api_as(trust["people"][role])
    listed = [a["id"] for a in api.get("/api/v1/allocations").get_json()["items"]]
    assert listed == ([mine["id"], theirs["id"]] if sees_theirs else [mine["id"]])
    assert api.get(f"/api/v1/allocations/{mine['id']}").status_code == 200
    assert api.get(f"/api/v1/allocations/{theirs['id']}").status_code == (200 if sees_theirs else 404)


def test_a_project_lead_reads_allocations_to_their_initiatives_not_their_schools_others(
        trust, make, api_as, central_api):
    colleague = make.initiative(schools=[trust["mine"]], phase="deliver")
    to_colleague = central_api.post("/api/v1/allocations", json=allocation_body(
        trust, initiative_id=colleague.id)).get_json()
    api = api_as(trust["people"]["project_lead"])
    assert api.get("/api/v1/allocations").get_json()["total"] == 0
    assert api.get(f"/api/v1/allocations/{to_colleague['id']}").status_code == 404


def test_a_viewer_with_no_school_reads_the_whole_trusts_allocations(trust, make, api_as, central_api):
    central_api.post("/api/v1/allocations", json=allocation_body(trust, school_id=trust["theirs"].id,
                                                                 initiative_id=None))
    board = api_as(make.user("viewer"))
    assert board.get("/api/v1/allocations").get_json()["total"] == 1


def test_an_expert_linked_to_an_account_reads_their_own_allocations(trust, make, api_as, central_api, session):
    person = make.user("project_lead", schools=[trust["theirs"]])
    trust["expert"].user_id = person.id
    session.commit()
    central_api.post("/api/v1/allocations", json=allocation_body(trust))
    assert api_as(person).get("/api/v1/allocations").get_json()["total"] == 1


def test_allocations_filter_by_expert_school_status_and_range(trust, make, central_api):
    other = make.expert()
    central_api.post("/api/v1/allocations", json=allocation_body(trust))
    central_api.post("/api/v1/allocations", json=allocation_body(
        trust, expert_id=other.id, school_id=trust["theirs"].id, initiative_id=None,
        starts_on="2027-01-04", ends_on="2027-01-08", status="confirmed"))
    get = lambda q: [a["expert_id"] for a in central_api.get("/api/v1/allocations?" + q).get_json()["items"]]  # noqa: E731
    assert get(f"expert_id={other.id}") == [other.id]
    assert get(f"school_id={trust['mine'].id}") == [trust["expert"].id]
    assert get(f"initiative_id={trust['initiative'].id}") == [trust["expert"].id]
    assert get("status=confirmed") == [other.id]
    assert get("from=2026-12-19&to=2027-01-03") == []
    assert get("from=2026-12-18&to=2027-01-04") == [trust["expert"].id, other.id]
    assert central_api.get("/api/v1/allocations?from=2026-13-01").status_code == 422
    assert central_api.get("/api/v1/allocations?status=maybe").status_code == 422


def test_allocation_list_query_count_does_not_grow_with_rows(trust, make, central_api, count_queries):
    def fill(n):
        for k in range(n):
            e = make.expert()
            central_api.post("/api/v1/allocations", json=allocation_body(trust, expert_id=e.id))
    fill(2)
    with count_queries() as small:
        assert central_api.get("/api/v1/allocations").status_code == 200
    fill(8)
    with count_queries() as large:
        assert central_api.get("/api/v1/allocations").get_json()["total"] == 10
    assert large.count == small.count


# --- experts -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_experts_directory_and_only_central_team_and_admins_change_it(
        trust, api_as, role):
    api = api_as(trust["people"][role])
    listed = api.get("/api/v1/experts").get_json()
    assert [e["name"] for e in listed["items"]] == ["Maya Patel"]
    assert api.get(f"/api/v1/experts/{trust['expert'].id}").status_code == 200
    created = api.post("/api/v1/experts", json={"name": "Joe Fletcher", "email": f"joe.{role}@example.org",
                                                "days_per_week": 2, "specialisms": ["Science "]})
    patched = api.patch(f"/api/v1/experts/{trust['expert'].id}", json={"days_per_week": 3, "version": 1})
    if role in WRITERS:
        assert (created.status_code, patched.status_code) == (201, 200), created.get_json()
        assert created.get_json()["specialisms"] == ["science"]
    else:
        assert (created.status_code, patched.status_code) == (403, 403)


def test_expert_fields_are_checked(trust, central_api):
    taken = central_api.post("/api/v1/experts", json={
        "name": "Dup", "email": trust["expert"].email.upper(), "days_per_week": 1})
    assert taken.status_code == 422 and "email" in taken.get_json()["error"]["fields"]
    for bad in ({"days_per_week": 0}, {"days_per_week": 7.5}, {"home_school_id": 999999},
                {"email": "not-an-email"}, {"name": ""}, {"specialisms": ["x"] * 31}):
        body = {"name": "New", "email": "new@example.org", "days_per_week": 1} | bad
        response = central_api.post("/api/v1/experts", json=body)
        assert response.status_code == 422, bad
        assert set(bad) <= set(response.get_json()["error"]["fields"]), bad


def test_experts_filter_by_specialism_in_any_case(trust, make, central_api):
    make.expert(name="Sam Science", specialisms=["science"])
    make.expert(name="Mo Maths-ish", specialisms=["maths_like"])
    names = [e["name"] for e in central_api.get("/api/v1/experts?specialism=MATHS").get_json()["items"]]
    assert names == ["Maya Patel"]


def test_cutting_an_experts_days_below_what_is_allocated_needs_an_override(trust, central_api, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=2))
    url = f"/api/v1/experts/{trust['expert'].id}"
    refused = central_api.patch(url, json={"days_per_week": 1, "version": 1})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "over_allocated"
    allowed = central_api.patch(url, json={"days_per_week": 1, "version": 1, "override_reason": "New contract"})
    assert allowed.status_code == 200 and allowed.get_json()["days_per_week"] == 1


def test_who_is_free_lists_experts_with_the_days_in_every_week_best_fit_first(trust, make, api_as, central_api):
    make.expert(name="Ann Roomy", specialisms=["maths"], days_per_week=3)
    make.expert(name="Zed Exact", specialisms=["maths", "numeracy"], days_per_week=1)
    make.expert(name="Sam Science", specialisms=["science"], days_per_week=3)
    central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=1.5))
    query = "/api/v1/experts/available?specialism=maths&from=2026-12-14&to=2026-12-20&days_per_week=1"
    for role in ROLES:
        body = api_as(trust["people"][role]).get(query).get_json()
        assert [(e["name"], e["spare_days_per_week"]) for e in body["items"]] == [
            ("Zed Exact", 1.0), ("Ann Roomy", 3.0)], role
        assert body["total"] == 2
    later = central_api.get(query.replace("2026-12-14", "2026-12-21").replace("2026-12-20", "2026-12-27"))
    assert [e["name"] for e in later.get_json()["items"]] == ["Zed Exact", "Maya Patel", "Ann Roomy"]


@pytest.mark.parametrize("query, field", [
    ("from=2026-12-14&to=2026-12-01&days_per_week=1", "to"),
    ("from=2026-12-14&to=2026-12-20&days_per_week=0", "days_per_week"),
    ("from=2026-12-14&to=2026-12-20&days_per_week=9", "days_per_week"),
    ("from=2026-12-14&to=2026-12-20", "days_per_week"),
    ("from=2026-02-31&to=2026-12-20&days_per_week=1", "from"),
    ("from=2026-12-14&to=2046-12-20&days_per_week=1", "to"),
    ("to=2026-12-20&days_per_week=1", "from"),
    ("from=2026-12-14&to=2026-12-20&days_per_week=1&specialism=" + "x" * 101, "specialism"),
])
def test_who_is_free_refuses_a_bad_question_with_422(central_api, query, field):
    response = central_api.get("/api/v1/experts/available?" + query)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_who_is_free_runs_the_same_queries_for_few_or_many_experts(trust, make, central_api, count_queries):
    query = "/api/v1/experts/available?specialism=maths&from=2026-12-14&to=2027-03-20&days_per_week=0.5"
    with count_queries() as small:
        central_api.get(query)
    for _ in range(10):
        e = make.expert(specialisms=["maths"], days_per_week=2)
        central_api.post("/api/v1/allocations", json=allocation_body(trust, expert_id=e.id))
    with count_queries() as large:
        assert central_api.get(query).get_json()["total"] == 11
    assert large.count == small.count


def test_unknown_expert_is_404(central_api):
    assert central_api.get("/api/v1/experts/999999").status_code == 404
    assert central_api.get(f"/api/v1/experts/{2**70}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_leave_is_recorded_by_central_team_and_read_only_by_them_and_the_expert(trust, api_as, central_api, role):
    url = f"/api/v1/experts/{trust['expert'].id}/unavailability"
    api = api_as(trust["people"][role])
    created = api.post(url, json={"starts_on": "2026-12-09", "ends_on": "2026-12-09", "reason": "Course"})
    listed = api.get(url)
    if role in WRITERS:
        assert (created.status_code, listed.status_code) == (201, 200)
        assert listed.get_json()["items"][0]["reason"] == "Course"
        assert api.delete(f"{url}/{created.get_json()['id']}").status_code == 204
        assert api.get(url).get_json()["total"] == 0
    else:
        assert (created.status_code, listed.status_code) == (403, 403)


def test_an_expert_reads_their_own_leave(trust, make, api_as, central_api, session):
    person = make.user("viewer", schools=[trust["mine"]])
    trust["expert"].user_id = person.id
    session.commit()
    url = f"/api/v1/experts/{trust['expert'].id}/unavailability"
    central_api.post(url, json={"starts_on": "2026-12-09", "ends_on": "2026-12-10"})
    assert api_as(person).get(url).get_json()["total"] == 1


def test_leave_counts_as_full_load_for_new_allocations(trust, central_api):
    central_api.post(f"/api/v1/experts/{trust['expert'].id}/unavailability",
                     json={"starts_on": "2026-12-09", "ends_on": "2026-12-09"})
    response = central_api.post("/api/v1/allocations", json=allocation_body(trust, days_per_week=0.5))
    assert response.status_code == 409
    assert response.get_json()["error"]["weeks"][0] == {"week": "2026-W50", "load": 2.5,
                                                         "capacity": 2.0, "excess": 0.5}


def test_bad_leave_is_422(trust, central_api):
    url = f"/api/v1/experts/{trust['expert'].id}/unavailability"
    backwards = central_api.post(url, json={"starts_on": "2026-12-09", "ends_on": "2026-12-01"})
    assert backwards.status_code == 422 and "ends_on" in backwards.get_json()["error"]["fields"]
    assert central_api.delete(f"{url}/999999").status_code == 404


def test_the_openapi_document_describes_capacity(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/experts/available", "/api/v1/experts/{expert_id}", "/api/v1/allocations",
            "/api/v1/allocations/{allocation_id}", "/api/v1/experts/{expert_id}/unavailability"} <= set(paths)
