"""The school page (issue 14): one school's picture brought together (tracker.school_view), its
scope per role, its figures being the dashboard's row of the school, the school's own RAG of
a shared initiative, the page's sections, and a query count that does not grow with the data."""
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from tracker import capacity, clock, dashboard, school_view
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.models import (Allocation, Insight, InsightPillar, Measure, MeasurePoint, PdsaCycle,
                            SelfEvaluation, SelfEvaluationRating, initiative_schools)
from tracker.models.initiative import PILLARS

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")


def _set_own_rag(initiative, school, rag):
    """The school's own RAG of a shared initiative (what a progress update for it sets)."""
    link = initiative_schools.c
    db.session.execute(update(initiative_schools).where(
        link.initiative_id == initiative.id, link.school_id == school.id).values(rag=rag))
    db.session.commit()


def _round(school, on, rating, author):
    db.session.add(SelfEvaluation(school_id=school.id, on=on, author_id=author.id, ratings=[
        SelfEvaluationRating(pillar=p, rating=rating, evidence="Seen on visits.") for p in PILLARS]))
    db.session.commit()


def _busy_school(make, school, others=(), initiatives=1, points=3):
    """A school with ``initiatives`` active initiatives (every other one shared with
    ``others``), each with an overdue milestone and a stuck PDSA cycle, a trust KPI with
    ``points`` values, an expert allocation running now, two self-evaluation rounds, and
    insights: a concern nothing answers, and one that the first initiative acts on."""
    today = clock.today()
    lead = make.user("admin")
    found = []
    for n in range(initiatives):
        shared = [school, *others] if n % 2 and others else [school]
        initiative = make.initiative(schools=shared, phase=("explore", "prepare", "deliver")[n % 3],
                                     rag="green")
        make.milestone(initiative, due_on=today - timedelta(days=3))
        db.session.add(PdsaCycle(initiative_id=initiative.id, title="Try it", stage="do",
                                 stage_since=today - timedelta(days=90)))
        found.append(initiative)
    kpi = Measure(initiative_id=None, name=f"Attendance {school.id}", unit="%", target=95.0)
    db.session.add(kpi)
    db.session.flush()
    db.session.add_all(MeasurePoint(measure_id=kpi.id, school_id=school.id, value=94.0 + w % 3,
                                    on=today - timedelta(weeks=points - w)) for w in range(points))
    db.session.add(Allocation(expert_id=make.expert(days_per_week=3.0).id, school_id=school.id,
                              initiative_id=found[0].id, starts_on=today - timedelta(days=7),
                              ends_on=today + timedelta(days=30), days_per_week=1.0,
                              status="confirmed"))
    db.session.commit()
    db.session.add_all([
        Insight(school_id=school.id, source="qa_visit", on=today - timedelta(days=60),
                title="Reading fluency in Year 3", judgement="concern", author_id=lead.id,
                pillar_tags=[InsightPillar(pillar="quality_assurance")]),
        Insight(school_id=school.id, source="peer_review", on=today - timedelta(days=20),
                title="Phonics teaching is consistent", judgement="strength", author_id=lead.id,
                pillar_tags=[InsightPillar(pillar="improvement_activity")], initiatives=[found[0]])])
    db.session.commit()
    _round(school, today - timedelta(days=200), 2, lead)
    _round(school, today - timedelta(days=10), 3, lead)
    return found


# --- the domain -------------------------------------------------------------------------

def test_the_picture_holds_the_schools_facts_initiatives_kpis_time_and_self_evaluation(make, session):
    school, other = make.school(name="Ash Primary", max_active_initiatives=4), make.school()
    mine = _busy_school(make, school, others=[other], initiatives=3)
    elsewhere = make.initiative(schools=[other])
    picture = school_view.school_picture(session, make.user("admin"), school.id, clock.today())
    assert picture["school"].name == "Ash Primary" and picture["limit"] == 4 and picture["own_limit"]
    listed = [i["id"] for group in picture["phases"] for i in group["initiatives"]]
    assert sorted(listed) == sorted(i.id for i in mine) and elsewhere.id not in listed
    assert [g["phase"] for g in picture["phases"]] == ["explore", "prepare", "deliver", "sustain"]
    shared = next(i for g in picture["phases"] for i in g["initiatives"] if i["id"] == mine[1].id)
    assert shared["schools"] == 2
    assert picture["row"]["overdue_milestones"] == 3 and picture["row"]["stuck_pdsa_cycles"] == 3
    assert [k["name"] for k in picture["kpis"]] == [f"Attendance {school.id}"]
    assert picture["kpis"][0]["latest"]["value"] in (94.0, 95.0, 96.0)
    assert [a.school_id for a in picture["allocations"]] == [school.id]
    assert picture["received"]["confirmed"] > 0
    se = picture["self_evaluation"]
    assert se["latest"]["on"] == clock.today() - timedelta(days=10)
    assert {r["change"] for r in se["pillars"]} == {1}
    assert [i.title for i in picture["insights"].unanswered] == ["Reading fluency in Year 3"]
    assert picture["insights"].total == 2


def test_a_shared_initiative_shows_each_schools_own_rag(make, session):
    north, south = make.school(name="North"), make.school(name="South")
    shared = make.initiative(schools=[north, south], rag="green")
    _set_own_rag(shared, north, "green")
    _set_own_rag(shared, south, "red")
    admin = make.user("admin")

    def rag_at(school):
        picture = school_view.school_picture(session, admin, school.id, clock.today())
        return next(i["rag"] for g in picture["phases"] for i in g["initiatives"])
    assert (rag_at(north), rag_at(south)) == ("green", "red")


@pytest.mark.parametrize("role", ROLES)
def test_the_figures_are_the_dashboards_row_of_the_school(make, session, role):
    school, other = make.school(), make.school()
    _busy_school(make, school, others=[other], initiatives=4)
    make.initiative(schools=[other], phase="deliver")
    reader = make.user(role, schools=[school] if role != "admin" else [])
    today = clock.today()
    picture = school_view.school_picture(session, reader, school.id, today)
    row = next(r for r in dashboard.school_report(session, reader, today)["schools"]
               if r["school_id"] == school.id)
    figures = ("phases", "rag", "active_initiatives", "overdue_milestones", "stuck_pdsa_cycles",
               "stale_initiatives", "breaches", "expert_days_this_term", "kpis",
               "unanswered_concerns")
    assert {k: picture["row"][k] for k in figures} == {k: row[k] for k in figures}
    assert picture["active_initiatives"] == row["active_initiatives"]
    assert picture["received"]["total"] == row["expert_days_this_term"]


@pytest.mark.parametrize("role, sees_other", [
    ("admin", True), ("central_team", True), ("school_lead", False), ("project_lead", False),
    ("viewer", False)])
def test_each_role_sees_its_schools_and_another_school_is_not_found(make, session, role, sees_other):
    mine, other = make.school(), make.school()
    reader = make.user(role, schools=[mine])
    assert school_view.school_picture(session, reader, mine.id, clock.today())["school"] == mine
    if sees_other:
        assert school_view.school_picture(session, reader, other.id, clock.today())["school"] == other
    else:
        with pytest.raises(NotFound):
            school_view.school_picture(session, reader, other.id, clock.today())
    with pytest.raises(NotFound):
        school_view.school_picture(session, reader, 10**6, clock.today())


def test_a_viewer_with_no_school_reads_every_school(make, session):
    school = make.school()
    assert school_view.school_picture(session, make.user("viewer"), school.id,
                                      clock.today())["school"] == school


def test_an_empty_school_has_a_picture_too(make, session):
    school = make.school()
    picture = school_view.school_picture(session, make.user("admin"), school.id, clock.today())
    assert picture["active_initiatives"] == 0 and picture["kpis"] == [] and not picture["breaches"]
    assert picture["received"]["total"] == 0 and picture["self_evaluation"]["latest"] is None


# --- the page ---------------------------------------------------------------------------

SECTIONS = ("attention-h", "insights-h", "unanswered-h", "initiatives-h", "kpis-h", "capacity-h",
            "se-h", "breaches-h")


def test_the_page_shows_every_section_with_its_count_and_links(make, login_as):
    school = make.school(name="Birch Academy")
    initiatives = _busy_school(make, school, initiatives=2)
    lead = make.user("school_lead", schools=[school])
    html = login_as(lead).get(f"/schools/{school.id}").get_data(as_text=True)
    for section in SECTIONS:
        assert f'id="{section}"' in html
    assert "<h1>Birch Academy</h1>" in html
    assert "Active initiatives <span class=\"count\">(2)</span>" in html
    for initiative in initiatives:
        assert f'href="/initiatives/{initiative.id}"' in html
    assert f"/schools/{school.id}/self-evaluation" in html
    assert f"school_id={school.id}" in html and "/measures/" in html  # each KPI's school chart
    assert "up 1" in html
    assert "Reading fluency in Year 3" in html and "Phonics teaching is consistent" in html


def test_another_schools_page_is_not_found(make, login_as):
    mine, other = make.school(), make.school()
    client = login_as(make.user("school_lead", schools=[mine]))
    assert client.get(f"/schools/{mine.id}").status_code == 200
    assert client.get(f"/schools/{other.id}").status_code == 404
    assert client.get("/schools/999999").status_code == 404


def test_the_page_asks_as_many_queries_for_a_busy_school_as_for_a_quiet_one(make, login_as,
                                                                         count_queries):
    quiet, busy, neighbour = make.school(), make.school(), make.school()
    _busy_school(make, quiet, initiatives=1, points=2)
    _busy_school(make, busy, others=[neighbour], initiatives=12, points=30)
    client = login_as(make.user("admin"))
    client.get(f"/schools/{quiet.id}")  # the session's first page loads the person once
    counts = []
    for school in (quiet, busy):
        db.session.expire_all()  # what the tests' own session holds is not the page's to reuse
        with count_queries() as q:
            assert client.get(f"/schools/{school.id}").status_code == 200
        counts.append(q.count)
    print(f"school page queries: {counts}")
    assert counts[0] == counts[1] <= 31


def test_the_dashboard_coverage_initiative_and_home_pages_link_to_the_school_page(make, login_as):
    mine, other = make.school(name="Cedar"), make.school(name="Elsewhere")
    shared = make.initiative(schools=[mine, other])
    lead = login_as(make.user("school_lead", schools=[mine]))
    admin = login_as(make.user("admin"))
    link = f'href="/schools/{mine.id}"'
    for client, path in ((admin, "/dashboard"), (admin, "/coverage"), (lead, "/"),
                         (lead, f"/initiatives/{shared.id}")):
        assert link in client.get(path).get_data(as_text=True), path
    # a school the reader cannot see is named, not linked
    assert f'href="/schools/{other.id}"' not in lead.get(f"/initiatives/{shared.id}").get_data(as_text=True)


def test_my_school_opens_a_school_leads_own_school_and_the_menu_offers_it_to_school_leads(make, login_as):
    school = make.school(name="Damson")
    lead = login_as(make.user("school_lead", schools=[school]))
    response = lead.get("/my-school")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/schools/{school.id}")
    assert 'href="/my-school"' in lead.get("/").get_data(as_text=True)
    admin = login_as(make.user("admin"))
    assert admin.get("/my-school").status_code == 404
    assert 'href="/my-school"' not in admin.get("/").get_data(as_text=True)
