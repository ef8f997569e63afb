"""Passwords: stored with Argon2id, strong enough, changed by their owner, reset by a link.

ASVS 4.0.3: V2.1.1-2.1.9, V2.4.1, V2.4.4, V2.5.1-2.5.4, V2.5.6, V3.3.3."""
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import auth, people
from tracker.models import ApiToken, OutboxMessage, PasswordReset, User
from tracker.models.base import utcnow
from tracker.passwords import hash_password, verify_password

NEW_PASSWORD = "lantern-orchard-quietly-9-drums"


def test_passwords_are_stored_with_argon2id_at_or_above_the_owasp_minimums():
    encoded = hash_password("any password at all")
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", encoded)
    assert match, encoded
    memory_kib, time_cost, _parallelism = map(int, match.groups())
    assert memory_kib >= 19 * 1024 and time_cost >= 2
    assert verify_password(encoded, "any password at all")
    assert not verify_password(encoded, "any password at all ")


def test_a_weaker_stored_hash_is_upgraded_when_its_owner_signs_in(make, client, session):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = make.user("viewer", password_hash=weak)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,")


def test_an_unknown_email_costs_the_same_hash_check_as_a_wrong_password(make, session, monkeypatch):
    make.user("viewer", email="known@example.org")
    checked = []
    monkeypatch.setattr(auth, "verify_password",
                        lambda stored, password: checked.append(stored) or False)
    assert auth.authenticate(session, "nobody@example.org", "guess-guess-guess") is None
    assert auth.authenticate(session, "known@example.org", "guess-guess-guess") is None
    assert len(checked) == 2  # one Argon2 verification each, so the timing matches


@pytest.mark.parametrize("password, accepted", [
    ("kettle-moss-42", True),                         # short words, unrelated: fine
    ("x7#Lq9!vR2@w", True),                           # exactly 12, random
    ("x7#Lq9!vR2@", False),                           # 11 characters
    ("password1234", False),                          # common
    ("qwertyuiop123", False),                         # keyboard walk
    ("northfieldacademy", False),                     # the trust's own words
    ("Password1234!", False),                         # a common one, decorated
    ("correct horse battery staple", True),           # spaces are allowed
    ("façade élan cœur naïve 94", True),              # any Unicode counts
    ("a" * 129, False),                               # over the maximum
    ("kettle-moss-42" + "z9" * 57, True),             # 128 characters: the maximum
])
def test_password_strength_is_judged_by_length_and_guessability(password, accepted):
    assert (people.password_problems(password, "laura.reid@example.org", "Laura Reid") == []) is accepted


def test_a_password_built_from_the_persons_own_name_is_refused():
    for password in ("LauraReid1980", "x-laura.reid-1980-q"):
        problems = people.password_problems(password, "laura.reid@example.org", "Laura Reid")
        assert problems == ["Do not use your own name or email address in your password."]


def test_a_weak_password_is_refused_with_the_estimators_advice(make, api_as):
    admin = api_as(make.user("admin"))
    response = admin.post("/api/v1/users", json={"email": "new@example.org", "name": "New Person",
                                                  "role": "viewer", "password": "password1234"})
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["password"][0]
    assert "too easy to guess" in message and "common" in message.lower()


# --- changing your own password -------------------------------------------------------------

def test_changing_your_password_needs_the_current_one(make, login_as, session):
    user = make.user("viewer")
    client = login_as(user)
    page = client.post("/account/password", data={"current_password": "not-my-password",
                                                   "new_password": NEW_PASSWORD})
    assert page.status_code == 422
    assert "Your current password is not right." in page.get_data(as_text=True)
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, PASSWORD)


def test_a_weak_new_password_is_explained_beside_the_field(make, login_as):
    client = login_as(make.user("viewer"))
    page = client.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": "password1234"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r'id="new_password-error">.*too easy to guess', html, re.S)


def test_a_changed_password_signs_in_and_the_old_one_does_not(make, login_as, app):
    user = make.user("viewer")
    client = login_as(user)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser carries on
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_changing_your_password_signs_out_your_other_browsers(make, login_as):
    user = make.user("viewer")
    laptop, phone = login_as(user), login_as(user)
    laptop.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_the_api_changes_your_password_with_the_current_one(make, api_as, app):
    user = make.user("viewer")
    client = api_as(user)
    wrong = client.post("/api/v1/users/me/password",
                        json={"current_password": "nope-nope-nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    assert client.post("/api/v1/users/me/password",
                       json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}).status_code == 204
    assert app.test_client().post("/api/v1/tokens", json={"email": user.email, "password": NEW_PASSWORD}).status_code == 201


# --- admin-issued reset links -------------------------------------------------------------

def _issue(session, user, hours=24):
    raw, reset = people.issue_password_reset(session, None, user, hours)
    session.commit()
    return raw, reset


def _use(client, raw, password=NEW_PASSWORD):
    client.get(f"/reset/{raw}")
    return client.post("/reset", data={"new_password": password})


def test_a_reset_link_sets_a_new_password_once(make, client, session, app):
    user = make.user("viewer")
    raw, _ = _issue(session, user)
    assert _use(client, raw).status_code == 302
    assert app.test_client().post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    again = app.test_client()
    assert _use(again, raw, "another-strong-pass-77-words").status_code == 410


def test_the_reset_page_does_not_keep_the_secret_in_the_address(make, client, session):
    raw, _ = _issue(session, make.user("viewer"))
    response = client.get(f"/reset/{raw}")
    assert response.status_code == 302 and raw not in response.headers["Location"]
    page = client.get("/reset")
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    assert raw not in page.get_data(as_text=True)


def test_an_expired_reset_link_is_refused(make, client, session):
    user = make.user("viewer")
    raw, reset = _issue(session, user)
    reset.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert _use(client, raw).status_code == 410
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, PASSWORD)


def test_a_new_reset_link_stops_the_earlier_one(make, app, session):
    user = make.user("viewer")
    first, _ = _issue(session, user)
    second, _ = _issue(session, user)
    assert _use(app.test_client(), first).status_code == 410
    assert _use(app.test_client(), second).status_code == 302


def test_a_reset_link_is_stored_only_as_a_digest(make, session):
    raw, reset = _issue(session, make.user("viewer"))
    stored = session.execute(select(PasswordReset.token_hash)).scalars().all()
    assert stored == [auth.digest_secret(raw)] and raw not in stored
    assert len(raw) >= 43  # 256 bits, URL-safe base64


def test_a_reset_with_a_weak_password_keeps_the_link_usable(make, client, session):
    raw, _ = _issue(session, make.user("viewer"))
    page = _use(client, raw, "password1234")
    assert page.status_code == 200 and "too easy to guess" in page.get_data(as_text=True)
    assert client.post("/reset", data={"new_password": NEW_PASSWORD}).status_code == 302


def test_a_reset_ends_the_persons_sessions_and_tokens(make, login_as, api_as, session, app):
    user = make.user("viewer")
    browser, api = login_as(user), api_as(user)
    raw, _ = _issue(session, user)
    assert _use(app.test_client(), raw).status_code == 302
    assert browser.get("/account").status_code == 302
    assert api.get("/api/v1/users/me").status_code == 401


def test_an_admin_sends_a_reset_link_by_email_through_the_outbox(make, api_as, session, app):
    person = make.user("viewer", name="Laura Reid")
    response = api_as(make.user("admin")).post(f"/api/v1/users/{person.id}/reset-link")
    assert response.status_code == 201
    body = response.get_json()
    assert body["emailed"] is True and body["link"] is None
    message = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).scalar_one()
    assert message.to_address == person.email
    link = re.search(r"https?://\S+/reset/(\S+)", message.body_text)
    assert link and _use(app.test_client(), link.group(1)).status_code == 302


def test_the_admin_page_issues_a_reset_link(make, login_as, session):
    person = make.user("viewer")
    page = login_as(make.user("admin")).post(f"/admin/people/{person.id}/reset-link")
    assert page.status_code == 200
    assert session.execute(select(PasswordReset).where(PasswordReset.user_id == person.id)).scalar_one()


def test_the_command_line_prints_a_reset_link(make, runner, app):
    person = make.user("viewer")
    result = runner.invoke(args=["users", "reset-link", "--email", person.email.upper()])
    assert result.exit_code == 0, result.output
    raw = re.search(r"/reset/(\S+)", result.stdout).group(1)
    assert _use(app.test_client(), raw).status_code == 302


def test_the_command_line_says_when_no_one_has_the_email(runner, app):
    result = runner.invoke(args=["users", "reset-link", "--email", "nobody@example.org"])
    assert result.exit_code == 1 and "No one has this email." in result.output


def test_no_reset_link_for_a_deactivated_person(make, api_as):
    person = make.user("viewer", active=False)
    response = api_as(make.user("admin")).post(f"/api/v1/users/{person.id}/reset-link")
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["central_team", "school_lead", "project_lead", "viewer"])
def test_only_an_admin_issues_reset_links(make, api_as, login_as, role):
    school = make.school()
    person = make.user("viewer", schools=[school])
    actor = make.user(role, schools=[school])
    assert api_as(actor).post(f"/api/v1/users/{person.id}/reset-link").status_code in (403, 404)
    assert login_as(actor).post(f"/admin/people/{person.id}/reset-link").status_code == 403


def test_live_tokens_do_not_count_a_used_reset(make, session):
    user = make.user("viewer")
    raw, _ = _issue(session, user)
    people.reset_password(session, raw, NEW_PASSWORD)
    session.commit()
    assert people.password_reset_for(session, raw) is None
    assert session.execute(select(ApiToken).where(ApiToken.revoked_at.is_(None))).first() is None
