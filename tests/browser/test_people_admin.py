"""An admin adds a person, with their role and two schools, in one form, on a phone and on a
desktop; a refused post takes the keyboard to the form's list of problems."""
import pytest
from sqlalchemy import select

from tracker import models as m
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
SHOTS = "/tmp/shots/forms"


@pytest.mark.parametrize("size", SIZES)
def test_admin_adds_a_person_with_two_schools_after_a_refused_try(make, session, page, sign_in, size):
    page.set_viewport_size(SIZES[size])
    make.school(name="Ash Primary"), make.school(name="Birch Academy"), make.school(name="Cedar High")
    sign_in(page, make.user("admin", name="Ada Admin"))
    page.goto("/admin/people")
    page.get_by_role("link", name="Add a person").click()
    schools = page.get_by_role("group", name="Schools")
    assert schools.get_by_text("Ash Primary", exact=True).count() == 1
    assert page.locator('[aria-invalid="None"], [aria-invalid="none"]').count() == 0
    row = schools.locator("label", has_text="Ash Primary").bounding_box()
    assert row["height"] >= 44 or size == "desktop"
    page.screenshot(path=f"{SHOTS}/add-person-{size}.png", full_page=True)

    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Role").select_option(label="School lead")
    schools.get_by_label("Ash Primary").check()
    schools.get_by_label("Cedar High").check()
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # forms.js moves focus once the page has loaded
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Name").get_attribute("aria-invalid") is None
    page.screenshot(path=f"{SHOTS}/add-person-refused-{size}.png", full_page=False)

    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Password").fill("Marble-heron-quietly-58")
    assert schools.get_by_label("Ash Primary").is_checked() and schools.get_by_label("Cedar High").is_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Grace Hopper.")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/people-{size}.png", full_page=True)
    session.expire_all()
    person = session.execute(select(m.User).where(m.User.email == "grace@example.org")).scalar_one()
    assert person.role == "school_lead"
    assert sorted(s.name for s in person.schools) == ["Ash Primary", "Cedar High"]


def test_the_admin_menu_fits_one_row_on_a_desktop(make, page, sign_in):
    page.set_viewport_size(SIZES["desktop"])
    sign_in(page, make.user("admin", name="Ada Admin"))
    page.goto("/admin/people")
    page.screenshot(path=f"{SHOTS}/admin-menu-desktop.png")
    for links in ("#site-nav ul a", ".nav-user a, .nav-user button"):
        tops = page.locator(links).evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(tops) > 2 and max(tops) - min(tops) <= 4, (links, tops)
    assert page.locator("#site-nav ul a").count() >= 10
