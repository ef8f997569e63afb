"""The measures API: measures, points (one by one and from CSV), run charts, XmR charts,
frozen baselines and re-bases, and who may do each."""
from datetime import date, timedelta

import pytest

from tracker.models import AuditEntry, MeasurePoint

START = date(2026, 1, 5)


def week(i):
    return (START + timedelta(weeks=i)).isoformat()


def add_points(session, measure, values, school=None, start=0):
    for i, value in enumerate(values, start=start):
        session.add(MeasurePoint(measure_id=measure.id, on=START + timedelta(weeks=i), value=value,
                                 school_id=school.id if school else None))
    session.commit()


@pytest.fixture
def world(make):
    """A school with a lead, an owner, a colleague and a viewer; an initiative owned there."""
    school = make.school(name="Oakwood Primary", urn="123456")
    owner = make.user("project_lead", schools=[school])
    initiative = make.initiative(schools=[school], owner=owner, title="Phonics catch-up")
    measure = make.measure(initiative, name="Phonics pass rate", unit="%", target=82.0)
    return {"school": school, "owner": owner, "initiative": initiative, "measure": measure}


# --------------------------------------------------------------------------- measures


def test_owner_adds_a_measure_with_kind_direction_baseline_and_target(world, api_as):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/initiatives/{world['initiative'].id}/measures", json={
        "name": "Behaviour incidents per week", "unit": "incidents", "kind": "balancing",
        "higher_is_better": False, "baseline": 42, "target": 25})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body | {"id": 0} == {
        "id": 0, "initiative_id": world["initiative"].id, "name": "Behaviour incidents per week",
        "unit": "incidents", "kind": "balancing", "higher_is_better": False, "baseline": 42.0,
        "target": 25.0, "baseline_until": None, "rebases": [], "version": 1, "trust_kpi": False}
    listed = api.get(f"/api/v1/initiatives/{world['initiative'].id}/measures").get_json()
    assert listed["total"] == 2 and [m["name"] for m in listed["items"]][-1] == body["name"]


@pytest.mark.parametrize("payload, field", [
    ({"name": ""}, "name"),
    ({"name": "X", "kind": "vanity"}, "kind"),
    ({"name": "X", "target": "lots"}, "target"),
    ({"name": "X", "baseline": 10**400}, "baseline"),
    ({"name": "X" * 201}, "name"),
    ({"name": "X\x00"}, "name"),
    ({"name": "X", "colour": "red"}, "colour"),
])
def test_a_measure_with_a_bad_field_is_refused_by_name(world, api_as, payload, field):
    response = api_as(world["owner"]).post(
        f"/api/v1/initiatives/{world['initiative'].id}/measures", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_patch_with_a_stale_version_gets_409_and_changes_nothing(world, api_as):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}"
    assert api.patch(url, json={"target": 85, "version": 1}).get_json()["version"] == 2
    stale = api.patch(url, json={"target": 90, "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(url).get_json()["target"] == 85.0


def test_patch_without_a_version_is_refused(world, api_as):
    response = api_as(world["owner"]).patch(f"/api/v1/measures/{world['measure'].id}",
                                            json={"target": 85})
    assert response.status_code == 422 and "version" in response.get_json()["error"]["fields"]


def test_deleting_a_measure_removes_it_and_its_points(world, api_as, session):
    add_points(session, world["measure"], [1, 2, 3])
    api = api_as(world["owner"])
    assert api.delete(f"/api/v1/measures/{world['measure'].id}").status_code == 204
    assert api.get(f"/api/v1/measures/{world['measure'].id}").status_code == 404
    assert session.query(MeasurePoint).count() == 0


def queries(count_queries, session, call):
    """How many statements ``call`` runs, starting from an empty identity map."""
    session.expire_all()
    with count_queries() as counter:
        response = call()
    assert response.status_code == 200, response.get_json()
    return counter.count


def test_listing_measures_takes_the_same_queries_for_one_or_many(world, api_as, make, session,
                                                                   count_queries):
    api = api_as(world["owner"])
    url = f"/api/v1/initiatives/{world['initiative'].id}/measures"
    few = queries(count_queries, session, lambda: api.get(url))
    for i in range(6):
        measure = make.measure(world["initiative"], name=f"M{i}")
        api.post(f"/api/v1/measures/{measure.id}/rebases", json={"starts_on": "2026-03-01"})
    assert queries(count_queries, session, lambda: api.get(url)) == few


# --------------------------------------------------------------------------- points


def test_recording_a_point_answers_201_with_the_point(world, api_as):
    response = api_as(world["owner"]).post(
        f"/api/v1/measures/{world['measure'].id}/points", json={"on": "2026-03-02", "value": 71.5})
    assert response.status_code == 201
    assert response.get_json() | {"id": 0} == {
        "id": 0, "measure_id": world["measure"].id, "on": "2026-03-02", "value": 71.5,
        "school_id": None, "replaced": False, "previous_value": None}


def test_a_second_value_on_the_same_date_and_school_replaces_the_first_and_says_so(world, api_as):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/points"
    api.post(url, json={"on": "2026-03-02", "value": 70, "school_id": world["school"].id})
    again = api.post(url, json={"on": "2026-03-02", "value": 74, "school_id": world["school"].id})
    assert again.status_code == 200
    assert again.get_json()["replaced"] is True and again.get_json()["previous_value"] == 70.0
    points = api.get(url).get_json()
    assert points["total"] == 1 and points["items"][0]["value"] == 74.0


def test_a_duplicate_can_be_refused_instead_of_replacing(world, api_as):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/points"
    api.post(url, json={"on": "2026-03-02", "value": 70})
    refused = api.post(url, json={"on": "2026-03-02", "value": 74, "replace": False})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "duplicate_point"
    assert api.get(url).get_json()["items"][0]["value"] == 70.0


def test_the_same_date_for_the_whole_initiative_and_for_a_school_are_two_points(world, api_as):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/points"
    api.post(url, json={"on": "2026-03-02", "value": 70})
    assert api.post(url, json={"on": "2026-03-02", "value": 72,
                               "school_id": world["school"].id}).status_code == 201
    assert api.get(url).get_json()["total"] == 2


@pytest.mark.parametrize("payload, field", [
    ({"on": "2026-03-02", "value": "lots"}, "value"),
    ({"on": "2026-03-02", "value": True}, "value"),
    ({"on": "2026-03-02", "value": None}, "value"),
    ({"on": "2026-03-02", "value": 10**400}, "value"),
    ({"on": "2026-03-02"}, "value"),
    ({"on": "2026-02-30", "value": 70}, "on"),
    ({"on": "02/03/2026", "value": 70}, "on"),
    ({"on": "1066-10-14", "value": 70}, "on"),
    ({"value": 70}, "on"),
    ({"on": "2026-03-02", "value": 70, "school_id": 2**70}, "school_id"),
    ({"on": "2026-03-02", "value": 70, "school_id": "one"}, "school_id"),
])
def test_a_bad_point_gets_422_naming_the_field(world, api_as, payload, field):
    response = api_as(world["owner"]).post(f"/api/v1/measures/{world['measure'].id}/points",
                                           json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_not_a_number_and_infinities_are_refused(world, api_as, literal):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points",
                        data=f'{{"on": "2026-03-02", "value": {literal}}}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_a_point_for_an_unknown_school_or_one_outside_the_initiative_is_refused(world, api_as, make):
    elsewhere = make.school()
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/points"
    for school_id in (elsewhere.id, elsewhere.id + 1000):
        response = api.post(url, json={"on": "2026-03-02", "value": 70, "school_id": school_id})
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["school_id"] == [
            "Not one of this initiative's schools."]


def test_a_point_can_be_deleted(world, api_as):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/points"
    point = api.post(url, json={"on": "2026-03-02", "value": 70}).get_json()
    assert api.delete(f"{url}/{point['id']}").status_code == 204
    assert api.get(url).get_json()["total"] == 0
    assert api.delete(f"{url}/{point['id']}").status_code == 404


def test_recording_a_point_is_audited(world, api_as, session):
    api_as(world["owner"]).post(f"/api/v1/measures/{world['measure'].id}/points",
                                json={"on": "2026-03-02", "value": 70})
    entry = session.query(AuditEntry).filter_by(record_type="measure_points").one()
    assert entry.actor_id == world["owner"].id and entry.changes["value"] == [None, 70.0]


# --------------------------------------------------------------------------- import


def test_a_csv_body_is_imported_with_a_report_on_every_row(world, api_as):
    api = api_as(world["owner"])
    csv = "date,value\n2026-01-05,70\n12/01/2026,72\n2026-01-19,lots\n31/02/2026,71\n2026-01-26,\n"
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points/import", data=csv,
                        headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["accepted"], report["refused"], report["replaced"]) == (2, 3, 0)
    assert [(r["row"], r["status"]) for r in report["rows"]] == [
        (2, "accepted"), (3, "accepted"), (4, "refused"), (5, "refused"), (6, "refused")]
    assert report["rows"][1]["on"] == "2026-01-12"
    assert "lots" in report["rows"][2]["reason"]
    assert "not a real date" in report["rows"][3]["reason"]
    assert report["rows"][4]["reason"] == "No value."
    points = api.get(f"/api/v1/measures/{world['measure'].id}/points").get_json()
    assert [(p["on"], p["value"]) for p in points["items"]] == [("2026-01-05", 70.0), ("2026-01-12", 72.0)]


def test_an_mis_export_with_school_urns_is_imported_from_a_multipart_file(world, api_as, make):
    other = make.school(urn="654321")
    world["initiative"].schools.append(other)
    api = api_as(make.user("admin"))
    export = ("\ufeffWeek commencing;School URN;Score\r\n"
              "05/01/2026;123456;70\r\n05/01/2026;654321;65%\r\n05/01/2026;999999;60\r\n"
              f"12/01/2026;{other.id};66\r\n").encode("utf-8")
    from io import BytesIO
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points/import",
                        data={"file": (BytesIO(export), "export.csv")},
                        content_type="multipart/form-data")
    report = response.get_json()
    assert response.status_code == 200, report
    assert [r["status"] for r in report["rows"]] == ["accepted", "accepted", "refused", "accepted"]
    assert [r["school_id"] for r in report["rows"] if r["status"] == "accepted"] == [
        world["school"].id, other.id, other.id]
    assert "999999" in report["rows"][2]["reason"]


def test_an_import_replaces_existing_values_and_refuses_a_repeated_row(world, api_as, session):
    add_points(session, world["measure"], [70])
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points/import",
                        data="date,value\n2026-01-05,75\n2026-01-12,71\n2026-01-12,72\n",
                        headers={"Content-Type": "text/csv"})
    rows = response.get_json()["rows"]
    assert rows[0]["replaced"] is True and "70" in rows[0]["reason"]
    assert rows[2]["status"] == "refused" and "row 3" in rows[2]["reason"]
    values = [p["value"] for p in api.get(f"/api/v1/measures/{world['measure'].id}/points").get_json()["items"]]
    assert values == [75.0, 71.0]


@pytest.mark.parametrize("body, content_type, status", [
    ("", "text/csv", 422),
    ("name,colour\nx,y\n", "text/csv", 422),
    ('{"on": "2026-01-05"}', "application/json", 415),
    ("date,value\n2026-01-05,1\x00\n", "text/csv", 422),
])
def test_a_file_that_is_not_a_points_csv_is_refused_whole(world, api_as, body, content_type, status):
    api = api_as(world["owner"])
    response = api.post(f"/api/v1/measures/{world['measure'].id}/points/import", data=body,
                        headers={"Content-Type": content_type})
    assert response.status_code == status
    assert api.get(f"/api/v1/measures/{world['measure'].id}/points").get_json()["total"] == 0


def test_a_csv_without_a_header_is_read_as_date_value(world, api_as):
    response = api_as(world["owner"]).post(
        f"/api/v1/measures/{world['measure'].id}/points/import",
        data="2026-01-05,70\n2026-01-12,71\n", headers={"Content-Type": "text/csv"})
    assert response.get_json()["accepted"] == 2


# --------------------------------------------------------------------------- charts

def test_run_chart_gives_the_median_points_and_signals_of_api_md(world, api_as, session):
    add_points(session, world["measure"], [1, 2, 1, 2, 1, 2, 10, 11, 10, 11, 10, 11])
    body = api_as(world["owner"]).get(f"/api/v1/measures/{world['measure'].id}/run-chart").get_json()
    assert body["median"] == 6
    assert [p["on"] for p in body["points"]][:2] == [week(0), week(1)]
    shifts = [{k: s[k] for k in ("rule", "start_on", "end_on")}
              for s in body["signals"] if s["rule"] == "shift"]
    assert shifts == [{"rule": "shift", "start_on": week(0), "end_on": week(5)},
                      {"rule": "shift", "start_on": week(6), "end_on": week(11)}]
    assert body["series"] == "initiative" and len(body["segments"]) == 1
    assert body["description"].startswith("Run chart of 12 points; median 6.")


def test_anhoej_rules_add_longest_run_and_crossings_with_their_limits(world, api_as, session):
    add_points(session, world["measure"], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    body = api_as(world["owner"]).get(
        f"/api/v1/measures/{world['measure'].id}/run-chart?rules=anhoej").get_json()
    assert (body["longest_run"], body["longest_run_limit"]) == (5, 6)
    assert (body["crossings"], body["crossings_limit"]) == (1, 2)
    assert [s["rule"] for s in body["signals"]] == ["crossings"]


def test_an_unknown_rule_set_is_refused(world, api_as):
    response = api_as(world["owner"]).get(
        f"/api/v1/measures/{world['measure'].id}/run-chart?rules=western_electric")
    assert response.status_code == 422 and "rules" in response.get_json()["error"]["fields"]


def test_spc_gives_limits_and_labels_signals_by_the_measures_direction(world, api_as, session):
    measure = world["measure"]
    measure.higher_is_better = False
    measure.target = 3
    session.commit()
    add_points(session, measure, [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30])
    body = api_as(world["owner"]).get(f"/api/v1/measures/{measure.id}/spc").get_json()
    assert body["mean"] == pytest.approx(12.272727, rel=1e-5)
    assert body["mr_mean"] == pytest.approx(2.8)
    assert body["ucl"] == pytest.approx(12.272727 + 2.66 * 2.8, rel=1e-5)
    assert body["lcl"] == pytest.approx(12.272727 - 2.66 * 2.8, rel=1e-5)
    beyond = [s for s in body["signals"] if s["rule"] == "beyond_limits"]
    assert beyond == [{"rule": "beyond_limits", "start_on": week(10), "end_on": week(10),
                       "direction": "above", "count": 1, "kind": "concern"}]
    assert body["target_within_limits"] is False  # 3 lies below the lower limit: not without change


def test_a_frozen_baseline_sets_the_centre_line_from_its_own_points(world, api_as, session):
    add_points(session, world["measure"], [10, 12, 11, 20, 21, 22])
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}"
    assert api.get(f"{url}/run-chart").get_json()["median"] == 16
    api.patch(url, json={"baseline_until": week(2), "version": 1})
    body = api.get(f"{url}/run-chart").get_json()
    assert body["median"] == 11 and body["segments"][0]["baseline_until"] == week(2)
    assert [p["in_baseline"] for p in body["points"]] == [True] * 3 + [False] * 3


def test_a_rebase_starts_a_new_segment_with_its_own_centre_line(world, api_as, session):
    add_points(session, world["measure"], [10, 12, 11, 20, 21, 22, 23])
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}"
    created = api.post(f"{url}/rebases", json={"starts_on": week(3), "reason": "New routine"})
    assert created.status_code == 201 and created.get_json()["starts_on"] == week(3)
    body = api.get(f"{url}/run-chart").get_json()
    assert [s["median"] for s in body["segments"]] == [11, 21.5]
    assert body["median"] == 21.5
    assert [p["segment"] for p in body["points"]] == [0, 0, 0, 1, 1, 1, 1]
    spc = api.get(f"{url}/spc").get_json()
    assert spc["mean"] == 21.5 and spc["segments"][0]["mean"] == 11
    assert api.get(url).get_json()["rebases"][0]["reason"] == "New routine"
    assert api.delete(f"{url}/rebases/{created.get_json()['id']}").status_code == 204
    assert len(api.get(f"{url}/run-chart").get_json()["segments"]) == 1


@pytest.mark.parametrize("payload, field", [
    ({"starts_on": "2026-01-12"}, "starts_on"),  # inside the frozen baseline
    ({"starts_on": "2026-03-02", "baseline_until": "2026-02-01"}, "baseline_until"),
    ({"starts_on": "2026-02-30"}, "starts_on"),
])
def test_a_rebase_that_makes_no_sense_is_refused(world, api_as, payload, field):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}"
    api.patch(url, json={"baseline_until": "2026-01-31", "version": 1})
    response = api.post(f"{url}/rebases", json=payload)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_school_id_charts_one_schools_points(world, api_as, session, make):
    other = make.school()
    world["initiative"].schools.append(other)
    session.commit()
    add_points(session, world["measure"], [1, 2, 3], school=world["school"])
    add_points(session, world["measure"], [7, 8, 9], school=other)
    api = api_as(make.user("admin"))
    url = f"/api/v1/measures/{world['measure'].id}/run-chart"
    assert api.get(f"{url}?school_id={other.id}").get_json()["median"] == 8
    mean = api.get(url).get_json()
    assert mean["series"] == "mean_of_schools" and [p["value"] for p in mean["points"]] == [4, 5, 6]
    add_points(session, world["measure"], [100, 100, 100])
    whole = api.get(url).get_json()
    assert whole["series"] == "initiative" and whole["median"] == 100


def test_a_school_that_is_not_the_initiatives_gets_404_on_a_chart(world, api_as, make):
    api = api_as(world["owner"])
    for path in ("run-chart", "spc"):
        response = api.get(f"/api/v1/measures/{world['measure'].id}/{path}?school_id={make.school().id}")
        assert response.status_code == 404


def test_a_chart_with_no_points_is_empty_not_an_error(world, api_as):
    api = api_as(world["owner"])
    run = api.get(f"/api/v1/measures/{world['measure'].id}/run-chart").get_json()
    assert run["median"] is None and run["points"] == [] and run["signals"] == []
    spc = api.get(f"/api/v1/measures/{world['measure'].id}/spc").get_json()
    assert spc["ucl"] is None and spc["target_within_limits"] is None


def test_a_chart_takes_the_same_queries_for_few_or_many_points(world, api_as, session, count_queries):
    api = api_as(world["owner"])
    url = f"/api/v1/measures/{world['measure'].id}/run-chart"
    add_points(session, world["measure"], [1, 2, 3])
    few = queries(count_queries, session, lambda: api.get(url))
    add_points(session, world["measure"], list(range(200)), start=3)
    api.post(f"/api/v1/measures/{world['measure'].id}/rebases", json={"starts_on": week(100)})
    assert queries(count_queries, session, lambda: api.get(url)) == few
    assert len(api.get(url).get_json()["points"]) == 203


# --------------------------------------------------------------------------- permissions

READS = [("GET", "/initiatives/{i}/measures"), ("GET", "/measures/{m}"),
         ("GET", "/measures/{m}/points"), ("GET", "/measures/{m}/run-chart"),
         ("GET", "/measures/{m}/spc"), ("GET", "/measures/{m}/rebases")]
WRITES = [("POST", "/initiatives/{i}/measures", {"name": "Reach"}, 201),
          ("PATCH", "/measures/{m}", {"target": 90, "version": 1}, 200),
          ("POST", "/measures/{m}/points", {"on": "2026-03-02", "value": 70}, 201),
          ("POST", "/measures/{m}/rebases", {"starts_on": "2026-03-02"}, 201),
          ("POST", "/measures/{m}/points/import", "date,value\n2026-03-02,70\n", 200),
          ("DELETE", "/measures/{m}", None, 204)]

ROLES = {
    # who: (reads, writes) status; None means the write's own success status
    "admin": (200, None),
    "central_team": (200, 403),
    "school_lead of the school": (200, None),
    "school_lead elsewhere": (404, 404),
    "project_lead who owns it": (200, None),
    "project_lead colleague": (200, 403),
    "viewer of the school": (200, 403),
    "viewer of the whole trust": (200, 403),
    "viewer elsewhere": (404, 404),
}


def _person(make, world, who):
    school, elsewhere = world["school"], make.school()
    return {
        "admin": lambda: make.user("admin"),
        "central_team": lambda: make.user("central_team"),
        "school_lead of the school": lambda: make.user("school_lead", schools=[school]),
        "school_lead elsewhere": lambda: make.user("school_lead", schools=[elsewhere]),
        "project_lead who owns it": lambda: world["owner"],
        "project_lead colleague": lambda: make.user("project_lead", schools=[school]),
        "viewer of the school": lambda: make.user("viewer", schools=[school]),
        "viewer of the whole trust": lambda: make.user("viewer"),
        "viewer elsewhere": lambda: make.user("viewer", schools=[elsewhere]),
    }[who]()


def _call(api, method, path, world, body=None):
    url = "/api/v1" + path.format(i=world["initiative"].id, m=world["measure"].id)
    if isinstance(body, str):
        return api.post(url, data=body, headers={"Content-Type": "text/csv"})
    return {"GET": api.get, "POST": api.post, "PATCH": api.patch,
            "DELETE": api.delete}[method](url, **({"json": body} if body is not None else {}))


@pytest.mark.parametrize("who", ROLES)
def test_every_role_reads_measures_only_of_initiatives_it_can_see(world, make, api_as, who):
    api = api_as(_person(make, world, who))
    for method, path in READS:
        response = _call(api, method, path, world)
        assert response.status_code == ROLES[who][0], (method, path, response.get_json())


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("method, path, body, success", WRITES)
def test_every_role_writes_measures_only_where_it_may_write_the_initiative(
        world, make, api_as, who, method, path, body, success):
    api = api_as(_person(make, world, who))
    response = _call(api, method, path, world, body)
    assert response.status_code == (ROLES[who][1] or success), response.get_json()


def test_without_a_token_the_measures_api_answers_401(world, client):
    assert client.get(f"/api/v1/measures/{world['measure'].id}/run-chart").status_code == 401


def test_per_school_points_of_a_school_you_cannot_see_are_hidden(world, make, api_as, session):
    other = make.school()
    world["initiative"].schools.append(other)
    session.commit()
    add_points(session, world["measure"], [1, 2], school=world["school"])
    add_points(session, world["measure"], [7, 8], school=other)
    lead = make.user("school_lead", schools=[world["school"]])
    api = api_as(lead)
    points = api.get(f"/api/v1/measures/{world['measure'].id}/points").get_json()
    assert {p["school_id"] for p in points["items"]} == {world["school"].id}
    assert api.get(f"/api/v1/measures/{world['measure'].id}/run-chart?school_id={other.id}").status_code == 404
    refused = api.post(f"/api/v1/measures/{world['measure'].id}/points",
                       json={"on": "2026-05-04", "value": 3, "school_id": other.id})
    assert refused.status_code == 422


def test_an_unknown_or_huge_measure_id_is_404(world, api_as):
    api = api_as(world["owner"])
    assert api.get("/api/v1/measures/999999/spc").status_code == 404
    assert api.get(f"/api/v1/measures/{2**70}").status_code == 404
