"""POST and GET /api/v1/self-evaluations as API.md fixes them, for every role."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker import clock
from tracker.models import SelfEvaluation
from tracker.models.initiative import PILLARS

URL = "/api/v1/self-evaluations"
TODAY = clock.today()


def body(school_id=None, on=TODAY, **ratings):
    """A complete round: every pillar at 2 unless named."""
    sent = {"on": on.isoformat(), "ratings": [
        {"pillar": p, "rating": ratings.get(p, 2), "evidence": f"Evidence for {p}."} for p in PILLARS]}
    if school_id is not None:
        sent["school_id"] = school_id
    return sent


@pytest.fixture
def trust(make, api_as):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin"), "central_team": make.user("central_team"),
              "school_lead": make.user("school_lead", schools=[school]),
              "project_lead": make.user("project_lead", schools=[school]),
              "viewer": make.user("viewer", schools=[school]), "board": make.user("viewer")}
    return {"school": school, "other": other, "people": people,
            "api": {role: api_as(person) for role, person in people.items()}}


def saved_rounds(session):
    session.rollback()
    return session.execute(select(func.count()).select_from(SelfEvaluation)).scalar_one()


# --- writing -------------------------------------------------------------------------------

def test_a_round_is_created_with_every_pillar_and_answered_as_api_md_says(trust):
    response = trust["api"]["central_team"].post(URL, json=body(vision=4, data=1))
    assert response.status_code == 201, response.get_json()
    round_ = response.get_json()
    assert {"id", "on", "school_id", "author_id", "ratings"} <= set(round_)
    assert (round_["on"], round_["school_id"], round_["author_id"]) == (
        TODAY.isoformat(), None, trust["people"]["central_team"].id)
    assert round_["ratings"][0] == {"pillar": "vision", "rating": 4,
                                    "evidence": "Evidence for vision."}
    assert [r["pillar"] for r in round_["ratings"]] == list(PILLARS)


#: role → status for (the trust's own, their school's, another school's).
WRITES = {
    "admin": (201, 201, 201),
    "central_team": (201, 403, 403),
    "school_lead": (403, 201, 422),
    "project_lead": (403, 403, 422),
    "viewer": (403, 403, 422),
    "board": (403, 403, 403),
}


@pytest.mark.parametrize("role", list(WRITES))
def test_who_may_write_the_trusts_and_a_schools_round(trust, session, role):
    targets = (None, trust["school"].id, trust["other"].id)
    for school_id, status in zip(targets, WRITES[role]):
        response = trust["api"][role].post(URL, json=body(school_id))
        assert response.status_code == status, (school_id, response.get_json())
        error = response.get_json().get("error")
        if status == 403:
            assert error["code"] == "forbidden"
        if status == 422:
            assert error["fields"] == {"school_id": ["No school with this id that you can see."]}
    assert saved_rounds(session) == sum(s == 201 for s in WRITES[role])


def test_left_out_pillars_are_422_with_missing_naming_each_and_nothing_is_saved(trust, session):
    sent = body()
    sent["ratings"] = [r for r in sent["ratings"] if r["pillar"] not in ("capacity", "process")]
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "round_incomplete"
    assert [m["code"] for m in error["missing"]] == ["capacity", "process"]
    assert all(m["message"].startswith("Rate ") for m in error["missing"])
    assert "Capacity and Process and project management are not rated yet" in error["message"]
    assert saved_rounds(session) == 0


def test_no_ratings_at_all_names_all_seven_pillars(trust):
    response = trust["api"]["admin"].post(URL, json={"on": TODAY.isoformat(), "ratings": []})
    assert response.status_code == 422
    assert [m["code"] for m in response.get_json()["error"]["missing"]] == list(PILLARS)


@pytest.mark.parametrize("rating", [0, 5, -3, 2.5, "3", True, None])
def test_a_rating_outside_one_to_four_is_422_by_field(trust, session, rating):
    sent = body()
    sent["ratings"][3]["rating"] = rating
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert list(fields) == ["ratings"] and list(fields["ratings"]) == ["3"]
    assert list(fields["ratings"]["3"]) == ["rating"]
    assert saved_rounds(session) == 0


def test_an_unknown_pillar_is_422_naming_its_place_in_the_list(trust):
    sent = body()
    sent["ratings"][5]["pillar"] = "innovation"
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]["ratings"]["5"]) == ["pillar"]


def test_a_pillar_rated_twice_is_422_beside_the_second(trust, session):
    sent = body()
    sent["ratings"].append({"pillar": "data", "rating": 3, "evidence": ""})
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "ratings.7.pillar": ["Robust and real-time data is rated more than once: rate each pillar once."]}
    assert saved_rounds(session) == 0


@pytest.mark.parametrize("on", [TODAY + timedelta(days=1), "2026-13-01", "yesterday", None])
def test_the_date_is_today_or_earlier(trust, on):
    sent = body()
    sent["on"] = on.isoformat() if hasattr(on, "isoformat") else on
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["on"]


def test_evidence_may_be_absent_or_null_and_unknown_fields_are_refused(trust):
    sent = body()
    del sent["ratings"][0]["evidence"]
    sent["ratings"][1]["evidence"] = None
    response = trust["api"]["admin"].post(URL, json=sent)
    assert response.status_code == 201
    assert [r["evidence"] for r in response.get_json()["ratings"][:2]] == ["", ""]
    sent["ratings"][2]["score"] = 3
    assert trust["api"]["admin"].post(URL, json=sent).status_code == 422


# --- reading -------------------------------------------------------------------------------

def test_the_trusts_rounds_are_listed_newest_first_to_everyone_and_paged(trust):
    admin = trust["api"]["admin"]
    ids = [admin.post(URL, json=body(on=TODAY - timedelta(days=d))).get_json()["id"]
           for d in (200, 10, 100)]
    admin.post(URL, json=body(trust["school"].id))  # a school's: not in the trust's list
    for role, api in trust["api"].items():
        listed = api.get(URL).get_json()
        assert listed["total"] == 3, role
        assert [r["id"] for r in listed["items"]] == [ids[1], ids[2], ids[0]], role
    second_page = admin.get(URL + "?per_page=2&page=2").get_json()
    assert [r["id"] for r in second_page["items"]] == [ids[0]] and second_page["total"] == 3


#: role → status for listing (their school's, another school's) rounds.
READS = {"admin": (200, 200), "central_team": (200, 200), "school_lead": (200, 404),
         "project_lead": (200, 404), "viewer": (200, 404), "board": (200, 200)}


@pytest.mark.parametrize("role", list(READS))
def test_a_schools_rounds_are_read_by_whoever_sees_the_school(trust, role):
    admin = trust["api"]["admin"]
    mine = admin.post(URL, json=body(trust["school"].id)).get_json()["id"]
    theirs = admin.post(URL, json=body(trust["other"].id)).get_json()["id"]
    api = trust["api"][role]
    for school, round_id, status in zip(("school", "other"), (mine, theirs), READS[role]):
        listed = api.get(f"{URL}?school_id={trust[school].id}")
        assert listed.status_code == status
        one = api.get(f"{URL}/{round_id}")
        assert one.status_code == status
        if status == 200:
            assert [r["id"] for r in listed.get_json()["items"]] == [round_id]
            assert one.get_json()["school_id"] == trust[school].id
        else:
            assert listed.get_json()["error"]["code"] == "not_found"
            assert one.get_json()["error"]["message"] == "No such self-evaluation."


def test_the_trusts_round_is_read_by_id_by_everyone(trust):
    round_id = trust["api"]["admin"].post(URL, json=body()).get_json()["id"]
    for api in trust["api"].values():
        assert api.get(f"{URL}/{round_id}").get_json()["ratings"][0]["pillar"] == "vision"


def test_an_unknown_school_or_round_is_not_found(trust):
    admin = trust["api"]["admin"]
    assert admin.get(f"{URL}?school_id=999999").status_code == 404
    assert admin.get(f"{URL}/999999").status_code == 404
    assert admin.get(f"{URL}?school_id=abc").status_code == 422


def test_the_list_reads_in_a_fixed_number_of_queries(trust, session, count_queries):
    admin = trust["api"]["admin"]

    def listing():
        session.expire_all()
        with count_queries() as queries:
            assert admin.get(URL).status_code == 200
        return queries.count

    admin.post(URL, json=body())
    one = listing()
    for days in range(1, 9):
        admin.post(URL, json=body(on=TODAY - timedelta(days=days)))
    assert listing() == one


def test_the_openapi_document_describes_the_rounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"][URL])
    assert "get" in spec["paths"][URL + "/{self_evaluation_id}"]
    rating = spec["components"]["schemas"]["SelfEvaluationRatingIn"]["properties"]["rating"]
    assert (rating["minimum"], rating["maximum"]) == (1, 4)
