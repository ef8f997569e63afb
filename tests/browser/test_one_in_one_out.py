"""One in, one out in a real browser: a school at its cap names what its new initiative
will stop, moves the new one into Deliver, reviews and de-implements the old one, and
the breach is gone."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.clock import today
from tracker.extensions import db
from tracker.models import Allocation, DeimplementationReview, Initiative, MeasurePoint
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def school_at_its_cap(make):
    make.policy(mode="cap", max_active_initiatives=2, out_grace_days=14)
    school = make.school(name="Oakwood Primary")
    head = make.user("school_lead", schools=[school], name="Helen Hughes")
    old = make.initiative(schools=[school], owner=head, title="Homework club", phase="deliver",
                          phase_since=today() - timedelta(days=120))
    make.initiative(schools=[school], owner=head, title="Attendance first-day calling",
                    phase="deliver", phase_since=today() - timedelta(days=60))
    new = make.initiative(
        schools=[school], owner=head, title="Feedback without marking overload", phase="prepare",
        problem="Marking is the top workload burden in the staff survey.",
        evidence="EEF Teacher Feedback guidance.", active_ingredients="Whole-class feedback weekly")
    make.milestone(new, title="Staff trained in whole-class feedback")
    make.measure(new, name="Teachers reporting manageable workload")
    make._save(DeimplementationReview(initiative_id=old.id, due_on=today()))
    completion = make.measure(old, name="Homework handed in on time", unit="%", target=85)
    for week, value in enumerate([71, 70, 72, 69, 71, 70, 72, 71, 70, 69, 71, 70]):
        make._save(MeasurePoint(measure_id=completion.id, value=value,
                                on=today() - timedelta(weeks=12 - week)))
    expert = make.expert(name="Maya Patel", days_per_week=2)
    make._save(Allocation(expert_id=expert.id, school_id=school.id, initiative_id=old.id,
                          starts_on=today() + timedelta(days=7),
                          ends_on=today() + timedelta(days=34), days_per_week=1, status="confirmed"))
    return school, head, old, new


def test_a_school_at_its_cap_names_an_out_delivers_and_deimplements_the_old_initiative(
        school_at_its_cap, page, sign_in):
    school, head, old, new = school_at_its_cap
    sign_in(page, head)

    # The school's policy page shows it is over its limit, with the newcomer in Prepare.
    page.get_by_role("link", name="One in, one out").click()
    page.get_by_role("link", name="Oakwood Primary").click()
    breaches = page.get_by_role("region", name="Breaches")
    expect(breaches.get_by_text("Over its limit")).to_be_visible()
    expect(page.get_by_text("3 of 2")).to_be_visible()

    # Name the out: the new initiative replaces the homework club, stopped within a month.
    page.goto(f"/initiatives/{new.id}")
    page.get_by_role("link", name="Edit the plan").click()
    page.get_by_label("Initiative it replaces").select_option(label="Homework club")
    page.get_by_label("Stopped by").fill((today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Homework club").first).to_be_visible()

    # Deliver: the one-out gate is met now the out is named.
    page.get_by_label("Move to", exact=True).select_option("deliver")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Moved to Deliver.")).to_be_visible()

    # Review the old initiative from the school's reviews due, and de-implement it.
    page.goto(f"/policy/schools/{school.id}")
    page.get_by_role("link", name="Open the review of Homework club").click()
    expect(page.get_by_role("heading", name="De-implementation review: Homework club")).to_be_visible()
    measures = page.get_by_role("complementary", name="The initiative's measures")
    expect(measures.get_by_text("Homework handed in on time").first).to_be_visible()
    expect(measures.get_by_text("Latest: 70%")).to_be_visible()
    page.get_by_label("Evidence of impact").fill("Attendance at the club fell to a handful; no change in homework completion.")
    page.get_by_label("Workload").fill("Two teachers, two evenings a week.")
    page.get_by_label("What would be stopped, or freed").fill("Four teacher-evenings a week.")
    page.get_by_label("De-implement (stop it)").check()
    page.screenshot(path="/tmp/review_form.png", full_page=True)
    page.get_by_role("button", name="Save the review").click()
    expect(page.locator("#rationale-error").get_by_text("Say why")).to_be_visible()  # beside its field
    assert page.get_by_label("Rationale").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("De-implement (stop it)").is_checked()  # nothing typed is lost
    page.get_by_label("Rationale").fill("No impact on homework completion; the time goes to feedback instead.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Decided: de-implement. The initiative has stopped.")).to_be_visible()
    expect(page.get_by_text("4.0 days")).to_be_visible()  # the cancelled allocation: 1 day a week, 4 weeks
    page.screenshot(path="/tmp/review.png", full_page=True)

    # The breach is gone, and the stopped register says what was stopped and why.
    page.goto(f"/policy/schools/{school.id}")
    expect(page.get_by_text("None: the school is inside the policy.")).to_be_visible()
    expect(page.get_by_text("2 of 2")).to_be_visible()
    page.screenshot(path="/tmp/policy_school.png", full_page=True)
    page.get_by_role("link", name="Stopped", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Homework club")
    expect(row.get_by_text("No impact on homework completion")).to_be_visible()
    page.screenshot(path="/tmp/stopped.png", full_page=True)

    db.session.expire_all()
    assert db.session.get(Initiative, old.id).status == "deimplemented"
    assert db.session.get(Initiative, new.id).phase == "deliver"


def test_the_review_page_works_on_a_phone(school_at_its_cap, page, sign_in):
    _, head, old, _ = school_at_its_cap
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, head)
    review_id = db.session.execute(select(DeimplementationReview.id).where(
        DeimplementationReview.initiative_id == old.id)).scalar_one()
    page.goto(f"/reviews/{review_id}")
    page.get_by_label("Continue", exact=True).check()
    page.get_by_label("Rationale").fill("Still popular; review again next term.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Decided: continue. The next review is scheduled.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path="/tmp/review_phone.png", full_page=True)
