"""A lead's weekly loop on the initiative page, in a real browser: log an update, tick a
milestone, advance a PDSA cycle, and try a gate that is not met to read what is missing."""
from datetime import date, timedelta

import pytest

from tracker.extensions import db
from tracker.models import Initiative, PdsaCycle
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def initiative(make):
    make.policy(mode="strict")
    school = make.school(name="Oakwood Primary")
    lead = make.user("school_lead", schools=[school], name="Sam Okafor")
    initiative = make.initiative(
        schools=[school], owner=lead, title="Daily phonics catch-up", phase="prepare",
        problem="A third of Year 2 are below the expected phonics standard.",
        evidence="EEF: systematic phonics, small groups.", active_ingredients="20 minutes daily",
        out_practice="Weekly spelling tests", out_due_on=date.today() + timedelta(days=60))
    make.milestone(initiative, title="Staff trained", due_on=date.today() + timedelta(days=7))
    make._save(PdsaCycle(initiative_id=initiative.id, title="Groups of four", stage="do",
                         question="Do groups of four keep pace?", prediction="Yes",
                         owner_id=lead.id, stage_since=date.today() - timedelta(days=5)))
    return initiative


def test_school_lead_runs_the_weekly_loop_and_reads_what_the_gate_misses(initiative, page, sign_in):
    sign_in(page, initiative.owner)
    page.get_by_role("link", name="Daily phonics catch-up").first.click()
    expect(page.get_by_role("heading", name="Daily phonics catch-up")).to_be_visible()

    # The gate checklist is there before anyone clicks.
    gate = page.locator("#gate")
    expect(gate.get_by_role("heading", name="Ready for Deliver?")).to_be_visible()
    expect(gate.get_by_text("Add at least one measure to watch.")).to_be_visible()

    # Log an update.
    page.get_by_label("Amber: some concerns").check()
    page.get_by_label("What happened, in a sentence or two").fill("Two staff off sick; groups merged.")
    page.get_by_role("button", name="Log update").click()
    expect(page.get_by_text("Update logged.")).to_be_visible()
    expect(page.locator("#updates").get_by_text("Two staff off sick; groups merged.")).to_be_visible()

    # Tick a milestone.
    page.get_by_role("button", name="Mark done: Staff trained").click()
    expect(page.get_by_text("Marked “Staff trained” done.")).to_be_visible()
    ticked = page.locator(".milestone").filter(has_text="Staff trained")
    expect(ticked.get_by_text("Done", exact=True)).to_be_visible()

    # Advance a PDSA cycle from Do to Study.
    # Its step is open already: the cycle is the lead's own, so it is the next thing to do.
    cycle = page.locator("article").filter(has_text="Groups of four")
    cycle.get_by_label("What happened, including anything unexpected").fill(
        "Ran for a week; two groups kept pace, one fell behind.")
    cycle.get_by_role("button", name="Move to Study").click()
    expect(page.get_by_text("“Groups of four” moved to Study.")).to_be_visible()
    study = page.get_by_role("region", name="Study")
    expect(study.get_by_role("heading", name="Groups of four")).to_be_visible()

    # Try the gate to Deliver, which is not met, and read what is missing beside the form.
    page.get_by_label("Move to", exact=True).select_option("deliver")
    page.get_by_role("button", name="Move", exact=True).click()
    blocked = page.get_by_role("alert").filter(has_text="Still missing")
    expect(blocked.get_by_text("Add at least one measure to watch.")).to_be_visible()
    expect(page.get_by_text("Not ready for Deliver yet")).to_be_visible()
    page.screenshot(path="/tmp/initiative_page.png", full_page=True)

    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    assert (stored.phase, stored.rag) == ("prepare", "amber")


def test_a_lead_logs_an_update_on_a_phone(initiative, page, sign_in):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, initiative.owner)
    page.goto(f"/initiatives/{initiative.id}")
    page.get_by_role("link", name="Log an update").click()
    page.get_by_label("Green: on track").check()
    page.get_by_label("What happened, in a sentence or two").fill("All groups running.")
    page.get_by_role("button", name="Log update").click()
    expect(page.get_by_text("Update logged.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/initiative_page_phone.png", full_page=True)
