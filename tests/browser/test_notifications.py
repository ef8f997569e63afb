"""Email settings and the admin outbox, in a real browser."""
from datetime import date

import pytest

from tracker import outbox
from tracker.extensions import db
from tracker.models import OutboxMessage, User
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_project_lead_turns_off_pdsa_nudges_and_gets_milestones_weekly(make, page, sign_in):
    lead = make.user("project_lead", schools=[make.school()], name="Laura Reid")
    sign_in(page, lead)
    page.get_by_role("link", name="Email settings").click()
    expect(page.get_by_role("heading", name="Email settings")).to_be_visible()
    milestones = page.get_by_role("group", name="Milestones overdue or due soon")
    assert milestones.get_by_label("Daily").is_checked()
    milestones.get_by_label("Weekly").check()
    page.get_by_role("group", name="PDSA cycles stuck").get_by_label("Never").check()
    page.screenshot(path="/tmp/notifications.png", full_page=True)
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_text("Your email settings are saved.")).to_be_visible()
    assert page.get_by_role("group", name="PDSA cycles stuck").get_by_label("Never").is_checked()
    db.session.expire_all()
    assert db.session.get(User, lead.id).notification_prefs == {
        "milestones": "weekly", "stale": "daily", "pdsa": "never", "reviews": "daily", "digest": "weekly"}


def test_an_admin_sees_a_failed_email_and_queues_it_again(make, page, sign_in):
    admin, user = make.user("admin"), make.user(email="laura@school.example")
    outbox.queue_message(db.session, kind="nudges", recipient=user, subject="3 things need your attention",
                         text="t", html="<p>t</p>", key_date=date(2026, 12, 1), subject_key="summary")
    db.session.execute(db.update(OutboxMessage).values(
        status="failed", attempts=7, last_error="cannot reach 127.0.0.1:25: Connection refused"))
    db.session.commit()
    sign_in(page, admin)
    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="Failed (1)").click()
    expect(page.get_by_text("Connection refused")).to_be_visible()
    page.screenshot(path="/tmp/outbox.png", full_page=True)
    page.get_by_role("button", name="Retry “3 things need your attention” to laura@school.example").click()
    expect(page.get_by_text("is queued again")).to_be_visible()
    expect(page.get_by_role("link", name="Queued (1)")).to_be_visible()
