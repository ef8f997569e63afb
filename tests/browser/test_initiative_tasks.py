"""Tasks that were the API's alone, done on a phone (390x844) in a real browser: edit and
reschedule a milestone, delete one after a confirm step, edit the notes of a PDSA cycle's
current stage, and choose a review's reviewer."""
from datetime import date, timedelta

import pytest

from tracker.extensions import db
from tracker.models import DeimplementationReview, Milestone, PdsaCycle
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = "/tmp/shots/initiative_tasks"


@pytest.fixture
def world(make):
    school = make.school(name="Oakwood Primary")
    lead = make.user("school_lead", schools=[school], name="Sam Okafor")
    colleague = make.user("project_lead", schools=[school], name="Priya Shah")
    initiative = make.initiative(schools=[school], owner=colleague, title="Daily phonics catch-up",
                                 phase="deliver")
    make.milestone(initiative, title="Staff trained", due_on=date.today() + timedelta(days=7))
    make.milestone(initiative, title="Parents' evening", due_on=date.today() + timedelta(days=20))
    cycle = make._save(PdsaCycle(initiative_id=initiative.id, title="Groups of four", stage="do",
                                 question="Do groups of four keep pace?", prediction="Yes",
                                 owner_id=colleague.id))
    review = make.review(initiative)
    return {"lead": lead, "colleague": colleague, "initiative": initiative, "cycle": cycle,
            "review": review}


def _shoot(page, name):
    """Screenshots at both sizes, ending at the phone's."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=f"{SHOTS}/{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SHOTS}/{name}-phone.png", full_page=True)


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_project_lead_edits_reschedules_and_deletes_milestones_on_a_phone(world, page, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, world["colleague"])
    page.goto(f"/initiatives/{world['initiative'].id}#milestones")
    page.get_by_role("link", name="Edit or reschedule: Staff trained").click()
    _fits(page)
    _shoot(page, "milestone-edit")
    later = date.today() + timedelta(days=28)
    page.get_by_label("Milestone").fill("All staff trained")
    page.get_by_label("Due on").fill(later.isoformat())
    page.get_by_role("button", name="Save the milestone").click()
    expect(page.get_by_text(f"Saved the milestone “All staff trained”, due "
                            f"{later.strftime('%-d %b %Y')}.")).to_be_visible()
    row = page.locator(".milestone").filter(has_text="All staff trained")
    expect(row.get_by_text(f"due {later.strftime('%-d %b %Y')}")).to_be_visible()

    page.get_by_role("link", name="Edit or reschedule: Parents' evening").click()
    page.get_by_role("link", name="Delete this milestone…").click()
    expect(page.get_by_role("heading", name="Delete the milestone “Parents' evening”?")).to_be_visible()
    _fits(page)
    _shoot(page, "milestone-delete")
    page.get_by_role("button", name="Delete the milestone").click()
    expect(page.get_by_text("Deleted the milestone “Parents' evening”.")).to_be_visible()
    assert page.locator(".milestone").filter(has_text="Parents' evening").count() == 0

    db.session.expire_all()
    titles = db.session.execute(db.select(Milestone.title, Milestone.due_on).where(
        Milestone.initiative_id == world["initiative"].id)).all()
    assert titles == [("All staff trained", later)]


def test_a_project_lead_edits_the_notes_of_the_stage_a_cycle_is_in(world, page, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, world["colleague"])
    page.goto(f"/initiatives/{world['initiative'].id}#pdsa")
    page.get_by_role("link", name="Edit the Do notes: Groups of four").click()
    _fits(page)
    notes = page.get_by_label("What happened, including anything unexpected")
    notes.fill("Week one: two groups kept pace, one fell behind.")
    _shoot(page, "cycle-notes")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_text("Saved the notes of “Groups of four”.")).to_be_visible()
    _shoot(page, "initiative-after-notes")
    db.session.expire_all()
    cycle = db.session.get(PdsaCycle, world["cycle"].id)
    assert (cycle.stage, cycle.do_notes) == ("do", "Week one: two groups kept pace, one fell behind.")


def test_a_school_lead_chooses_the_reviewer_on_a_phone(world, page, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, world["lead"])
    page.goto(f"/reviews/{world['review'].id}")
    page.get_by_label("Reviewer").select_option(label="Priya Shah")
    _fits(page)
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Saved the review.")).to_be_visible()
    expect(page.get_by_text("reviewer: Priya Shah")).to_be_visible()
    _shoot(page, "review-reviewer")
    db.session.expire_all()
    review = db.session.get(DeimplementationReview, world["review"].id)
    assert review.reviewer_id == world["colleague"].id
