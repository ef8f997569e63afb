"""Trust KPI pages: the small multiples every reader sees, a school's full chart, the forms
that define a KPI and add a school's values, and a page cost that does not grow with the trust."""
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tracker import kpis
from tracker.models import Measure, MeasurePoint

START = date(2026, 1, 5)


def week(i):
    return START + timedelta(weeks=i)


@pytest.fixture
def trust(make, session):
    north = make.school(name="North Primary", urn="400001")
    south = make.school(name="South Academy", urn="400002")
    people = SimpleNamespace(
        admin=make.user("admin"), central=make.user("central_team"),
        lead=make.user("school_lead", schools=[north]),
        project=make.user("project_lead", schools=[north]),
        viewer=make.user("viewer", schools=[south]))
    kpi = Measure(initiative_id=None, name="Attendance", unit="%", higher_is_better=True, target=95.0)
    session.add(kpi)
    session.flush()
    for i in range(12):
        session.add(MeasurePoint(measure_id=kpi.id, school_id=north.id, on=week(2 * i),
                                 value=94 + (i % 2) * 2))
    session.add(MeasurePoint(measure_id=kpi.id, school_id=south.id, on=week(0), value=91.5))
    session.commit()
    return SimpleNamespace(north=north, south=south, kpi=kpi, **vars(people))


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_every_reader_sees_each_visible_school_with_its_icons_in_words(trust, login_as):
    page = login_as(trust.admin).get("/kpis")
    assert page.status_code == 200
    words = text_of(page)
    assert "Attendance" in words and "North Primary" in words and "South Academy" in words
    assert "Common cause variation" in words and "Hit and miss the target" in words
    assert "Too few points to judge" in words  # South: one point
    assert f"/measures/{trust.kpi.id}?school_id={trust.north.id}" in page.get_data(as_text=True)
    one_school = text_of(login_as(trust.viewer).get("/kpis"))
    assert "South Academy" in one_school and "North Primary" not in one_school


def test_each_kind_of_icon_is_drawn_once_a_page_and_reused(trust, login_as):
    """120 schools' icons stay a small page: each kind's drawing is in the page once and every
    later icon of that kind points at it, so no icon points at a drawing that is not there."""
    html = login_as(trust.admin).get("/kpis").get_data(as_text=True)
    drawn = re.findall(r'<g id="mdc-([\w-]+)"', html)
    used = re.findall(r'<use href="#mdc-([\w-]+)"', html)
    assert len(drawn) == len(set(drawn)), "a drawing is in the page twice"
    assert used and set(used) <= set(drawn)
    assert "v-none" in drawn and "a-none" in drawn  # South's icons, too few points


def test_the_trust_view_offers_trust_kpis_to_everyone(trust, login_as):
    """The menu's "Trust view" opens the comparison, whose tabs lead to the trust KPIs."""
    for who in (trust.admin, trust.project, trust.viewer):
        client = login_as(who)
        assert 'href="/dashboard"' in client.get("/").get_data(as_text=True)
        assert 'href="/kpis"' in client.get("/dashboard").get_data(as_text=True)


def test_a_schools_drill_down_is_its_full_chart_with_both_icons(trust, login_as):
    page = login_as(trust.lead).get(f"/measures/{trust.kpi.id}?school_id={trust.north.id}")
    assert page.status_code == 200
    words = text_of(page)
    assert "Attendance at North Primary" in words
    assert "Common cause variation" in words and "Hit and miss the target" in words
    assert "Baseline and re-basing" not in words  # a school lead does not re-base the trust's KPI
    assert "The target 95% lies within the limits" in words
    assert login_as(trust.lead).get(f"/measures/{trust.kpi.id}?school_id={trust.south.id}").status_code == 404


def test_a_school_lead_adds_a_value_for_their_own_schools_only(trust, login_as, session):
    client = login_as(trust.lead)
    page = client.get(f"/kpis/{trust.kpi.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="point-school_id".*?</select>', page, re.S).group(0)
    assert "North Primary" in select and "South Academy" not in select
    response = client.post(f"/kpis/{trust.kpi.id}/points", data={
        "point-school_id": trust.north.id, "point-on": "2026-06-01", "point-value": "97.5"})
    assert response.status_code == 302
    assert session.query(MeasurePoint).filter_by(measure_id=trust.kpi.id, on=date(2026, 6, 1)).one().value == 97.5
    refused = client.post(f"/kpis/{trust.kpi.id}/points", data={
        "point-school_id": trust.south.id, "point-on": "2026-06-01", "point-value": "97.5"})
    assert refused.status_code == 422 and "Choose one of the options listed." in refused.get_data(as_text=True)


def test_a_bad_value_is_told_beside_its_field(trust, login_as):
    response = login_as(trust.admin).post(f"/kpis/{trust.kpi.id}/points", data={
        "point-school_id": trust.south.id, "point-on": "2026-06-01", "point-value": "lots"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="point-value-error">\s*<span>Enter a number, like 94.5.', page)


def test_readers_who_may_not_record_get_no_form_and_a_403(trust, login_as):
    for who in (trust.project, trust.viewer):
        client = login_as(who)
        assert "Add a value" not in client.get(f"/kpis/{trust.kpi.id}").get_data(as_text=True)
        response = client.post(f"/kpis/{trust.kpi.id}/points", data={
            "point-school_id": trust.north.id, "point-on": "2026-06-01", "point-value": "1"})
        assert response.status_code == 403


def test_a_csv_of_a_schools_values_is_imported_with_a_report(trust, login_as):
    client = login_as(trust.lead)
    response = client.post(f"/kpis/{trust.kpi.id}/import", data={
        "import-school_id": str(trust.north.id),
        "import-file": (io.BytesIO(b"date,value\n2026-06-01,96\n2026-06-15,lots\n"), "att.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    words = text_of(response)
    assert "1 row imported" in words and "1 refused" in words
    missing = client.post(f"/kpis/{trust.kpi.id}/import", data={
        "import-file": (io.BytesIO(b"date,value\n2026-06-01,96\n"), "att.csv")},
        content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "needs a school column" in missing.get_data(as_text=True)


def test_the_central_team_defines_a_kpi_and_errors_sit_beside_their_fields(trust, login_as, session):
    client = login_as(trust.central)
    response = client.post("/kpis/new", data={"name": "", "unit": "%", "kind": "outcome",
                                              "higher_is_better": "1", "target": ""})
    assert response.status_code == 422 and 'id="name-error"' in response.get_data(as_text=True)
    response = client.post("/kpis/new", data={"name": "Attendance", "unit": "%", "kind": "outcome",
                                              "higher_is_better": "1", "target": "high"})
    assert response.status_code == 422
    assert re.search(r'id="target-error">\s*<span>Enter a number', response.get_data(as_text=True))
    response = client.post("/kpis/new", data={"name": "Suspensions per 100 pupils", "unit": "",
                                              "kind": "outcome", "higher_is_better": "0", "target": "1.5"})
    assert response.status_code == 302
    made = [k for k in kpis.trust_kpis(session) if k.name == "Suspensions per 100 pupils"][0]
    assert made.higher_is_better is False and made.target == 1.5
    edit = client.post(f"/kpis/{made.id}/edit", data={
        "name": "Suspensions per 100 pupils", "unit": "", "kind": "outcome",
        "higher_is_better": "0", "target": "1.2", "version": str(made.version)})
    assert edit.status_code == 302
    session.refresh(made)
    assert made.target == 1.2


def test_only_definers_open_the_kpi_forms(trust, login_as):
    for who in (trust.lead, trust.project, trust.viewer):
        client = login_as(who)
        assert client.get("/kpis/new").status_code == 403
        assert client.get(f"/kpis/{trust.kpi.id}/edit").status_code == 403
        assert "Define a KPI" not in client.get("/kpis").get_data(as_text=True)


def _grow(make, session, schools, kpis_count, points):
    made = [make.school() for _ in range(schools)]
    for k in range(kpis_count):
        kpi = Measure(initiative_id=None, name=f"KPI {k}", unit="", higher_is_better=bool(k % 2),
                      target=5.0)
        session.add(kpi)
        session.flush()
        for school in made:
            for i in range(points):
                session.add(MeasurePoint(measure_id=kpi.id, school_id=school.id, on=week(i),
                                         value=(i * 7 + school.id) % 11))
    session.commit()


def test_the_kpi_pages_cost_the_same_queries_for_a_small_and_a_larger_trust(
        trust, login_as, make, session, count_queries):
    client = login_as(trust.admin)

    def counted(path):
        session.expire_all()  # each request starts from the database, as in production
        with count_queries() as q:
            page = client.get(path)
        assert page.status_code == 200
        return q, page.get_data(as_text=True)

    small, _ = counted("/kpis")
    small_one, _ = counted(f"/kpis/{trust.kpi.id}")
    _grow(make, session, 15, 3, 25)
    large, page = counted("/kpis")
    assert page.count('class="kpi-school"') == 4 * 17  # every KPI in every school
    large_one, _ = counted(f"/kpis/{trust.kpi.id}")
    assert large.count == small.count
    assert large_one.count == small_one.count, large_one.statements
    print(f"/kpis: {small.count} queries; /kpis/<id>: {small_one.count} queries")
