"""A school lead opens "My school" by keyboard and reads the whole picture of the demo trust's
school: a table of initiatives on a desktop, cards on a phone, no sideways scrolling; then the
admin opens a school that needs support from the dashboard. Screenshots of both sizes go to
/tmp/shots/school/. The page fixture then runs axe at both sizes."""
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE
from tracker import demo
from tracker.extensions import db
from tracker.models import School, User

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/school")
SECTIONS = ("Needs attention", "Active initiatives", "Insights", "Trust KPIs", "Expert time",
            "Self-evaluation", "Policy breaches")


def test_a_school_lead_reads_their_schools_picture_at_both_sizes(app, page, sign_in):
    demo.seed(db.session)
    db.session.commit()
    head = db.session.execute(select(User).where(User.email == "head.northfield@demo.trust")).scalar_one()
    school = sorted(head.schools, key=lambda s: s.name)[0]
    sign_in(page, head, password=demo.DEMO_PASSWORD)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="My school").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=school.name)).to_be_visible()
    for section in SECTIONS:
        expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
    initiatives = page.locator("table.school-initiatives").first
    expect(initiatives.locator("thead")).to_be_visible()  # a table on a desktop
    page.screenshot(path=str(SHOTS / "school-desktop-1280x800.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "school-desktop-1280x800-fold.png"))

    page.set_viewport_size(PHONE)
    expect(initiatives.locator("thead")).to_be_hidden()  # cards on a phone
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "school-phone-390x844.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "school-phone-390x844-fold.png"))

    first = initiatives.get_by_role("link").first
    title = first.inner_text()
    first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    page.get_by_role("link", name=school.name).first.click()
    expect(page.get_by_role("heading", level=1, name=school.name)).to_be_visible()

    # the admin opens a school that needs support from the dashboard's school name
    page.context.clear_cookies()
    admin = db.session.execute(select(User).where(User.email == "admin@demo.trust")).scalar_one()
    aidans = db.session.execute(select(School).where(School.urn == "DEMO04")).scalar_one()
    sign_in(page, admin, password=demo.DEMO_PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    page.get_by_role("link", name=aidans.name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=aidans.name)).to_be_visible()
    expect(page.get_by_role("link", name="My school")).to_have_count(0)  # not in the admin's menu
    page.screenshot(path=str(SHOTS / "needs-support-desktop-1280x800.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "needs-support-phone-390x844.png"), full_page=True)
