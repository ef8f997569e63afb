"""People: accounts, roles, the schools they belong to, and their passwords. Admins manage them.

Every function takes the session and the acting person, flushes and never commits.
"""
import re
from datetime import timedelta

from sqlalchemy import func, select

from tracker import permissions, throttle
from tracker.audit import record_event
from tracker.emails import valid_email
from tracker.auth import (digest_secret, new_secret, normalise_email, revoke_all_tokens,
                          void_sessions)
from tracker.errors import Invalid, NotFound, check_version
from tracker.models import PasswordReset, School, User
from tracker.models.base import utcnow
from tracker.models.user import ROLES
from tracker.passwords import hash_password, verify_password

MIN_PASSWORD = 12
MAX_PASSWORD = 128
#: Words that make a password easy to guess here, whoever the person is.
SITE_WORDS = ["tracker", "school", "trust", "academy", "improvement", "password"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def password_problems(password, email="", name=""):
    """Messages saying why a password is refused (empty when it is acceptable).

    Length counts characters, spaces and any Unicode included; a strength estimator
    (zxcvbn) refuses common and guessable passwords with its own advice, and the person's
    own name or email is refused outright.
    """
    if len(password) < MIN_PASSWORD:
        return [f"Use at least {MIN_PASSWORD} characters."]
    if len(password) > MAX_PASSWORD:
        return [f"Use at most {MAX_PASSWORD} characters."]
    from zxcvbn import zxcvbn

    personal = [w.lower() for w in [email.split("@")[0], *re.split(r"[\s.\-_']+", name)] if len(w) >= 3]
    if any(word in password.lower() for word in personal):
        return ["Do not use your own name or email address in your password."]
    verdict = zxcvbn(password, user_inputs=personal + _site_words(), max_length=MAX_PASSWORD)
    if verdict["score"] < 3:
        feedback = verdict["feedback"]
        advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        return [f"This password is too easy to guess. {advice or 'Add more unrelated words.'}".strip()]
    return []


def _site_words():
    from flask import current_app, has_app_context

    trust = current_app.config.get("TRUST_NAME", "") if has_app_context() else ""
    return SITE_WORDS + [w.lower() for w in trust.split() if len(w) >= 3]


def _check_email(email):
    if not valid_email(email):
        return ["Enter an email address, like name@school.org.uk."]
    return []


def _check_name(name):
    if not name.strip():
        return ["Enter the person's name."]
    if _CONTROL.search(name):
        return ["A name cannot contain line breaks or control characters."]
    return []


def _schools_by_ids(session, school_ids):
    if not school_ids:
        return []
    schools = session.execute(select(School).where(School.id.in_(set(school_ids)))).scalars().all()
    unknown = set(school_ids) - {s.id for s in schools}
    if unknown:
        raise Invalid("Unknown school.", fields={"school_ids": [f"No school with id {i}." for i in sorted(unknown)]})
    return schools


def create_user(session, actor, *, email, name, role, password, school_ids=(), check_strength=True):
    """Create an account. ``actor`` None means the command line (a trusted operator)."""
    if actor is not None:
        permissions.require(actor, permissions.ADMINISTER)
    email = normalise_email(email)
    problems = {}
    if role not in ROLES:
        problems["role"] = [f"Choose one of: {', '.join(ROLES)}."]
    if _check_email(email):
        problems["email"] = _check_email(email)
    elif session.execute(select(User.id).where(User.email == email)).first():
        problems["email"] = ["Someone already has this email."]
    if _check_name(name):
        problems["name"] = _check_name(name)
    pw_problems = password_problems(password, email, name) if check_strength else (
        [] if len(password) >= 1 else ["Enter a password."])
    if pw_problems:
        problems["password"] = pw_problems
    if problems:
        raise Invalid("The account cannot be created as given.", fields=problems)
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password),
                schools=_schools_by_ids(session, school_ids))
    session.add(user)
    session.flush()
    return user


def get_user(session, actor, user_id):
    """The person with ``user_id``; NotFound when there is none or ``actor`` may not see them."""
    user = session.get(User, user_id) if permissions.is_id(user_id) else None
    if user is None or not can_see_user(actor, user):
        raise NotFound("No such person.")
    return user


def can_see_user(actor, user):
    if actor.id == user.id or permissions.sees_whole_trust(actor) and actor.role != "viewer":
        return True
    return actor.role != "viewer" and bool(set(actor.school_ids) & set(user.school_ids))


def visible_users(actor):
    stmt = select(User).order_by(User.name)
    if actor.role in ("admin", "central_team"):
        return stmt
    if actor.role == "viewer":
        return stmt.where(User.id == actor.id)
    ids = actor.school_ids or [-1]
    return stmt.where((User.id == actor.id) | User.schools.any(School.id.in_(ids)))


def update_user(session, actor, user, version, **changes):
    """Change a person's details, role, schools, password or whether they may sign in (admin).

    A new password or deactivation signs them out everywhere and stops their API tokens.
    Raises Invalid for a bad field, or when it would leave no active admin.
    """
    permissions.require(actor, permissions.ADMINISTER)
    check_version(user, version)
    if ("role" in changes and changes["role"] != "admin" or changes.get("active") is False) \
            and user.role == "admin" and user.active:
        _keep_an_admin(session, user)
    if "role" in changes and changes["role"] != user.role:
        if changes["role"] not in ROLES:
            raise Invalid("Choose a role.", fields={"role": [f"Choose one of: {', '.join(ROLES)}."]})
        record_event(session, "role_changed", "users", user.id,
                     {"role": [user.role, changes["role"]]})
        if user.role is None:  # a person who asked through single sign-on (tracker.sso)
            record_event(session, "sso_approved", "users", user.id, {"role": changes["role"]})
    if "email" in changes:
        email = normalise_email(changes.pop("email"))
        if _check_email(email):
            raise Invalid("Enter an email address.", fields={"email": _check_email(email)})
        clash = session.execute(select(User.id).where(User.email == email)).scalar_one_or_none()
        if clash not in (None, user.id):
            raise Invalid("Someone already has this email.", fields={"email": ["Someone already has this email."]})
        user.email = email
    if "name" in changes:
        if _check_name(changes["name"]):
            raise Invalid("Enter the person's name.", fields={"name": _check_name(changes["name"])})
        changes["name"] = changes["name"].strip()
    if "school_ids" in changes:
        user.schools = _schools_by_ids(session, changes.pop("school_ids"))
    if "password" in changes:
        _set_password(user, changes.pop("password"), field="password")
        void_sessions(user)
        revoke_all_tokens(session, user)
    if changes.get("active") is False and user.active:
        _deactivate(session, user)
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    session.flush()
    return user


def _keep_an_admin(session, leaving):
    others = session.execute(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != leaving.id)).scalar_one()
    if not others:
        raise Invalid("The trust needs at least one active admin.",
                      fields={"role": ["Make someone else an admin first."]})


def _deactivate(session, user):
    void_sessions(user)
    revoked = revoke_all_tokens(session, user)
    record_event(session, "deactivated", "users", user.id, {"tokens_revoked": revoked})


def deactivate_user(session, actor, user):
    """Stop ``user`` signing in: their sessions end and their tokens stop at once.

    Their records stay theirs (initiatives, updates and the audit log still name them).
    """
    permissions.require(actor, permissions.ADMINISTER)
    if not user.active:
        return user
    if user.role == "admin":
        _keep_an_admin(session, user)
    _deactivate(session, user)
    user.active = False
    session.flush()
    return user


def _set_password(user, password, field):
    problems = password_problems(password, user.email, user.name)
    if problems:
        raise Invalid("Choose another password.", fields={field: problems})
    user.password_hash = hash_password(password)


def change_password(session, user, current_password, new_password, token_in_use=None):
    """``user`` changes their own password, proving they know the current one.

    Every web session and API token of theirs ends, but the one making the change: the
    caller starts a fresh session for this browser, and ``token_in_use`` stays live.
    Wrong current passwords count against the account as failed sign-ins do (one budget of
    guesses per password): TooManyAttempts once it is locked, the right password too.
    """
    account = throttle.account_key(user.email)
    throttle.before_guess(account)
    if not verify_password(user.password_hash, current_password or ""):
        throttle.record_failure(account)
        raise Invalid("Your current password is not right.",
                      fields={"current_password": ["Your current password is not right."]})
    throttle.clear(account)
    if new_password == current_password:
        raise Invalid("Choose a password you have not used here.",
                      fields={"new_password": ["Choose a different password from your current one."]})
    _set_password(user, new_password, field="new_password")
    void_sessions(user)
    revoked = revoke_all_tokens(session, user, keep=token_in_use)
    record_event(session, "password_changed", "users", user.id, {"tokens_revoked": revoked})
    session.flush()
    return user


# --- admin-issued reset links --------------------------------------------------------

def issue_password_reset(session, actor, user, hours):
    """A single-use link secret for ``user``, valid ``hours``: returns (secret, PasswordReset).

    Only its digest is stored, and any earlier unused link of theirs stops working.
    ``actor`` None means the command line.
    """
    if actor is not None:
        permissions.require(actor, permissions.ADMINISTER)
    if not user.active:
        raise Invalid("Reactivate this account before sending a reset link.",
                      fields={"active": ["This account is deactivated."]})
    now = utcnow()
    for earlier in _live_resets(session, user, now):
        earlier.expires_at = now
    raw = new_secret()
    reset = PasswordReset(user_id=user.id, token_hash=digest_secret(raw), created_at=now,
                          issued_by_id=actor.id if actor is not None else None,
                          expires_at=now + timedelta(hours=hours))
    session.add(reset)
    session.flush()
    record_event(session, "password_reset_issued", "users", user.id, {"expires_in_hours": hours})
    return raw, reset


def _live_resets(session, user, now):
    return session.execute(select(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > now)).scalars().all()


def password_reset_for(session, raw):
    """The unused, unexpired reset for a link secret, its person still active; else None."""
    if not raw or len(raw) > 200:
        return None
    reset = session.execute(select(PasswordReset).where(
        PasswordReset.token_hash == digest_secret(raw))).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() \
            or not reset.user.active:
        return None
    return reset


def reset_password(session, raw, new_password):
    """Use a reset link: set the new password, spend the link, end every session and token.

    Raises NotFound when the link is unknown, used or expired, Invalid for a weak password.
    """
    reset = password_reset_for(session, raw)
    if reset is None:
        raise NotFound("This reset link has expired or has already been used.")
    user = reset.user
    _set_password(user, new_password, field="new_password")
    reset.used_at = utcnow()
    void_sessions(user)
    revoke_all_tokens(session, user)
    record_event(session, "password_reset_used", "users", user.id, actor_id=user.id)
    session.flush()
    return user


def find_by_email(session, email):
    """The person with this email, or NotFound."""
    user = session.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None:
        raise NotFound("No one has this email.")
    return user
