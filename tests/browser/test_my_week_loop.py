"""A project lead's weekly loop on a phone (390x844), from her home page "My week": log a
one-line update with its RAG, tick a milestone, move a PDSA cycle to its next stage and add
today's value of a measure, counting every interaction (click, fill, select) and the furthest
the page scrolls. Target (issue 12): at most 8 interactions and no scroll past two screens."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tracker import clock
from tracker.extensions import db
from tracker.models import Initiative, MeasurePoint, Milestone, PdsaCycle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = "/tmp/shots/my_week"
#: Remembers the furthest scroll of every page the tab shows (a form post loads a new page).
TRACK_SCROLL = """
window.addEventListener("scroll", function () {
  var seen = Number(sessionStorage.getItem("maxScrollY") || 0);
  if (window.scrollY > seen) { sessionStorage.setItem("maxScrollY", String(window.scrollY)); }
});
"""


class Counted:
    """The page's interactions, counted: every click, fill and select a person makes."""

    def __init__(self, page):
        self.page, self.interactions = page, 0

    def click(self, locator):
        self.interactions += 1
        locator.click()

    def fill(self, locator, text):
        self.interactions += 1
        locator.fill(text)

    def select(self, locator, value):
        self.interactions += 1
        locator.select_option(value)

    def max_scroll(self):
        return max(self.page.evaluate("Number(sessionStorage.getItem('maxScrollY') || 0)"),
                   self.page.evaluate("window.scrollY"))


@pytest.fixture
def week(make):
    school = make.school(name="Oakwood Primary")
    lead = make.user("project_lead", schools=[school], name="Laura Reid")
    initiative = make.initiative(
        schools=[school], owner=lead, title="Daily phonics catch-up", phase="deliver",
        out_practice="Weekly spelling tests", out_due_on=date.today() + timedelta(days=60))
    make.milestone(initiative, title="Staff trained", due_on=clock.today() - timedelta(days=2))
    make.milestone(initiative, title="Parents' evening", due_on=clock.today() + timedelta(days=40))
    make._save(PdsaCycle(initiative_id=initiative.id, title="Groups of four", stage="do",
                         question="Do groups of four keep pace?", prediction="Yes",
                         owner_id=lead.id, stage_since=clock.today() - timedelta(days=5)))
    measure = make.measure(initiative, name="Phonics check pass rate", unit="%")
    make._save(MeasurePoint(measure_id=measure.id, on=clock.today() - timedelta(days=9), value=64))
    return initiative


def test_a_project_lead_runs_her_weekly_loop_on_a_phone_in_eight_steps(week, page, sign_in):
    page.set_viewport_size(PHONE)
    page.add_init_script(TRACK_SCROLL)
    sign_in(page, week.owner)
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/phone_before_loop.png", full_page=True)
    home = page.url
    me = Counted(page)

    update = page.locator(f"#update-{week.id}")
    me.click(update.get_by_text("Amber", exact=True))
    me.fill(update.get_by_label("In one line, how “Daily phonics catch-up” is going"),
            "Two staff off sick; groups merged.")
    me.click(update.get_by_role("button", name="Log update: Daily phonics catch-up"))
    expect(page.get_by_role("status").filter(has_text="Update logged")).to_be_visible()
    expect(update.get_by_text("Done today")).to_be_visible()

    me.click(page.get_by_role("button", name="Mark done: Staff trained"))
    expect(page.get_by_role("button", name="Undo: Staff trained")).to_be_visible()

    cycle = page.locator("article").filter(has_text="Groups of four")
    me.fill(cycle.get_by_label("What happened, including anything unexpected"),
            "Ran for a week; two groups kept pace, one fell behind.")
    me.click(cycle.get_by_role("button", name="Move “Groups of four” to Study"))
    expect(cycle.get_by_text("Study", exact=True)).to_be_visible()

    point = page.locator("article").filter(has_text="Phonics check pass rate")
    assert point.get_by_label("On", exact=True).input_value() == clock.today().isoformat()
    me.fill(point.get_by_label("Value of Phonics check pass rate"), "71")
    me.click(point.get_by_role("button", name="Add value: Phonics check pass rate"))
    expect(page.get_by_role("status").filter(has_text="Recorded 71")).to_be_visible()

    assert page.url == home  # never left the page
    print(f"\nMy week loop at 390x844: {me.interactions} interactions, "
          f"max scrollY {me.max_scroll()} px")
    assert me.interactions <= 8
    assert me.max_scroll() <= 2 * PHONE["height"]
    page.screenshot(path=f"{SHOTS}/phone_after_loop.png", full_page=True)

    db.session.expire_all()
    stored = db.session.get(Initiative, week.id)
    assert stored.rag == "amber"
    ticked = db.session.execute(db.select(Milestone).filter_by(title="Staff trained")).scalar_one()
    assert ticked.done_on == clock.today()
    assert db.session.execute(db.select(PdsaCycle.stage)).scalar_one() == "study"
    assert db.session.execute(db.select(MeasurePoint.value).filter_by(on=clock.today())).scalar_one() == 71

    # A tick taken back, in place too.
    page.get_by_role("button", name="Undo: Staff trained").click()
    expect(page.get_by_role("button", name="Mark done: Staff trained")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Milestone, ticked.id).done_on is None


def test_the_same_loop_on_the_initiative_page_takes_more_steps_and_scrolling(week, page, sign_in):
    """The loop as it was before My week (issue 12 counted 13 interactions and ~3,900 px),
    measured the same way, so the report's "before" is a figure this suite reproduces."""
    page.set_viewport_size(PHONE)
    page.add_init_script(TRACK_SCROLL)
    sign_in(page, week.owner)
    me = Counted(page)
    me.click(page.get_by_role("link", name="Daily phonics catch-up").first)

    me.click(page.get_by_label("Amber: some concerns"))
    me.fill(page.get_by_label("What happened, in a sentence or two"), "Two staff off sick.")
    me.click(page.get_by_role("button", name="Log update"))
    expect(page.get_by_text("Update logged.")).to_be_visible()

    me.click(page.get_by_role("button", name="Mark done: Staff trained"))
    expect(page.get_by_text("Marked “Staff trained” done.")).to_be_visible()

    cycle = page.locator("article").filter(has_text="Groups of four")
    notes = cycle.get_by_label("What happened, including anything unexpected")
    if not notes.is_visible():  # the step sits in a collapsed section unless it is yours
        me.click(cycle.get_by_text("Move to Study").first)
    me.fill(notes, "Ran for a week.")
    me.click(cycle.get_by_role("button", name="Move to Study"))
    expect(page.get_by_text("“Groups of four” moved to Study.")).to_be_visible()

    me.click(page.get_by_role("link", name="Phonics check pass rate").first)
    me.click(page.get_by_role("link", name="Add a point"))
    me.fill(page.get_by_label("Date"), clock.today().isoformat())
    me.fill(page.get_by_label("Value"), "71")
    me.click(page.get_by_role("button", name="Add the point"))
    expect(page.get_by_role("heading", name="Phonics check pass rate")).to_be_visible()

    print(f"\nInitiative page loop at 390x844: {me.interactions} interactions, "
          f"max scrollY {me.max_scroll()} px")
    assert me.interactions > 8 or me.max_scroll() > 2 * PHONE["height"]


def test_the_loop_works_without_javascript_and_returns_to_each_item(week, _browser, live_server):
    context = _browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(week.owner.email)
        page.get_by_label("Password").fill("correct-horse-battery-staple-7")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Mark done: Staff trained").click()
        assert "/my-week#milestone-" in page.url
        expect(page.get_by_text("Marked “Staff trained” done.")).to_be_visible()
        cycle = page.locator("article").filter(has_text="Groups of four")
        cycle.get_by_role("button", name="Move “Groups of four” to Study").click()
        # Refused: the field it needs is named beside it, and nothing moved.
        expect(page.get_by_text("Record what happened, including anything unexpected.")).to_be_visible()
        db.session.expire_all()
        assert db.session.execute(db.select(PdsaCycle.stage)).scalar_one() == "do"
    finally:
        context.close()


def test_my_week_screenshots_at_desktop_size(week, page, sign_in):
    sign_in(page, week.owner)
    page.goto("/my-week")
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=f"{SHOTS}/desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
