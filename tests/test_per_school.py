"""Horizontal initiatives report per school: an update or a milestone may be for one of the
initiative's schools or for all; each school keeps its own RAG of it (the newest update for it
or for all), which the dashboard's row of the school counts; a trust-wide initiative takes in
every school, those added later included."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker import clock, initiatives, milestones, schools, school_status, updates
from tracker.errors import Invalid
from tracker.models import initiative_schools
from tests.test_concurrency import THREADS, Client, at_once


@pytest.fixture
def trio(make):
    """Three schools, one horizontal initiative across all three, owned by an admin."""
    north, south, east = (make.school(name=n) for n in ("North", "South", "East"))
    admin = make.user("admin", name="Ada Admin")
    shared = make.initiative(schools=[north, south, east], owner=admin, phase="deliver",
                             title="Reading across the trust")
    return shared, north, south, east, admin


def school_rags(session, initiative):
    link = initiative_schools.c
    session.expire_all()
    return dict(session.execute(sa.select(link.school_id, link.rag)
                                .where(link.initiative_id == initiative.id)).all())


# --- the domain -------------------------------------------------------------------------

def test_an_update_for_one_school_sets_that_schools_rag_and_the_initiatives(session, trio):
    shared, north, south, east, admin = trio
    updates.log_update(session, admin, shared, rag="green", narrative="All going well.")
    updates.log_update(session, admin, shared, rag="red", narrative="South is behind.",
                       school_id=south.id)
    session.commit()
    assert school_rags(session, shared) == {north.id: "green", south.id: "red", east.id: "green"}
    assert shared.rag == "red"  # the newest update's, whichever school it was for


def test_an_update_for_all_sets_every_schools_rag(session, trio):
    shared, north, south, east, admin = trio
    updates.log_update(session, admin, shared, rag="red", narrative="South.", school_id=south.id)
    updates.log_update(session, admin, shared, rag="amber", narrative="Everyone.")
    session.commit()
    assert set(school_rags(session, shared).values()) == {"amber"}


def test_an_older_update_committed_late_does_not_overwrite_a_schools_newer_rag(session, trio):
    shared, north, south, east, admin = trio
    now = updates.utcnow()
    updates.log_update(session, admin, shared, rag="red", narrative="South, newer.",
                       school_id=south.id, now=now)
    session.commit()
    updates.log_update(session, admin, shared, rag="green", narrative="All, older.",
                       now=now - timedelta(minutes=5))
    session.commit()
    # South keeps its newer RAG; the others take the only update for them.
    assert school_rags(session, shared) == {north.id: "green", south.id: "red", east.id: "green"}
    assert shared.rag == "red"


def test_an_update_for_a_school_not_of_the_initiative_is_refused_naming_school_id(
        make, session, trio):
    shared, *_, admin = trio
    elsewhere = make.school(name="Elsewhere")
    with pytest.raises(Invalid) as refused:
        updates.log_update(session, admin, shared, rag="green", narrative="x",
                           school_id=elsewhere.id)
    assert "school_id" in refused.value.fields


def test_a_school_lead_logs_for_their_own_school_or_all_but_not_for_another(make, session, trio):
    shared, north, south, east, _ = trio
    lead = make.user("school_lead", schools=[north])
    updates.log_update(session, lead, shared, rag="amber", narrative="North.", school_id=north.id)
    with pytest.raises(Invalid) as refused:
        updates.log_update(session, lead, shared, rag="green", narrative="South?",
                           school_id=south.id)
    assert "school_id" in refused.value.fields
    with pytest.raises(Invalid):
        milestones.create_milestone(session, lead, shared, title="South's", school_id=south.id,
                                    due_on=clock.today())


def test_a_milestone_may_be_for_one_school_and_moved_to_all(session, trio):
    shared, north, south, east, admin = trio
    milestone = milestones.create_milestone(session, admin, shared, title="Baseline at South",
                                            due_on=clock.today(), school_id=south.id)
    assert milestone.school_id == south.id
    milestones.update_milestone(session, admin, milestone, milestone.version, school_id=None)
    assert milestone.school_id is None


def test_school_statuses_count_overdue_milestones_for_the_school_or_for_all(make, session, trio):
    shared, north, south, east, admin = trio
    late = clock.today() - timedelta(days=3)
    make.milestone(shared, due_on=late)                        # for all
    make.milestone(shared, due_on=late, school_id=south.id)    # for South
    make.milestone(shared, due_on=late, school_id=south.id, done_on=late)
    updates.log_update(session, admin, shared, rag="red", narrative="South.", school_id=south.id)
    session.commit()
    found = school_status.statuses(session, admin, [shared.id], clock.today())[shared.id]
    by_name = {s.name: s for s in found}
    assert [s.name for s in found] == ["East", "North", "South"]
    assert (by_name["South"].overdue_milestones, by_name["North"].overdue_milestones) == (2, 1)
    assert (by_name["South"].rag, by_name["North"].rag) == ("red", None)
    assert by_name["South"].latest_update_at is not None and by_name["North"].latest_update_at is None


def test_a_reader_sees_the_status_of_their_own_schools_only(make, session, trio):
    shared, north, *_ = trio
    viewer = make.user("viewer", schools=[north])
    assert [s.school_id for s in school_status.statuses(
        session, viewer, [shared.id], clock.today())[shared.id]] == [north.id]


# --- scope: trust ------------------------------------------------------------------------

def test_a_trust_wide_initiative_takes_in_every_school(make, session):
    one, two, three = make.school(), make.school(), make.school()
    admin = make.user("admin")
    initiative = initiatives.create_initiative(session, admin, title="Attendance", scope="trust",
                                               school_ids=[one.id])
    assert sorted(initiative.school_ids) == sorted([one.id, two.id, three.id])


def test_only_someone_who_sees_every_school_makes_an_initiative_trust_wide(make, session):
    mine, other = make.school(), make.school()
    lead = make.user("school_lead", schools=[mine])
    with pytest.raises(Invalid) as refused:
        initiatives.create_initiative(session, lead, title="Everyone", scope="trust",
                                      school_ids=[mine.id])
    assert "scope" in refused.value.fields
    initiative = make.initiative(schools=[mine], owner=lead)
    with pytest.raises(Invalid) as refused:
        initiatives.update_initiative(session, lead, initiative, initiative.version, scope="trust")
    assert "scope" in refused.value.fields


def test_made_trust_wide_by_an_edit_it_takes_in_every_school_with_the_rag_for_all(
        make, session):
    one, two = make.school(), make.school()
    admin = make.user("admin")
    initiative = make.initiative(schools=[one], owner=admin)
    updates.log_update(session, admin, initiative, rag="amber", narrative="For all.")
    session.commit()
    initiatives.update_initiative(session, admin, initiative, initiative.version, scope="trust")
    session.commit()
    assert school_rags(session, initiative) == {one.id: "amber", two.id: "amber"}


def test_a_school_new_to_the_trust_joins_its_active_trust_wide_initiatives(make, session):
    first = make.school()
    admin = make.user("admin")
    wide = initiatives.create_initiative(session, admin, title="Trust-wide", scope="trust",
                                         school_ids=[first.id])
    ended = initiatives.create_initiative(session, admin, title="Ended", scope="trust",
                                          school_ids=[first.id])
    ended.status = "completed"
    updates.log_update(session, admin, wide, rag="amber", narrative="For all.")
    session.commit()
    newcomer = schools.create_school(session, admin, name="Newcomer", urn="999001",
                                     phase="primary")
    session.commit()
    assert newcomer.id in wide.school_ids and newcomer.id not in ended.school_ids
    assert school_rags(session, wide)[newcomer.id] == "amber"


def test_taking_a_school_out_of_a_trust_wide_initiative_makes_it_several_schools(make, session):
    one, two, three = make.school(), make.school(), make.school()
    admin = make.user("admin")
    initiative = initiatives.create_initiative(session, admin, title="Wide", scope="trust",
                                               school_ids=[one.id])
    initiatives.update_initiative(session, admin, initiative, initiative.version,
                                  school_ids=[one.id, two.id])
    assert initiative.scope == "schools"


# --- the API ------------------------------------------------------------------------------

def test_the_api_takes_and_gives_school_id_and_each_schools_status(make, api_as, trio):
    shared, north, south, east, admin = trio
    api = api_as(admin)
    base = f"/api/v1/initiatives/{shared.id}"
    logged = api.post(f"{base}/updates", json={"rag": "red", "narrative": "South behind.",
                                                "school_id": south.id})
    assert logged.status_code == 201 and logged.get_json()["school_id"] == south.id
    everyone = api.post(f"{base}/updates", json={"rag": "green", "narrative": "All."}).get_json()
    assert everyone["school_id"] is None
    milestone = api.post(f"{base}/milestones", json={
        "title": "South's catch-up", "due_on": str(clock.today() - timedelta(days=1)),
        "school_id": south.id}).get_json()
    assert milestone["school_id"] == south.id
    api.post(f"{base}/updates", json={"rag": "amber", "narrative": "South.",
                                      "school_id": south.id})
    body = api.get(base).get_json()
    status = {s["school_id"]: s for s in body["schools_status"]}
    assert (status[south.id]["rag"], status[north.id]["rag"]) == ("amber", "green")
    assert (status[south.id]["overdue_milestones"], status[north.id]["overdue_milestones"]) == (1, 0)
    patched = api.patch(f"/api/v1/milestones/{milestone['id']}", json={
        "school_id": None, "version": milestone["version"]}).get_json()
    assert patched["school_id"] is None
    listed = api.get(f"/api/v1/initiatives?school_id={south.id}").get_json()
    assert listed["items"][0]["schools_status"] == api.get(base).get_json()["schools_status"]
    assert {s["school_id"]: s["overdue_milestones"] for s in listed["items"][0][
        "schools_status"]} == dict.fromkeys((north.id, south.id, east.id), 1)  # now for all


def test_the_api_refuses_a_school_not_of_the_initiative_with_422(make, api_as, trio):
    shared, *_, admin = trio
    other = make.school()
    response = api_as(admin).post(f"/api/v1/initiatives/{shared.id}/updates", json={
        "rag": "green", "narrative": "x", "school_id": other.id})
    assert response.status_code == 422
    assert "school_id" in response.get_json()["error"]["fields"]


def test_the_rag_filter_with_a_school_means_that_schools_own_rag(make, api_as, session, trio):
    shared, north, south, east, admin = trio
    updates.log_update(session, admin, shared, rag="green", narrative="All.")
    updates.log_update(session, admin, shared, rag="red", narrative="South.", school_id=south.id)
    session.commit()
    api = api_as(admin)

    def ids(**args):
        query = "&".join(f"{k}={v}" for k, v in args.items())
        return [i["id"] for i in api.get(f"/api/v1/initiatives?{query}").get_json()["items"]]
    assert ids(school_id=south.id, rag="red") == [shared.id]
    assert ids(school_id=north.id, rag="red") == []
    assert ids(school_id=north.id, rag="green") == [shared.id]
    assert ids(rag="red") == [shared.id]  # without a school: the initiative's own RAG


def test_a_trust_wide_initiative_from_the_api_lists_every_school(make, api_as):
    one, two = make.school(), make.school()
    body = api_as(make.user("admin")).post("/api/v1/initiatives", json={
        "title": "Attendance matters", "school_ids": [one.id], "scope": "trust"}).get_json()
    assert sorted(body["school_ids"]) == sorted([one.id, two.id]) and body["scope"] == "trust"
    lead = make.user("school_lead", schools=[one])
    refused = api_as(lead).post("/api/v1/initiatives", json={
        "title": "Mine for all", "school_ids": [one.id], "scope": "trust"})
    assert refused.status_code == 422 and "scope" in refused.get_json()["error"]["fields"]


def test_the_api_lists_initiatives_with_their_status_in_as_many_queries_for_more_schools(
        make, api_as, count_queries):
    admin = make.user("admin")
    api = api_as(admin)
    counts = []
    for n in (2, 8):
        group = [make.school() for _ in range(n)]
        initiative = make.initiative(schools=group, owner=admin)
        make.milestone(initiative, due_on=clock.today() - timedelta(days=1),
                       school_id=group[0].id)
        with count_queries() as queries:
            response = api.get("/api/v1/initiatives")
        assert response.status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1], counts


# --- the dashboard ------------------------------------------------------------------------

def test_a_schools_dashboard_row_counts_its_own_rag_and_milestones_of_a_shared_initiative(
        make, api_as, session, trio):
    shared, north, south, east, admin = trio
    updates.log_update(session, admin, shared, rag="green", narrative="All.")
    updates.log_update(session, admin, shared, rag="red", narrative="South.", school_id=south.id)
    late = clock.today() - timedelta(days=2)
    make.milestone(shared, due_on=late, school_id=south.id)
    make.milestone(shared, due_on=late)
    session.commit()
    rows = {r["school_id"]: r for r in api_as(admin).get("/api/v1/dashboard").get_json()["schools"]}
    assert rows[south.id]["rag"]["red"] == 1 and rows[south.id]["rag"]["green"] == 0
    assert rows[north.id]["rag"]["green"] == 1 and rows[north.id]["rag"]["red"] == 0
    assert (rows[south.id]["overdue_milestones"], rows[north.id]["overdue_milestones"]) == (2, 1)


# --- concurrency --------------------------------------------------------------------------

def test_updates_for_different_schools_posted_at_once_leave_each_school_its_newest_rag(
        app, make, trio):
    shared, north, south, east, _ = trio
    clients = [Client(app, make.user("admin")) for _ in range(THREADS)]
    url = f"/api/v1/initiatives/{shared.id}/updates"
    rags = ("green", "amber", "red")
    targets = (north.id, south.id, None)
    calls = [lambda i=i: clients[i % THREADS].post(url, json={
        "rag": rags[i % 3], "narrative": f"Update {i}.", "school_id": targets[(i // 3) % 3]})
        for i in range(36)]
    responses = at_once(calls)
    assert all(r.status_code == 201 for r in responses), [r.get_json() for r in responses]
    listed = clients[0].get(url + "?per_page=500").get_json()["items"]  # newest first
    shown = clients[0].get(f"/api/v1/initiatives/{shared.id}").get_json()
    assert shown["rag"] == listed[0]["rag"]
    for school_id in (north.id, south.id, east.id):
        newest = next(u for u in listed if u["school_id"] in (school_id, None))
        status = next(s for s in shown["schools_status"] if s["school_id"] == school_id)
        assert status["rag"] == newest["rag"], school_id
