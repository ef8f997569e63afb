"""Guessing passwords: failures per account are refused with 429 and Retry-After once over the
limit, on the sign-in page and POST /api/v1/tokens alike, whether or not the account exists;
failures per address slow every sign-in from it; the owner signs in again once the window has
passed. (Schools behind one address, several workers: tests/test_sign_in_throttle.py.)

ASVS 4.0.3: V2.2.1, V2.2.2 (soft lockout), V11.1.4 (anti-automation)."""
import pytest

from tests.conftest import PASSWORD
from tests.test_sign_in_throttle import attempt, fake_time  # noqa: F401  (fixture)

ENTRY_POINTS = {"page": (200, 302), "api": (401, 201)}


@pytest.fixture
def tight_limits(app, monkeypatch, fake_time):  # noqa: F811
    """Three failures per account a window of 2 seconds; ten per address."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 2 seconds")
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "10 per 2 seconds")
    return fake_time


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_repeated_failures_for_one_account_are_refused_with_retry_after(make, client, tight_limits, entry):
    failed, _ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    assert [attempt(client, entry, user.email).status_code for _ in range(3)] == [failed] * 3
    tight_limits.advance(0.5)
    refused = attempt(client, entry, user.email)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"  # 1.5 s until the oldest leaves, rounded up
    # Even the right password is refused until the window passes: no guessing goes on.
    assert attempt(client, entry, user.email, PASSWORD).status_code == 429


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_refusal_does_not_reveal_whether_the_account_exists(make, client, tight_limits, entry):
    user = make.user("viewer")
    real = [attempt(client, entry, user.email) for _ in range(4)]
    made_up = [attempt(client, entry, "nobody-here@example.org") for _ in range(4)]
    assert [r.status_code for r in real] == [r.status_code for r in made_up]
    assert real[-1].headers["Retry-After"] == made_up[-1].headers["Retry-After"]
    # The same answer but for the email the form shows back.
    assert real[-1].get_data(as_text=True).replace(user.email, "EMAIL") == \
        made_up[-1].get_data(as_text=True).replace("nobody-here@example.org", "EMAIL")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_one_address_trying_many_accounts_is_slowed_and_each_account_refused(make, client, tight_limits,
                                                                             entry):
    failed, _ok = ENTRY_POINTS[entry]
    codes = [attempt(client, entry, f"guess{i % 4}@example.org").status_code for i in range(16)]
    # Each of the four accounts takes three guesses, then is refused on its own.
    assert codes == [failed] * 12 + [429] * 4
    # Past ten failures the address's guesses waited first, longer each time (a refusal needs no wait).
    assert tight_limits.slept == [0.25, 0.5]
    # Someone at another address is neither slowed nor refused.
    assert attempt(client, entry, "guess9@example.org", address="10.0.0.2").status_code == failed
    assert tight_limits.slept == [0.25, 0.5]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_owner_signs_in_once_the_window_has_passed(make, client, tight_limits, entry):
    _failed, ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    for _ in range(4):
        attempt(client, entry, user.email)
    assert attempt(client, entry, user.email, PASSWORD).status_code == 429
    tight_limits.advance(2.1)
    assert attempt(client, entry, user.email, PASSWORD).status_code == ok


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_successful_sign_ins_do_not_count_against_the_owner(make, app, tight_limits, entry):
    _failed, ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    # A fresh browser each time: a signed-in one is sent on from /login without signing in.
    assert [attempt(app.test_client(), entry, user.email, PASSWORD).status_code
            for _ in range(6)] == [ok] * 6
    assert tight_limits.slept == []


def test_the_sign_in_page_explains_the_refusal(make, client, tight_limits):
    user = make.user("viewer")
    for _ in range(3):
        attempt(client, "page", user.email)
    page = attempt(client, "page", user.email)
    assert page.status_code == 429 and page.headers["Retry-After"] == "2"
    assert "Too many failed attempts for this account. Try again in 2 seconds." in page.get_data(as_text=True)
    api = attempt(client, "api", user.email)
    assert api.status_code == 429 and api.headers["Retry-After"] == "2"
    assert api.get_json() == {"error": {
        "code": "too_many_requests",
        "message": "Too many failed attempts for this account. Try again in 2 seconds."}}


def test_the_default_limits_slow_a_burst_then_refuse_a_campaign(app):
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute;20 per hour"
    assert app.config["LOGIN_ADDRESS_RATE_LIMIT"] == "30 per minute;200 per hour"
    assert app.config["LOGIN_ADDRESS_MAX_DELAY_SECONDS"] == 5
