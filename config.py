"""Settings, read from the environment once at start-up.

Everything a deployment changes comes from environment variables; nothing secret
is a constant in the code. ``PRODUCTION=1`` turns on secure cookies and HSTS;
proxy headers are believed only from the proxies ``TRUSTED_PROXIES`` names.
"""
import os
import secrets
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TRACKER_INSTANCE", BASE_DIR / "instance"))


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key():
    """The SECRET_KEY from the environment, or one generated once into instance/.

    Several web hosts must share one key, so production sets SECRET_KEY; the file
    is for the single-machine default, where it survives restarts.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'tracker.db'}"
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sso_providers(environ=os.environ):
    """The single sign-on providers ``SSO_PROVIDERS=microsoft,google`` names, each from its
    ``SSO_<NAME>_ISSUER``, ``_CLIENT_ID``, ``_CLIENT_SECRET``, ``_LABEL``, ``_HD`` (Google's
    Workspace domain hint) and ``_TENANT_ID`` (Entra: the ``tid`` every token must carry).
    A named provider without an issuer or client id fails start-up rather than half-working."""
    providers = {}
    for name in filter(None, (n.strip().lower() for n in environ.get("SSO_PROVIDERS", "").split(","))):
        key = f"SSO_{name.upper()}_"
        missing = [k for k in ("ISSUER", "CLIENT_ID") if not environ.get(key + k)]
        if missing:
            raise RuntimeError(f"SSO_PROVIDERS names {name!r}: set " + ", ".join(key + k for k in missing))
        params = {"hd": environ[key + "HD"]} if environ.get(key + "HD") else {}
        providers[name] = {
            "issuer": environ[key + "ISSUER"].strip(), "client_id": environ[key + "CLIENT_ID"].strip(),
            "client_secret": environ.get(key + "CLIENT_SECRET", ""),
            "label": environ.get(key + "LABEL") or f"Sign in with {name.title()}",
            "authorize_params": params, "tenant_id": environ.get(key + "TENANT_ID") or None}
    return providers


class Config:
    PRODUCTION = _flag("PRODUCTION")
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions: a school day idles out after 2 hours, and no session lives past 12.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PRODUCTION
    REMEMBER_COOKIE_SECURE = PRODUCTION
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 120)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    PREFERRED_URL_SCHEME = "https" if PRODUCTION else "http"
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Single sign-on (tracker/sso.py, README "Single sign-on"): OpenID Connect providers by name,
    # the email domains whose unknown people may ask for an account, and whether password
    # sign-in is for everyone ("all") or only admins ("admins", keeping one break-glass way in).
    SSO_PROVIDERS = _sso_providers()
    SSO_ALLOWED_DOMAINS = os.environ.get("SSO_ALLOWED_DOMAINS", "")
    PASSWORD_LOGIN = os.environ.get("PASSWORD_LOGIN", "all").strip().lower()
    if PASSWORD_LOGIN not in ("all", "admins"):
        raise RuntimeError("PASSWORD_LOGIN is 'all' or 'admins'")

    API_TOKEN_DAYS = _int("API_TOKEN_DAYS", 30)
    WTF_CSRF_TIME_LIMIT = None  # the session's own timeouts bound the token's life

    TRUST_NAME = os.environ.get("TRUST_NAME", "Northfield Learning Trust")
    TIMEZONE = os.environ.get("TRUST_TIMEZONE", "Europe/London")
    #: Dates the trust's records may carry: from EARLIEST_DATE to LATEST_YEARS_AHEAD years
    #: after today (tracker/clock.py). Anything else is a typo, refused with a 4xx.
    EARLIEST_DATE = date.fromisoformat(os.environ.get("EARLIEST_DATE", "2000-01-01"))
    LATEST_YEARS_AHEAD = _int("LATEST_YEARS_AHEAD", 10)

    # Wrong passwords (sign-in page, POST /api/v1/tokens, a wrong current password) are
    # counted where every worker and host sees them (tracker/throttle.py): Redis when this
    # names one (redis://HOST:6379/0), the database when it is empty.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tracker")
    #: Per account: this many failures within a window refuse that account (429) until they age out.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour")
    #: Per address, higher (a school's staff share one): beyond it sign-ins from the address
    #: are slowed, never refused, by a delay doubling up to LOGIN_ADDRESS_MAX_DELAY_SECONDS.
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT",
                                              "30 per minute;200 per hour")
    LOGIN_ADDRESS_MAX_DELAY_SECONDS = _int("LOGIN_ADDRESS_MAX_DELAY_SECONDS", 5)
    #: The reverse proxies in front: a count, or their addresses/networks. Empty: none, and
    #: X-Forwarded-* headers are ignored (tracker/proxies.py).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")
    #: An admin-issued password reset link works once, for this long.
    PASSWORD_RESET_HOURS = _int("PASSWORD_RESET_HOURS", 24)

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 20)
    # A failed send waits MAIL_RETRY_SECONDS, doubling each time up to MAIL_RETRY_MAX_SECONDS;
    # a message still unsent MAIL_GIVE_UP_HOURS after it was queued is marked failed for admins.
    MAIL_RETRY_SECONDS = _int("MAIL_RETRY_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 3600)
    MAIL_GIVE_UP_HOURS = _int("MAIL_GIVE_UP_HOURS", 48)

    # The scheduler's jobs, as crontab lines in the trust's time zone (TRUST_TIMEZONE).
    # Name weekdays (mon, fri): APScheduler counts a numeric day_of_week from Monday.
    JOB_SCHEDULES = {
        "nudges": os.environ.get("JOB_SCHEDULE_NUDGES", "0 7 * * *"),
        "policy": os.environ.get("JOB_SCHEDULE_POLICY", "15 7 * * *"),
        "capacity": os.environ.get("JOB_SCHEDULE_CAPACITY", "30 7 * * mon"),
        "digest": os.environ.get("JOB_SCHEDULE_DIGEST", "0 16 * * fri"),
        "outbox": os.environ.get("JOB_SCHEDULE_OUTBOX", "* * * * *"),
    }
    #: Milestones and reviews due within this many days are nudged as due soon.
    NUDGE_DUE_SOON_DAYS = _int("NUDGE_DUE_SOON_DAYS", 7)
    #: Overdue this many days, a milestone or review also goes to the school lead(s).
    NUDGE_ESCALATE_AFTER_DAYS = _int("NUDGE_ESCALATE_AFTER_DAYS", 14)
    #: An active initiative with no progress update for this many days is stale.
    NUDGE_STALE_DAYS = _int("NUDGE_STALE_DAYS", 30)
    #: A PDSA cycle in Do this long (or past its planned end) with no Study is stuck.
    NUDGE_PDSA_DO_DAYS = _int("NUDGE_PDSA_DO_DAYS", 14)
    #: A PDSA cycle in any other open stage this long is stuck.
    NUDGE_PDSA_IDLE_DAYS = _int("NUDGE_PDSA_IDLE_DAYS", 30)
    #: A concern no initiative acts on this many days after its date is unanswered
    #: (tracker/insights.py): counted on the dashboard and nudged to the school lead.
    INSIGHT_ACTION_DAYS = _int("INSIGHT_ACTION_DAYS", 30)
    #: Weekday (0 = Monday) on which people who chose "weekly" get their nudges.
    NUDGE_WEEKLY_DAY = _int("NUDGE_WEEKLY_DAY", 0)

    # flask-smorest writes the OpenAPI document from the same schemas that validate.
    API_TITLE = "tracker"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    MAX_CONTENT_LENGTH = 5 * 1024 * 1024  # CSV imports are the largest honest body
