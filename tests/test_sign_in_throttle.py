"""Sign-in for schools behind one public address: a per-account lockout, a per-address slow-down
that never refuses, counts shared by every worker (the database by default, Redis when named),
and proxy headers believed only from the proxies TRUSTED_PROXIES names.

OWASP Authentication Cheat Sheet (account lockout); ASVS 4.0.3: V2.2.1, V11.1.4."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.security_fixtures import another_app  # noqa: F401  (fixture)
from tracker import throttle
from tracker.extensions import db
from tracker.models import AuditEntry, FailedAttempt
from tracker.proxies import TrustedProxies

REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parent.parent
OK = {"page": 302, "api": 201}
FAILED = {"page": 200, "api": 401}


class FakeTime:
    """A clock the throttle reads, and a sleep that moves it on instead of waiting."""

    def __init__(self):
        self.now = 1_900_000_000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds


def use_fake_time(monkeypatch, *apps):
    fake = FakeTime()
    for each in apps:
        monkeypatch.setattr(each.extensions["throttle"], "clock", fake.clock)
        monkeypatch.setattr(each.extensions["throttle"], "sleep", fake.sleep)
    return fake


@pytest.fixture
def fake_time(app, monkeypatch):
    return use_fake_time(monkeypatch, app)


def attempt(client, entry, email, password="wrong-password-guess", address="10.0.0.1"):
    if entry == "page":
        return client.post("/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return client.post("/api/v1/tokens", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


# --- one address, many people ----------------------------------------------------------------

@pytest.mark.parametrize("entry", ["page", "api"])
def test_thirty_five_failures_from_a_schools_address_do_not_refuse_a_colleague(make, client, fake_time,
                                                                              entry):
    colleague = make.user("viewer")
    codes = {attempt(client, entry, f"typo{i}@example.org").status_code for i in range(35)}
    assert codes == {FAILED[entry]}  # slowed, never refused: no account was guessed at 5 times
    answer = attempt(client, entry, colleague.email, PASSWORD)
    assert answer.status_code == OK[entry]
    # Delayed, by the most the setting allows (5 s by default), not refused.
    assert fake_time.slept[-1] == 5


def test_guesses_from_one_address_wait_longer_with_each_failure(app, client, fake_time, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_DELAY_SECONDS", 2)
    for i in range(8):
        attempt(client, "api", f"guess{i}@example.org")
    assert fake_time.slept == [0.25, 0.5, 1, 2, 2]
    # Another address is not slowed.
    attempt(client, "api", "guess0@example.org", address="10.0.0.2")
    assert len(fake_time.slept) == 5


def test_an_addresss_delay_wears_off_as_its_failures_leave_the_window(app, client, fake_time, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    for i in range(4):
        attempt(client, "page", f"guess{i}@example.org")
    assert fake_time.slept == [0.25]
    fake_time.advance(61)
    attempt(client, "page", "guess9@example.org")
    assert fake_time.slept == [0.25]


def test_a_locked_account_does_not_lock_out_its_colleagues_at_the_same_address(make, client, fake_time):
    attacked, colleague = make.user("viewer"), make.user("viewer")
    for _ in range(5):
        attempt(client, "api", attacked.email)
    assert attempt(client, "api", attacked.email, PASSWORD).status_code == 429
    assert attempt(client, "api", colleague.email, PASSWORD).status_code == 201


# --- several workers share the counts --------------------------------------------------------

WORKER = """
import json, sys
from tracker import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
codes = []
for path, body in json.loads(sys.argv[2]):
    answer = client.post(path, json=body) if path.startswith("/api/") else client.post(path, data=body)
    codes.append(answer.status_code)
print(json.dumps(codes))
"""


def run_worker(settings, attempts):
    """Another process, as a second gunicorn worker would be: its own app on the same settings."""
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "MAIL_BACKEND": "console", **settings}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(config), json.dumps(attempts)],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _refused_after_three_across_two_workers(make, here, settings):
    user = make.user("viewer")
    wrong = {"email": user.email, "password": "wrong-password-guess"}
    right = {"email": user.email, "password": PASSWORD}
    first = here.test_client()
    assert [first.post("/login", data=wrong).status_code for _ in range(2)] == [200, 200]
    # The second worker sees those two: its own first failure is the third, then it refuses.
    assert run_worker(settings, [["/api/v1/tokens", wrong], ["/api/v1/tokens", right],
                                 ["/login", right]]) == [401, 429, 429]
    # And the first worker sees the second's failure.
    assert first.post("/login", data=right).status_code == 429


def test_the_account_limit_counts_every_worker_in_the_database(make, app, database_url, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    _refused_after_three_across_two_workers(make, app, {
        "SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_RATE_LIMIT": "3 per minute"})


@pytest.fixture
def redis_prefix():
    """A key prefix of this run's own; only its keys are deleted afterwards."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    prefix = f"tracker-test-{uuid.uuid4().hex}"
    yield server, prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)
    server.close()


def test_the_account_limit_counts_every_worker_in_redis(make, another_app, database_url, redis_prefix):
    server, prefix = redis_prefix
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
                "LOGIN_RATE_LIMIT": "3 per minute"}
    here = another_app(**settings)
    _refused_after_three_across_two_workers(make, here, {"SQLALCHEMY_DATABASE_URI": database_url,
                                                         **settings})
    assert isinstance(here.extensions["throttle"].storage, throttle.RedisStorage)
    assert any(server.scan_iter(f"{prefix}:*"))
    # Nothing went to the database: Redis holds the counts.
    with here.app_context():
        assert db.session.execute(select(FailedAttempt)).first() is None


def test_the_default_storage_is_the_database(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == ""
    assert isinstance(app.extensions["throttle"].storage, throttle.DatabaseStorage)


def test_memory_storage_is_refused_at_start_up(another_app):
    with pytest.raises(ValueError, match="count per process"):
        another_app(RATELIMIT_STORAGE_URI="memory://")


# --- the rules, one by one ---------------------------------------------------------------------

@pytest.mark.parametrize("text, rules", [
    ("5 per minute;20 per hour", ((5, 60), (20, 3600))),
    ("3 per 2 seconds", ((3, 2),)),
    ("10/minute; 100 per day", ((10, 60), (100, 86400))),
    ("1 per 15 minutes", ((1, 900),)),
])
def test_limits_are_read_as_failures_per_window(text, rules):
    assert tuple((r.limit, r.seconds) for r in throttle.parse_rules(text)) == rules


@pytest.mark.parametrize("text", ["", "five per minute", "0 per minute", "5 per fortnight", "5 per 0 minutes"])
def test_a_limit_that_cannot_be_read_stops_the_start_up(another_app, text):
    with pytest.raises(ValueError):
        another_app(LOGIN_RATE_LIMIT=text)


@pytest.mark.parametrize("failures_ago, expected", [
    ([], 0),                 # nothing against the account
    ([50, 40, 30, 20], 0),   # four in the minute: one more may be tried
    ([50, 40, 30, 20, 10], 10),    # five: locked until the oldest (50 s ago) leaves the minute
    ([59, 58, 57, 56, 55, 1], 2),  # six: the second oldest keeps it at five until then
    ([70, 40, 30, 20, 10], 0),     # the oldest already left the window
])
def test_an_account_is_locked_until_enough_failures_leave_the_window(app, fake_time, failures_ago,
                                                                     expected):
    guard, key = app.extensions["throttle"], throttle.account_key("someone@example.org")
    start = fake_time.now
    for ago in sorted(failures_ago, reverse=True):
        fake_time.now = start - ago
        guard.record_failure(key)
    fake_time.now = start
    assert guard.locked_for(key) == expected
    assert guard.is_locked(key) is (expected > 0)


def test_the_hourly_limit_holds_when_the_minute_allows(app, fake_time, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "5 per minute;8 per hour")
    guard, key = app.extensions["throttle"], throttle.account_key("someone@example.org")
    for _ in range(8):
        guard.record_failure(key)
        fake_time.advance(100)  # slow enough never to trip the minute
    assert guard.locked_for(key) == 3600 - 800


def test_a_right_password_clears_its_accounts_failures_but_not_its_addresss(make, client, fake_time,
                                                                          session):
    user = make.user("viewer")
    for _ in range(4):
        attempt(client, "api", user.email)
    assert attempt(client, "api", user.email, PASSWORD).status_code == 201
    # Four more wrong ones do not lock it: the right password started the count again.
    assert {attempt(client, "api", user.email).status_code for _ in range(4)} == {401}
    # The address keeps all eight (signing in to your own account does not wipe its record);
    # the account only the four since.
    assert session.execute(select(func.count()).select_from(FailedAttempt)).scalar_one() == 8 + 4


def test_no_email_or_address_is_stored_with_the_counts(make, client, fake_time, session):
    attempt(client, "api", "private.person@example.org", address="192.0.2.44")
    keys = session.execute(select(FailedAttempt.key)).scalars().all()
    assert len(keys) == 2
    assert not any("private" in k or "192.0.2" in k for k in keys)


def test_old_failures_are_swept_from_the_table(make, client, fake_time, session):
    attempt(client, "api", "first@example.org")
    fake_time.advance(3601)  # past the longest window (20 per hour)
    attempt(client, "api", "second@example.org")
    assert len(session.execute(select(FailedAttempt)).all()) == 2  # the new two only


# --- which address: proxy headers only from trusted proxies ----------------------------------

def _signed_in_from(the_app, make, peer, forwarded):
    user = make.user("viewer")
    the_app.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": peer},
                               headers={"X-Forwarded-For": forwarded})
    with the_app.app_context():
        return db.session.execute(select(AuditEntry.ip).where(
            AuditEntry.action == "login", AuditEntry.record_id == user.id)).scalar_one()


@pytest.mark.parametrize("settings, peer, forwarded, seen", [
    # In production with no TRUSTED_PROXIES, anyone's X-Forwarded-For is ignored.
    ({"PRODUCTION": True}, "198.51.100.7", "203.0.113.1", "198.51.100.7"),
    # One proxy: the address it appended, never what the client wrote before it.
    ({"PRODUCTION": True, "TRUSTED_PROXIES": "1"}, "10.0.0.5", "203.0.113.1", "203.0.113.1"),
    ({"TRUSTED_PROXIES": "1"}, "10.0.0.5", "6.6.6.6, 203.0.113.1", "203.0.113.1"),
    ({"TRUSTED_PROXIES": "2"}, "10.0.0.5", "6.6.6.6, 203.0.113.1, 10.0.0.9", "203.0.113.1"),
    # Listed proxies: believed only when the request comes from one of them.
    ({"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"}, "10.0.0.5", "6.6.6.6, 203.0.113.1", "203.0.113.1"),
    ({"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"}, "10.0.0.5", "203.0.113.1, 10.0.0.7", "203.0.113.1"),
    ({"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"}, "198.51.100.7", "203.0.113.1", "198.51.100.7"),
    ({"TRUSTED_PROXIES": "10.0.0.0/8"}, "10.0.0.5", "not-an-address", "10.0.0.5"),
])
def test_the_address_sign_ins_are_counted_and_logged_under(make, another_app, settings, peer, forwarded,
                                                           seen):
    assert _signed_in_from(another_app(**settings), make, peer, forwarded) == seen


def _environ_after(networks, **environ):
    """The WSGI environ the app behind ``TrustedProxies(networks)`` is called with."""
    seen = {}

    def behind(env, _start_response):
        seen.update(env)
        return []
    TrustedProxies(behind, networks)({"REMOTE_ADDR": "10.0.0.5", "wsgi.url_scheme": "http", "HTTP_HOST": "internal:8000",
                **environ}, None)
    return seen


@pytest.mark.parametrize("peer, scheme, host", [
    ("10.0.0.5", "https", "tracker.example.org"),   # from the listed proxy: believed
    ("198.51.100.7", "http", "internal:8000"),      # from anyone else: ignored
])
def test_scheme_and_host_come_from_a_listed_proxy_only(peer, scheme, host):
    environ = _environ_after(["10.0.0.0/8"], REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https",
                             HTTP_X_FORWARDED_HOST="tracker.example.org")
    assert (environ["wsgi.url_scheme"], environ["HTTP_HOST"]) == (scheme, host)


@pytest.mark.parametrize("value", ["lots", "10.0.0.0/33", "-1", "10.0.0.1, banana"])
def test_trusted_proxies_that_cannot_be_read_stop_the_start_up(another_app, value):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        another_app(TRUSTED_PROXIES=value)
