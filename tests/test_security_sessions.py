"""Web sessions and API tokens: fresh at sign-in, ended on the server at sign-out or timeout,
safe cookies and redirects; tokens random, hashed, expiring, revocable.

ASVS 4.0.3: V3.2.1-3.2.3, V3.3.1-3.3.4, V3.4.1-3.4.3, V3.5.2, V2.5.x, V5.1.5, V4.1.1, V4.1.3,
V4.2.1, V8.3.4."""
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.security_fixtures import another_app  # noqa: F401  (fixture)
from tracker.auth import digest_secret
from tracker.blueprints.auth import safe_next
from tracker.models import ApiToken
from tracker.models.base import utcnow

ROLES = ["admin", "central_team", "school_lead", "project_lead", "viewer"]


def _sign_in(client, user, **query):
    return client.post("/login", query_string=query, data={"email": user.email, "password": PASSWORD})


# --- web sessions -------------------------------------------------------------------

def test_signing_in_starts_a_fresh_session(make, client):
    user = make.user("viewer")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    assert _sign_in(client, user).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after["_user_id"].startswith(f"{user.id}:")


def test_signing_out_ends_the_session_on_the_server_too(make, login_as, app):
    user = make.user("viewer")
    client = login_as(user)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302  # a copy of the old cookie signs no one in


@pytest.mark.parametrize("clock_key, seconds_ago", [
    ("seen_at", 121 * 60),          # idle for longer than SESSION_IDLE_MINUTES (120)
    ("signed_in_at", 13 * 3600),    # signed in longer ago than SESSION_ABSOLUTE_HOURS (12)
])
def test_a_session_times_out_when_idle_or_too_old(make, login_as, clock_key, seconds_ago):
    client = login_as(make.user("viewer"))
    with client.session_transaction() as session:
        session[clock_key] = time.time() - seconds_ago
    response = client.get("/initiatives")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_a_session_in_use_stays_signed_in(make, login_as):
    client = login_as(make.user("viewer"))
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 119 * 60
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_timeouts_follow_the_configuration(make, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 1)
    client = login_as(make.user("viewer"))
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 61
    assert client.get("/").status_code == 302


def test_session_cookies_are_httponly_and_samesite_lax(make, client):
    response = _sign_in(client, make.user("viewer"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_in_production_cookies_are_sent_only_over_https(make, another_app):
    production = another_app(PRODUCTION=True)
    user = make.user("viewer")
    client = production.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           base_url="https://tracker.example.org")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("target, expected", [
    ("/initiatives?school_id=3", "/initiatives?school_id=3"),
    ("/account#tokens", "/account#tokens"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("\\\\evil.example", None),
    ("/\t/evil.example", None),
    ("/\n/evil.example", None),
    ("javascript:alert(1)", None),
    ("evil.example", None),
    ("", None),
])
def test_next_only_ever_names_a_path_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_after_sign_in_next_goes_to_a_page_here_and_nowhere_else(make, app):
    user = make.user("viewer")
    here = _sign_in(app.test_client(), user, next="/initiatives")
    assert here.headers["Location"] == "/initiatives"
    away = _sign_in(app.test_client(), user, next="//evil.example/x")
    assert away.headers["Location"] == "/"


# --- API tokens ----------------------------------------------------------------------

def test_a_token_carries_256_random_bits_and_only_its_digest_is_stored(make, client, session):
    user = make.user("viewer")
    tokens = {client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
              for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 43 for t in tokens)
    stored = set(session.execute(select(ApiToken.token_hash)).scalars())
    assert stored == {digest_secret(t) for t in tokens}
    assert not stored & tokens


def test_a_token_expires(make, api_as, session):
    client = api_as(make.user("viewer"))
    token = session.execute(select(ApiToken)).scalar_one()
    assert token.expires_at - utcnow() <= timedelta(days=30, seconds=5)
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoking_the_current_token_stops_it(make, api_as):
    client = api_as(make.user("viewer"))
    assert client.delete("/api/v1/tokens/current").status_code == 204
    assert client.get("/api/v1/users/me").status_code == 401


def test_owners_list_and_revoke_their_own_tokens_only(make, api_as):
    school = make.school()
    mine, theirs = make.user("school_lead", schools=[school]), make.user("viewer", schools=[school])
    me, them = api_as(mine), api_as(theirs)
    listed = me.get("/api/v1/tokens").get_json()
    assert listed["total"] == 1 and listed["items"][0]["user_id"] == mine.id
    their_id = them.get("/api/v1/tokens").get_json()["items"][0]["id"]
    assert me.delete(f"/api/v1/tokens/{their_id}").status_code == 404
    assert them.get("/api/v1/users/me").status_code == 200


def test_an_admin_lists_and_revokes_anyones_token(make, api_as):
    admin, person = api_as(make.user("admin")), api_as(make.user("viewer"))
    listed = admin.get("/api/v1/tokens").get_json()
    assert listed["total"] == 2
    theirs = next(t["id"] for t in listed["items"] if t["user_id"] == person.user.id)
    assert admin.delete(f"/api/v1/tokens/{theirs}").status_code == 204
    assert person.get("/api/v1/users/me").status_code == 401


def test_a_deactivated_persons_tokens_and_sessions_stop_at_once(make, api_as, login_as):
    person = make.user("viewer")
    token, browser = api_as(person), login_as(person)
    admin = api_as(make.user("admin"))
    version = admin.get(f"/api/v1/users/{person.id}").get_json()["version"]
    assert admin.patch(f"/api/v1/users/{person.id}", json={"active": False, "version": version}).status_code == 200
    assert token.get("/api/v1/users/me").status_code == 401
    assert browser.get("/").status_code == 302


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz",
                                    "Bearer " + "x" * 5000])
def test_a_missing_or_bad_token_gets_401(client, header):
    response = client.get("/api/v1/tokens", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- the account page's tokens, per role ---------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_and_revokes_their_own_tokens_on_the_account_page(make, api_as, login_as,
                                                                         session, role):
    user = make.user(role)
    token_client = api_as(user)
    browser = login_as(user)
    page = browser.get("/account")
    assert page.status_code == 200 and "Your API tokens" in page.get_data(as_text=True)
    token_id = session.execute(select(ApiToken.id).where(ApiToken.user_id == user.id)).scalar_one()
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert token_client.get("/api/v1/users/me").status_code == 401


@pytest.mark.parametrize("role", ["central_team", "school_lead", "project_lead", "viewer"])
def test_no_one_but_an_admin_revokes_another_persons_token_from_a_page(make, api_as, login_as, role):
    school = make.school()
    other = make.user("viewer", schools=[school])
    other_token = api_as(other)
    token_id = other_token.get("/api/v1/tokens").get_json()["items"][0]["id"]
    browser = login_as(make.user(role, schools=[school]))
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert other_token.get("/api/v1/users/me").status_code == 200


def test_the_account_page_answers_in_a_fixed_number_of_queries(make, login_as, api_as, session,
                                                              count_queries):
    user = make.user("viewer")
    browser = login_as(user)
    api_as(user)
    session.expire_all()
    with count_queries() as few:
        browser.get("/account")
    for _ in range(5):
        api_as(user)
    session.expire_all()
    with count_queries() as many:
        assert browser.get("/account").status_code == 200
    assert many.count == few.count


# --- a new password ends every session and token ---------------------------------------------

NEW_PASSWORD = "lantern-orchard-quietly-9-drums"


def test_an_admins_new_password_for_someone_ends_their_sessions_and_tokens(make, api_as, login_as):
    person = make.user("viewer")
    token, browser = api_as(person), login_as(person)
    admin = api_as(make.user("admin"))
    version = admin.get(f"/api/v1/users/{person.id}").get_json()["version"]
    changed = admin.patch(f"/api/v1/users/{person.id}", json={"password": NEW_PASSWORD, "version": version})
    assert changed.status_code == 200
    assert token.get("/api/v1/users/me").status_code == 401
    assert browser.get("/").status_code == 302


def test_an_admin_setting_a_password_on_the_people_page_ends_their_tokens(make, api_as, login_as):
    person = make.user("viewer")
    token, browser = api_as(person), login_as(person)
    admin = login_as(make.user("admin"))
    saved = admin.post(f"/admin/people/{person.id}/edit", data={
        "name": person.name, "email": person.email, "role": "viewer", "password": NEW_PASSWORD,
        "active": "1", "version": str(person.version)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert token.get("/api/v1/users/me").status_code == 401
    assert browser.get("/").status_code == 302


def test_your_own_change_on_the_account_page_ends_your_tokens_and_other_browsers(make, api_as, login_as):
    person = make.user("viewer")
    token, laptop, phone = api_as(person), login_as(person), login_as(person)
    changed = laptop.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert token.get("/api/v1/users/me").status_code == 401
    assert phone.get("/").status_code == 302
    assert laptop.get("/account").status_code == 200  # the browser that made the change stays


def test_your_own_change_through_the_api_keeps_only_the_token_that_made_it(make, api_as, login_as):
    person = make.user("viewer")
    script, other, browser = api_as(person), api_as(person), login_as(person)
    changed = script.post("/api/v1/users/me/password", json={"current_password": PASSWORD,
                                                             "new_password": NEW_PASSWORD})
    assert changed.status_code == 204
    assert script.get("/api/v1/users/me").status_code == 200
    assert other.get("/api/v1/users/me").status_code == 401
    assert browser.get("/").status_code == 302


# --- wrong current passwords are throttled like sign-ins ------------------------------------------

def test_wrong_current_passwords_lock_the_account_like_failed_sign_ins(make, api_as, app):
    person = make.user("viewer")
    client = api_as(person)
    wrong = {"current_password": "not-my-password-at-all", "new_password": NEW_PASSWORD}
    assert [client.post("/api/v1/users/me/password", json=wrong).status_code
            for _ in range(5)] == [422] * 5
    refused = client.post("/api/v1/users/me/password",
                          json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    # One budget of guesses per password: signing in is refused too until the failures age out.
    signing_in = app.test_client().post("/api/v1/tokens", json={"email": person.email, "password": PASSWORD})
    assert signing_in.status_code == 429


def test_the_account_page_says_when_wrong_current_passwords_have_locked_it(make, login_as):
    browser = login_as(make.user("viewer"))
    for _ in range(5):
        browser.post("/account/password", data={"current_password": "not-my-password-at-all",
                                                "new_password": NEW_PASSWORD})
    page = browser.post("/account/password", data={"current_password": PASSWORD,
                                                    "new_password": NEW_PASSWORD})
    assert page.status_code == 422
    assert re.search(r"Too many failed attempts for this account\. Try again in (\d\d seconds|1 minute)\.",
                     page.get_data(as_text=True))
    assert browser.post("/logout").status_code == 302  # still signed in: only guessing stopped
