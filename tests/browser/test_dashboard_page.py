"""Schools compared in a browser: sorting by keyboard, and a phone where nothing is cut off.

The table scrolls sideways in its own box with the school column pinned; the page itself never
scrolls sideways. Screenshots at both sizes go to /tmp/shots/dashboard/."""
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tracker import clock

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/dashboard")


def _trust(make):
    """Three schools; Vale has the most overdue milestones, Hill a red initiative."""
    hill = make.school(name="Hill Primary and Nursery School of the Good Shepherd")
    vale = make.school(name="Vale Academy", support_status="needs_support")
    make.school(name="Oak Road Infants", support_status="can_support")
    red = make.initiative(schools=[hill], phase="deliver", rag="red", title="Reading for pleasure")
    late = make.initiative(schools=[vale], phase="explore", rag="amber")
    make.milestone(red, due_on=clock.today() - timedelta(days=3))
    for _ in range(3):
        make.milestone(late, due_on=clock.today() - timedelta(days=5))


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _schools_in_order(page):
    return page.locator("tbody tr.dashboard-school th[scope=row] a").all_inner_texts()


def test_a_board_member_sorts_the_schools_by_a_column_with_the_keyboard(make, page, sign_in):
    _trust(make)
    sign_in(page, make.user("viewer", name="Board Member"))
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    assert _schools_in_order(page) == ["Hill Primary and Nursery School of the Good Shepherd",
                                       "Oak Road Infants", "Vale Academy"]
    overdue = page.get_by_role("columnheader", name="Overdue milestones")
    expect(overdue).not_to_have_attribute("aria-sort", "descending")

    button = overdue.get_by_role("button")
    button.focus()
    page.keyboard.press("Enter")
    expect(overdue).to_have_attribute("aria-sort", "descending")
    assert _schools_in_order(page)[0] == "Vale Academy", "most overdue first"
    expect(page.get_by_role("status").filter(has_text="Sorted by")).to_have_text(
        "Sorted by Overdue milestones, highest first.")
    expect(page.get_by_role("columnheader", name="School")).not_to_have_attribute("aria-sort", "ascending")

    page.keyboard.press("Space")
    expect(overdue).to_have_attribute("aria-sort", "ascending")
    assert _schools_in_order(page)[-1] == "Vale Academy"
    _shot(page, "dashboard-desktop.png")


def test_on_a_phone_the_table_scrolls_in_its_box_with_the_school_pinned(make, page, sign_in):
    _trust(make)
    sign_in(page, make.user("central_team", name="Priya Central"))
    page.set_viewport_size(PHONE)
    page.goto("/dashboard")
    _shot(page, "dashboard-phone.png")

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    region = page.get_by_role("region", name="Schools side by side")
    box = region.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the last column is reached by scrolling the table's own box, and the school stays in view
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    school = page.get_by_role("rowheader", name="Vale Academy")
    last = page.locator("tr.dashboard-school", has_text="Vale Academy").locator("td").last
    school_box, last_box = school.bounding_box(), last.bounding_box()
    assert school_box["x"] >= 0 and school_box["x"] + school_box["width"] <= PHONE["width"] / 2
    assert last_box["x"] + last_box["width"] <= PHONE["width"], "the last column can be read"
    assert last_box["x"] >= school_box["x"] + school_box["width"] - 1, "nothing hides under the school"
    _shot(page, "dashboard-phone-scrolled.png")


def test_the_board_pack_says_it_is_being_made_and_when_it_is_ready(make, page, sign_in):
    """The pack can take seconds: the page counts them in a live region, then hands the PDF over."""
    _trust(make)
    sign_in(page, make.user("viewer", name="Board Member"))
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    with page.expect_download() as download:
        page.get_by_role("link", name="Board pack (PDF)").click()
        expect(page.locator("#board-pack-status")).to_contain_text("The board pack is being made")
    assert download.value.suggested_filename.startswith("board-pack-")
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    expect(page.locator("#board-pack-status")).to_contain_text("The board pack is ready: board-pack-")
