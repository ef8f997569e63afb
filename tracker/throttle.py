"""Slowing password guessing: wrong passwords counted per account and per address.

The rules (OWASP Authentication Cheat Sheet, "Account lockout"; ASVS V2.2.1):

- **Per account** (``LOGIN_RATE_LIMIT``, e.g. ``5 per minute;20 per hour``): once that many wrong
  passwords for one email fall inside a window, every attempt on it is refused
  (:class:`TooManyAttempts`, saying when the oldest of them leaves the window), the right
  password too, so no guessing goes on. The count is kept for the email tried, whether or not an
  account has it, so a refusal tells nothing about which emails exist. The right password clears it.
- **Per address** (``LOGIN_ADDRESS_RATE_LIMIT``, higher): a school's staff share one public
  address, so an address is never refused. Beyond the threshold each sign-in from it first
  waits, 0.25 s doubling with every further failure up to ``LOGIN_ADDRESS_MAX_DELAY_SECONDS``:
  guessing across many accounts slows to a crawl, while a colleague with the right password
  still gets in, a few seconds late.

Windows slide: a failure counts for exactly one window's length after it happened. The counts
live where every worker and host sees them: Redis when ``RATELIMIT_STORAGE_URI`` names it, the
database (``failed_attempts``) otherwise. Keys are stored as SHA-256 digests, never as emails
or addresses.
"""
import hashlib
import math
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from tracker.errors import TooManyAttempts
from tracker.extensions import db
from tracker.models import FailedAttempt

#: The first delay once an address passes its threshold; it doubles with each further failure.
FIRST_DELAY_SECONDS = 0.25

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RULE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.I)


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` failures within any ``seconds``."""

    limit: int
    seconds: int


@lru_cache(maxsize=32)
def parse_rules(text):
    """``"5 per minute;20 per hour"`` (or ``5/minute``) as rules; ValueError for anything else."""
    rules = []
    for part in filter(str.strip, (text or "").split(";")):
        match = _RULE.match(part)
        if not match or int(match[1]) < 1 or match[2] == "0":
            raise ValueError(f"Cannot read the limit {part.strip()!r}: write e.g. '5 per minute'.")
        rules.append(Rule(int(match[1]), int(match[2] or 1) * UNIT_SECONDS[match[3].lower()]))
    if not rules:
        raise ValueError("A sign-in limit needs at least one rule, e.g. '5 per minute'.")
    return tuple(rules)


def account_key(email):
    """The key failures for one email are counted under (pass it normalised)."""
    return f"account:{email}"


def address_key(address):
    return f"address:{address or 'unknown'}"


class Throttle:
    """The rules above over one storage. ``clock`` and ``sleep`` are there for tests to replace."""

    def __init__(self, storage, config, clock=time.time, sleep=time.sleep):
        self.storage, self.config, self.clock, self.sleep = storage, config, clock, sleep

    @property
    def account_rules(self):
        return parse_rules(self.config["LOGIN_RATE_LIMIT"])

    @property
    def address_rules(self):
        return parse_rules(self.config["LOGIN_ADDRESS_RATE_LIMIT"])

    def before_guess(self, account, address=None):
        """Call before checking a password. Raises TooManyAttempts while ``account`` is locked;
        otherwise waits ``address``'s delay, if it has one."""
        wait = self.locked_for(account)
        if wait:
            raise TooManyAttempts(wait)
        pause = self.delay_for(address) if address is not None else 0
        if pause:
            self.sleep(pause)

    def record_failure(self, *keys):
        now = self.clock()
        # Every window of both kinds must still find its failures, whichever key swept them.
        keep = max(rule.seconds for rule in self.account_rules + self.address_rules)
        for key in keys:
            self.storage.add(_digest(key), now, keep)

    def locked_for(self, key):
        """Whole seconds until ``key`` may try again under the account rules; 0 when it may now."""
        now, rules = self.clock(), self.account_rules
        times = self.storage.times(_digest(key), now - max(rule.seconds for rule in rules))
        unlocked_at = now
        for rule in rules:
            recent = [t for t in times if t > now - rule.seconds]
            if len(recent) >= rule.limit:
                # Once the oldest failure that keeps the count at the limit leaves the window.
                unlocked_at = max(unlocked_at, recent[len(recent) - rule.limit] + rule.seconds)
        return math.ceil(unlocked_at - now)

    def is_locked(self, key):
        return self.locked_for(key) > 0

    def delay_for(self, key):
        """Seconds a sign-in from the address ``key`` waits (0 below every threshold)."""
        now, excess = self.clock(), 0
        for rule in self.address_rules:
            count = self.storage.count(_digest(key), now - rule.seconds)
            excess = max(excess, count - rule.limit + 1)
        if excess <= 0:
            return 0.0
        cap = float(self.config["LOGIN_ADDRESS_MAX_DELAY_SECONDS"])
        return min(cap, FIRST_DELAY_SECONDS * 2 ** min(excess - 1, 32))

    def clear(self, key):
        self.storage.clear(_digest(key))


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage:
    """Failures as rows of ``failed_attempts``.

    A write waits until the request's own transaction has ended (commit, rollback or close),
    then goes in a transaction of its own: a request that rolls back (a wrong current password
    is an error) still leaves its failure counted, and SQLite, which has one writer at a time,
    is never asked for a second while the request's transaction may hold the first.
    """

    def add(self, key, at, keep):
        self._after_this_transaction(
            sa.delete(FailedAttempt).where(FailedAttempt.failed_at <= _when(at - keep)),
            sa.insert(FailedAttempt).values(key=key, failed_at=_when(at)))

    def times(self, key, since):
        with db.engine.connect() as conn:
            found = conn.execute(sa.select(FailedAttempt.failed_at).where(
                FailedAttempt.key == key, FailedAttempt.failed_at > _when(since))
                .order_by(FailedAttempt.failed_at)).scalars()
            return [moment.timestamp() for moment in found]

    def count(self, key, since):
        with db.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).where(
                FailedAttempt.key == key, FailedAttempt.failed_at > _when(since))).scalar_one()

    def clear(self, key):
        if self.count(key, 0):  # a successful sign-in writes nothing unless there is a count
            self._after_this_transaction(sa.delete(FailedAttempt).where(FailedAttempt.key == key))

    @staticmethod
    def _after_this_transaction(*statements):
        session = db.session()
        if session.in_transaction():
            session.info.setdefault(_PENDING, []).extend(statements)
        else:
            _write(statements)


_PENDING = "throttle_writes"


def _write(statements):
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


@sa.event.listens_for(Session, "after_transaction_end")
def _write_pending(session, transaction):
    if transaction.parent is None and session.info.get(_PENDING):
        _write(session.info.pop(_PENDING))


def _when(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc)


class RedisStorage:
    """Failures as a sorted set per key (member: a random id, score: when), expiring on its own."""

    def __init__(self, url, prefix):
        self.client, self.prefix = redis.Redis.from_url(url), prefix

    def _name(self, key):
        return f"{self.prefix}:failures:{key}"

    def add(self, key, at, keep):
        name = self._name(key)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {uuid.uuid4().hex: at})
            pipe.zremrangebyscore(name, "-inf", at - keep)
            pipe.expire(name, math.ceil(keep))
            pipe.execute()

    def times(self, key, since):
        found = self.client.zrangebyscore(self._name(key), f"({since}", "+inf", withscores=True)
        return [score for _member, score in found]

    def count(self, key, since):
        return self.client.zcount(self._name(key), f"({since}", "+inf")

    def clear(self, key):
        self.client.delete(self._name(key))


def storage_for(config):
    """The storage ``RATELIMIT_STORAGE_URI`` names: Redis, or (unset) the database."""
    uri = (config.get("RATELIMIT_STORAGE_URI") or "").strip()
    if uri in ("", "database"):
        return DatabaseStorage()
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(uri, config["RATELIMIT_KEY_PREFIX"])
    raise ValueError(f"RATELIMIT_STORAGE_URI={uri!r} is not supported: name a Redis "
                     "(redis://HOST:6379/0) or leave it unset to count in the database. "
                     "memory:// would count per process, so several workers would each allow the limit.")


def init_app(app):
    """Bind a throttle to ``app``; a limit it cannot read stops the start-up."""
    parse_rules(app.config["LOGIN_RATE_LIMIT"])
    parse_rules(app.config["LOGIN_ADDRESS_RATE_LIMIT"])
    app.extensions["throttle"] = Throttle(storage_for(app.config), app.config)


def current():
    return current_app.extensions["throttle"]


def before_guess(account, address=None):
    current().before_guess(account, address)


def record_failure(*keys):
    current().record_failure(*keys)


def clear(key):
    current().clear(key)
