"""The one in, one out pages: who sees and does what, and what each page costs in queries."""
from datetime import timedelta

import pytest

from tracker.clock import today
from tracker.models import DeimplementationReview, MeasurePoint, TrustPolicy

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")


@pytest.fixture
def school(make):
    return make.school(name="Oakwood Primary")


@pytest.fixture
def person(make, school):
    def build(role):
        return make.user(role, schools=[] if role in ("admin", "central_team") else [school])
    return build


def _text(response):
    return response.get_data(as_text=True)


# --- the trust policy page -----------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_policy_and_their_schools_but_only_an_admin_gets_the_form(
        make, login_as, school, person, role):
    make.policy(max_active_initiatives=1)
    make.initiative(schools=[school], phase="deliver")
    make.initiative(schools=[school], phase="prepare")
    other = make.school(name="Elsewhere Academy")
    client = login_as(person(role))
    page = client.get("/policy")
    assert page.status_code == 200
    assert "Oakwood Primary" in _text(page)
    assert ("Elsewhere Academy" in _text(page)) is (role in ("admin", "central_team"))
    assert ("Save the policy" in _text(page)) is (role == "admin")
    posted = client.post("/policy", data={"mode": "strict", "max_active_initiatives": 3,
                                          "out_grace_days": 7, "review_interval_days": 30,
                                          "version": 1})
    assert posted.status_code == (302 if role == "admin" else 403)
    assert other.id


def test_an_admin_sees_a_bad_policy_value_beside_its_field(make, login_as, session):
    make.policy()
    client = login_as(make.user("admin"))
    page = client.post("/policy", data={"mode": "cap", "max_active_initiatives": -2,
                                        "out_grace_days": 7, "review_interval_days": 30,
                                        "version": 1})
    assert page.status_code == 200
    assert 'id="max_active_initiatives-error"' in _text(page)
    assert session.get(TrustPolicy, 1).max_active_initiatives == 5


def test_the_policy_page_costs_the_same_queries_for_more_schools(make, login_as, count_queries):
    make.policy(max_active_initiatives=1)
    client = login_as(make.user("admin"))

    def measure(n):
        for _ in range(n):
            s = make.school()
            make.initiative(schools=[s], phase="deliver")
            make.initiative(schools=[s], phase="prepare")
        with count_queries() as q:
            assert client.get("/policy").status_code == 200
        return q.count
    assert measure(1) == measure(12)


# --- a school's policy page ----------------------------------------------------------------

def _busy_school(make, session, school):
    make.policy(max_active_initiatives=1, out_grace_days=0)
    make.initiative(schools=[school], phase="deliver", title="Old marking scheme")
    new = make.initiative(schools=[school], phase="prepare", title="Feedback without marking",
                          out_practice="Triple marking", out_due_on=today() - timedelta(days=3))
    make.review(make.initiative(schools=[school], phase="deliver", title="Oracy"))
    return new


@pytest.mark.parametrize("role", ROLES)
def test_a_schools_policy_page_shows_its_limit_counted_breaches_outs_and_reviews(
        make, login_as, session, school, person, role):
    _busy_school(make, session, school)
    body = _text(login_as(person(role)).get(f"/policy/schools/{school.id}"))
    for expected in ("Old marking scheme", "Feedback without marking", "Over its limit",
                     "Out overdue", "“Triple marking”", "Overdue: a breach", "Oracy",
                     "Open the review"):
        assert expected in body


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_another_schools_policy_page_is_not_found(make, login_as, school, role):
    client = login_as(make.user(role, schools=[make.school()]))
    assert client.get(f"/policy/schools/{school.id}").status_code == 404
    assert client.get(f"/policy/schools/{2**70}").status_code == 404


def test_a_schools_policy_page_costs_the_same_queries_for_more_initiatives(
        make, login_as, session, school, count_queries):
    client = login_as(make.user("admin"))

    def measure(n):
        for _ in range(n):
            _busy_school(make, session, school)
        with count_queries() as q:
            assert client.get(f"/policy/schools/{school.id}").status_code == 200
        return q.count
    assert measure(1) == measure(8)


# --- reviews -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_a_review_but_only_the_school_lead_or_an_admin_gets_the_form(
        make, login_as, session, school, person, role):
    initiative = make.initiative(schools=[school], phase="deliver", title="Reading recovery")
    review = make.review(initiative, workload="Three hours a week")
    client = login_as(person(role))
    page = client.get(f"/reviews/{review.id}")
    assert page.status_code == 200 and "Three hours a week" in _text(page)
    writes = role in ("admin", "school_lead")
    assert ("Save the review" in _text(page)) is writes
    listed = client.get(f"/initiatives/{initiative.id}/reviews")
    assert listed.status_code == 200
    assert ("Add the review" in _text(listed)) is writes
    posted = client.post(f"/reviews/{review.id}", data={
        "due_on": today().isoformat(), "decision": "continue", "rationale": "Good signals",
        "version": review.version})
    assert posted.status_code == (302 if writes else 403)
    added = client.post(f"/initiatives/{initiative.id}/reviews", data={"due_on": "2026-12-01"})
    assert added.status_code == (302 if writes else 403)


def test_a_school_lead_chooses_the_reviewer_from_the_initiatives_people_and_the_trusts(
        make, login_as, session, school):
    lead = make.user("school_lead", schools=[school], name="Sam Lead")
    colleague = make.user("project_lead", schools=[school], name="Pat Colleague")
    central = make.user("central_team", name="Cam Central")
    stranger = make.user("school_lead", schools=[make.school()], name="Sol Elsewhere")
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    client = login_as(lead)
    page = _text(client.get(f"/reviews/{review.id}"))
    assert 'id="reviewer_id"' in page and "Reviewer" in page
    assert "Pat Colleague" in page and "Cam Central" in page and "Sol Elsewhere" not in page
    posted = client.post(f"/reviews/{review.id}", data={
        "due_on": review.due_on.isoformat(), "reviewer_id": str(colleague.id),
        "version": review.version})
    assert posted.status_code == 302
    session.expire_all()
    assert session.get(DeimplementationReview, review.id).reviewer_id == colleague.id
    assert "reviewer: Pat Colleague" in _text(client.get(f"/reviews/{review.id}"))
    refused = client.post(f"/reviews/{review.id}", data={
        "due_on": review.due_on.isoformat(), "reviewer_id": str(stranger.id),
        "version": session.get(DeimplementationReview, review.id).version})
    assert refused.status_code == 200 and 'id="reviewer_id-error"' in _text(refused)
    session.expire_all()
    assert session.get(DeimplementationReview, review.id).reviewer_id == colleague.id
    assert central.id  # offered above, as the trust's central team may review


@pytest.mark.parametrize("role", ["project_lead", "viewer", "central_team"])
def test_only_who_writes_the_review_may_choose_its_reviewer(make, login_as, session, school,
                                                             person, role):
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    someone = make.user("school_lead", schools=[school])
    client = login_as(person(role))
    assert 'id="reviewer_id"' not in _text(client.get(f"/reviews/{review.id}"))
    posted = client.post(f"/reviews/{review.id}", data={
        "due_on": review.due_on.isoformat(), "reviewer_id": str(someone.id),
        "version": review.version})
    assert posted.status_code == 403
    session.expire_all()
    assert session.get(DeimplementationReview, review.id).reviewer_id is None


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_another_schools_review_pages_are_not_found(make, login_as, session, role):
    initiative = make.initiative(phase="deliver")
    review = make.review(initiative)
    client = login_as(make.user(role, schools=[make.school()]))
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.post(f"/reviews/{review.id}", data={"due_on": "2026-09-01"}).status_code == 404
    assert client.get(f"/initiatives/{initiative.id}/reviews").status_code == 404


def test_deciding_without_a_rationale_shows_the_error_beside_the_rationale(
        make, login_as, session, school):
    lead = make.user("school_lead", schools=[school])
    review = make.review(make.initiative(schools=[school], phase="deliver"))
    page = login_as(lead).post(f"/reviews/{review.id}", data={
        "due_on": today().isoformat(), "decision": "deimplement", "rationale": "",
        "impact_evidence": "Flat for two terms", "version": review.version})
    assert page.status_code == 200
    assert 'id="rationale-error"' in _text(page) and "Flat for two terms" in _text(page)
    session.expire_all()
    assert session.get(DeimplementationReview, review.id).decision is None


def test_the_review_shows_the_measures_and_their_signals_beside_the_evidence(
        make, login_as, session, school):
    initiative = make.initiative(schools=[school], phase="deliver")
    measure = make.measure(initiative, name="Phonics pass rate", unit="%", target=80)
    start = today() - timedelta(weeks=20)
    values = [50, 51, 49, 50, 52, 50, 60, 61, 62, 63, 64, 65, 66]
    session.add_all(MeasurePoint(measure_id=measure.id, on=start + timedelta(weeks=k), value=v)
                    for k, v in enumerate(values))
    session.commit()
    review = make.review(initiative)
    body = _text(login_as(make.user("admin")).get(f"/reviews/{review.id}"))
    assert "Phonics pass rate" in body and "Latest: <strong>66%</strong>" in body
    assert 'class="badge signal"' in body and "<svg" in body


def test_a_decided_review_is_read_only_for_the_school_lead_and_correctable_by_an_admin(
        make, login_as, session, school):
    lead = make.user("school_lead", schools=[school])
    review = make.review(make.initiative(schools=[school], phase="deliver"),
                     decision="continue", rationale="Keep going", decided_on=today())
    assert "Save corrections" not in _text(login_as(lead).get(f"/reviews/{review.id}"))
    assert login_as(lead).post(f"/reviews/{review.id}", data={}).status_code == 403
    admin = login_as(make.user("admin"))
    assert "Save corrections" in _text(admin.get(f"/reviews/{review.id}"))
    assert admin.post(f"/reviews/{review.id}", data={
        "due_on": today().isoformat(), "rationale": "Keep going: fixed a typo",
        "version": review.version}).status_code == 302
    session.expire_all()
    assert session.get(DeimplementationReview, review.id).rationale == "Keep going: fixed a typo"


def test_the_review_page_costs_the_same_queries_for_more_measures_and_points(
        make, login_as, session, school, count_queries):
    initiative = make.initiative(schools=[school], phase="deliver")
    review = make.review(initiative)
    client = login_as(make.user("admin"))

    def measure(n):
        for k in range(n):
            m = make.measure(initiative, name=f"Measure {k}")
            session.add_all(MeasurePoint(measure_id=m.id, on=today() - timedelta(weeks=w), value=w)
                            for w in range(12))
        session.commit()
        with count_queries() as q:
            assert client.get(f"/reviews/{review.id}").status_code == 200
        return q.count
    assert measure(1) == measure(5)


# --- the stopped register ------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_the_stopped_register_shows_what_was_stopped_why_and_the_time_freed(
        make, login_as, session, school, person, role):
    stopped = make.initiative(schools=[school], phase="deliver", status="deimplemented",
                              title="Weekly book scrutiny", ended_on=today())
    make.review(stopped, decision="deimplement", rationale="No link to outcomes",
            decided_on=today(), freed_expert_days=6.0, would_stop="Two hours a week per teacher")
    make.initiative(status="deimplemented", title="Somewhere else's", ended_on=today())
    body = _text(login_as(person(role)).get("/stopped"))
    assert "Weekly book scrutiny" in body and "No link to outcomes" in body
    assert "6.0 expert days freed" in body and "Two hours a week per teacher" in body
    assert ("Somewhere else&#39;s" in body) is (role in ("admin", "central_team"))


def test_the_stopped_register_costs_the_same_queries_for_more_rows(make, login_as, session,
                                                                   count_queries):
    client = login_as(make.user("admin"))

    def measure(n):
        for _ in range(n):
            i = make.initiative(status="deimplemented", ended_on=today())
            make.review(i, decision="deimplement", rationale="x", decided_on=today())
        with count_queries() as q:
            assert client.get("/stopped").status_code == 200
        return q.count
    assert measure(1) == measure(10)


def test_the_menu_offers_the_policy_and_the_stopped_register(make, login_as):
    body = _text(login_as(make.user("viewer")).get("/"))
    assert ">One in, one out</a>" in body and ">Stopped</a>" in body
