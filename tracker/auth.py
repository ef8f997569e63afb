"""Sign-in and API tokens: who is this, and may they still act?"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker import throttle
from tracker.models import ApiToken, User
from tracker.models.base import utcnow
from tracker.permissions import is_id
from tracker.passwords import hash_password, needs_rehash, verify_password


def normalise_email(email):
    return (email or "").strip().lower()


def authenticate(db_session, email, password):
    """The active user with this email and password, or None.

    With ``PASSWORD_LOGIN=admins`` only admins sign in with a password (everyone else
    through single sign-on), on the pages and the API alike.

    An unknown email costs the same hash check as a wrong password, so the answer
    and its timing do not tell whether the account exists.
    """
    user = db_session.execute(
        select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or not may_sign_in(user) or not password_sign_in_allowed(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def may_sign_in(user):
    """Whether ``user`` may sign in at all: active, and not waiting for a role (tracker.sso)."""
    return user.active and user.role is not None


def password_sign_in_allowed(user):
    """Whether ``user`` may sign in with a password under ``PASSWORD_LOGIN``."""
    return current_app.config.get("PASSWORD_LOGIN", "all") != "admins" or user.role == "admin"


def attempt_sign_in(db_session, email, password, address):
    """``authenticate``, counted by the throttle (per email tried and per ``address``).

    Raises TooManyAttempts while the email's account is locked, the right password or not;
    from an address past its threshold, waits its delay first. A right password clears the
    account's count, never the address's.
    """
    account = throttle.account_key(normalise_email(email)[:254])
    throttle.before_guess(account, throttle.address_key(address))
    user = authenticate(db_session, email, password)
    if user is None:
        throttle.record_failure(account, throttle.address_key(address))
    else:
        throttle.clear(account)
    return user


def digest_secret(raw):
    """What is stored for a token or reset link: a SHA-256 digest, never the secret itself.

    The secrets carry 256 bits from a CSPRNG, so a fast hash is enough (no dictionary to try).
    """
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret():
    """256 bits from the operating system's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def record_failed_sign_in(db_session, email, via):
    """Log a refused sign-in, naming the account when one has this email (admins only read it)."""
    from tracker.audit import record_event

    email = normalise_email(email)[:254]
    user_id = db_session.execute(select(User.id).where(User.email == email)).scalar_one_or_none()
    record_event(db_session, "login_failed", "users", user_id, {"email": email, "via": via},
                 actor_id=None)


def issue_token(db_session, user, days, name="api"):
    """A new token for ``user``: returns (the secret, shown once; the stored ApiToken)."""
    raw = new_secret()
    token = ApiToken(user_id=user.id, token_hash=digest_secret(raw), name=name,
                     expires_at=utcnow() + timedelta(days=days))
    db_session.add(token)
    db_session.flush()
    return raw, token


def token_for(db_session, raw):
    """The live ApiToken for a presented secret, or None (unknown, expired, revoked, inactive)."""
    if not raw or len(raw) > 200:
        return None
    # The token, its person and their schools (what every permission check reads) in one query.
    token = db_session.execute(
        select(ApiToken).where(ApiToken.token_hash == digest_secret(raw))
        .options(joinedload(ApiToken.user).joinedload(User.schools))).unique().scalar_one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not may_sign_in(token.user):
        return None
    return token


def revoke_token(token):
    token.revoked_at = token.revoked_at or utcnow()


def tokens_of(user):
    """A select of ``user``'s tokens, newest first (live, expired and revoked)."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())


def revoke_token_by_id(db_session, actor, token_id):
    """Revoke one token: the actor's own, or anyone's for an admin. NotFound otherwise."""
    from tracker import permissions
    from tracker.audit import record_event
    from tracker.errors import NotFound

    token = db_session.get(ApiToken, token_id) if is_id(token_id) else None
    if token is None or (token.user_id != actor.id
                         and not permissions.can(actor, permissions.ADMINISTER)):
        raise NotFound("No such token.")
    revoke_token(token)
    record_event(db_session, "token_revoked", "api_tokens", token.id)
    db_session.flush()
    return token


def revoke_all_tokens(db_session, user, keep=None):
    """Revoke every live token of ``user`` but ``keep`` (deactivation, a password change or
    reset): they stop at once. Returns how many were revoked."""
    live = db_session.execute(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars().all()
    revoked = [token for token in live if keep is None or token.id != keep.id]
    for token in revoked:
        revoke_token(token)
    return len(revoked)


def void_sessions(user):
    """Sign ``user`` out of every web session on every host (they carry the old generation)."""
    user.session_generation += 1


# --- the web session ---------------------------------------------------------------

def signed_in_user(db_session, user_id):
    """The person a web session names, with their schools (what every permission check and
    the menu read), in one query; None when there is none."""
    return db_session.execute(select(User).where(User.id == user_id)
                              .options(joinedload(User.schools))).unique().scalar_one_or_none()


def init_login(app):
    from tracker.extensions import db, login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_key):
        user_id, _, generation = user_key.partition(":")
        if not user_id.isdigit() or not generation.isdigit():
            return None
        user = signed_in_user(db.session, int(user_id))
        if user is None or not may_sign_in(user) or user.session_generation != int(generation):
            return None
        return user

    @app.before_request
    def enforce_session_timeouts():
        if request.path.startswith(("/api/", "/static/")) or not current_user.is_authenticated:
            return None
        now = datetime.now(timezone.utc).timestamp()
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
        started, seen = session.get("signed_in_at", 0), session.get("seen_at", 0)
        if now - seen > idle or now - started > absolute:
            logout_user()
            session.clear()
            return redirect(url_for("auth.login", next=request.path, expired=1))
        session["seen_at"] = now
        return None


def start_session(user):
    """Begin a fresh web session for ``user`` (no data carried over from before sign-in)."""
    from flask_login import login_user

    session.clear()
    now = datetime.now(timezone.utc).timestamp()
    login_user(user)
    session["signed_in_at"] = now
    session["seen_at"] = now


def end_session(user):
    """Sign out here, and void this person's other sessions by bumping their generation."""
    void_sessions(user)
    logout_user()
    session.clear()
