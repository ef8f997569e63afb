"""Browser tests: a real Chromium (Debian's, through Playwright) against the app served
on loopback by a real WSGI server, on the same database as the rest of the suite."""
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app
from tracker.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: The axe-core impacts a page may not have (issue 12: 0 critical and 0 serious at both sizes).
FAILING_IMPACTS = ("critical", "serious")
#: axe.run's options: only the violations (not the passes), as plain selectors.
AXE_OPTIONS = {"resultTypes": ["violations"]}
#: The same without the colour-contrast rule, which costs two thirds of a run (it computes every
#: text's colours) and depends on the stylesheet, not on who is signed in.
AXE_OPTIONS_NO_CONTRAST = dict(AXE_OPTIONS, rules={"color-contrast": {"enabled": False}})


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
    with serving(database_url) as base:
        yield base


@contextmanager
def serving(database_url, **settings):
    """An app with ``settings`` (CSRF on) served by a real WSGI server on 127.0.0.1 while the
    block runs; gives its base URL."""
    served = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False, **settings)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with served.app_context():
            db.engine.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def page(_browser, live_server, request, accessibility_problems):
    """A fresh browser page (its own cookies); ``page.base`` is the server's URL.

    After a test that passed, the page it ended on must pass axe at desktop and phone size.
    """
    context = _browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server
    yield page
    try:
        if not getattr(request.node, "call_failed", True) and _is_app_page(page, live_server):
            problems = accessibility_problems(page)
            page.set_viewport_size(PHONE)
            problems += accessibility_problems(page)
            assert not problems, format_violations(problems)
    finally:
        context.close()


def _is_app_page(page, live_server):
    return page.url.startswith(live_server) and page.evaluate("document.contentType") == "text/html"


def endpoint_of(app, url):
    """The endpoint that served ``url`` ("pages.home"), or "" for a path the app does not route."""
    parts = urlsplit(url)
    try:
        return app.url_map.bind("localhost").match(parts.path, method="GET")[0]
    except HTTPException:
        return ""


@pytest.fixture
def accessibility_problems(app):
    """``accessibility_problems(page, contrast=True)``: axe-core's critical and serious
    violations on the page as it is now. Each is a
    dict with the rule, its impact, its help text, the endpoint and size, and every failing
    element's selector."""
    def check(page, contrast=True):
        endpoint = endpoint_of(app, page.url)
        size = "{width}x{height}".format(**page.viewport_size)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT)  # axe-core ships inside the package: nothing is fetched
        found = page.evaluate("options => axe.run(document, options)",
                              AXE_OPTIONS if contrast else AXE_OPTIONS_NO_CONTRAST)["violations"]
        return [{"rule": v["id"], "impact": v["impact"], "help": v["help"], "endpoint": endpoint,
                 "url": urlsplit(page.url).path, "size": size,
                 "targets": [" ".join(node["target"]) for node in v["nodes"]],
                 "summary": v["nodes"][0].get("failureSummary", "")}
                for v in found
                if v["impact"] in FAILING_IMPACTS]
    return check


@pytest.fixture
def assert_accessible(accessibility_problems):
    """``assert_accessible(page)`` fails with a readable report on any critical or serious
    axe-core violation on the page as it is now."""
    def check(page):
        problems = accessibility_problems(page)
        assert not problems, format_violations(problems)
    return check


def format_violations(problems):
    """One paragraph per violation: rule, impact, page, size, the failing elements, and why."""
    lines = [f"{len(problems)} critical or serious axe violation(s):"]
    for p in problems:
        more = len(p["targets"]) - 8
        shown = ", ".join(p["targets"][:8]) + (f" … (+{more})" if more > 0 else "")
        lines.append(f"- {p['rule']} ({p['impact']}) on {p['url']} [{p['endpoint']}] at {p['size']}"
                     f"{' as ' + p['role'] if p.get('role') else ''}: {p['help']}\n"
                     f"    elements ({len(p['targets'])}): {shown}\n"
                     f"    {' '.join(p['summary'].split())}")
    return "\n".join(lines)


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


def shoot(page, folder, name):
    """Screenshots of ``page`` at phone and desktop size, ``/tmp/shots/<folder>/<name>-<size>.png``
    (full page), leaving it at phone size."""
    shots = Path("/tmp/shots") / folder
    shots.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(PHONE)
