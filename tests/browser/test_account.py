"""A person looks after their own account in a real browser: password, tokens, their data."""
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.models import OutboxMessage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern-orchard-quietly-9-drums"


def test_a_person_changes_their_password_after_a_weak_try(make, page, sign_in, live_server):
    user = make.user("project_lead", name="Laura Reid")
    sign_in(page, user)
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    error = page.locator("#new_password-error")
    assert "too easy to guess" in error.inner_text()
    assert page.get_by_label("New password").get_attribute("aria-invalid") == "true"
    page.screenshot(path="/tmp/account-error.png", full_page=True)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, user, password=NEW_PASSWORD)
    expect(page.get_by_role("heading", name="My week")).to_be_visible()


def test_a_person_revokes_a_token_and_downloads_their_data(make, page, sign_in, app):
    user = make.user("viewer", name="Valerie Governor")
    client = app.test_client()
    for name in ("Power BI", "MIS sync"):
        client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "name": name})
    sign_in(page, user)
    page.goto("/account")
    expect(page.get_by_role("cell", name="Power BI", exact=True)).to_be_visible()
    page.get_by_role("button", name="Revoke token Power BI").click()
    expect(page.get_by_text("Token “Power BI” is revoked")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Power BI")
    expect(row.get_by_text("Revoked")).to_be_visible()
    expect(page.get_by_role("button", name="Revoke token MIS sync")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Export my data (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["person"]["name"] == "Valerie Governor"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/account.png", full_page=True)


def test_an_admin_issues_a_reset_link_that_the_person_follows(make, page, sign_in, session):
    admin = make.user("admin", name="Alex Admin")
    person = make.user("viewer", name="Bernard Board")
    sign_in(page, admin)
    page.goto(f"/admin/people/{person.id}/edit")
    page.get_by_role("button", name="Send a password reset link").click()
    expect(page.get_by_role("heading", name="Reset link for Bernard Board")).to_be_visible()
    expect(page.get_by_text(re.compile("on its way to"))).to_be_visible()

    session.expire_all()
    message = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).scalar_one()
    path = re.search(r"/reset/\S+", message.body_text).group(0)
    theirs = page.context.browser.new_context(base_url=page.base)
    try:
        their_page = theirs.new_page()
        their_page.goto(path)
        assert "/reset/" not in their_page.url  # the secret leaves the address bar at once
        their_page.get_by_label("New password").fill(NEW_PASSWORD)
        their_page.get_by_role("button", name="Save new password").click()
        expect(their_page.get_by_text("Your password is changed")).to_be_visible()
        sign_in(their_page, person, password=NEW_PASSWORD)
        expect(their_page.get_by_role("heading", name="Hello, Bernard")).to_be_visible()
    finally:
        theirs.close()
