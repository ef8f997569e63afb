"""Trust KPIs through the API (API.md "The trust's view"): who defines them, who records
each school's values, and the schools compared in Making Data Count form."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tracker.models import MeasurePoint

START = date(2026, 1, 5)


def week(i):
    return START + timedelta(weeks=i)


@pytest.fixture
def trust(make):
    north = make.school(name="North Primary", urn="300001")
    south = make.school(name="South Academy", urn="300002")
    west = make.school(name="West Infants", urn="300003")
    return SimpleNamespace(
        north=north, south=south, west=west,
        admin=make.user("admin"), central=make.user("central_team"),
        lead=make.user("school_lead", schools=[north]),
        project=make.user("project_lead", schools=[north]),
        viewer=make.user("viewer", schools=[north]), trust_viewer=make.user("viewer"))


@pytest.fixture
def kpi(trust, api_as):
    response = api_as(trust.central).post("/api/v1/measures", json={
        "name": "Attendance", "unit": "%", "higher_is_better": True, "target": 95})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add(session, kpi, school, values):
    for i, value in enumerate(values):
        session.add(MeasurePoint(measure_id=kpi["id"], school_id=school.id, on=week(i), value=value))
    session.commit()


def test_admins_and_the_central_team_define_kpis_and_nobody_else(trust, api_as):
    body = {"name": "Reading age", "unit": "months", "higher_is_better": True, "kind": "outcome"}
    for who in (trust.lead, trust.project, trust.viewer, trust.trust_viewer):
        response = api_as(who).post("/api/v1/measures", json=body)
        assert response.status_code == 403, who.role
        assert response.get_json()["error"]["code"]
    response = api_as(trust.admin).post("/api/v1/measures", json=body)
    assert response.status_code == 201
    made = response.get_json()
    assert made["initiative_id"] is None and made["trust_kpi"] is True and made["target"] is None


@pytest.mark.parametrize("body, field", [
    ({"unit": "%"}, "name"),
    ({"name": "  "}, "name"),
    ({"name": "A", "higher_is_better": "sometimes"}, "higher_is_better"),
    ({"name": "A", "target": "lots"}, "target"),
    ({"name": "A", "kind": "vibes"}, "kind"),
    ({"name": "A", "colour": "red"}, "colour"),
])
def test_a_bad_kpi_is_refused_naming_the_field(trust, api_as, body, field):
    response = api_as(trust.admin).post("/api/v1/measures", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_everyone_reads_the_kpi_list_and_a_kpi(trust, api_as, kpi, make):
    initiative = make.initiative(schools=[trust.north])
    make.measure(initiative, name="Phonics check")  # an initiative's measure is not a KPI
    for who in (trust.admin, trust.lead, trust.project, trust.viewer):
        client = api_as(who)
        listed = client.get("/api/v1/measures?per_page=10").get_json()
        assert listed["total"] == 1 and [m["name"] for m in listed["items"]] == ["Attendance"]
        assert client.get(f"/api/v1/measures/{kpi['id']}").status_code == 200


def test_editing_a_kpi_needs_a_definer_and_the_version(trust, api_as, kpi):
    path = f"/api/v1/measures/{kpi['id']}"
    assert api_as(trust.lead).patch(path, json={"target": 96, "version": kpi["version"]}).status_code == 403
    response = api_as(trust.admin).patch(path, json={"target": 96, "version": kpi["version"]})
    assert response.status_code == 200 and response.get_json()["target"] == 96
    stale = api_as(trust.central).patch(path, json={"target": 97, "version": kpi["version"]})
    assert stale.status_code == 409


def test_a_school_lead_records_values_for_their_schools_only(trust, api_as, kpi):
    path = f"/api/v1/measures/{kpi['id']}/points"
    lead = api_as(trust.lead)
    response = lead.post(path, json={"on": "2026-01-05", "value": 94.2, "school_id": trust.north.id})
    assert response.status_code == 201 and response.get_json()["school_id"] == trust.north.id
    missing = lead.post(path, json={"on": "2026-01-05", "value": 94.2})
    assert missing.status_code == 422 and "school_id" in missing.get_json()["error"]["fields"]
    assert lead.post(path, json={"on": "2026-01-05", "value": 1, "school_id": trust.south.id}).status_code == 404
    assert lead.post(path, json={"on": "2026-01-05", "value": 1, "school_id": 99999}).status_code == 404
    for who in (trust.project, trust.viewer, trust.trust_viewer):
        response = api_as(who).post(path, json={"on": "2026-01-12", "value": 1, "school_id": trust.north.id})
        assert response.status_code == 403, who.role
    for on, who in (("2026-01-12", trust.admin), ("2026-01-19", trust.central)):
        response = api_as(who).post(path, json={"on": on, "value": 90, "school_id": trust.south.id})
        assert response.status_code == 201


def test_school_scoped_readers_see_only_their_schools_points(trust, api_as, kpi, session):
    add(session, kpi, trust.north, [94, 95])
    add(session, kpi, trust.south, [80, 81])
    points = api_as(trust.viewer).get(f"/api/v1/measures/{kpi['id']}/points").get_json()
    assert {p["school_id"] for p in points["items"]} == {trust.north.id}
    chart = api_as(trust.viewer).get(f"/api/v1/measures/{kpi['id']}/spc?school_id={trust.south.id}")
    assert chart.status_code == 404
    chart = api_as(trust.viewer).get(f"/api/v1/measures/{kpi['id']}/spc?school_id={trust.north.id}")
    assert [p["value"] for p in chart.get_json()["points"]] == [94, 95]
    run = api_as(trust.admin).get(f"/api/v1/measures/{kpi['id']}/run-chart?school_id={trust.south.id}")
    assert run.get_json()["series"] == "school" and len(run.get_json()["points"]) == 2


def test_schools_compared_in_making_data_count_form(trust, api_as, kpi, session):
    stable = [94, 96] * 6                       # mean 95, limits 89.68 to 100.32
    add(session, kpi, trust.north, stable)      # target 95 between the limits
    add(session, kpi, trust.south, [80, 82] * 5 + [80, 99])  # latest far above: improvement; fails 95
    add(session, kpi, trust.west, [96] * 11)    # 11 points: too few to judge
    items = api_as(trust.admin).get(f"/api/v1/measures/{kpi['id']}/schools").get_json()["items"]
    by_school = {i["school_id"]: i for i in items}
    assert [i["school_id"] for i in items] == [trust.north.id, trust.south.id, trust.west.id]
    assert by_school[trust.north.id] == {"school_id": trust.north.id, "n": 12,
                                         "latest": {"on": week(11).isoformat(), "value": 96.0},
                                         "variation": "common_cause", "assurance": "uncertain"}
    assert by_school[trust.south.id]["variation"] == "improvement"
    assert by_school[trust.south.id]["assurance"] == "fail"
    assert (by_school[trust.west.id]["n"], by_school[trust.west.id]["variation"],
            by_school[trust.west.id]["assurance"]) == (11, None, None)


def test_a_one_school_reader_compares_only_their_school_even_without_points(trust, api_as, kpi):
    items = api_as(trust.viewer).get(f"/api/v1/measures/{kpi['id']}/schools").get_json()["items"]
    assert items == [{"school_id": trust.north.id, "latest": None, "n": 0,
                      "variation": None, "assurance": None}]


def test_only_a_trust_kpi_compares_schools(trust, api_as, make):
    initiative = make.initiative(schools=[trust.north])
    measure = make.measure(initiative)
    assert api_as(trust.admin).get(f"/api/v1/measures/{measure.id}/schools").status_code == 404
    assert api_as(trust.admin).get("/api/v1/measures/99999/schools").status_code == 404


def test_a_kpi_csv_needs_its_schools(trust, api_as, kpi):
    path = f"/api/v1/measures/{kpi['id']}/points/import"
    lead = api_as(trust.lead)
    response = lead.post(path, data="date,value\n2026-01-05,94\n", content_type="text/csv")
    assert response.status_code == 422 and "file" in response.get_json()["error"]["fields"]
    response = lead.post(f"{path}?school_id={trust.north.id}", data="date,value\n2026-01-05,94\n",
                         content_type="text/csv")
    assert response.status_code == 200 and response.get_json()["accepted"] == 1
    response = lead.post(path, data="date,value,school\n2026-01-12,95,300001\n2026-01-12,95,300002\n",
                         content_type="text/csv")
    assert [r["status"] for r in response.get_json()["rows"]] == ["accepted", "refused"]
    assert lead.post(f"{path}?school_id={trust.south.id}", data="date,value\n2026-01-05,94\n",
                     content_type="text/csv").status_code == 404
