"""Coverage (issue 13): active initiatives per pillar and helix component, trust-wide and per
school, in the API (GET /api/v1/coverage) and on the coverage page."""
import re

import pytest

from tests.test_dashboard_queries import bulk_trust
from tracker import coverage
from tracker.extensions import db
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS


def _coverage(api, **args):
    response = api.get("/api/v1/coverage", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_pillar_and_component_is_counted_zero_included(make, api_as):
    school = make.school()
    make.initiative(schools=[school], pillars=["data", "vision"], helix_components=["connect"])
    make.initiative(schools=[school], pillars=["data"])
    make.initiative(schools=[school], pillars=["vision"], status="completed")   # ended: not counted
    body = _coverage(api_as(make.user("admin")))
    assert set(body["pillars"]) == set(PILLARS)
    assert set(body["helix_components"]) == set(HELIX_COMPONENTS)
    assert body["pillars"]["data"] == 2 and body["pillars"]["vision"] == 1
    assert body["pillars"]["capacity"] == 0
    assert body["helix_components"]["connect"] == 1
    assert sum(body["helix_components"].values()) == 1


def test_a_horizontal_initiative_counts_once_in_the_trust_and_once_in_each_school(make, api_as):
    north, south = make.school(), make.school()
    make.initiative(schools=[north, south], pillars=["process"], helix_components=["empower_horizontal"])
    api = api_as(make.user("central_team"))
    assert _coverage(api)["pillars"]["process"] == 1
    for school in (north, south):
        body = _coverage(api, school_id=school.id)
        assert body["pillars"]["process"] == 1
        assert body["helix_components"]["empower_horizontal"] == 1


def test_a_school_narrows_the_counts_to_its_initiatives(make, api_as):
    north, south = make.school(), make.school()
    make.initiative(schools=[north], pillars=["data"])
    make.initiative(schools=[south], pillars=["data", "capacity"])
    api = api_as(make.user("admin"))
    assert _coverage(api, school_id=north.id)["pillars"]["data"] == 1
    assert _coverage(api, school_id=north.id)["pillars"]["capacity"] == 0
    assert _coverage(api)["pillars"]["data"] == 2


def test_a_school_reader_counts_only_what_they_can_see(make, api_as):
    mine, other = make.school(), make.school()
    make.initiative(schools=[mine], pillars=["vision"])
    make.initiative(schools=[other], pillars=["vision", "data"])
    for role in ("school_lead", "project_lead", "viewer"):
        api = api_as(make.user(role, schools=[mine]))
        body = _coverage(api)
        assert (body["pillars"]["vision"], body["pillars"]["data"]) == (1, 0), role
        assert api.get(f"/api/v1/coverage?school_id={other.id}").status_code == 404
        assert _coverage(api, school_id=mine.id)["pillars"]["vision"] == 1


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "99999999999"])
def test_a_school_id_that_is_not_an_id_is_422(make, api_as, value):
    response = api_as(make.user("admin")).get(f"/api/v1/coverage?school_id={value}")
    assert response.status_code == 422
    assert "school_id" in response.get_json()["error"]["fields"]


def test_an_unknown_school_is_404(make, api_as):
    assert api_as(make.user("admin")).get("/api/v1/coverage?school_id=424242").status_code == 404


def test_the_openapi_document_describes_coverage_and_the_dashboards_fields(make, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    get = spec["paths"]["/api/v1/coverage"]["get"]
    assert [p["name"] for p in get["parameters"]] == ["school_id"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["Coverage"]["properties"]) == {"pillars", "helix_components"}
    row = schemas["SchoolRow"]["properties"]
    assert {"kpis", "unanswered_concerns", "stale_initiatives", "expert_days_this_term"} <= set(row)
    names = {p["name"] for p in spec["paths"]["/api/v1/dashboard"]["get"]["parameters"]}
    assert names == {"pillar", "helix_component", "phase"}


# --- the page -------------------------------------------------------------------------------

def _cells(html):
    """``{(row label, column index): text}`` of every body cell of the page's tables."""
    cells = {}
    for row in re.findall(r"<tr><th scope=\"row\" class=\"cov-name\">(.*?)</tr>", html, re.S):
        label, rest = row.split("</th>", 1)
        for index, cell in enumerate(re.findall(r"<td[^>]*>(.*?)</td>", rest, re.S)):
            cells[(label.strip(), index)] = re.sub(r"<[^>]+>", "", cell).strip()
    return cells


def test_the_page_grid_shows_the_apis_counts_and_marks_gaps(make, api_as, login_as):
    north, south = make.school(name="North"), make.school(name="South")
    make.initiative(schools=[north, south], pillars=["data"], helix_components=["use_evidence"])
    make.initiative(schools=[south], pillars=["vision", "data"])
    admin = make.user("admin")
    api, html = api_as(admin), login_as(admin).get("/coverage").get_data(as_text=True)
    cells = _cells(html)
    columns = [_coverage(api), _coverage(api, school_id=north.id), _coverage(api, school_id=south.id)]
    assert cells[("Robust and real-time data", 0)] == "2"
    for index, body in enumerate(columns):
        for code, n in body["pillars"].items():
            label = {"data": "Robust and real-time data", "vision": "Vision"}.get(code)
            if label:
                assert cells[(label, index)] == (str(n) if n else "none")
        assert cells[("Use evidence", index)] == str(body["helix_components"]["use_evidence"])
        assert cells[("Connect", index)] == "none"
    # 19 rows × 3 columns, less the counts: trust 3, North 2, South 3
    assert html.count('class="num cov-none"') == 3 * 19 - 8
    assert f'href="/initiatives?status=active&amp;school_id={south.id}&amp;pillar=vision"' in html
    assert 'href="/initiatives?status=active&amp;helix_component=use_evidence"' in html
    assert "Pillars with no active initiative: Capacity, Collective commitment" in html


def test_a_school_lead_sees_their_schools_columns_only(make, login_as):
    mine, other = make.school(name="Mine School"), make.school(name="Other School")
    make.initiative(schools=[other], pillars=["vision"])
    html = login_as(make.user("school_lead", schools=[mine])).get("/coverage").get_data(as_text=True)
    assert "Mine School" in html and "Other School" not in html
    assert "Your schools" in html and ">1<" not in html


def test_the_grid_is_three_queries_whatever_the_trust(make, session, count_queries):
    admin = make.user("admin")
    owner = make.user("project_lead")
    bulk_trust(session, owner, schools=2, initiatives_per_school=2, kpis=0, points=0)
    assert admin.role == "admin"  # loaded again after the commit, before counting
    with count_queries() as small:
        coverage.coverage_grid(db.session, admin)
    bulk_trust(session, owner, schools=30, initiatives_per_school=10, kpis=0, points=0)
    assert admin.role == "admin"
    with count_queries() as large:
        grid = coverage.coverage_grid(db.session, admin)
    assert small.count == large.count == 3
    assert len(grid["schools"]) == 32


def test_the_page_query_count_does_not_grow_with_schools(make, session, login_as, count_queries):
    client = login_as(make.user("admin"))
    owner = make.user("project_lead")
    bulk_trust(session, owner, schools=2, initiatives_per_school=2, kpis=0, points=0)
    client.get("/coverage")
    with count_queries() as small:
        assert client.get("/coverage").status_code == 200
    bulk_trust(session, owner, schools=30, initiatives_per_school=10, kpis=0, points=0)
    with count_queries() as large:
        assert client.get("/coverage").status_code == 200
    assert small.count == large.count
