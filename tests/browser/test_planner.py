"""The central team's journey through the planner, in a real browser: find a free maths
expert, allocate them, be refused a double booking, override it with a reason, and see
the override flagged on the planner."""
from datetime import timedelta

import pytest

from tracker import clock

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
    assert page.get_by_role("heading", name="Planner", exact=True).is_visible()
    page.get_by_role("link", name="Find a free expert").click()

    page.get_by_label("Specialism").select_option("maths")
    page.get_by_label("From").fill(monday.isoformat())
    page.get_by_label("To").fill(friday.isoformat())
    page.get_by_label("Days a week needed").fill("2")
    page.get_by_role("button", name="Find").click()
    assert page.get_by_role("heading", name="1 expert free").is_visible()
    assert page.get_by_text("Sam Science").count() == 0
    page.get_by_role("link", name="Allocate Maya Patel").click()

    page.get_by_label("School").select_option(label="Oakwood Primary")
    page.get_by_label("Initiative (optional)").select_option(label="Mastery maths in Key Stage 2 (Oakwood Primary)")
    page.get_by_role("button", name="Allocate").click()
    assert page.get_by_text("Allocated Maya Patel to Oakwood Primary").is_visible()

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

    assert page.get_by_text("The override and its reason are recorded.").is_visible()
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
