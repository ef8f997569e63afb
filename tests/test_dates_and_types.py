"""Plausible dates and strict types: one trust-wide rule for dates (EARLIEST_DATE to
LATEST_YEARS_AHEAD years after the trust's today) in the API, the pages and the CSV import;
stored odd dates never make a page fail; numbers are JSON numbers, never strings or truncated."""
from datetime import date, timedelta
from io import BytesIO

import pytest

from tracker import clock
from tracker.models import Allocation, MeasurePoint, Milestone

IMPLAUSIBLE = ["0001-01-01", "1999-12-31", "9999-12-31"]


@pytest.fixture
def world(make):
    school = make.school(name="Oakwood Primary", urn="123456")
    owner = make.user("project_lead", schools=[school])
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], owner=owner, phase="deliver")
    measure = make.measure(initiative)
    expert = make.expert(days_per_week=2)
    central = make.user("central_team")
    return {"school": school, "owner": owner, "lead": lead, "initiative": initiative,
            "measure": measure, "expert": expert, "central": central}


def _date_requests(world, on):
    """(who, method, path, body, field) for every kind of dated record the API writes."""
    i, m, s = world["initiative"].id, world["measure"].id, world["school"].id
    today = clock.today().isoformat()
    return [
        ("owner", "POST", f"/api/v1/initiatives/{i}/milestones", {"title": "M", "due_on": on}, "due_on"),
        ("lead", "POST", f"/api/v1/initiatives/{i}/reviews", {"due_on": on}, "due_on"),
        ("owner", "POST", f"/api/v1/initiatives/{i}/pdsa-cycles", {"title": "C", "do_ends_on": on},
         "do_ends_on"),
        ("owner", "POST", f"/api/v1/measures/{m}/points", {"on": on, "value": 1}, "on"),
        ("owner", "POST", f"/api/v1/measures/{m}/rebases", {"starts_on": on}, "starts_on"),
        ("central", "POST", "/api/v1/allocations",
         {"expert_id": world["expert"].id, "school_id": s, "starts_on": today, "ends_on": on,
          "days_per_week": 1}, "ends_on"),
        ("owner", "POST", "/api/v1/initiatives",
         {"title": "New", "school_ids": [s], "one_out": {"practice": "Marking", "due_on": on}},
         "one_out"),
    ]


@pytest.mark.parametrize("on", IMPLAUSIBLE)
def test_every_dated_api_write_refuses_an_implausible_date_naming_the_field(world, api_as, on):
    clients = {who: api_as(world[who]) for who in ("owner", "lead", "central")}
    for who, method, path, body, field in _date_requests(world, on):
        response = clients[who]._call(method, path, json=body)
        assert response.status_code == 422, (path, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and field in error["fields"], (path, error)


def test_the_first_and_last_plausible_dates_are_accepted(world, api_as, app):
    latest = clock.date_range()[1]
    assert clock.date_range()[0] == date(2000, 1, 1)
    assert latest == clock.today().replace(year=clock.today().year + 10) or \
        (clock.today().month, clock.today().day) == (2, 29)
    api = api_as(world["owner"])
    path = f"/api/v1/initiatives/{world['initiative'].id}/milestones"
    for on in ("2000-01-01", latest.isoformat()):
        assert api.post(path, json={"title": "M", "due_on": on}).status_code == 201
    response = api.post(path, json={"title": "M", "due_on": (latest + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert str(latest.year) in response.get_json()["error"]["fields"]["due_on"][0]


def test_the_plausible_range_is_a_setting(world, api_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "EARLIEST_DATE", date(2020, 9, 1))
    monkeypatch.setitem(app.config, "LATEST_YEARS_AHEAD", 1)
    api = api_as(world["owner"])
    path = f"/api/v1/initiatives/{world['initiative'].id}/milestones"
    assert api.post(path, json={"title": "M", "due_on": "2020-08-31"}).status_code == 422
    assert api.post(path, json={"title": "M", "due_on": "2020-09-01"}).status_code == 201
    two_years = clock.today().replace(year=clock.today().year + 2, day=1)
    assert api.post(path, json={"title": "M", "due_on": two_years.isoformat()}).status_code == 422


@pytest.mark.parametrize("written", ["20260302", "2026-W10-1", "2026W101"])
def test_a_date_is_written_yyyy_mm_dd_and_nothing_else(world, api_as, written):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/initiatives/{world['initiative'].id}/milestones",
                        json={"title": "M", "due_on": written})
    assert response.status_code == 422
    assert "due_on" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31"])
def test_date_filters_refuse_an_implausible_date_rather_than_overflow(world, api_as, make, on):
    admin = api_as(make.user("admin"))
    for path in (f"/api/v1/audit?until={on}", f"/api/v1/audit?since={on}",
                 f"/api/v1/allocations?from=2026-01-05&to={on}",
                 f"/api/v1/experts/available?from=2026-01-05&to={on}&days_per_week=1"):
        response = admin.get(path)
        assert response.status_code == 422, (path, response.status_code)


def test_the_milestone_form_refuses_an_implausible_date_beside_the_field(world, login_as, session):
    client = login_as(world["owner"])
    response = client.post(f"/initiatives/{world['initiative'].id}/milestones",
                           data={"title": "Far away", "due_on": "9999-12-31", "owner_id": "0"})
    assert response.status_code in (200, 422)
    assert "Give a date from 1 January 2000" in response.get_data(as_text=True)
    assert session.query(Milestone).filter_by(title="Far away").count() == 0


def test_the_review_form_refuses_an_implausible_date(world, login_as, session):
    client = login_as(world["lead"])
    response = client.post(f"/initiatives/{world['initiative'].id}/reviews",
                           data={"due_on": "0001-01-01"})
    assert "Give a date from 1 January 2000" in response.get_data(as_text=True)


def test_a_csv_import_refuses_an_implausible_date_and_names_the_row(world, api_as, session):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points/import",
                        data="date,value\n2026-01-05,70\n2099-01-05,71\n31/12/1999,72\n",
                        headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["rows"]
    assert [(r["row"], r["status"]) for r in rows] == [(2, "accepted"), (3, "refused"), (4, "refused")]
    assert "2099-01-05" in rows[1]["reason"] and "1 January 2000" in rows[1]["reason"]
    assert session.query(MeasurePoint).count() == 1


# --- stored odd dates never fail a page --------------------------------------------------

def test_a_stored_out_due_at_the_end_of_time_does_not_break_the_schools_policy_page(
        world, login_as, make, session):
    initiative = world["initiative"]
    initiative.out_practice, initiative.out_due_on = "Marking every book", date(9999, 12, 31)
    session.commit()
    make.policy(out_grace_days=30)
    for who in ("lead", "owner"):
        response = login_as(world[who]).get(f"/policy/schools/{world['school'].id}")
        assert response.status_code == 200
        assert "Marking every book" in response.get_data(as_text=True)


def test_stored_points_at_the_ends_of_the_calendar_still_chart(world, api_as, login_as, session):
    for on, value in ((date(1, 1, 1), 1), (date(2026, 1, 5), 2), (date(9999, 12, 31), 3)):
        session.add(MeasurePoint(measure_id=world["measure"].id, on=on, value=value))
    session.commit()
    api = api_as(world["owner"])
    for path in ("run-chart", "spc"):
        assert api.get(f"/api/v1/measures/{world['measure'].id}/{path}").status_code == 200
    page = login_as(world["owner"]).get(f"/measures/{world['measure'].id}")
    assert page.status_code == 200


def test_a_stored_allocation_to_the_end_of_time_does_not_break_capacity(world, api_as, login_as,
                                                                         session):
    session.add(Allocation(expert_id=world["expert"].id, school_id=world["school"].id,
                           starts_on=date(2026, 1, 5), ends_on=date(9999, 12, 31),
                           days_per_week=1, status="confirmed"))
    session.commit()
    api = api_as(world["central"])
    assert api.get("/api/v1/allocations").status_code == 200
    assert api.get("/api/v1/experts/available?from=2026-01-05&to=2026-02-06&days_per_week=1"
                   ).status_code == 200
    assert login_as(world["central"]).get("/planner?from=2026-01-05&to=2026-03-27").status_code == 200


# --- strict numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("value", [2.7, "2", 2.0])
def test_a_schools_limit_is_a_json_integer_never_truncated(make, api_as, session, value):
    school = make.school()
    admin = api_as(make.user("admin"))
    response = admin.patch(f"/api/v1/schools/{school.id}",
                           json={"max_active_initiatives": value, "version": school.version})
    assert response.status_code == 422, response.get_json()
    assert "max_active_initiatives" in response.get_json()["error"]["fields"]
    session.refresh(school)
    assert school.max_active_initiatives is None


@pytest.mark.parametrize("value", ["12", "-3.5"])
def test_a_point_value_is_a_json_number(world, api_as, value):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points",
                        json={"on": "2026-01-05", "value": value})
    assert response.status_code == 422, response.get_json()
    assert "value" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["1.5", "2"])
def test_days_per_week_are_a_json_number(world, api_as, value):
    api = api_as(world["central"])
    response = api.post("/api/v1/experts", json={"name": "E", "email": "e@example.org",
                                                 "days_per_week": value})
    assert response.status_code == 422
    assert "days_per_week" in response.get_json()["error"]["fields"]


def test_numbers_are_still_numbers(world, api_as):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points",
                        json={"on": "2026-01-05", "value": 12})
    assert response.status_code == 201 and response.get_json()["value"] == 12.0
    central = api_as(world["central"])
    response = central.post("/api/v1/experts", json={"name": "E", "email": "e@example.org",
                                                     "days_per_week": 1.5})
    assert response.status_code == 201 and response.get_json()["days_per_week"] == 1.5


# --- the document says what the server enforces ---------------------------------------------

def _request_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    return {name: schema for name, schema in schemas.items()
            if name.endswith(("In", "Patch")) or name in ("OneOut",)}


def test_the_document_states_the_plausible_dates_and_exclusive_bounds(client):
    schemas = _request_schemas(client)
    dates = [(name, field, spec) for name, schema in schemas.items()
             for field, spec in schema["properties"].items() if spec.get("format") == "date"]
    assert len(dates) >= 12
    for name, field, spec in dates:
        assert spec.get("pattern", "").startswith("^"), (name, field)
        assert "2000-01-01" in spec.get("description", ""), (name, field)
    for name in ("ExpertIn", "AllocationIn"):
        days = schemas[name]["properties"]["days_per_week"]
        assert days["minimum"] == 0 and days["exclusiveMinimum"] is True and days["maximum"] == 7


def test_the_document_closes_the_one_out_object(client):
    schemas = _request_schemas(client)
    for name in ("InitiativeIn", "InitiativePatch"):
        one_out = schemas[name]["properties"]["one_out"]
        assert one_out.get("nullable") is True, one_out
        assert one_out["allOf"] == [{"$ref": "#/components/schemas/OneOut"}], one_out
    assert schemas["OneOut"]["additionalProperties"] is False


def test_a_multipart_import_reads_the_field_the_document_names_as_a_file_or_as_text(world, api_as):
    api = api_as(world["owner"])
    path = f"/api/v1/measures/{world['measure'].id}/points/import"
    response = api.post(path, data={"file": "date,value\n2026-01-05,70\n"},
                        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["accepted"] == 1
    response = api.post(path, data={"upload": (BytesIO(b"date,value\n2026-01-12,71\n"), "x.csv")},
                        content_type="multipart/form-data")
    assert response.status_code == 415


def test_who_is_free_refuses_a_range_that_ends_before_it_starts_naming_to(world, api_as):
    response = api_as(world["central"]).get(
        "/api/v1/experts/available?from=2026-02-06&to=2026-01-05&days_per_week=1")
    assert response.status_code == 422
    assert "to" in response.get_json()["error"]["fields"]
