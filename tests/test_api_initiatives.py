"""The initiatives API: create, read, list with filters, PATCH with version."""
from tracker.models import AuditEntry


def test_project_lead_creates_an_initiative_in_their_school_starting_in_explore(make, api_as):
    school = make.school()
    lead = make.user("project_lead", schools=[school])
    api = api_as(lead)
    response = api.post("/api/v1/initiatives", json={
        "title": "Daily phonics", "school_ids": [school.id], "pillars": ["data", "vision"],
        "helix_components": ["use_evidence"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phase"] == "explore" and body["status"] == "active"
    assert body["owner_id"] == lead.id and body["school_ids"] == [school.id]
    assert body["pillars"] == ["data", "vision"] and body["one_out"] is None
    assert body["rag"] is None and body["version"] == 1


def test_project_lead_cannot_create_in_another_school(make, api_as):
    mine, other = make.school(), make.school()
    api = api_as(make.user("project_lead", schools=[mine]))
    response = api.post("/api/v1/initiatives", json={"title": "X", "school_ids": [other.id]})
    assert response.status_code == 422
    assert "school_ids" in response.get_json()["error"]["fields"]


def test_patch_with_a_stale_version_gets_409_and_writes_nothing(make, api_as):
    initiative = make.initiative(title="Before")
    api = api_as(initiative.owner)
    first = api.patch(f"/api/v1/initiatives/{initiative.id}", json={"title": "After", "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = api.patch(f"/api/v1/initiatives/{initiative.id}", json={"title": "Lost", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(f"/api/v1/initiatives/{initiative.id}").get_json()["title"] == "After"


def test_one_out_naming_an_initiative_in_another_school_is_refused(make, api_as):
    a, b = make.school(), make.school()
    lead = make.user("school_lead", schools=[a, b])
    mine = make.initiative(schools=[a], owner=lead)
    elsewhere = make.initiative(schools=[b], owner=lead)
    api = api_as(lead)
    response = api.patch(f"/api/v1/initiatives/{mine.id}", json={
        "version": mine.version, "one_out": {"initiative_id": elsewhere.id, "due_on": "2026-12-01"}})
    assert response.status_code == 422
    assert "one_out.initiative_id" in response.get_json()["error"]["fields"]


def test_one_out_is_done_when_the_named_initiative_is_deimplemented(make, api_as, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    old = make.initiative(schools=[school], owner=lead, title="Old")
    new = make.initiative(schools=[school], owner=lead, title="New")
    api = api_as(lead)
    response = api.patch(f"/api/v1/initiatives/{new.id}", json={
        "version": new.version, "one_out": {"initiative_id": old.id, "due_on": "2026-12-01"}})
    assert response.get_json()["one_out"] == {"initiative_id": old.id, "practice": None,
                                              "due_on": "2026-12-01", "done_on": None}
    old.status = "deimplemented"
    old.ended_on = __import__("datetime").date(2026, 11, 20)
    session.commit()
    assert api.get(f"/api/v1/initiatives/{new.id}").get_json()["one_out"]["done_on"] == "2026-11-20"


def test_list_filters_by_phase_pillar_and_text(make, api_as):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    make.initiative(schools=[school], title="Phonics catch-up", phase="deliver", pillars=["data"])
    make.initiative(schools=[school], title="Attendance calls", phase="explore")
    api = api_as(lead)
    assert api.get("/api/v1/initiatives?phase=deliver").get_json()["total"] == 1
    assert api.get("/api/v1/initiatives?pillar=data").get_json()["items"][0]["title"] == "Phonics catch-up"
    assert api.get("/api/v1/initiatives?q=attend").get_json()["total"] == 1
    assert api.get("/api/v1/initiatives?per_page=1").get_json() | {"items": []} == {"items": [], "total": 2}


def test_another_schools_initiative_is_not_found(make, api_as):
    theirs = make.initiative()
    api = api_as(make.user("school_lead", schools=[make.school()]))
    response = api.get(f"/api/v1/initiatives/{theirs.id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_every_edit_is_audited_with_before_and_after(make, api_as, session):
    initiative = make.initiative(title="Before")
    api = api_as(initiative.owner)
    api.patch(f"/api/v1/initiatives/{initiative.id}", json={"title": "After", "version": 1})
    entry = session.execute(__import__("sqlalchemy").select(AuditEntry).where(
        AuditEntry.record_type == "initiatives", AuditEntry.action == "update")).scalar_one()
    assert entry.changes["title"] == ["Before", "After"] and entry.actor_id == initiative.owner_id


def test_ids_in_query_strings_filter_as_api_md_writes_them(make, api_as):
    school, other = make.school(), make.school()
    lead = make.user("project_lead", schools=[school, other])
    mine = make.initiative(schools=[school], owner=lead)
    make.initiative(schools=[other])
    api = api_as(lead)
    by_school = api.get(f"/api/v1/initiatives?school_id={school.id}")
    assert by_school.status_code == 200
    assert [i["id"] for i in by_school.get_json()["items"]] == [mine.id]
    assert api.get(f"/api/v1/initiatives?owner_id={lead.id}").get_json()["total"] == 1
    bad = api.get("/api/v1/initiatives?school_id=abc")
    assert bad.status_code == 422 and "school_id" in bad.get_json()["error"]["fields"]


def test_each_item_of_the_list_is_what_reading_that_initiative_answers(make, api_as, session):
    """The list writes its items out itself (tracker.blueprints.api.initiatives.list_item):
    field for field they are the schema's answer for one initiative."""
    from datetime import date

    from tracker.models import Driver, Goal, Update, initiative_drivers

    a, b = make.school(name="Ashfield"), make.school(name="Brookside")
    lead = make.user("school_lead", schools=[a, b])
    old = make.initiative(schools=[a], owner=lead, title="Old", status="deimplemented",
                          ended_on=date(2026, 11, 20))
    shared = make.initiative(schools=[b, a], owner=lead, title="Shared", rag="amber",
                             pillars=["vision", "data"], helix_components=["connect"],
                             out_initiative_id=old.id, out_due_on=date(2026, 12, 1))
    make.initiative(schools=[a], owner=lead, title="Practice", out_practice="Marking grids",
                    out_due_on=date(2026, 12, 1), out_done_on=date(2026, 11, 2))
    make.milestone(shared, title="Late", due_on=date(2020, 1, 1), school_id=a.id)
    make._save(Update(initiative_id=shared.id, rag="amber", narrative="On its way",
                      author_id=lead.id, school_id=b.id))
    goal = make._save(Goal(title="Reading", aim="Every child reads", author_id=lead.id))
    first = make._save(Driver(goal_id=goal.id, title="Phonics"))
    second = make._save(Driver(goal_id=goal.id, title="Books"))
    session.execute(initiative_drivers.insert(), [
        {"initiative_id": shared.id, "driver_id": second.id},
        {"initiative_id": shared.id, "driver_id": first.id}])
    session.commit()
    for reader in (make.user("admin"), make.user("school_lead", schools=[a])):
        api = api_as(reader)
        listed = api.get("/api/v1/initiatives?per_page=10").get_json()
        assert listed["total"] == 3
        for item in listed["items"]:
            assert item == api.get(f"/api/v1/initiatives/{item['id']}").get_json()
        by_title = {item["title"]: item for item in listed["items"]}
        assert by_title["Shared"]["driver_ids"] == [first.id, second.id]
        assert by_title["Shared"]["one_out"]["done_on"] == "2026-11-20"
        assert by_title["Practice"]["one_out"]["done_on"] == "2026-11-02"
        assert [s["school_id"] for s in by_title["Shared"]["schools_status"]] == (
            [a.id, b.id] if reader.role == "admin" else [a.id])
