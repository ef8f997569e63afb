"""The insights API as API.md fixes it (/schools/{id}/insights, /insights/{id}), for every role."""
from datetime import timedelta

import pytest

from tracker import clock, dashboard, insights

TODAY = clock.today()
FIELDS = {"id", "school_id", "source", "on", "title", "summary", "pillars", "judgement",
          "initiative_ids", "author_id", "version"}


def body(**kw):
    sent = {"source": "peer_review", "on": TODAY.isoformat(), "title": "Feedback is not acted on",
            "summary": "Books show marking without response.", "pillars": ["quality_assurance"],
            "judgement": "concern", "initiative_ids": []}
    sent.update(kw)
    return sent


@pytest.fixture
def trust(make, api_as):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin"), "central_team": make.user("central_team"),
              "school_lead": make.user("school_lead", schools=[school]),
              "project_lead": make.user("project_lead", schools=[school]),
              "viewer": make.user("viewer", schools=[school]), "board": make.user("viewer"),
              "other_lead": make.user("school_lead", schools=[other])}
    own = make.initiative(schools=[school], title="Feedback that moves learning on")
    return {"school": school, "other": other, "people": people, "own": own,
            "api": {role: api_as(person) for role, person in people.items()}}


def url(school):
    return f"/api/v1/schools/{school.id}/insights"


def test_an_insight_is_created_and_read_with_the_fields_of_api_md(trust):
    sent = body(initiative_ids=[trust["own"].id], pillars=["data", "vision"])
    response = trust["api"]["school_lead"].post(url(trust["school"]), json=sent)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert FIELDS <= set(made)
    assert {k: made[k] for k in sent} == sent | {"pillars": ["data", "vision"]}
    assert (made["school_id"], made["author_id"], made["version"], made["unanswered"]) == (
        trust["school"].id, trust["people"]["school_lead"].id, 1, False)
    read = trust["api"]["viewer"].get(f"/api/v1/insights/{made['id']}")
    assert read.status_code == 200 and read.get_json() == made
    listed = trust["api"]["board"].get(url(trust["school"])).get_json()
    assert listed["total"] == 1 and listed["items"] == [made]


#: role → status of (POST to the school, PATCH, DELETE, GET list, GET one).
ROLES = {
    "admin": (201, 200, 204, 200, 200),
    "central_team": (201, 200, 204, 200, 200),
    "school_lead": (201, 200, 204, 200, 200),
    "project_lead": (403, 403, 403, 200, 200),
    "viewer": (403, 403, 403, 200, 200),
    "board": (403, 403, 403, 200, 200),
    "other_lead": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_and_writes_as_api_md_says(trust, role):
    api, (post, patch, delete, listing, one) = trust["api"][role], ROLES[role]
    made = trust["api"]["admin"].post(url(trust["school"]), json=body()).get_json()
    path = f"/api/v1/insights/{made['id']}"
    assert api.get(url(trust["school"])).status_code == listing
    assert api.get(path).status_code == one
    assert api.post(url(trust["school"]), json=body()).status_code == post
    assert api.patch(path, json={"title": "Renamed", "version": 1}).status_code == patch
    assert api.delete(path).status_code == delete


def test_a_stale_version_is_a_409_and_nothing_is_written(trust):
    api = trust["api"]["admin"]
    made = api.post(url(trust["school"]), json=body()).get_json()
    one = f"/api/v1/insights/{made['id']}"
    assert api.patch(one, json={"judgement": "development", "version": 1}).get_json()["version"] == 2
    stale = api.patch(one, json={"title": "Lost", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(one).get_json()["title"] == made["title"]
    missing = api.patch(one, json={"title": "No version"})
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["fields"]


@pytest.mark.parametrize("field,value", [
    ("source", "rumour"), ("judgement", "bad"), ("pillars", ["nope"]), ("title", ""),
    ("title", "x" * 201), ("on", "2026-02-30"), ("on", (TODAY + timedelta(days=1)).isoformat()),
    ("initiative_ids", ["1"]), ("summary", 5), ("school_id", 3),
])
def test_a_bad_field_is_a_422_naming_it(trust, field, value):
    response = trust["api"]["admin"].post(url(trust["school"]), json=body(**{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_an_initiative_of_another_school_or_hidden_from_the_writer_is_a_422(trust, make):
    elsewhere = make.initiative(schools=[trust["other"]])
    response = trust["api"]["admin"].post(url(trust["school"]),
                                          json=body(initiative_ids=[elsewhere.id]))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["initiative_ids"]


def test_unknown_schools_and_insights_are_404_and_bad_filters_422(trust):
    api = trust["api"]["admin"]
    assert api.get("/api/v1/schools/999999/insights").status_code == 404
    assert api.post("/api/v1/schools/999999/insights", json=body()).status_code == 404
    assert api.get("/api/v1/insights/999999").status_code == 404
    assert api.get(url(trust["school"]) + "?judgement=maybe").status_code == 422
    assert api.get(url(trust["school"]) + "?per_page=501").status_code == 422


def test_the_list_filters_by_judgement_and_unanswered_and_pages(trust):
    api = trust["api"]["admin"]
    old = api.post(url(trust["school"]), json=body(on=(TODAY - timedelta(days=31)).isoformat(),
                                                   title="Old concern")).get_json()
    api.post(url(trust["school"]), json=body(judgement="strength", title="A strength"))
    api.post(url(trust["school"]), json=body(title="Recent concern"))
    concerns = api.get(url(trust["school"]) + "?judgement=concern").get_json()
    assert [i["title"] for i in concerns["items"]] == ["Recent concern", "Old concern"]
    unanswered = api.get(url(trust["school"]) + "?unanswered=true").get_json()
    assert (unanswered["total"], unanswered["items"][0]["id"]) == (1, old["id"])
    assert unanswered["items"][0]["unanswered"] is True
    paged = api.get(url(trust["school"]) + "?per_page=2&page=2").get_json()
    assert (paged["total"], len(paged["items"])) == (3, 1)


def test_the_dashboard_counts_what_the_api_lists_as_unanswered(trust, session):
    api = trust["api"]["admin"]
    for days in (31, 45, 90):
        api.post(url(trust["school"]), json=body(on=(TODAY - timedelta(days=days)).isoformat()))
    answered = api.post(url(trust["school"]), json=body(
        on=(TODAY - timedelta(days=90)).isoformat(), initiative_ids=[trust["own"].id])).get_json()
    listed = api.get(url(trust["school"]) + "?unanswered=true").get_json()["total"]
    rows = {r["school_id"]: r for r in api.get("/api/v1/dashboard").get_json()["schools"]}
    assert rows[trust["school"].id]["unanswered_concerns"] == listed == 3
    assert rows[trust["other"].id]["unanswered_concerns"] == 0
    assert answered["unanswered"] is False
    report = dashboard.school_report(session, trust["people"]["admin"], TODAY)
    assert {r["school_id"]: r["unanswered_concerns"] for r in report["schools"]} == \
        insights.unanswered_by_school(session, TODAY, [trust["school"].id, trust["other"].id])
