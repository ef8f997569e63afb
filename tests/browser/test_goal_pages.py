"""The driver diagram in a real browser: left to right on a desktop (each level's boxes further
right than the one before), a stacked tree on a phone with no sideways scroll; a driver added
through its form appears dashed as "No initiative yet"; a one-school reader sees only their
school's initiatives. Screenshots at both sizes in /tmp/shots/goals."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tracker import goals

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/goals")


@pytest.fixture
def reading_goal(make, session):
    ash, birch = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    admin = make.user("admin", name="Alex Admin")
    viewer = make.user("viewer", schools=[ash], name="Val Viewer")
    goal = goals.create_goal(session, admin, title="Every pupil reads fluently by age 9",
                             aim="90% of Year 4 at the expected standard by July 2028.")
    phonics = goals.add_driver(session, admin, goal, title="Systematic phonics in every class")
    daily = goals.add_driver(session, admin, goal, title="Daily phonics taught with fidelity",
                             parent_id=phonics.id)
    for title, school, rag in (("Phonics catch-up", ash, "green"), ("Birch phonics", birch, "red")):
        work = make.initiative(schools=[school], title=title, phase="deliver", rag=rag)
        goals.set_drivers(session, admin, work, [daily.id])
    session.commit()
    return {"goal": goal, "admin": admin, "viewer": viewer}


def _left(page, selector):
    return page.locator(selector).first.bounding_box()["x"]


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_diagram_reads_left_to_right_on_a_desktop_and_stacks_on_a_phone(
        reading_goal, page, sign_in):
    sign_in(page, reading_goal["admin"])
    page.set_viewport_size(DESKTOP)
    page.goto(f"/goals/{reading_goal['goal'].id}")
    page.get_by_label("Title of the new driver").fill("Books matched to the sounds pupils know")
    page.get_by_label("Level").select_option(label="Secondary, under “Systematic phonics in every class”")
    page.get_by_role("button", name="Add the driver").click()
    gap = page.locator(".dd-gap")
    expect(gap).to_contain_text("Books matched to the sounds pupils know")
    expect(gap).to_contain_text("No initiative yet")
    assert gap.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    boxes = [".dd-goal", ".dd-drivers > li > .dd-driver", ".dd-children .dd-driver",
             ".dd-initiative"]
    xs = [_left(page, selector) for selector in boxes]
    assert xs == sorted(xs) and len(set(xs)) == 4, xs  # each level further right
    box = page.locator(".dd-initiative", has_text="Birch phonics")
    expect(box).to_contain_text("Deliver")
    expect(box).to_contain_text("Red")
    expect(box).to_contain_text("Active")
    _shoot(page, "diagram-desktop")

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    tops = [page.locator(s).first.bounding_box()["y"] for s in boxes]
    assert tops == sorted(tops) and len(set(tops)) == 4, tops  # stacked, one under the other
    _shoot(page, "diagram-phone")


def test_a_one_school_reader_sees_only_their_schools_initiatives(reading_goal, page, sign_in):
    sign_in(page, reading_goal["viewer"])
    page.set_viewport_size(PHONE)
    page.goto("/goals")
    page.get_by_role("link", name="Every pupil reads fluently by age 9").click()
    expect(page.locator(".dd-initiative")).to_have_count(1)
    expect(page.locator(".dd-initiative")).to_contain_text("Phonics catch-up")
    expect(page.get_by_role("button", name="Add the driver")).to_have_count(0)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
