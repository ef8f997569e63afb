"""A project lead adds a point and sees the chart change; imports a spreadsheet with a bad
row and reads the report; in a real browser."""
from datetime import date, timedelta

import pytest

from tracker.models import MeasurePoint, PdsaCycle, Transition
from tracker.models.base import utcnow
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

START = date(2026, 1, 5)


@pytest.fixture
def lead_with_a_measure(make, session):
    school = make.school(name="Oakwood Primary", urn="123456")
    lead = make.user("project_lead", schools=[school], name="Laura Reid")
    initiative = make.initiative(schools=[school], owner=lead, title="Daily phonics catch-up",
                                 phase="deliver")
    measure = make.measure(initiative, name="Phonics check pass rate", unit="%", baseline=68.0,
                           target=82.0, baseline_until=START + timedelta(weeks=5))
    values = [68, 70, 67, 69, 71, 68, 72, 74, 73, 76, 75]  # 5 above the baseline median
    for i, value in enumerate(values):
        session.add(MeasurePoint(measure_id=measure.id, on=START + timedelta(weeks=i), value=value))
    session.add(Transition(initiative_id=initiative.id, from_phase="prepare", to_phase="deliver",
                           user_id=lead.id, at=utcnow().replace(year=2026, month=2, day=16)))
    session.add(PdsaCycle(initiative_id=initiative.id, title="Ten-minute slot in one class",
                          stage="study", stage_since=START + timedelta(weeks=8), owner_id=lead.id))
    session.commit()
    return lead, initiative, measure


def test_lead_adds_a_point_and_sees_the_chart_and_its_words_change(lead_with_a_measure, page, sign_in):
    lead, initiative, measure = lead_with_a_measure
    sign_in(page, lead)
    page.goto(f"/initiatives/{initiative.id}")
    page.get_by_role("link", name="Phonics check pass rate").first.click()
    expect(page.get_by_role("heading", name="Phonics check pass rate", level=1)).to_be_visible()
    chart = page.get_by_role("img", name="Run chart of Phonics check pass rate")
    expect(chart).to_be_visible()
    before = page.locator("#run-chart-desc").text_content()
    assert before.startswith("Run chart of 11 points") and "shift" not in before
    page.screenshot(path="/tmp/measures.png", full_page=True)

    page.get_by_label("Date").fill("2026-03-23")
    page.get_by_label("Value").fill("lots")
    page.get_by_role("button", name="Add the point").click()
    expect(page.locator("#value-error")).to_be_visible()
    assert "Enter a number" in page.locator("#value-error").text_content()

    page.get_by_label("Value").fill("80")
    page.get_by_role("button", name="Add the point").click()
    expect(page.get_by_text("Added 80% on 23 March 2026.")).to_be_visible()
    after = page.locator("#run-chart-desc").text_content()
    assert after.startswith("Run chart of 12 points")
    assert "A shift: 6 points above the median" in after
    expect(page.get_by_text("Shift: 6 points above the median, from").first).to_be_visible()
    page.screenshot(path="/tmp/measures-after.png", full_page=True)


def test_lead_imports_a_spreadsheet_with_one_bad_row_and_reads_the_report(
        lead_with_a_measure, page, sign_in):
    lead, _, measure = lead_with_a_measure
    sign_in(page, lead)
    page.goto(f"/measures/{measure.id}")
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "phonics.csv", "mimeType": "text/csv",
        "buffer": b"Date,Value\n06/04/2026,79\n13/04/2026,eighty\n20/04/2026,81\n"}])
    page.get_by_role("button", name="Import").click()
    report = page.get_by_role("status").filter(has_text="Import report")
    expect(report.get_by_text("2 rows imported")).to_be_visible()
    expect(report.get_by_text("1 refused")).to_be_visible()
    bad = report.get_by_role("row").filter(has_text="Refused")
    assert bad.count() == 1
    assert "3" in bad.get_by_role("cell").first.text_content()
    assert "eighty" in bad.text_content()
    assert page.locator("#run-chart-desc").text_content().startswith("Run chart of 13 points")


def test_the_measure_page_fits_a_phone(lead_with_a_measure, page, sign_in):
    lead, _, measure = lead_with_a_measure
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, lead)
    page.goto(f"/measures/{measure.id}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.get_by_label("Value").fill("81")
    page.get_by_label("Date").fill("2026-04-06")
    page.get_by_role("button", name="Add the point").click()
    expect(page.get_by_text("Added 81%")).to_be_visible()
    page.screenshot(path="/tmp/measures-phone.png", full_page=True)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# The text size a label renders at, in CSS px: its font size in SVG units times the SVG's scale.
RENDERED_FONT = "el => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a"


def accessible_description(page, selector):
    """The description Chromium's accessibility tree gives an element (what a screen reader reads)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    tree = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    return tree["nodes"][0].get("description", {}).get("value", "")


@pytest.mark.parametrize("size, layout", [(PHONE, "narrow"), (DESKTOP, "wide")])
def test_the_charts_fit_the_screen_with_legible_text_and_the_newest_point_in_view(
        lead_with_a_measure, session, page, sign_in, size, layout):
    lead, _, measure = lead_with_a_measure
    for i in range(11, 40):  # most of a year of weekly points, as a lead has by the summer
        session.add(MeasurePoint(measure_id=measure.id, on=START + timedelta(weeks=i),
                                 value=70 + i % 7))
    # Stored before dates were checked: not drawn (it would squeeze the year into a line), but said.
    session.add(MeasurePoint(measure_id=measure.id, on=date(2099, 1, 5), value=71))
    session.commit()
    newest = (START + timedelta(weeks=39)).strftime("%-d %b %Y")
    page.set_viewport_size(size)
    sign_in(page, lead)
    page.goto(f"/measures/{measure.id}")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    for chart_id in ("run-chart", "spc-chart"):
        figure = page.locator(f"#{chart_id}")
        svg = figure.locator(f"svg.chart-svg-{layout}")
        assert svg.is_visible() and figure.locator("svg:visible").count() == 1
        assert figure.evaluate("f => [...f.querySelectorAll('*')].every(el => "
                               "!['auto', 'scroll'].includes(getComputedStyle(el).overflowX))")
        for label in svg.locator(".chart-grid text, .chart-legend text").all():
            assert label.evaluate(RENDERED_FONT) >= 12
        point = svg.locator(".chart-points > *").last
        assert point.locator("title").text_content().startswith(newest)
        box = point.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= size["width"]
        words = svg.locator("desc").text_content()
        assert words.startswith(("Run chart of 40 points", "XmR chart of 40 points"))
        assert not page.get_by_text(words).first.is_visible()  # not printed on the page
        assert accessible_description(page, f"#{chart_id} svg.chart-svg-{layout}") == words
        expect(figure.get_by_text("Not drawn: 1 point dated 5 Jan 2099")).to_be_visible()
    shot = f"/tmp/shots/measure-{size['width']}x{size['height']}"
    page.screenshot(path=f"{shot}.png", full_page=True)
    for section in ("run-chart-section", "spc-section"):
        page.locator(f"#{section}").screenshot(path=f"{shot}-{section}.png")

    describe = page.locator("#run-chart").get_by_text("Describe this chart")
    describe.click()
    expect(page.locator("#run-chart details p")).to_be_visible()
