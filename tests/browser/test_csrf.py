"""A forged POST — a page elsewhere that submits a form to the tracker in a signed-in
person's browser — is refused, because it cannot carry the form's CSRF token."""
import pytest
from sqlalchemy import func, select

from tracker import models as m
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: Same site as the tracker (another port on the same host), so the browser does send the
#: session cookie with the forged POST: only the CSRF token stands in the way.
FORGER = "http://127.0.0.1:9/prize"


def _forged_form(action):
    return f"""<!doctype html><title>You have won</title>
    <form method="post" action="{action}">
      <input type="hidden" name="name" value="Forged Academy">
      <input type="hidden" name="urn" value="666666">
      <input type="hidden" name="phase" value="primary">
      <input type="hidden" name="support_status" value="stable">
      <button type="submit">Claim your prize</button>
    </form>"""


def _schools(session):
    session.expire_all()
    return session.execute(select(func.count(m.School.id))).scalar()


def test_a_forged_post_from_another_page_is_refused_and_changes_nothing(make, page, sign_in, session):
    admin = make.user("admin", name="Alex Admin")
    sign_in(page, admin)
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    page.route(FORGER, lambda route: route.fulfill(
        status=200, content_type="text/html", body=_forged_form(f"{page.base}/admin/schools/new")))

    page.goto(FORGER)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Claim your prize").click()

    assert navigation.value.status == 400
    assert _schools(session) == 0


def test_the_same_form_from_the_tracker_itself_is_accepted(make, page, sign_in, session):
    sign_in(page, make.user("admin"))
    page.goto("/admin/schools/new")
    page.get_by_label("Name").fill("Real Academy")
    page.get_by_label("URN").fill("777777")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Saved Real Academy.")).to_be_visible()
    assert _schools(session) == 1
