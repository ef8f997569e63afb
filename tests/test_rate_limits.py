"""Guessing passwords: failures per account and per address are slowed, then refused with
429 and Retry-After, on the sign-in page and POST /api/v1/tokens alike, whether or not the
account exists; the owner signs in again once the window has passed.

ASVS 4.0.3: V2.2.1, V2.2.2 (soft lockout), V11.1.4 (anti-automation)."""
import os
import time
import uuid

import pytest
import redis

from tests.conftest import PASSWORD
from tests.security_fixtures import another_app  # noqa: F401  (fixture)
from tracker.extensions import limiter

REDIS_URL = "redis://127.0.0.1:6379/15"


def _page_attempt(client, email, password="wrong-password-guess", address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _api_attempt(client, email, password="wrong-password-guess", address="10.0.0.1"):
    return client.post("/api/v1/tokens", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


ENTRY_POINTS = {"page": (_page_attempt, 200, 302), "api": (_api_attempt, 401, 201)}


@pytest.fixture
def tight_limits(app, monkeypatch):
    """Three failures per account a window; ten per address."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 2 seconds")
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "10 per 2 seconds")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_repeated_failures_for_one_account_are_refused_with_retry_after(make, client, tight_limits, entry):
    attempt, failed, _ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    assert [attempt(client, user.email).status_code for _ in range(3)] == [failed] * 3
    refused = attempt(client, user.email)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 2
    # Even the right password is refused until the window passes: no guessing goes on.
    assert attempt(client, user.email, PASSWORD).status_code == 429


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_refusal_does_not_reveal_whether_the_account_exists(make, client, tight_limits, entry):
    attempt, _failed, _ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    real = [attempt(client, user.email) for _ in range(4)]
    made_up = [attempt(client, "nobody-here@example.org") for _ in range(4)]
    assert [r.status_code for r in real] == [r.status_code for r in made_up]
    assert real[-1].get_data() == made_up[-1].get_data()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_one_address_trying_many_accounts_is_refused(make, client, tight_limits, entry):
    attempt, failed, _ok = ENTRY_POINTS[entry]
    codes = [attempt(client, f"guess{i}@example.org").status_code for i in range(11)]
    assert codes == [failed] * 10 + [429]
    # Someone at another address is not held back.
    assert attempt(client, "guess0@example.org", address="10.0.0.2").status_code == failed


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_owner_signs_in_once_the_window_has_passed(make, client, tight_limits, entry):
    attempt, _failed, ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    for _ in range(4):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    time.sleep(2.1)
    assert attempt(client, user.email, PASSWORD).status_code == ok


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_successful_sign_ins_do_not_count_against_the_owner(make, client, tight_limits, entry):
    attempt, _failed, ok = ENTRY_POINTS[entry]
    user = make.user("viewer")
    assert [attempt(client, user.email, PASSWORD).status_code for _ in range(6)] == [ok] * 6


def test_the_sign_in_page_explains_the_refusal(make, client, tight_limits):
    user = make.user("viewer")
    for _ in range(3):
        _page_attempt(client, user.email)
    page = _page_attempt(client, user.email)
    assert page.status_code == 429 and "Too many" in page.get_data(as_text=True)
    api = _api_attempt(client, user.email)
    assert api.get_json()["error"]["code"] == "too_many_requests"


def test_the_default_limits_slow_a_burst_then_refuse_a_campaign(app):
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute;20 per hour"
    assert app.config["LOGIN_ADDRESS_RATE_LIMIT"] == "30 per minute;200 per hour"


def _redis_or_skip():
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return server


@pytest.fixture
def redis_app(another_app):
    """An app whose limits are kept in Redis; the shared limiter goes back to memory after."""
    server = _redis_or_skip()
    prefix = f"tracker-test-{uuid.uuid4().hex[:8]}"
    redis_backed = another_app(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                               LOGIN_RATE_LIMIT="3 per 2 seconds")
    yield redis_backed, server, prefix
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    another_app()  # rebinds the limiter to in-memory storage for the other tests
    limiter.reset()


def test_limits_are_kept_in_redis_when_the_storage_uri_names_it(make, redis_app):
    redis_backed, server, prefix = redis_app
    user = make.user("viewer")
    client = redis_backed.test_client()
    assert type(limiter.storage).__name__ == "RedisStorage"
    assert [_page_attempt(client, user.email).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert any(server.scan_iter(f"*{prefix}*"))
    # Another web host sharing the Redis store refuses the same account too.
    assert _api_attempt(redis_backed.test_client(), user.email).status_code == 429
    time.sleep(2.1)
    assert _page_attempt(client, user.email, PASSWORD).status_code == 302
