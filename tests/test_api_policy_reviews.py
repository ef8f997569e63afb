"""The policy, breaches and reviews API: what each role may do, and what clients rely on."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.clock import today
from tracker.models import Allocation, AuditEntry

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")
POLICY = {"mode": "cap", "max_active_initiatives": 4, "out_grace_days": 7,
          "review_interval_days": 60}


@pytest.fixture
def school(make):
    return make.school()


@pytest.fixture
def person(make, school):
    """``person(role)``: a user of that role in ``school`` (admins and central team have none)."""
    def build(role):
        return make.user(role, schools=[] if role in ("admin", "central_team") else [school])
    return build


# --- policy ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_policy_and_only_an_admin_replaces_it(make, api_as, person, role):
    make.policy()
    api = api_as(person(role))
    got = api.get("/api/v1/policy")
    assert got.status_code == 200
    assert set(got.get_json()) == {"mode", "max_active_initiatives", "out_grace_days",
                                   "review_interval_days", "version"}
    put = api.put("/api/v1/policy", json=POLICY | {"version": got.get_json()["version"]})
    if role == "admin":
        assert put.status_code == 200 and put.get_json() == POLICY | {"version": 2}
    else:
        assert put.status_code == 403 and put.get_json()["error"]["code"] == "forbidden"


def test_the_policy_has_defaults_before_anyone_set_it(make, api_as):
    body = api_as(make.user("viewer")).get("/api/v1/policy").get_json()
    assert body == {"mode": "cap", "max_active_initiatives": 5, "out_grace_days": 14,
                    "review_interval_days": 90, "version": 1}


def test_replacing_the_policy_with_a_stale_version_gets_409(make, api_as):
    make.policy()
    api = api_as(make.user("admin"))
    assert api.put("/api/v1/policy", json=POLICY | {"version": 1}).status_code == 200
    stale = api.put("/api/v1/policy", json=POLICY | {"mode": "strict", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get("/api/v1/policy").get_json()["mode"] == "cap"


@pytest.mark.parametrize("body,field", [
    (POLICY | {"mode": "lenient"}, "mode"),
    (POLICY | {"max_active_initiatives": -1}, "max_active_initiatives"),
    (POLICY | {"out_grace_days": "7"}, "out_grace_days"),
    (POLICY | {"review_interval_days": 0}, "review_interval_days"),
    (POLICY | {"review_interval_days": 10**30}, "review_interval_days"),
    ({k: v for k, v in POLICY.items() if k != "mode"}, "mode"),
    (POLICY | {"colour": "blue"}, "colour"),
    (POLICY | {"version": "1"}, "version"),
])
def test_a_bad_policy_gets_422_naming_the_field(make, api_as, body, field):
    make.policy()
    response = api_as(make.user("admin")).put("/api/v1/policy",
                                              json=body | ({"version": 1} if field != "version" else {}))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


# --- breaches --------------------------------------------------------------------------------

def _over_the_limit(make, school):
    make.policy(max_active_initiatives=1, out_grace_days=0)
    make.initiative(schools=[school], phase="deliver", phase_since=today() - timedelta(days=50))
    tipping = make.initiative(schools=[school], phase="prepare", phase_since=today() - timedelta(days=9),
                              out_practice="Triple marking", out_due_on=today() - timedelta(days=2))
    return tipping


@pytest.mark.parametrize("role,sees", [("admin", True), ("central_team", True),
                                       ("school_lead", True), ("project_lead", True),
                                       ("viewer", True)])
def test_breaches_list_both_kinds_for_the_schools_the_caller_sees(make, api_as, school, person,
                                                                    role, sees):
    tipping = _over_the_limit(make, school)
    body = api_as(person(role)).get("/api/v1/policy/breaches").get_json()
    assert body == {"total": 2, "items": [
        {"kind": "out_overdue", "school_id": school.id, "initiative_id": tipping.id,
         "since": (today() - timedelta(days=1)).isoformat()},
        {"kind": "over_limit", "school_id": school.id, "initiative_id": tipping.id,
         "since": (today() - timedelta(days=9)).isoformat()}]}


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_another_schools_breaches_are_not_shown(make, api_as, school, role):
    _over_the_limit(make, school)
    api = api_as(make.user(role, schools=[make.school()]))
    assert api.get("/api/v1/policy/breaches").get_json() == {"items": [], "total": 0}
    assert api.get(f"/api/v1/policy/breaches?school_id={school.id}").get_json()["total"] == 0


def test_breaches_filter_by_school_and_kind(make, api_as, school):
    _over_the_limit(make, school)
    api = api_as(make.user("admin"))
    assert api.get("/api/v1/policy/breaches?kind=over_limit").get_json()["total"] == 1
    assert api.get(f"/api/v1/policy/breaches?school_id={make.school().id}").get_json()["total"] == 0
    assert api.get("/api/v1/policy/breaches?kind=late").status_code == 422
    assert api.get("/api/v1/policy/breaches?school_id=99999999999999999999").status_code == 422


def test_breaches_answer_in_the_same_number_of_queries_for_more_schools(make, api_as, count_queries):
    api = api_as(make.user("admin"))

    def measure(n):
        for _ in range(n):
            _over_the_limit(make, make.school())
        with count_queries() as q:
            assert api.get("/api/v1/policy/breaches").status_code == 200
        return q.count
    assert measure(1) == measure(10)


# --- reviews: reading --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_reviews_of_initiatives_it_can_see(make, api_as, session, school,
                                                                person, role):
    initiative = make.initiative(schools=[school], phase="deliver")
    review = make.review(initiative, workload="Three hours a week")
    api = api_as(person(role))
    listed = api.get(f"/api/v1/initiatives/{initiative.id}/reviews")
    assert listed.status_code == 200 and listed.get_json()["total"] == 1
    one = api.get(f"/api/v1/reviews/{review.id}").get_json()
    assert one["workload"] == "Three hours a week" and one["decision"] is None
    assert {"id", "initiative_id", "due_on", "reviewer_id", "impact_evidence", "opportunity_cost",
            "workload", "decision", "rationale", "decided_on", "version"} <= set(one)


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_another_schools_reviews_are_not_found(make, api_as, session, role):
    initiative = make.initiative(phase="deliver")
    review = make.review(initiative)
    api = api_as(make.user(role, schools=[make.school()]))
    for path in (f"/api/v1/initiatives/{initiative.id}/reviews", f"/api/v1/reviews/{review.id}"):
        assert api.get(path).status_code == 404
    assert api.patch(f"/api/v1/reviews/{review.id}",
                     json={"version": 1, "decision": "deimplement", "rationale": "x"}).status_code == 404
    assert api.post(f"/api/v1/initiatives/{initiative.id}/reviews",
                    json={"due_on": "2026-09-01"}).status_code == 404


def test_listing_reviews_filters_open_ones_and_costs_the_same_queries_for_more(
        make, api_as, session, count_queries):
    initiative = make.initiative(phase="deliver")
    api = api_as(make.user("admin"))

    def measure(n):
        for _ in range(n):
            make.review(initiative)
        with count_queries() as q:
            api.get(f"/api/v1/initiatives/{initiative.id}/reviews")
        return q.count
    assert measure(1) == measure(20)
    make.review(initiative, decision="continue", rationale="fine", decided_on=today())
    assert api.get(f"/api/v1/initiatives/{initiative.id}/reviews?decided=false").get_json()["total"] == 21
    assert api.get(f"/api/v1/initiatives/{initiative.id}/reviews?decided=true").get_json()["total"] == 1


# --- reviews: writing --------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [("admin", 201), ("school_lead", 201),
                                         ("central_team", 403), ("project_lead", 403),
                                         ("viewer", 403)])
def test_the_school_lead_or_an_admin_adds_a_review(make, api_as, school, person, role, status):
    actor = person(role)
    initiative = make.initiative(schools=[school], phase="deliver",
                                 owner=actor if role == "project_lead" else None)
    response = api_as(actor).post(f"/api/v1/initiatives/{initiative.id}/reviews", json={
        "due_on": "2026-09-01", "impact_evidence": "Reading ages up 4 months."})
    assert response.status_code == status, response.get_json()
    if status == 201:
        body = response.get_json()
        assert (body["due_on"], body["impact_evidence"], body["decision"]) == (
            "2026-09-01", "Reading ages up 4 months.", None)


@pytest.mark.parametrize("role,status", [("admin", 200), ("school_lead", 200),
                                         ("central_team", 403), ("project_lead", 403),
                                         ("viewer", 403)])
def test_deciding_by_patch_is_for_the_school_lead_or_an_admin(make, api_as, session, school,
                                                              person, role, status):
    actor = person(role)
    initiative = make.initiative(schools=[school], phase="deliver",
                                 owner=actor if role == "project_lead" else None)
    review = make.review(initiative)
    response = api_as(actor).patch(f"/api/v1/reviews/{review.id}", json={
        "version": review.version, "decision": "continue", "rationale": "Strong early signals."})
    assert response.status_code == status, response.get_json()
    if status == 200:
        body = response.get_json()
        assert (body["decision"], body["decided_on"], body["rationale"]) == (
            "continue", today().isoformat(), "Strong early signals.")
        listed = api_as(actor).get(f"/api/v1/initiatives/{initiative.id}/reviews").get_json()
        assert listed["items"][-1]["due_on"] == (today() + timedelta(days=90)).isoformat()


def test_deimplementing_through_the_api_stops_the_initiative_and_ends_its_allocations(
        make, api_as, session, school):
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="deliver")
    expert = make.expert()
    allocation = Allocation(expert_id=expert.id, school_id=school.id, initiative_id=initiative.id,
                            starts_on=today() - timedelta(days=7), ends_on=today() + timedelta(days=28),
                            days_per_week=1.0, status="confirmed")
    session.add(allocation)
    session.commit()
    review = make.review(initiative)
    api = api_as(lead)
    response = api.patch(f"/api/v1/reviews/{review.id}", json={
        "version": review.version, "decision": "deimplement",
        "rationale": "No measurable impact; frees two afternoons a week.",
        "would_stop": "Two afternoons of withdrawal a week"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["freed_expert_days"] == 4.0  # four weeks left at 1 day a week
    got = api.get(f"/api/v1/initiatives/{initiative.id}").get_json()
    assert (got["status"], got["phase"]) == ("deimplemented", "deliver")
    session.expire_all()
    assert session.get(Allocation, allocation.id).ends_on == today()


def test_a_school_lead_cannot_edit_a_decided_review_but_an_admin_can_except_its_decision(
        make, api_as, session, school):
    lead = make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="deliver")
    review = make.review(initiative)
    lead_api, admin_api = api_as(lead), api_as(make.user("admin"))
    decided = lead_api.patch(f"/api/v1/reviews/{review.id}", json={
        "version": 1, "decision": "continue", "rationale": "Keep going."}).get_json()
    refused = lead_api.patch(f"/api/v1/reviews/{review.id}",
                             json={"version": decided["version"], "rationale": "Rewritten"})
    assert refused.status_code == 403
    edited = admin_api.patch(f"/api/v1/reviews/{review.id}",
                             json={"version": decided["version"], "rationale": "Keep going: signals good."})
    assert edited.status_code == 200
    flipped = admin_api.patch(f"/api/v1/reviews/{review.id}", json={
        "version": edited.get_json()["version"], "decision": "deimplement"})
    assert flipped.status_code == 422 and "decision" in flipped.get_json()["error"]["fields"]
    entries = session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "reviews", AuditEntry.record_id == review.id)).scalars()
    assert any(e.changes.get("rationale") == ["Keep going.", "Keep going: signals good."]
               for e in entries)


def test_patching_a_review_with_a_stale_version_gets_409_and_writes_nothing(make, api_as, session, school):
    lead = make.user("school_lead", schools=[school])
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    api = api_as(lead)
    assert api.patch(f"/api/v1/reviews/{review.id}", json={"version": 1, "workload": "A"}).status_code == 200
    stale = api.patch(f"/api/v1/reviews/{review.id}", json={"version": 1, "workload": "B"})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(f"/api/v1/reviews/{review.id}").get_json()["workload"] == "A"


@pytest.mark.parametrize("body,field", [
    ({"version": 1, "decision": "maybe", "rationale": "x"}, "decision"),
    ({"version": 1, "decision": "continue"}, "rationale"),
    ({"version": 1, "workload": "a\x00b"}, "workload"),
    ({"version": 1, "workload": "x" * 20_001}, "workload"),
    ({"version": 1, "due_on": "2026-02-30"}, "due_on"),
    ({"version": 1, "due_on": None}, "due_on"),
    ({"version": 1, "reviewer_id": 2**70}, "reviewer_id"),
    ({"version": 1, "reviewer_id": 999999}, "reviewer_id"),
    ({"version": "1"}, "version"),
    ({"workload": "x"}, "version"),
])
def test_bad_review_input_gets_422_naming_the_field(make, api_as, session, school, body, field):
    lead = make.user("school_lead", schools=[school])
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    response = api_as(lead).patch(f"/api/v1/reviews/{review.id}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_unknown_and_huge_review_ids_are_not_found(make, api_as):
    api = api_as(make.user("admin"))
    assert api.get("/api/v1/reviews/424242").status_code == 404
    assert api.get(f"/api/v1/reviews/{2**64}").status_code == 404
    assert api.get(f"/api/v1/initiatives/{2**64}/reviews").status_code == 404


def test_a_review_body_that_is_not_json_gets_400(make, api_as, session, school):
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    api = api_as(make.user("admin"))
    response = api.patch(f"/api/v1/reviews/{review.id}", data="{not json",
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400
