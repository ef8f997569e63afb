"""An admin reads the audit log as sentences and opens an outbox message, on a phone and a
desktop, without sideways scrolling. Each test ends on the page it checks, so the browser
fixture's axe run covers that page at both sizes."""
import os
from datetime import date

import pytest

from tracker import outbox
from tracker.models import AuditEntry, OutboxMessage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/admin")


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_reads_the_audit_log_as_sentences(make, session, page, sign_in, size):
    admin = make.user("admin", name="Alice Admin")
    initiative = make.initiative(title="Reading for pleasure")
    session.add(AuditEntry(actor_id=admin.id, action="update", record_type="initiatives",
                           record_id=initiative.id, changes={"title": ["Reading", "Reading for pleasure"]}))
    session.commit()
    sign_in(page, admin)
    page.set_viewport_size(SIZES[size])
    page.goto("/admin/audit")
    sentence = page.get_by_text("Alice Admin changed the title of the initiative Reading for pleasure "
                                "from “Reading” to “Reading for pleasure”.")
    expect(sentence).to_be_visible()
    assert _no_sideways_scroll(page)
    page.get_by_label("What happened").select_option(label="Signed in")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Alice Admin signed in.")).to_be_visible()
    assert page.get_by_text("changed the title").count() == 0
    _shot(page, f"audit-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_opens_a_failed_message_and_reads_it(make, session, page, sign_in, size):
    admin = make.user("admin", name="Alice Admin")
    outbox.queue_message(session, kind="nudges", recipient=admin, subject="2 things need your attention",
                         text="Hello Alice,\n\nA very long line " + "word " * 60 + "\n\nhttps://tracker.example/i/1",
                         html=None, key_date=date(2026, 12, 1), subject_key="k")
    session.query(OutboxMessage).update({"status": "failed", "attempts": 9,
                                         "last_error": "SMTP 550: mailbox unavailable"})
    session.commit()
    sign_in(page, admin)
    page.set_viewport_size(SIZES[size])
    page.goto("/admin/outbox?status=failed")
    page.get_by_role("link", name="2 things need your attention").click()
    expect(page.get_by_role("heading", name="2 things need your attention")).to_be_visible()
    expect(page.get_by_text("SMTP 550: mailbox unavailable")).to_be_visible()
    expect(page.get_by_role("button", name="Retry this message")).to_be_visible()
    expect(page.get_by_text("https://tracker.example/i/1")).to_be_visible()
    assert _no_sideways_scroll(page)
    _shot(page, f"outbox-message-{size}")
