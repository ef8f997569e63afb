"""CSV and Excel exports of the initiative list and the school comparison (issue 13).

A text cell that would start a formula is shown as text in both formats, numbers stay
numbers, dates are dates; the files hold exactly what the lists they copy show the reader."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tracker import clock, exports
from tracker.exports import Column, safe_cell, to_csv, to_xlsx
from tracker.exports.files import MAX_WIDTH, MIN_WIDTH
from tracker.models import Measure, MeasurePoint

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def trust_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def read_csv(text):
    assert text.startswith("\ufeff"), "UTF-8 with a byte-order mark, so Excel reads accents"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def read_xlsx(data):
    return load_workbook(io.BytesIO(data)).active


def sheet_rows(sheet):
    """Each row of the sheet as {heading: cell}."""
    rows = list(sheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    return [dict(zip(headings, row)) for row in rows[1:]]


# --- the formats ---------------------------------------------------------------------------

@pytest.mark.parametrize("start", DANGEROUS)
def test_safe_cell_makes_text_that_would_start_a_formula_plain_text(start):
    assert safe_cell(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("value", ["Reading", "", "1+1", "a=b", -3, 2.5, 0, None])
def test_safe_cell_leaves_other_text_and_every_number_alone(value):
    assert safe_cell(value) == value


COLUMNS = [Column("title", "Title"), Column("count", "Count", "integer"),
           Column("share", "Share", "number"), Column("due", "Due", "date"),
           Column("schools", "Schools", "list")]


def formula_rows():
    return [{"title": start + "HYPERLINK(\"http://evil.example\",\"x\")", "count": -3,
             "share": -0.25, "due": date(2026, 12, 2), "schools": [start + "cmd", "Oak"]}
            for start in DANGEROUS]


def test_csv_writes_formula_text_quoted_numbers_and_dates_as_they_are():
    text = to_csv(COLUMNS, formula_rows())
    assert text.startswith("\ufeffTitle,Count,Share,Due,Schools\r\n") and text.endswith("\r\n")
    lines = read_csv(text)
    assert lines[0] == ["Title", "Count", "Share", "Due", "Schools"]
    for start, line in zip(DANGEROUS, lines[1:]):
        assert line[0] == "'" + start + 'HYPERLINK("http://evil.example","x")'
        assert line[1:4] == ["-3", "-0.25", "2026-12-02"], "negative numbers are numbers, not text"
        assert line[4] == "'" + start + "cmd; Oak"


def test_csv_keeps_accents_and_commas_in_one_cell():
    lines = read_csv(to_csv([Column("title", "Title")], [{"title": "Élan, phonics; “year 1”"}]))
    assert lines[1] == ["Élan, phonics; “year 1”"]


def test_xlsx_cells_are_typed_and_formula_text_is_text():
    sheet = read_xlsx(to_xlsx("Initiatives", COLUMNS, formula_rows()))
    assert sheet.title == "Initiatives"
    for start, row in zip(DANGEROUS, sheet_rows(sheet)):
        title = row["Title"]
        assert title.data_type == "s" and title.quotePrefix, "a text cell, shown as typed"
        # (XML reads a carriage return as a line feed: still text, never a formula)
        assert title.value == (start + 'HYPERLINK("http://evil.example","x")').replace("\r", "\n")
        assert row["Schools"].data_type == "s"
        assert row["Schools"].value == (start + "cmd; Oak").replace("\r", "\n")
        assert row["Count"].value == -3 and isinstance(row["Count"].value, int)
        assert row["Share"].value == -0.25 and row["Share"].data_type == "n"
        assert row["Due"].is_date and row["Due"].value == datetime(2026, 12, 2)
        assert row["Due"].number_format == "yyyy-mm-dd"


def test_xlsx_header_is_bold_frozen_filtered_and_columns_fit():
    rows = [{"title": "A long title that needs a wide column " * 3, "count": 7}]
    sheet = read_xlsx(to_xlsx("Initiatives", COLUMNS, rows))
    assert [cell.font.b for cell in next(sheet.iter_rows())] == [True] * len(COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E2"
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["A"] == MAX_WIDTH, "a long text is bounded"
    assert widths["B"] == MIN_WIDTH
    assert all(MIN_WIDTH <= w <= MAX_WIDTH for w in widths.values())


def test_xlsx_drops_control_characters_excel_cannot_hold_and_names_the_sheet_as_excel_allows():
    sheet = read_xlsx(to_xlsx("Schools: [compared]?", [Column("title", "Title")],
                              [{"title": "Bell\x07 rang"}]))
    assert sheet["A2"].value == "Bell rang"
    assert sheet.title == "Schools   compared"


# --- the initiative list, through the API ----------------------------------------------------

@pytest.fixture
def trust(make, session):
    """Two schools; in Oak a deliver initiative with an overdue milestone and a title that
    would be a formula; in Elm an explore one."""
    oak, elm = make.school(name="Oak Primary"), make.school(name="Elm Academy")
    lead = make.user("school_lead", schools=[oak], name="Oak Lead")
    risky = make.initiative(schools=[oak], title="=HYPERLINK(\"http://evil.example\")",
                            phase="deliver", rag="red", pillars=["data"], owner=lead,
                            problem="-10% attendance in Year 3", phase_since=date(2026, 9, 1))
    make.milestone(risky, due_on=TODAY - timedelta(days=5))
    make.milestone(risky, due_on=TODAY + timedelta(days=9))
    calm = make.initiative(schools=[elm], title="Phonics for all", phase="explore")
    return {"oak": oak, "elm": elm, "lead": lead, "risky": risky, "calm": calm}


def test_initiatives_csv_is_a_dated_attachment_of_what_the_list_shows(make, api_as, trust):
    response = api_as(make.user("admin")).get("/api/v1/exports/initiatives.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="initiatives-2026-12-02.csv"'
    lines = read_csv(response.get_data(as_text=True))
    rows = [dict(zip(lines[0], line)) for line in lines[1:]]
    assert [r["ID"] for r in rows] == [str(trust["risky"].id), str(trust["calm"].id)]
    risky = rows[0]
    assert risky["Title"] == "'=HYPERLINK(\"http://evil.example\")"
    assert risky["Problem"] == "'-10% attendance in Year 3"
    assert (risky["Schools"], risky["Phase"], risky["Status"], risky["RAG"]) == \
        ("Oak Primary", "Deliver", "Active", "Red")
    assert (risky["Owner"], risky["Pillars"]) == ("Oak Lead", "Robust and real-time data")
    assert risky["Overdue milestones"] == "1"
    assert risky["Next milestone due"] == (TODAY + timedelta(days=9)).isoformat()
    assert risky["In phase since"] == "2026-09-01"
    assert rows[1]["RAG"] == "No RAG yet"


def test_initiatives_xlsx_has_typed_cells_and_the_formula_title_as_text(make, api_as, trust):
    response = api_as(make.user("admin")).get("/api/v1/exports/initiatives.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="initiatives-2026-12-02.xlsx"'
    sheet = read_xlsx(response.data)
    assert sheet.title == "Initiatives" and sheet.freeze_panes == "A2"
    risky = sheet_rows(sheet)[0]
    assert risky["Title"].data_type == "s"
    assert risky["Title"].value == "=HYPERLINK(\"http://evil.example\")"
    assert risky["ID"].value == trust["risky"].id
    assert risky["Overdue milestones"].value == 1
    assert risky["In phase since"].is_date
    assert risky["In phase since"].value == datetime(2026, 9, 1)


@pytest.mark.parametrize("query, expected", [
    ("phase=explore", ["calm"]),
    ("rag=red", ["risky"]),
    ("pillar=data", ["risky"]),
    ("q=phonics", ["calm"]),
    ("status=completed", []),
])
def test_initiatives_export_honours_the_list_filters(make, api_as, trust, query, expected):
    client = api_as(make.user("admin"))
    sheet = read_xlsx(client.get(f"/api/v1/exports/initiatives.xlsx?{query}").data)
    assert [row["ID"].value for row in sheet_rows(sheet)] == [trust[k].id for k in expected]
    listed = client.get(f"/api/v1/initiatives?{query}").get_json()["items"]
    assert [i["id"] for i in listed] == [trust[k].id for k in expected], "the same as the list"


def test_initiatives_export_filters_by_school_and_owner(make, api_as, trust):
    client = api_as(make.user("central_team"))
    by_school = read_csv(client.get(
        f"/api/v1/exports/initiatives.csv?school_id={trust['elm'].id}").get_data(as_text=True))
    assert [line[0] for line in by_school[1:]] == [str(trust["calm"].id)]
    by_owner = read_csv(client.get(
        f"/api/v1/exports/initiatives.csv?owner_id={trust['lead'].id}").get_data(as_text=True))
    assert [line[0] for line in by_owner[1:]] == [str(trust["risky"].id)]


@pytest.mark.parametrize("query, field", [
    ("phase=launch", "phase"), ("school_id=abc", "school_id"), ("school_id=0", "school_id"),
    ("rag=purple", "rag"), ("q=" + "x" * 201, "q"),
])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_initiatives_export_refuses_bad_filters_with_422(make, api_as, query, field, suffix):
    response = api_as(make.user("admin")).get(f"/api/v1/exports/initiatives.{suffix}?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_a_school_leads_export_holds_only_their_schools(make, api_as, trust):
    client = api_as(trust["lead"])
    lines = read_csv(client.get("/api/v1/exports/initiatives.csv").get_data(as_text=True))
    assert [line[0] for line in lines[1:]] == [str(trust["risky"].id)]
    # asking for another school's initiatives finds none, as the list does
    other = read_csv(client.get(
        f"/api/v1/exports/initiatives.csv?school_id={trust['elm'].id}").get_data(as_text=True))
    assert other[1:] == []


def test_a_viewer_with_no_school_exports_the_whole_trust(make, api_as, trust):
    lines = read_csv(api_as(make.user("viewer")).get(
        "/api/v1/exports/initiatives.csv").get_data(as_text=True))
    assert len(lines) == 3


def test_one_out_naming_an_initiative_the_reader_cannot_see_gives_only_its_id(make, session,
                                                                              api_as, trust):
    """A reader sees an initiative they own outside their schools, not the one it stops."""
    outsider = make.user("project_lead", schools=[trust["elm"]])
    mine = make.initiative(schools=[trust["oak"]], owner=outsider, title="Mine",
                           out_initiative_id=trust["risky"].id, out_due_on=TODAY)
    lines = read_csv(api_as(outsider).get("/api/v1/exports/initiatives.csv").get_data(as_text=True))
    rows = {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}
    assert rows[str(mine.id)]["One out"] == f"Initiative {trust['risky'].id}"
    assert str(trust["risky"].id) not in rows
    admin_lines = read_csv(api_as(make.user("admin")).get(
        "/api/v1/exports/initiatives.csv").get_data(as_text=True))
    admin_rows = {line[0]: dict(zip(admin_lines[0], line)) for line in admin_lines[1:]}
    assert admin_rows[str(mine.id)]["One out"].endswith(f"(initiative {trust['risky'].id})")


def test_initiatives_export_query_count_does_not_grow_with_rows(make, api_as, count_queries):
    client = api_as(make.user("admin"))
    school = make.school()

    def grow(n):
        for _ in range(n):
            initiative = make.initiative(schools=[school, make.school()], pillars=["data"],
                                         helix_components=["connect"])
            make.milestone(initiative)
        with count_queries() as counted:
            assert client.get("/api/v1/exports/initiatives.xlsx").status_code == 200
        return counted.count

    assert grow(2) == grow(15)


def test_more_rows_than_an_export_holds_is_refused_with_a_reason(make, api_as, trust, monkeypatch):
    monkeypatch.setattr(exports.tables, "MAX_ROWS", 1)
    response = api_as(make.user("admin")).get("/api/v1/exports/initiatives.csv")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "too_many_rows" and "Narrow the filters" in error["message"]


# --- the school comparison ------------------------------------------------------------------

def csv_rows(response):
    lines = read_csv(response.get_data(as_text=True))
    return [dict(zip(lines[0], line)) for line in lines[1:]]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_schools_export_holds_the_dashboard_rows_the_reader_sees(make, api_as, trust, suffix):
    admin, lead = api_as(make.user("admin")), api_as(trust["lead"])
    dashboard = admin.get("/api/v1/dashboard").get_json()["schools"]
    response = admin.get(f"/api/v1/exports/schools.{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="schools-2026-12-02.{suffix}"'
    if suffix == "csv":
        names = [row["School"] for row in csv_rows(response)]
    else:
        rows = sheet_rows(read_xlsx(response.data))
        names = [row["School"].value for row in rows]
        oak = next(row for row in rows if row["School"].value == "Oak Primary")
        assert oak["Overdue milestones"].value == 1 and oak["Overdue milestones"].data_type == "n"
        assert oak["Red"].value == 1 and oak["Deliver"].value == 1
    assert names == [row["name"] for row in dashboard]
    assert [row["School"] for row in csv_rows(lead.get("/api/v1/exports/schools.csv"))] == \
        ["Oak Primary"]
    whole_trust = api_as(make.user("viewer")).get("/api/v1/exports/schools.csv")
    assert [row["School"] for row in csv_rows(whole_trust)] == ["Elm Academy", "Oak Primary"]


def test_schools_export_has_each_trust_kpis_latest_value_variation_and_assurance(
        make, session, api_as, trust):
    attendance = Measure(initiative_id=None, name="Attendance", unit="%", higher_is_better=True,
                         target=90.0, kind="outcome")
    session.add(attendance)
    session.flush()
    for week, value in enumerate([95.1, 95.4, 94.8, 95.0, 95.3, 94.9, 95.2, 95.1, 94.7, 95.0,
                                  95.2, 95.4]):
        session.add(MeasurePoint(measure_id=attendance.id, school_id=trust["oak"].id,
                                 value=value, on=TODAY - timedelta(weeks=12 - week)))
    session.commit()
    client = api_as(make.user("admin"))
    expected = next(r for r in client.get("/api/v1/dashboard").get_json()["schools"]
                    if r["school_id"] == trust["oak"].id)["kpis"][0]
    assert expected["variation"] and expected["assurance"], "12 points and a target: judged"
    rows = {row["School"].value: row for row in sheet_rows(read_xlsx(
        client.get("/api/v1/exports/schools.xlsx").data))}
    oak, elm = rows["Oak Primary"], rows["Elm Academy"]
    assert oak["Attendance: latest"].value == 95.4 and oak["Attendance: latest"].data_type == "n"
    assert oak["Attendance: latest on"].value == datetime.combine(
        TODAY - timedelta(weeks=1), datetime.min.time())
    assert oak["Attendance: variation"].value == expected["variation"]
    assert oak["Attendance: assurance"].value == expected["assurance"]
    assert elm["Attendance: latest"].value is None, "no points: an empty cell, not 0"


def test_schools_export_takes_the_dashboards_filters(make, api_as, trust):
    client = api_as(make.user("admin"))
    rows = csv_rows(client.get("/api/v1/exports/schools.csv?phase=explore"))
    figures = {row["School"]: row["Active initiatives"] for row in rows}
    assert figures == {"Elm Academy": "1", "Oak Primary": "0"}
    api = client.get("/api/v1/dashboard?phase=explore").get_json()["schools"]
    assert {r["name"]: str(r["active_initiatives"]) for r in api} == figures


@pytest.mark.parametrize("query, field", [("pillar=nope", "pillar"), ("phase=launch", "phase")])
def test_schools_export_refuses_a_filter_the_dashboard_does_not_have(make, api_as, query, field):
    response = api_as(make.user("admin")).get(f"/api/v1/exports/schools.xlsx?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_schools_export_query_count_does_not_grow_with_schools(make, api_as, count_queries):
    client = api_as(make.user("admin"))

    def grow(n):
        for _ in range(n):
            make.milestone(make.initiative(schools=[make.school()], phase="deliver"),
                           due_on=TODAY - timedelta(days=1))
        with count_queries() as counted:
            assert client.get("/api/v1/exports/schools.xlsx").status_code == 200
        return counted.count

    grow(0)  # the first report of a new trust stores its default policy
    assert grow(2) == grow(12)


def test_schools_export_guards_a_school_name_that_would_start_a_formula(make, api_as):
    make.school(name="@Risky School")
    rows = csv_rows(api_as(make.user("admin")).get("/api/v1/exports/schools.csv"))
    assert [row["School"] for row in rows] == ["'@Risky School"]


def test_the_api_document_describes_the_export_files(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, media in [("/api/v1/exports/initiatives.csv", "text/csv"),
                        ("/api/v1/exports/initiatives.xlsx", XLSX),
                        ("/api/v1/exports/schools.csv", "text/csv"),
                        ("/api/v1/exports/schools.xlsx", XLSX)]:
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content == {media: {"schema": {"type": "string", "format": "binary"}}}
    names = {p["name"] for p in paths["/api/v1/exports/initiatives.csv"]["get"]["parameters"]}
    assert {"school_id", "phase", "status", "rag", "owner_id", "pillar", "q"} <= names
    assert not names & {"page", "per_page"}


# --- the pages ------------------------------------------------------------------------------

def test_the_initiative_list_links_to_both_files_with_its_filters(make, login_as, trust):
    page = login_as(make.user("admin")).get(
        f"/initiatives?phase=deliver&school_id={trust['oak'].id}&page=1").get_data(as_text=True)
    for suffix, words in (("csv", "Download CSV"), ("xlsx", "Download Excel")):
        assert (f'href="/initiatives/export.{suffix}?school_id={trust["oak"].id}&amp;phase=deliver"'
                in page), suffix
        assert words in page


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_page_download_is_the_apis_file_for_the_signed_in_person(make, login_as, api_as,
                                                                     trust, suffix):
    page = login_as(trust["lead"]).get(f"/initiatives/export.{suffix}?phase=deliver&q=")
    api = api_as(trust["lead"]).get(f"/api/v1/exports/initiatives.{suffix}?phase=deliver")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == api.headers["Content-Type"]
    assert page.headers["Content-Disposition"] == api.headers["Content-Disposition"]
    if suffix == "csv":
        assert page.data == api.data
    else:
        assert [[c.value for c in r] for r in read_xlsx(page.data).iter_rows()] == \
            [[c.value for c in r] for r in read_xlsx(api.data).iter_rows()]


def test_a_bad_filter_on_the_page_download_goes_back_to_the_list_saying_why(make, login_as,
                                                                           trust):
    client = login_as(make.user("admin"))
    response = client.get("/initiatives/export.csv?phase=launch&rag=red")
    assert response.status_code == 303
    assert response.headers["Location"] == "/initiatives?rag=red"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The export was not made: the filter “phase” is not valid" in page


def test_a_page_download_too_large_goes_back_to_the_list_saying_why(make, login_as, trust,
                                                                     monkeypatch):
    monkeypatch.setattr(exports.tables, "MAX_ROWS", 1)
    client = login_as(make.user("admin"))
    response = client.get("/initiatives/export.xlsx")
    assert response.status_code == 303
    assert "Narrow the filters" in client.get("/initiatives").get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_dashboard_download_holds_the_readers_schools(make, login_as, trust, suffix):
    response = login_as(trust["lead"]).get(f"/dashboard/export.{suffix}?phase=deliver")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="schools-2026-12-02.{suffix}"'
    if suffix == "csv":
        assert [(r["School"], r["Active initiatives"]) for r in csv_rows(response)] == \
            [("Oak Primary", "1")]
    else:
        rows = sheet_rows(read_xlsx(response.data))
        assert [(r["School"].value, r["Active initiatives"].value) for r in rows] == \
            [("Oak Primary", 1)]


def test_the_dashboard_links_to_both_files_with_its_filters(make, login_as, trust):
    page = login_as(make.user("admin")).get("/dashboard?phase=deliver").get_data(as_text=True)
    assert 'href="/dashboard/export.csv?phase=deliver">Download CSV' in page
    assert 'href="/dashboard/export.xlsx?phase=deliver">Download Excel' in page


def test_a_bad_filter_on_the_dashboard_download_goes_back_to_the_comparison_saying_why(
        make, login_as, trust):
    client = login_as(make.user("admin"))
    response = client.get("/dashboard/export.xlsx?pillar=nope")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard?pillar=nope"
    page = client.get(response.headers["Location"])
    assert page.status_code == 422
    assert "The export was not made" in page.get_data(as_text=True)
