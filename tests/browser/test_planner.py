"""The central team's journey through the planner, in a real browser: find a free maths
expert, allocate them, be refused a double booking, override it with a reason, and see
the override flagged on the planner."""
import re
from datetime import timedelta

import pytest

from tracker import clock
from playwright.sync_api import expect
from tests.browser.conftest import shoot

pytestmark = pytest.mark.browser


def test_central_team_allocates_a_free_maths_expert_and_overrides_a_double_booking(make, page, sign_in):
    today = clock.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=2)
    friday = monday + timedelta(days=4)
    oakwood = make.school(name="Oakwood Primary")
    millbrook = make.school(name="Millbrook School")
    make.initiative(schools=[oakwood], phase="deliver", title="Mastery maths in Key Stage 2")
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    make.expert(name="Sam Science", specialisms=["science"], days_per_week=3)
    central = make.user("central_team", name="Priya Central")

    sign_in(page, central)
    page.get_by_role("link", name="Planner").click()
    expect(page.get_by_role("heading", name="Planner", exact=True)).to_be_visible()
    page.get_by_role("link", name="Find a free expert").click()

    page.get_by_label("Specialism").select_option("maths")
    page.get_by_label("From").fill(monday.isoformat())
    page.get_by_label("To").fill(friday.isoformat())
    page.get_by_label("Days a week needed").fill("2")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="1 expert free")).to_be_visible()
    assert page.get_by_text("Sam Science").count() == 0
    page.get_by_role("link", name="Allocate Maya Patel").click()

    page.get_by_label("School").select_option(label="Oakwood Primary")
    page.get_by_label("Initiative (optional)").select_option(label="Mastery maths in Key Stage 2 (Oakwood Primary)")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Allocated Maya Patel to Oakwood Primary")).to_be_visible()

    page.get_by_role("link", name="New allocation").click()
    page.get_by_label("Expert").select_option(label="Maya Patel (maths; 2 days a week)")
    page.get_by_label("School").select_option(label="Millbrook School")
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Last day").fill(friday.isoformat())
    page.get_by_label("Days a week").fill("1")
    page.get_by_role("button", name="Allocate").click()

    refusal = page.get_by_role("alert")
    assert "This would over-allocate the expert" in refusal.inner_text()
    week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    assert week in refusal.inner_text()
    page.get_by_label("Reason to override").fill("Covering Millbrook's maths lead during their leave")
    page.screenshot(path="/tmp/capacity-refusal.png", full_page=True)
    page.get_by_role("button", name="Allocate with this override").click()

    expect(page.get_by_text("The override and its reason are recorded.")).to_be_visible()
    cell = page.locator("td.load-over").first
    assert "over" in cell.inner_text() and "⚑" in cell.inner_text()
    overrides = page.get_by_role("region", name="Overrides in this period")
    assert "Covering Millbrook's maths lead during their leave" in overrides.inner_text()
    page.screenshot(path="/tmp/capacity.png", full_page=True)


def test_the_planner_fits_a_phone(make, page, sign_in):
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    central = make.user("central_team")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, central)
    page.goto("/planner")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/capacity-phone.png", full_page=True)


def test_the_planner_scrolls_inside_its_table_on_a_laptop(make, page, sign_in):
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    sign_in(page, make.user("central_team"))
    page.goto("/planner?from=2026-09-01&to=2027-02-28")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


SIZES = [pytest.param({"width": 390, "height": 844}, id="phone"),
         pytest.param({"width": 1280, "height": 800}, id="desktop")]
SHOTS = "/tmp/shots/planner"


def _shot(page, name, size):
    page.screenshot(path=f"{SHOTS}/{name}-{size['width']}.png", full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_the_planner_opens_on_this_week_in_view(make, page, sign_in, size):
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=1)
    page.set_viewport_size(size)
    sign_in(page, make.user("central_team"))
    page.goto("/planner")
    monday = clock.today() - timedelta(days=clock.today().weekday())
    first_week = page.locator("table.planner thead th").nth(1)
    assert first_week.get_attribute("aria-current") == "date"
    assert f"W{monday.isocalendar()[1]:02d}" in first_week.inner_text()
    box = first_week.bounding_box()
    assert box["x"] + box["width"] <= size["width"]            # this week is on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    expect(page.get_by_text("1 day a week")).to_be_visible()
    # The cell's name begins with the share it shows.
    cell = page.locator("a.cell-value").first
    assert cell.get_attribute("aria-label") is None
    assert page.get_by_role("link", name=re.compile(r"^0% Maya Patel, week \d{4}-W\d\d: 0 of 1 day; "
                                                    r"allocate, 1 day free$")).count() == 12
    _shot(page, "planner", size)
    page.get_by_role("link", name="← Earlier weeks").click()
    assert page.locator("table.planner thead th.this-week").count() == 0
    _shot(page, "planner-earlier", size)


@pytest.mark.parametrize("size", SIZES)
def test_an_expert_is_changed_and_their_leave_recorded_through_the_pages(make, page, sign_in, size):
    today = clock.today()
    course = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=2)
    oakwood = make.school(name="Oakwood Primary")
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    page.set_viewport_size(size)
    sign_in(page, make.user("central_team"))
    page.goto("/planner")
    page.get_by_role("link", name="Experts and their leave").click()
    page.get_by_role("link", name="Change Maya Patel").click()
    page.get_by_label("Name").fill("Maya Patel-Jones")
    page.get_by_label("Specialisms (optional)").fill("maths, early reading")
    page.get_by_label("Home school").select_option(label=oakwood.name)
    page.get_by_label("Days a week").fill("1")
    _shot(page, "expert-form", size)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Maya Patel-Jones.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Maya Patel-Jones")
    assert "early reading" in row.inner_text() and "Oakwood Primary" in row.inner_text()
    assert "1 day" in row.inner_text() and "1 days" not in row.inner_text()
    _shot(page, "expert-list", size)

    page.get_by_role("link", name="Leave of Maya Patel-Jones").click()
    page.get_by_label("First day away").fill(course.isoformat())
    page.get_by_label("Last day away").fill(course.isoformat())
    page.get_by_label("Reason (optional)").fill("Maths hub course")
    page.get_by_role("button", name="Record leave").click()
    expect(page.get_by_text("Recorded Maya Patel-Jones away")).to_be_visible()
    expect(page.get_by_role("cell", name="Maths hub course")).to_be_visible()
    _shot(page, "expert-leave", size)
    page.get_by_role("link", name="The planner").click()
    leave_week = page.locator("table.planner tbody tr").first.locator("td").nth(1)
    assert "L" in leave_week.inner_text() and "100%" in leave_week.inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_an_allocation_in_the_past_is_refused_beside_its_last_day(make, page, sign_in, size):
    make.school(name="Oakwood Primary")
    make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    page.set_viewport_size(size)
    sign_in(page, make.user("central_team"))
    page.goto("/allocations/new")
    page.get_by_label("Expert").select_option(label="Maya Patel (maths; 2 days a week)")
    page.get_by_label("School").select_option(label="Oakwood Primary")
    page.get_by_label("First day").fill("2025-01-06")
    page.get_by_label("Last day").fill("2025-01-10")
    page.get_by_label("Days a week").fill("1")
    page.get_by_role("button", name="Allocate").click()
    error = page.locator("#ends_on-error")
    assert "a new allocation must end today or later" in error.inner_text()
    assert page.get_by_label("Last day").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").get_by_role("link").first.get_attribute("href") == "#ends_on"
    _shot(page, "allocation-past", size)


def test_the_initiatives_with_no_expert_are_summarised_and_listed_in_full_by_keyboard(
        make, page, sign_in):
    """The planner counts them and shows the first ten; the link to the rest is reached by
    keyboard, and the whole list fits a phone (axe runs on it when the test ends)."""
    school = make.school(name="Oakwood Primary")
    for n in range(12):
        make.initiative(schools=[school], phase="deliver", title=f"Reading recovery {n:02d}")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, make.user("central_team"))
    page.goto("/planner")
    expect(page.get_by_text("12 initiatives in Deliver have no expert allocated today; "
                            "the first 10 by title")).to_be_visible()
    see_all = page.get_by_role("link", name="See all 12 initiatives in Deliver with no expert today")
    see_all.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="In Deliver with no expert today")).to_be_visible()
    assert page.get_by_role("link", name=re.compile(r"^Allocate to Reading recovery")).count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "planner", "no-expert-list")
