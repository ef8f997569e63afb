"""People: accounts, roles and the schools they belong to. Admins manage them."""
from sqlalchemy import select

from tracker import permissions
from tracker.audit import record_event
from tracker.auth import normalise_email
from tracker.errors import Invalid, NotFound, check_version
from tracker.models import School, User
from tracker.models.user import ROLES
from tracker.passwords import hash_password

MIN_PASSWORD = 12
MAX_PASSWORD = 128


def password_problems(password, email="", name=""):
    """Messages saying why a password is refused (empty when it is acceptable)."""
    if len(password) < MIN_PASSWORD:
        return [f"Use at least {MIN_PASSWORD} characters."]
    if len(password) > MAX_PASSWORD:
        return [f"Use at most {MAX_PASSWORD} characters."]
    from zxcvbn import zxcvbn

    verdict = zxcvbn(password[:MAX_PASSWORD], user_inputs=[email, name, "tracker", "school", "trust"])
    if verdict["score"] < 3:
        hint = verdict["feedback"].get("warning") or "It is too easy to guess."
        return [f"Choose a harder password. {hint}".strip()]
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
    if "@" not in email:
        problems["email"] = ["Enter an email address."]
    elif session.execute(select(User.id).where(User.email == email)).first():
        problems["email"] = ["Someone already has this email."]
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
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
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
    permissions.require(actor, permissions.ADMINISTER)
    check_version(user, version)
    if "role" in changes and changes["role"] != user.role:
        record_event(session, "role_changed", "users", user.id,
                     {"role": [user.role, changes["role"]]})
    if "email" in changes:
        email = normalise_email(changes.pop("email"))
        clash = session.execute(select(User.id).where(User.email == email)).scalar_one_or_none()
        if clash not in (None, user.id):
            raise Invalid("Someone already has this email.", fields={"email": ["Someone already has this email."]})
        user.email = email
    if "school_ids" in changes:
        user.schools = _schools_by_ids(session, changes.pop("school_ids"))
    if "password" in changes:
        password = changes.pop("password")
        problems = password_problems(password, user.email, user.name)
        if problems:
            raise Invalid("Choose another password.", fields={"password": problems})
        user.password_hash = hash_password(password)
    if changes.get("active") is False and user.active:
        user.session_generation += 1  # signs them out everywhere, now
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    session.flush()
    return user
