"""The school comparison (issue 13): every figure of GET /api/v1/dashboard, its filters, its
scope, the heat scale, the flat export rows, and the page showing the API's numbers."""
import re
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser

import pytest

from tracker import capacity, clock, dashboard
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.models import Allocation, Measure, MeasurePoint, PdsaCycle


def _row(body, school):
    return next(r for r in body["schools"] if r["school_id"] == school.id)


def _days_ago(n):
    return datetime.combine(clock.today() - timedelta(days=n), time(12), tzinfo=timezone.utc)


def _report(api, **args):
    response = api.get("/api/v1/dashboard", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the figures ------------------------------------------------------------------------

def test_a_horizontal_initiative_counts_in_each_of_its_schools(make, api_as):
    north, south, east = make.school(name="North"), make.school(name="South"), make.school(name="East")
    shared = make.initiative(schools=[north, south], phase="deliver", rag="amber")
    make.milestone(shared, due_on=clock.today() - timedelta(days=2))
    body = _report(api_as(make.user("admin")))
    for school in (north, south):
        row = _row(body, school)
        assert row["phases"]["deliver"] == 1 and row["rag"]["amber"] == 1
        assert row["overdue_milestones"] == 1 and row["active_initiatives"] == 1
    assert _row(body, east)["active_initiatives"] == 0


def test_stale_initiatives_follow_the_nudges_rule_of_no_update_for_the_stale_days(make, api_as, app):
    school = make.school()
    stale_days = app.config["NUDGE_STALE_DAYS"]
    make.initiative(schools=[school], created_at=_days_ago(stale_days + 5))            # never updated
    make.initiative(schools=[school], created_at=_days_ago(200),
                    last_update_at=_days_ago(stale_days))                               # exactly the limit
    make.initiative(schools=[school], created_at=_days_ago(200),
                    last_update_at=_days_ago(stale_days - 2))                           # recent enough
    make.initiative(schools=[school], created_at=_days_ago(200), status="completed")     # ended
    body = _report(api_as(make.user("admin")))
    assert _row(body, school)["stale_initiatives"] == 2
    assert body["stale_days"] == stale_days


def test_stuck_cycles_and_overdue_milestones_count_only_active_initiatives(make, api_as, session):
    school = make.school()
    live = make.initiative(schools=[school], phase="deliver")
    ended = make.initiative(schools=[school], phase="deliver", status="deimplemented")
    for initiative in (live, ended):
        make.milestone(initiative, due_on=clock.today() - timedelta(days=1))
        session.add(PdsaCycle(initiative_id=initiative.id, title="Do, do, do", stage="do",
                              stage_since=clock.today() - timedelta(days=40)))
    make.milestone(live, due_on=clock.today() - timedelta(days=1), done_on=clock.today())
    session.add(PdsaCycle(initiative_id=live.id, title="Fresh", stage="do", stage_since=clock.today()))
    session.commit()
    row = _row(_report(api_as(make.user("admin"))), school)
    assert (row["overdue_milestones"], row["stuck_pdsa_cycles"]) == (1, 1)


def test_expert_days_are_this_terms_days_received_not_cancelled_ones(make, api_as, session):
    school, other = make.school(), make.school()
    term = capacity.term_of(clock.today())
    monday = capacity.monday_of(term.starts_on + timedelta(days=7))
    expert = make.expert(days_per_week=5)
    for where, status, days in ((school, "confirmed", 2), (school, "cancelled", 1), (other, "planned", 1)):
        session.add(Allocation(expert_id=expert.id, school_id=where.id, starts_on=monday,
                               ends_on=monday + timedelta(days=4), days_per_week=days, status=status))
    session.add(Allocation(expert_id=expert.id, school_id=school.id, starts_on=term.starts_on - timedelta(days=60),
                           ends_on=term.starts_on - timedelta(days=30), days_per_week=3, status="delivered"))
    session.commit()
    body = _report(api_as(make.user("admin")))
    assert _row(body, school)["expert_days_this_term"] == 2.0
    assert _row(body, other)["expert_days_this_term"] == 1.0
    assert body["term"] == {"name": term.name, "starts_on": term.starts_on.isoformat(),
                            "ends_on": term.ends_on.isoformat()}


def test_breaches_are_counted_per_school(make, api_as):
    full, fine = make.school(max_active_initiatives=1), make.school()
    make.policy(mode="cap", max_active_initiatives=5)
    make.initiative(schools=[full], phase="deliver")
    make.initiative(schools=[full], phase="prepare")
    body = _report(api_as(make.user("admin")))
    assert (_row(body, full)["breaches"], _row(body, fine)["breaches"]) == (1, 0)


def test_unanswered_concerns_are_zero_until_insights_exist(make, api_as):
    school = make.school()
    make.initiative(schools=[school])
    assert _row(_report(api_as(make.user("admin"))), school)["unanswered_concerns"] == 0


# --- filters ------------------------------------------------------------------------------

def test_filters_narrow_the_initiative_figures_but_not_the_schools_own(make, api_as):
    school = make.school(max_active_initiatives=1)
    make.policy(mode="cap", max_active_initiatives=5)
    reading = make.initiative(schools=[school], phase="deliver", rag="red", pillars=["data"],
                              helix_components=["use_evidence"])
    make.milestone(reading, due_on=clock.today() - timedelta(days=1))
    make.initiative(schools=[school], phase="prepare", pillars=["vision"])
    api = api_as(make.user("admin"))

    by_pillar = _row(_report(api, pillar="data"), school)
    assert by_pillar["phases"] == {"explore": 0, "prepare": 0, "deliver": 1, "sustain": 0}
    assert by_pillar["rag"]["red"] == 1 and by_pillar["overdue_milestones"] == 1
    assert by_pillar["breaches"] == 1, "a breach is the school's, whatever the filter"
    assert _row(_report(api, pillar="vision"), school)["overdue_milestones"] == 0
    assert _row(_report(api, helix_component="use_evidence"), school)["active_initiatives"] == 1
    assert _row(_report(api, helix_component="connect"), school)["active_initiatives"] == 0
    by_phase = _report(api, phase="prepare")
    assert _row(by_phase, school)["phases"]["prepare"] == 1
    assert _row(by_phase, school)["active_initiatives"] == 1
    assert by_phase["filters"] == {"phase": "prepare"}
    both = _report(api, pillar="data", phase="prepare")
    assert _row(both, school)["active_initiatives"] == 0


@pytest.mark.parametrize("args, field", [
    ({"pillar": "happiness"}, "pillar"), ({"helix_component": "vision"}, "helix_component"),
    ({"phase": "completed"}, "phase")])
def test_an_unknown_filter_value_is_422_naming_it(make, api_as, args, field):
    response = api_as(make.user("viewer")).get("/api/v1/dashboard", query_string=args)
    assert response.status_code == 422
    assert field in str(response.get_json()["error"])


def test_the_domain_refuses_an_unknown_filter_naming_it():
    with pytest.raises(Invalid) as refused:
        dashboard.check_filters({"pillar": "happiness", "phase": ""})
    assert list(refused.value.fields) == ["pillar"]


# --- scope --------------------------------------------------------------------------------

@pytest.mark.parametrize("role, sees_other", [
    ("admin", True), ("central_team", True), ("school_lead", False), ("project_lead", False),
    ("viewer", False)])
def test_each_role_sees_the_schools_it_may_see(make, api_as, role, sees_other):
    mine, other = make.school(name="Mine"), make.school(name="Other")
    make.initiative(schools=[mine, other], phase="deliver")
    person = make.user(role, schools=[] if role in ("admin", "central_team") else [mine])
    body = _report(api_as(person))
    ids = [r["school_id"] for r in body["schools"]]
    assert ids == ([mine.id, other.id] if sees_other else [mine.id])
    assert _row(body, mine)["phases"]["deliver"] == 1


def test_a_viewer_with_no_school_reads_the_whole_trust(make, api_as):
    schools = [make.school(), make.school()]
    body = _report(api_as(make.user("viewer")))
    assert {r["school_id"] for r in body["schools"]} == {s.id for s in schools}


# --- heat and the flat rows ----------------------------------------------------------------

@pytest.mark.parametrize("values, levels", [
    ([0, 0, 0], [0, 0, 0]), ([0, 1, 2, 3], [0, 1, 2, 3]), ([1, 1], [3, 3]),
    ([1, 10, 5, 7], [1, 3, 2, 3]), ([0, 100, 1], [0, 3, 1])])
def test_heat_levels_rank_each_value_against_the_columns_largest(values, levels):
    assert dashboard.heat_levels(values) == levels


def test_each_row_carries_its_heat_per_worse_when_higher_column(make, api_as):
    calm, busy = make.school(), make.school()
    for _ in range(3):
        initiative = make.initiative(schools=[busy], rag="red")
        make.milestone(initiative, due_on=clock.today() - timedelta(days=1))
    body = _report(api_as(make.user("admin")))
    assert _row(body, busy)["heat"]["overdue_milestones"] == 3
    assert _row(body, busy)["heat"]["red"] == 3
    assert set(_row(body, calm)["heat"].values()) == {0}
    assert set(_row(body, calm)["heat"]) == set(dashboard.HEAT_COLUMNS)


def test_flat_rows_fill_every_school_column(make, app):
    school = make.school(name="Flat")
    make.initiative(schools=[school], phase="sustain", rag="green")
    report = dashboard.school_report(db.session, make.user("admin"), clock.today())
    columns = dashboard.columns_of(report)
    assert [c[:2] for c in columns[:len(dashboard.SCHOOL_COLUMNS)]] == dashboard.SCHOOL_COLUMNS
    row = next(r for r in dashboard.flat_rows(report) if r["name"] == "Flat")
    assert set(row) == {key for key, _, _ in columns}
    assert (row["sustain"], row["green"], row["no_rag"], row["active_initiatives"]) == (1, 1, 0, 1)


# --- the page shows the API's numbers -------------------------------------------------------

class _Table(HTMLParser):
    """Each body row of the comparison table: the school's id and its cells' data-label → text."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._label, self._text = [], None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-school-id" in attrs:
            self._row = {"school_id": int(attrs["data-school-id"]), "cells": {}}
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None:
            self._label, self._text = attrs.get("data-label"), []

    def handle_endtag(self, tag):
        if tag == "td" and self._label:
            # the visible number: the heat marks and the hidden level word are not part of it
            text = re.sub(r"\((none|low|medium|high)\)|▮", "", " ".join(self._text))
            text = " ".join(text.split())
            self._row["cells"][self._label] = text
            self._label = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._label:
            self._text.append(data)


def _page_rows(client, **args):
    response = client.get("/dashboard", query_string=args)
    assert response.status_code == 200
    table = _Table()
    table.feed(response.get_data(as_text=True))
    return {row["school_id"]: row["cells"] for row in table.rows}


def _api_cells(row):
    """The API row as the page labels its cells."""
    cells = {"Overdue milestones": row["overdue_milestones"], "Stuck PDSA cycles": row["stuck_pdsa_cycles"],
             "Stale initiatives": row["stale_initiatives"], "Policy breaches": row["breaches"],
             "Red": row["rag"]["red"], "Amber": row["rag"]["amber"], "Green": row["rag"]["green"],
             "No RAG yet": row["rag"]["none"], "Expert days this term": row["expert_days_this_term"],
             "Unanswered concerns": row["unanswered_concerns"]}
    cells.update({phase.capitalize(): n for phase, n in row["phases"].items()})
    return cells


def _numbers(cells):
    return {label: float(text) for label, text in cells.items() if not label.startswith("KPI")}


#: The words beside the Making Data Count icons (templates/_mdc.html).
ICON_WORDS = {"improvement": "Special cause improvement", "concern": "Special cause concern",
              "common_cause": "Common cause variation", "pass": "Consistently passes the target",
              "fail": "Consistently fails the target", "uncertain": "Hit and miss the target",
              None: "Too few points to judge"}


def _kpi_shown(kpi):
    """What a KPI cell must say for the API's ``kpi`` entry: its value and both icons' words."""
    value = "no data" if kpi["latest"] is None else f"{kpi['latest']['value']:g}"
    return [value, ICON_WORDS[kpi["variation"]], ICON_WORDS[kpi["assurance"]]]


@pytest.mark.parametrize("role", ["central_team", "school_lead"])
def test_every_number_on_the_page_equals_the_apis(make, api_as, login_as, session, role):
    north, south = make.school(name="North"), make.school(name="South")
    make.policy(mode="cap", max_active_initiatives=1)
    shared = make.initiative(schools=[north, south], phase="deliver", rag="red", pillars=["data"])
    make.initiative(schools=[north], phase="prepare", rag="amber", created_at=_days_ago(90))
    make.initiative(schools=[south], phase="explore")
    make.milestone(shared, due_on=clock.today() - timedelta(days=4))
    session.add(PdsaCycle(initiative_id=shared.id, title="Stuck", stage="plan",
                          stage_since=clock.today() - timedelta(days=60)))
    term = capacity.term_of(clock.today())
    session.add(Allocation(expert_id=make.expert().id, school_id=north.id, starts_on=term.starts_on,
                           ends_on=term.ends_on, days_per_week=0.5, status="confirmed"))
    attendance = Measure(initiative_id=None, name="Attendance", unit="%", target=90.0)
    reading = Measure(initiative_id=None, name="Reading age", unit="months")
    session.add_all([attendance, reading])
    session.flush()
    start = clock.today() - timedelta(weeks=20)
    session.add_all(MeasurePoint(measure_id=attendance.id, school_id=north.id, value=95.0 + w % 3 * 0.5,
                                 on=start + timedelta(weeks=w)) for w in range(14))
    session.add(MeasurePoint(measure_id=reading.id, school_id=south.id, value=7.5, on=start))
    session.commit()
    person = make.user(role, schools=[north] if role == "school_lead" else [])
    api, page = api_as(person), login_as(person)
    for args in ({}, {"pillar": "data"}, {"phase": "deliver"}):
        body = _report(api, **args)
        shown = _page_rows(page, **args)
        assert list(shown) == [r["school_id"] for r in body["schools"]]
        names = {k["measure_id"]: k["name"] for k in body["trust_kpis"]}
        for row in body["schools"]:
            cells = shown[row["school_id"]]
            expected = {label: float(n) for label, n in _api_cells(row).items()}
            assert _numbers(cells) == expected, (role, args, row["name"])
            assert len(row["kpis"]) == 2
            for kpi in row["kpis"]:
                text = cells[f"KPI {names[kpi['measure_id']]}"]
                assert all(part in text for part in _kpi_shown(kpi)), (text, kpi)
    north_attendance = _row(body, north)["kpis"][0]
    assert north_attendance["latest"]["value"] == 95.5 and north_attendance["assurance"] == "pass"


def test_the_page_tells_an_impossible_filter_beside_it_and_shows_every_initiative(make, login_as):
    school = make.school(name="Anywhere")
    make.initiative(schools=[school], phase="deliver")
    response = login_as(make.user("admin")).get("/dashboard?pillar=happiness&phase=deliver")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="filter-pillar-error"' in html and "Not a pillar" in html
    assert 'aria-invalid="true" aria-describedby="filter-pillar-error"' in html
    assert "Anywhere" in html


def test_each_number_links_to_the_records_behind_it(make, login_as):
    school = make.school(name="Linked")
    make.initiative(schools=[school], phase="deliver", rag="red", pillars=["data"])
    html = login_as(make.user("admin")).get("/dashboard?pillar=data").get_data(as_text=True)
    base = f"/initiatives?school_id={school.id}&amp;status=active"
    for link in (f"{base}&amp;pillar=data&amp;phase=deliver", f"{base}&amp;pillar=data&amp;rag=red",
                 f"{base}&amp;pillar=data&amp;rag=none", f"{base}&amp;pillar=data&amp;attention=stale",
                 f"{base}&amp;pillar=data&amp;attention=overdue_milestones",
                 f"{base}&amp;pillar=data&amp;attention=stuck_pdsa_cycles",
                 f"/policy/schools/{school.id}", f"/support-received?school_id={school.id}&amp;from="):
        assert f'href="{link}' in html, link


# --- the initiative list filters the numbers link to ---------------------------------------

def test_the_initiative_list_filters_by_what_needs_attention_and_by_no_rag(make, api_as, login_as, session):
    school = make.school()
    late = make.initiative(schools=[school], title="Late", rag="green")
    make.milestone(late, due_on=clock.today() - timedelta(days=1))
    stuck = make.initiative(schools=[school], title="Stuck", rag="amber")
    session.add(PdsaCycle(initiative_id=stuck.id, title="Do", stage="do",
                          stage_since=clock.today() - timedelta(days=30)))
    session.commit()
    stale = make.initiative(schools=[school], title="Quiet", created_at=_days_ago(100))
    api = api_as(make.user("admin"))

    def titles(**args):
        body = api.get("/api/v1/initiatives", query_string={"school_id": school.id, **args}).get_json()
        return sorted(i["title"] for i in body["items"])
    assert titles(attention="overdue_milestones") == ["Late"]
    assert titles(attention="stuck_pdsa_cycles") == ["Stuck"]
    assert titles(attention="stale") == [stale.title]
    assert titles(rag="none") == [stale.title]
    assert api.get("/api/v1/initiatives?attention=late").status_code == 422
    page = login_as(make.user("admin")).get(f"/initiatives?school_id={school.id}&attention=stuck_pdsa_cycles")
    html = page.get_data(as_text=True)
    assert "Stuck" in html and "Late" not in html
    assert '<option value="stuck_pdsa_cycles" selected>' in html
    unrated = login_as(make.user("admin")).get(f"/initiatives?school_id={school.id}&rag=none")
    assert '<option value="none" selected>No RAG yet</option>' in unrated.get_data(as_text=True)
    assert "Quiet" in unrated.get_data(as_text=True) and "Late" not in unrated.get_data(as_text=True)
