"""Every answer: security headers, no version banners, errors without stack traces, nothing
user-written rendered unescaped, no header injection into email.

ASVS 4.0.3: V14.4.1-14.4.7, V14.5.x, V14.3.2, V14.3.3, V7.4.1, V8.2.1, V5.3.3, V5.2.x."""
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.security_fixtures import another_app  # noqa: F401  (fixture)
from tracker import mail

ROOT = Path(__file__).resolve().parent.parent


def _assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Server" not in response.headers
    assert "X-Powered-By" not in response.headers


def test_security_headers_are_on_pages_api_answers_and_errors(make, login_as, api_as, client):
    user = make.user("viewer")
    browser, api = login_as(user), api_as(user)
    responses = {
        "sign-in page": client.get("/login"),
        "page": browser.get("/"),
        "account page": browser.get("/account"),
        "missing page": browser.get("/no-such-page"),
        "forbidden page": browser.get("/admin/audit"),
        "api": api.get("/api/v1/users/me"),
        "api 401": client.get("/api/v1/users/me"),
        "api 404": api.get("/api/v1/no-such-thing"),
        "openapi": client.get("/api/v1/openapi.json"),
        "static": client.get("/static/app.css"),
    }
    for name, response in responses.items():
        try:
            _assert_security_headers(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error!r}") from error
        finally:
            response.close()


def test_personal_pages_and_api_answers_are_not_cached(make, login_as, api_as):
    user = make.user("viewer")
    assert login_as(user).get("/account").headers["Cache-Control"] == "no-store"
    assert api_as(user).get("/api/v1/users/me").headers["Cache-Control"] == "no-store"


def test_hsts_only_in_production(client, another_app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = another_app(PRODUCTION=True).test_client()
    hsts = production.get("/login", base_url="https://tracker.example.org").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_debug_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    from tracker import create_app
    app = create_app({"TESTING": False})
    assert app.debug is False and app.config["PROPAGATE_EXCEPTIONS"] is None


# --- errors ------------------------------------------------------------------------

@pytest.fixture
def failing_app(another_app):
    """The app as deployed (not testing), with a page and an API endpoint that fail."""
    app = another_app(TESTING=False)

    def boom():
        raise RuntimeError("secret detail: database password is hunter2")
    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return app


def test_a_server_error_page_shows_a_reference_that_is_in_the_log(failing_app, make, caplog):
    user = make.user("viewer")
    client = failing_app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with caplog.at_level(logging.ERROR, logger="tracker"):
        response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    reference = re.search(r"<strong>([0-9a-f]{12})</strong>", html).group(1)
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info  # the trace is in the log, beside the reference
    _assert_security_headers(response)


def test_an_api_server_error_is_json_with_a_reference(failing_app, make, caplog):
    user = make.user("viewer")
    client = failing_app.test_client()
    token = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    with caplog.at_level(logging.ERROR, logger="tracker"):
        response = client.get("/api/v1/boom", headers={"Authorization": f"Bearer {token}"})
    body = response.get_json()
    assert response.status_code == 500 and body["error"]["code"] == "server_error"
    assert "hunter2" not in response.get_data(as_text=True)
    assert any(body["error"]["reference"] in r.getMessage() for r in caplog.records)


# --- version banners ------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_names_no_version_and_the_app_adds_no_banner(database_url, app, tmp_path):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, TRACKER_INSTANCE=str(tmp_path),
               SECRET_KEY="banner-test")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        banner = response.headers.get("Server", "")
        assert not re.search(r"\d", banner), banner  # at most a name, never a version
        assert "Python" not in banner and "Werkzeug" not in banner
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- nothing user-written runs --------------------------------------------------------

SCRIPT = '<script>alert("x")</script>'


def test_a_script_in_a_title_or_name_is_shown_as_text_on_every_page(make, login_as):
    school = make.school(name=SCRIPT + " school")
    owner = make.user("project_lead", schools=[school], name=SCRIPT + " Owner")
    initiative = make.initiative(schools=[school], owner=owner, title=SCRIPT + " title",
                                 problem=SCRIPT)
    admin = login_as(make.user("admin"))
    for path in ("/", "/initiatives", f"/initiatives/{initiative.id}", "/admin/people",
                 "/admin/schools", "/admin/audit", f"/admin/people/{owner.id}/edit"):
        html = admin.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
    assert "&lt;script&gt;alert" in admin.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert" in login_as(owner).get("/account").get_data(as_text=True)


def test_a_name_or_title_cannot_add_an_email_header():
    message = mail.build_message(
        sender="tracker@example.org", to_address="laura@example.org",
        to_name="Laura\r\nBcc: spy@evil.example", subject="Nudge: Phonics\r\nBcc: spy@evil.example\nX-Evil: 1",
        text="Hello", html="<p>Hello</p>")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert parsed["To"].addresses[0].addr_spec == "laura@example.org"


def test_an_address_with_a_line_break_is_refused():
    with pytest.raises(ValueError):
        mail.build_message(sender="tracker@example.org", to_address="laura@example.org\r\nBcc: x@y.z",
                           subject="Hi", text="Hi", html="<p>Hi</p>")


@pytest.mark.parametrize("name", ["Laura\r\nBcc: spy@evil.example", "Laura\x00", "Laura\nReid"])
def test_a_person_cannot_be_named_with_line_breaks_or_control_characters(make, api_as, name):
    response = api_as(make.user("admin")).post("/api/v1/users", json={
        "email": "laura@example.org", "name": name, "role": "viewer", "password": "kettle-moss-42-lantern"})
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("email", ["laura@example.org\r\nBcc: x@y.z", "laura example@x.org", "no-at-sign"])
def test_an_email_address_with_spaces_or_line_breaks_is_refused(make, api_as, email):
    response = api_as(make.user("admin")).post("/api/v1/users", json={
        "email": email, "name": "Laura", "role": "viewer", "password": "kettle-moss-42-lantern"})
    assert response.status_code == 422 and "email" in response.get_json()["error"]["fields"]
