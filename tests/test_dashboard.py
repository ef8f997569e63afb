"""The board's standard report: the same figures per school, and the golden rule."""
from datetime import date, timedelta

from tracker.models import PdsaCycle, Update

TODAY = date.today()


def test_dashboard_counts_each_schools_initiatives_by_phase_and_rag(make, api_as, session):
    school = make.school(name="Oakwood")
    make.initiative(schools=[school], phase="deliver", rag="red")
    make.initiative(schools=[school], phase="deliver", rag="green")
    make.initiative(schools=[school], phase="explore")
    make.initiative(schools=[school], phase="deliver", status="completed")  # ended: not counted
    body = api_as(make.user("admin")).get("/api/v1/dashboard").get_json()
    row = next(r for r in body["schools"] if r["school_id"] == school.id)
    assert row["phases"] == {"explore": 1, "prepare": 0, "deliver": 2, "sustain": 0}
    assert row["rag"] == {"green": 1, "amber": 0, "red": 1, "none": 1}
    assert row["active_initiatives"] == 3


def test_dashboard_reports_overdue_milestones_stuck_cycles_and_breaches(make, api_as, session):
    school = make.school(max_active_initiatives=1)
    make.policy(mode="cap", max_active_initiatives=5)
    first = make.initiative(schools=[school], phase="deliver")
    make.initiative(schools=[school], phase="prepare")
    make.milestone(first, due_on=TODAY - timedelta(days=3))
    make.milestone(first, due_on=TODAY - timedelta(days=3), done_on=TODAY - timedelta(days=4))
    session.add(PdsaCycle(initiative_id=first.id, title="Stuck", stage="do",
                          stage_since=TODAY - timedelta(days=40)))
    session.commit()
    body = api_as(make.user("admin")).get("/api/v1/dashboard").get_json()
    row = next(r for r in body["schools"] if r["school_id"] == school.id)
    assert row["overdue_milestones"] == 1
    assert row["stuck_pdsa_cycles"] == 1
    assert row["breaches"] == 1
    assert body["breaches"][0]["kind"] == "over_limit"


def test_golden_rule_warns_below_three_schools_able_to_support_per_school_in_need(make, api_as):
    for _ in range(2):
        make.school(support_status="can_support")
    make.school(support_status="needs_support")
    body = api_as(make.user("viewer")).get("/api/v1/dashboard").get_json()
    assert body["golden_rule"] == {"can_support": 2, "needs_support": 1, "ratio": 2.0, "ok": False}
    make.school(support_status="can_support")
    body = api_as(make.user("viewer")).get("/api/v1/dashboard").get_json()
    assert body["golden_rule"]["ok"] is True


def test_a_school_lead_sees_only_their_schools_on_the_dashboard(make, api_as):
    mine, other = make.school(), make.school()
    body = api_as(make.user("school_lead", schools=[mine])).get("/api/v1/dashboard").get_json()
    assert [r["school_id"] for r in body["schools"]] == [mine.id]
    assert other.id not in [b["school_id"] for b in body["breaches"]]


def test_dashboard_page_query_count_does_not_grow_with_schools(make, login_as, count_queries):
    admin = make.user("admin")
    client = login_as(admin)

    def grow(n):
        for _ in range(n):
            school = make.school()
            initiative = make.initiative(schools=[school], phase="deliver")
            make.milestone(initiative, due_on=TODAY - timedelta(days=1))
    grow(2)
    client.get("/dashboard")  # the first visit creates the trust policy row
    with count_queries() as small:
        assert client.get("/dashboard").status_code == 200
    grow(8)
    client.get("/dashboard")  # the same warm identity map as the small run
    with count_queries() as large:
        page = client.get("/dashboard")
    assert page.status_code == 200 and b"Schools compared" in page.data
    assert large.count == small.count


def test_update_rag_shows_on_the_dashboard_page(make, login_as, session):
    school = make.school(name="Riverside")
    initiative = make.initiative(schools=[school], phase="deliver")
    session.add(Update(initiative_id=initiative.id, rag="red", narrative="Behind",
                       author_id=initiative.owner_id))
    initiative.rag = "red"
    session.commit()
    page = login_as(make.user("school_lead", schools=[school])).get("/dashboard")
    assert b"Riverside" in page.data and b"(the whole trust)" in page.data
