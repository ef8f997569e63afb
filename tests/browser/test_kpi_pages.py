"""A board member reads the trust KPIs as small multiples (one column on a phone), opens a
school's full chart; a school lead adds a value for her school; in a real browser, axe at
both sizes. Screenshots go to /tmp/shots/kpis/."""
import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE
from tracker import demo
from tracker.extensions import db
from tracker.models import User

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/kpis"


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def demo_trust(app):
    demo.seed(db.session)
    db.session.commit()
    return {local: db.session.execute(select(User).where(User.email == f"{local.lower()}@demo.trust"))
            .scalar_one() for local in ("board", "head.northfield")}


def test_a_board_member_compares_schools_and_drills_down_at_both_sizes(
        demo_trust, page, sign_in, assert_accessible):
    sign_in(page, demo_trust["board"], password=demo.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trust view").click()
    page.get_by_role("navigation", name="The trust's view").get_by_role("link", name="Trust KPIs").click()
    expect(page.get_by_role("heading", name="Trust KPIs", level=1)).to_be_visible()
    board = page.locator("section.kpi-board").filter(has=page.get_by_role("heading", name="Attendance"))
    expect(board.locator(".kpi-school")).to_have_count(len(demo.SCHOOLS))
    expect(board.get_by_role("img", name="XmR chart of Attendance at Oakwood Primary")).to_be_visible()
    # Every school's icons carry words; the improving and slipping schools are told apart.
    words = board.locator(".kpi-reading").all_inner_texts()
    assert len(words) == len(demo.SCHOOLS)
    icons = board.locator(".mdc-variation .visually-hidden").all_text_contents()
    assert {"Special cause improvement", "Special cause concern", "Common cause variation"} <= set(icons)
    shot(page, "kpi-list-desktop")
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    cards = board.locator(".kpi-school")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert first["x"] == second["x"] and second["y"] > first["y"]  # one column
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert first["width"] > 300  # the chart keeps a readable width
    shot(page, "kpi-list-phone")
    assert_accessible(page)

    page.set_viewport_size(DESKTOP)
    board.get_by_role("link", name=re.compile(r"^Oakwood Primary\W+Attendance chart$")).click()
    expect(page.get_by_role("heading", name="Attendance at Oakwood Primary", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="XmR chart of Attendance")).to_be_visible()
    expect(page.locator(".measure-figures .mdc-variation .mdc-text")).to_have_count(1)
    expect(page.get_by_role("link", name="Add a point")).to_have_count(0)  # a board member reads
    shot(page, "kpi-school-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "kpi-school-phone")


def test_a_school_lead_adds_her_schools_value(demo_trust, page, sign_in):
    sign_in(page, demo_trust["head.northfield"], password=demo.DEMO_PASSWORD)
    page.goto("/kpis")
    page.get_by_role("link", name="Suspensions per 100 pupils", exact=True).click()
    expect(page.get_by_role("heading", name="Suspensions per 100 pupils", level=1)).to_be_visible()
    school = page.get_by_label("School", exact=True)
    assert school.locator("option").all_text_contents() == ["Northfield Primary Academy"]
    page.get_by_label("Date", exact=True).fill("2026-11-30")
    page.get_by_role("textbox", name="Value").fill("many")
    page.get_by_role("button", name="Add the value").click()
    expect(page.locator("#point-value-error")).to_contain_text("Enter a number")
    page.get_by_role("textbox", name="Value").fill("0.8")
    page.get_by_role("button", name="Add the value").click()
    expect(page.get_by_text("Added 0.8 per 100 pupils on 30 November 2026.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Northfield Primary Academy")
    expect(row.locator('td[data-label="Points"]')).to_have_text("27")  # 26 fortnights and hers
    shot(page, "kpi-detail-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "kpi-detail-phone")
