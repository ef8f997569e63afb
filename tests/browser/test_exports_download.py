"""Exports in a real browser: a school lead filters the initiative list, downloads it as
Excel and as CSV from the list's links, and each file holds exactly the filtered list of
their own schools; on a phone the links are there without sideways scrolling."""
import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/exports"


@pytest.fixture
def two_schools(make):
    oak, elm = make.school(name="Oak Primary"), make.school(name="Elm Academy")
    lead = make.user("school_lead", schools=[oak], name="Olu Adeyemi")
    make.initiative(schools=[oak], owner=lead, title="=SUM(1,2) reading club", phase="deliver")
    make.initiative(schools=[oak], owner=lead, title="Phonics catch-up", phase="explore")
    make.initiative(schools=[elm], title="Elm's own plan", phase="deliver")
    return lead


def test_a_school_lead_downloads_the_filtered_list_as_excel_and_csv(two_schools, page, sign_in):
    sign_in(page, two_schools)
    page.goto("/initiatives")
    page.get_by_label("Phase").select_option("deliver")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.screenshot(path=f"{SHOTS}/list-desktop.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download Excel").click()
    assert download.value.suggested_filename.startswith("initiatives-")
    with open(download.value.path(), "rb") as f:  # (a temporary name without .xlsx)
        sheet = load_workbook(io.BytesIO(f.read())).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["=SUM(1,2) reading club"]
    assert sheet.cell(row=2, column=2).data_type == "s", "the title is text, not a formula"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert [line[1] for line in lines[1:]] == ["'=SUM(1,2) reading club"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Download Excel").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/list-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_school_lead_downloads_the_school_comparison_with_its_filter(two_schools, page, sign_in):
    sign_in(page, two_schools)
    page.goto("/dashboard?phase=deliver")
    page.screenshot(path=f"{SHOTS}/dashboard-desktop.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Excel").click()
    assert download.value.suggested_filename.startswith("schools-")
    with open(download.value.path(), "rb") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    school, active = rows[0].index("School"), rows[0].index("Active initiatives")
    assert [(row[school], row[active]) for row in rows[1:]] == [("Oak Primary", 1)]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{SHOTS}/dashboard-phone.png", full_page=True)
