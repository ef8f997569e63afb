"""Single sign-on in a real browser, through a real OpenID Connect provider's login pages
(oidc-provider on loopback, tests/oidc_fixtures.py), on a desktop and on a 390×844 phone.

The app is served with the provider configured (the suite's ``live_server`` has none), on the
session's one Chromium. The app's new pages (the sign-in page with its button, the refusal and
waiting pages, the people page's waiting section) are checked with axe at both sizes.
"""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, serving, shoot
from tests.conftest import PASSWORD
from tests.oidc_fixtures import ALLOWED_DOMAIN, LABEL, PROVIDER_NAME

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def _sso_server(_migrated_app, database_url, oidc_provider):
    """The app served on 127.0.0.1 (CSRF on) with the real provider as "Sign in with Test IdP"
    and password sign-in for admins only; one server for the session (building an app costs
    seconds), as the provider is one."""
    with serving(database_url, SSO_PROVIDERS={PROVIDER_NAME: oidc_provider.settings()},
                 SSO_ALLOWED_DOMAINS=ALLOWED_DOMAIN, PASSWORD_LOGIN="admins") as base:
        yield base


@pytest.fixture
def sso_server(app, _sso_server):
    """The SSO-enabled server's URL, its database emptied for this test (by ``app``)."""
    return _sso_server


def _open_page(browser, base, viewport):
    context = browser.new_context(base_url=base, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = base
    page.statuses = {}
    page.on("response", lambda response: page.statuses.__setitem__(response.url, response.status))
    return page


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def sso_page(request, _browser, sso_server):
    """A fresh page (its own cookies) on the SSO-enabled server, at desktop or phone size."""
    page = _open_page(_browser, sso_server, request.param)
    yield page
    page.context.close()


@pytest.fixture
def sso_phone_page(_browser, sso_server):
    """The same at phone size only."""
    page = _open_page(_browser, sso_server, PHONE)
    yield page
    page.context.close()


def sign_in_at_the_provider(page, login):
    """From the app's sign-in page: the provider's button, then its own login form."""
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    page.get_by_role("link", name=LABEL).click()
    page.wait_for_url(lambda url: not url.startswith(page.base))
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(lambda url: url.startswith(page.base))
    page.wait_for_load_state()


def test_a_known_person_signs_in_with_the_provider_button(make, sso_page, assert_accessible):
    school = make.school(name="Oakwood Primary")
    make.user("project_lead", schools=[school], name="Known Person",
              email="known.person@trust.org.uk")
    page = sso_page

    page.goto("/login")
    expect(page.get_by_role("link", name=LABEL)).to_be_visible()
    expect(page.get_by_text("Password sign-in is for administrators only")).to_be_visible()
    assert_accessible(page)
    no_sideways_scroll(page)
    screenshots(page, "login")

    sign_in_at_the_provider(page, "known")

    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    sign_out(page)
    expect(page.get_by_role("link", name=LABEL)).to_be_visible()


def test_a_refusal_is_a_clear_accessible_page(make, sso_page, assert_accessible):
    make.user("project_lead", email="unverified@trust.org.uk")
    page = sso_page

    sign_in_at_the_provider(page, "unverified")

    assert page.statuses[page.url] == 403
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_text("has not confirmed that unverified@trust.org.uk is yours")).to_be_visible()
    assert_accessible(page)
    no_sideways_scroll(page)
    screenshots(page, "refused")
    page.get_by_role("link", name="Go to sign in").click()
    expect(page.get_by_role("link", name=LABEL)).to_be_visible()


def test_a_newcomer_waits_and_an_admin_approves_them_on_the_people_page(
        make, sso_phone_page, assert_accessible):
    # Driven on a phone; the waiting section is checked with axe at desktop size too.
    make.school(name="Oakwood Primary")
    admin = make.user("admin", email="admin@trust.org.uk")
    page = sso_phone_page

    sign_in_at_the_provider(page, "newcomer")
    assert page.statuses[page.url] == 403
    expect(page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    assert_accessible(page)

    # The admin (password sign-in still works for admins) approves them on the people page.
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/admin/people")
    waiting = page.get_by_role("region", name="Waiting for approval")
    expect(waiting.get_by_text("new.teacher@trust.org.uk")).to_be_visible()
    assert_accessible(page)
    no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    waiting.get_by_label("Role").select_option("project_lead")
    waiting.get_by_label("Oakwood Primary").check()
    waiting.get_by_role("button", name="Approve New Teacher").click()
    expect(page.get_by_role("region", name="Waiting for approval")).to_have_count(0)

    page.context.clear_cookies()  # the admin's session ends; the newcomer's browser again
    sign_in_at_the_provider(page, "newcomer")
    expect(page.get_by_role("heading", name="My week")).to_be_visible()


def screenshots(page, name):
    """Screenshots at both sizes (once: from the desktop run), leaving the page as it was."""
    if page.viewport_size == DESKTOP:
        shoot(page, "sso", name)
        page.set_viewport_size(DESKTOP)


def sign_out(page):
    """Sign out from the header (on a phone, inside its Menu)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Sign out").click()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

