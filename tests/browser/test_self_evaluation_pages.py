"""The central team re-rates the trust on a phone, by keyboard: the form starts from the last
round, the new round shows beside it; a round that leaves pillars out is named and not saved."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import DESKTOP, PHONE, format_violations, shoot
from tracker import clock, self_evaluation as se
from tracker.extensions import db
from tracker.models import SelfEvaluation
from tracker.models.initiative import PILLARS

pytestmark = pytest.mark.browser


@pytest.fixture
def rated_trust(make, session):
    """A trust rated twice (every pillar 1, then 2), a school not rated yet, and its people."""
    school = make.school(name="Oakwood Primary")
    central = make.user("central_team", name="Priya Central")
    admin = make.user("admin", name="Alex Admin")
    for days, rating in ((300, 1), (90, 2)):
        se.record_round(session, central, on=clock.today() - timedelta(days=days), ratings=[
            {"pillar": p, "rating": rating, "evidence": f"Evidence for {p} then."} for p in PILLARS])
    session.commit()
    return {"school": school, "central": central, "admin": admin}


def _shoot(page, name):
    shoot(page, "selfeval", name)


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_central_team_rerates_the_trust_by_keyboard_on_a_phone(
        rated_trust, page, sign_in, accessibility_problems):
    page.set_viewport_size(PHONE)
    sign_in(page, rated_trust["central"])
    page.goto("/self-evaluation")
    _no_sideways_scroll(page)
    _shoot(page, "trust-before")

    page.get_by_role("link", name="Rate the pillars again").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Rate the seven pillars: the trust")).to_be_visible()
    vision = page.get_by_role("group", name="Vision")
    expect(vision.get_by_label("2 Emerging")).to_be_checked()  # starts from the last round
    _no_sideways_scroll(page)
    _shoot(page, "form")

    vision.get_by_label("2 Emerging").focus()
    page.keyboard.press("ArrowRight")  # radios move with the arrow keys
    expect(vision.get_by_label("3 Established")).to_be_checked()
    page.keyboard.press("Tab")  # past the group, to its evidence
    expect(vision.get_by_label("Evidence for Vision")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Staff surveys: most staff can say what the vision asks of them.")
    page.get_by_role("button", name="Save this round").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_text(f"Saved the self-evaluation of {clock.today().day}")).to_be_visible()
    row = page.locator("table.se-compare tr", has=page.get_by_role("rowheader", name="Vision"))
    expect(row.get_by_role("cell").nth(0)).to_contain_text("3 Established")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("2 Emerging")
    expect(row.get_by_role("cell").nth(2)).to_contain_text("up 1")
    capacity = page.locator("table.se-compare tr", has=page.get_by_role("rowheader", name="Capacity"))
    expect(capacity).to_contain_text("no change")
    expect(page.get_by_text("Staff surveys: most staff can say what the vision asks of them.")).to_be_visible()
    expect(page.get_by_role("img", name="Vision: its rating in each round")).to_be_visible()
    _no_sideways_scroll(page)
    _shoot(page, "trust-after")
    problems = accessibility_problems(page)
    page.set_viewport_size(DESKTOP)
    problems += accessibility_problems(page)
    assert not problems, format_violations(problems)

    # An admin rates a school for the first time, leaving five pillars out: each is named.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, rated_trust["admin"])
    page.goto(f"/schools/{rated_trust['school'].id}/self-evaluation/new")
    for pillar in ("Vision", "Capacity"):
        page.get_by_role("group", name=pillar).get_by_label("1 Not yet in place").focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Save this round").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(len(PILLARS) - 2)
    expect(summary).to_contain_text("Rate Quality assurance")
    expect(page.get_by_role("group", name="Quality assurance").locator(".error-message")).to_contain_text(
        "choose from 1 (not yet in place) to 4 (embedded)")
    expect(page.get_by_role("group", name="Vision").get_by_label("1 Not yet in place")).to_be_checked()
    _shoot(page, "form-missing")
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(SelfEvaluation).where(
        SelfEvaluation.school_id == rated_trust["school"].id)).scalar_one() == 0
