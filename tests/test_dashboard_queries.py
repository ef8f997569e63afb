"""The school comparison costs the same number of queries for a small trust and a large one
(issue 13): the page and the API, whatever the number of schools, initiatives and KPI points.

The large trust is written with bulk inserts (the factory commits each record, far too slow for
thousands); it has everything a figure counts, so no figure can hide a per-row query."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from tracker import capacity, clock
from tracker.models import (Allocation, Expert, Initiative, InitiativeTag, Insight, Measure,
                            MeasurePoint, Milestone, PdsaCycle, School, initiative_schools,
                            insight_initiatives)
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS

RAGS = ("green", "amber", "red", None)


def _ids(session, model, rows):
    if not rows:  # an insert with no rows would write one row of defaults
        return []
    return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _insert(session, table, rows):
    if rows:
        session.execute(insert(table), rows)


def bulk_trust(session, owner, *, schools, initiatives_per_school, kpis, points):
    """A trust of ``schools`` schools, each with its initiatives (every fifth shared with the
    next two schools), overdue milestones, stuck PDSA cycles, tags, stale ones, an expert's
    allocation this term, and ``points`` values of each of ``kpis`` trust KPIs per school."""
    today = clock.today()
    n = session.query(School).count()
    school_ids = _ids(session, School, [
        {"name": f"Bulk school {n + i:03d}", "urn": f"9{n + i:05d}", "phase": "primary",
         "support_status": ("can_support", "stable", "needs_support")[i % 3]} for i in range(schools)])
    old = datetime.now(timezone.utc) - timedelta(days=120)
    initiative_rows = [
        {"title": f"Initiative {s}-{k}", "owner_id": owner.id, "phase": PHASES[k % 4],
         "status": "active" if k % 7 else "completed", "rag": RAGS[k % 4],
         "created_at": old, "last_update_at": None if k % 3 else old + timedelta(days=110)}
        for s in school_ids for k in range(initiatives_per_school)]
    initiative_ids = _ids(session, Initiative, initiative_rows)
    links, tags, milestones, cycles = [], [], [], []
    for position, initiative_id in enumerate(initiative_ids):
        home = position // initiatives_per_school
        spread = min(3, len(school_ids)) if position % 5 == 0 else 1
        for offset in range(spread):
            links.append({"initiative_id": initiative_id,
                          "school_id": school_ids[(home + offset) % len(school_ids)]})
        tags.append({"initiative_id": initiative_id, "framework": "pillar",
                     "code": PILLARS[position % len(PILLARS)]})
        tags.append({"initiative_id": initiative_id, "framework": "helix",
                     "code": HELIX_COMPONENTS[position % len(HELIX_COMPONENTS)]})
        milestones.append({"initiative_id": initiative_id, "title": "Late",
                           "due_on": today - timedelta(days=1 + position % 9)})
        milestones.append({"initiative_id": initiative_id, "title": "Coming", "due_on": today + timedelta(days=9)})
        if position % 2:
            cycles.append({"initiative_id": initiative_id, "title": "Do, do, do", "stage": "do",
                           "stage_since": today - timedelta(days=40)})
    _insert(session, initiative_schools, links)
    _insert(session, InitiativeTag, tags)
    _insert(session, Milestone, milestones)
    _insert(session, PdsaCycle, cycles)
    # Insights: per school an old concern nobody answers, one an initiative answers, a strength.
    insight_ids = _ids(session, Insight, [
        {"school_id": s, "source": "qa_visit", "on": today - timedelta(days=45), "title": "Bulk",
         "judgement": judgement, "version": 1}
        for s in school_ids for judgement in ("concern", "concern", "strength")])
    _insert(session, insight_initiatives, [
        {"insight_id": insight_id, "initiative_id": initiative_ids[0]}
        for insight_id in insight_ids[1::3]])
    term = capacity.term_of(today)
    expert_id = _ids(session, Expert, [{"name": f"Bulk expert {n}", "email": f"bulk{n}@example.org",
                                        "specialisms": ["reading"], "days_per_week": 5.0}])[0]
    _insert(session, Allocation, [
        {"expert_id": expert_id, "school_id": s, "starts_on": term.starts_on, "ends_on": term.ends_on,
         "days_per_week": 0.1, "status": "confirmed"} for s in school_ids])
    kpi_ids = _ids(session, Measure, [
        {"initiative_id": None, "name": f"KPI {n}-{k}", "unit": "%", "higher_is_better": True,
         "target": 95.0, "kind": "outcome"} for k in range(kpis)])
    first = today - timedelta(weeks=points)
    _insert(session, MeasurePoint, [
        {"measure_id": m, "school_id": s, "on": first + timedelta(weeks=w), "value": 90.0 + (w * 7 + s) % 9}
        for m in kpi_ids for s in school_ids for w in range(points)])
    session.commit()
    return school_ids


def _count(count_queries, call):
    call()  # warm: the first call creates the trust's policy row
    with count_queries() as counted:
        response = call()
    assert response.status_code == 200
    return counted.count, response


@pytest.mark.parametrize("path", ["/api/v1/dashboard", "/dashboard", "/api/v1/dashboard?pillar=data",
                                  "/dashboard?helix_component=connect&phase=deliver"])
def test_the_comparisons_query_count_does_not_grow_with_the_trust(make, session, api_as, login_as,
                                                                  count_queries, path):
    admin = make.user("admin")
    client = api_as(admin) if path.startswith("/api/") else login_as(admin)
    owner = make.user("project_lead")
    bulk_trust(session, owner, schools=3, initiatives_per_school=2, kpis=1, points=3)
    small, _ = _count(count_queries, lambda: client.get(path))

    bulk_trust(session, owner, schools=40, initiatives_per_school=12, kpis=3, points=15)
    large, response = _count(count_queries, lambda: client.get(path))
    assert large == small, f"{path}: {small} queries for 3 schools, {large} for 43"
    if path.startswith("/api/"):
        rows = response.get_json()["schools"]
        assert len(rows) == 43 and all(len(r["kpis"]) == 4 for r in rows)
        assert sum(r["overdue_milestones"] for r in rows) > (400 if path.endswith("dashboard") else 40)
        assert all(r["unanswered_concerns"] == 1 for r in rows)
    else:
        assert response.get_data(as_text=True).count('class="dashboard-school"') == 43
    print(f"{path}: {large} queries")


def test_a_school_leads_comparison_costs_the_same_for_one_school_or_several(make, session, api_as,
                                                                           count_queries):
    owner = make.user("project_lead")
    ids = bulk_trust(session, owner, schools=12, initiatives_per_school=4, kpis=2, points=13)
    schools = session.query(School).filter(School.id.in_(ids)).all()
    one = api_as(make.user("school_lead", schools=schools[:1]))
    many = api_as(make.user("school_lead", schools=schools))
    few, _ = _count(count_queries, lambda: one.get("/api/v1/dashboard"))
    lots, response = _count(count_queries, lambda: many.get("/api/v1/dashboard"))
    assert few == lots and len(response.get_json()["schools"]) == 12
