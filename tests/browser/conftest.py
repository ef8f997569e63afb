"""Browser tests: a real Chromium (Debian's, through Playwright) against the app served
on loopback by a real WSGI server, on the same database as the rest of the suite."""
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app
from tracker.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, database_url):
    """The app served over HTTP on 127.0.0.1 (a real server, CSRF on); yields its base URL."""
    served = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def page(_browser, live_server):
    """A fresh browser page (its own cookies); ``page.base`` is the server's URL."""
    context = _browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server
    yield page
    context.close()


@pytest.fixture
def sign_in():
    """``sign_in(page, user)`` signs in through the login form, as a person would."""
    def go(page, user, password=PASSWORD):
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    return go
