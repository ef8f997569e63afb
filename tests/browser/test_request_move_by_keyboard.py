"""A project lead on her phone sees who moves her initiative on and asks them: the school
lead's email is in the outbox, once however often she asks."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE
from tracker.clock import today
from tracker.extensions import db
from tracker.models import OutboxMessage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/request_move")


@pytest.fixture
def ready_for_deliver(make):
    make.policy(mode="strict")
    school = make.school(name="Oakwood Primary")
    head = make.user("school_lead", schools=[school], name="Helen Hughes")
    owner = make.user("project_lead", schools=[school], name="Priya Shah")
    initiative = make.initiative(
        schools=[school], owner=owner, title="Feedback without marking overload", phase="prepare",
        problem="Marking is the top workload burden.", evidence="EEF feedback guidance.",
        active_ingredients="Whole-class feedback weekly", out_practice="Weekly written marking",
        out_due_on=today() + timedelta(days=30))
    make.milestone(initiative, title="Staff trained")
    make.measure(initiative, name="Teachers reporting manageable workload")
    return initiative, head, owner


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.locator("#phase").screenshot(path=str(SHOTS / f"{name}-{size}.png"))
    page.set_viewport_size(PHONE)


def test_a_project_lead_requests_the_move_and_the_school_lead_is_mailed_once(
        ready_for_deliver, page, sign_in):
    initiative, head, owner = ready_for_deliver
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto(f"/initiatives/{initiative.id}")

    asking = page.locator("#move-request")
    expect(asking.get_by_role("heading", name="Who moves it to Deliver")).to_be_visible()
    expect(asking.get_by_text("Helen Hughes")).to_be_visible()
    button = asking.get_by_role("button", name="Request the move")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 24
    _shoot(page, "before")

    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # by keyboard, as anyone can
    assert page.url.endswith(f"/initiatives/{initiative.id}#phase")
    expect(page.get_by_text("Asked Helen Hughes to move it to Deliver.")).to_be_visible()
    _shoot(page, "after")

    with page.expect_navigation():
        page.locator("#move-request").get_by_role("button", name="Request the move").click()
    expect(page.get_by_text("Helen Hughes already had your request today.")).to_be_visible()

    db.session.rollback()
    mail = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.kind == "move_request")).scalars().all()
    assert [(m.recipient_id, m.to_address) for m in mail] == [(head.id, head.email)]
    assert "Please move “Feedback without marking overload” to Deliver" == mail[0].subject
    assert "Priya Shah asks you to move" in mail[0].body_text
