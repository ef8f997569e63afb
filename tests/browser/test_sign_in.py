"""A person signs in, sees their initiatives, and signs out, in a real browser."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_project_lead_signs_in_sees_their_initiatives_and_signs_out(make, page, sign_in):
    school = make.school(name="Oakwood Primary")
    lead = make.user("project_lead", schools=[school], name="Laura Reid")
    make.initiative(schools=[school], owner=lead, title="Daily phonics catch-up")
    make.initiative(title="Someone else's work")

    page.goto("/")
    assert page.url.endswith("/login?next=%2F") or "/login" in page.url
    sign_in(page, lead)
    # A project lead's home is My week: her initiative's weekly update is asked for there.
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_text("Daily phonics catch-up").first).to_be_visible()
    assert page.get_by_text("Someone else's work").count() == 0

    page.get_by_role("button", name="Sign out").click()
    assert "/login" in page.url
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_is_told_beside_the_field(make, page, sign_in):
    user = make.user("viewer")
    sign_in(page, user, password="not-the-password")
    expect(page.get_by_text("The email or password is not right.")).to_be_visible()
    assert "/login" in page.url
