"""A person's own data: exported on request, and anonymised when they have left the trust.

Both look for the person by every foreign key to ``users.id`` in the schema, so a table
added later is exported without anyone remembering to add it here.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from tracker import permissions
from tracker.audit import SECRET_COLUMNS, record_event
from tracker.auth import new_secret, revoke_all_tokens, void_sessions
from tracker.errors import Invalid
from tracker.models import AuditEntry, Base, User
from tracker.models.base import utcnow
from tracker.passwords import hash_password

#: Columns of the person's own row that say nothing to them (or would help an attacker).
_PRIVATE = SECRET_COLUMNS | {"session_generation"}
#: What an anonymised person's name and email become (the id keeps them distinct).
ANONYMOUS_NAME = "Former staff member {id}"
ANONYMOUS_EMAIL = "former-{id}@anonymised.invalid"
_SCRUBBED = "(anonymised)"


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(mapping):
    return {key: _plain(value) for key, value in mapping.items() if key not in _PRIVATE}


def _tables_naming_people():
    """(table, [columns that reference users.id]) for every table but the users table itself."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == "users":
            continue
        columns = [c for c in table.columns
                   if any(fk.column.table.name == "users" for fk in c.foreign_keys)]
        if columns:
            found.append((table, columns))
    return found


def export_personal_data(session, user):
    """Everything stored that names ``user``, as plain JSON-ready data (one query per table).

    Secrets (password and token digests) are left out.
    """
    person = session.execute(select(User.__table__).where(User.id == user.id)).mappings().one()
    records = {}
    for table, columns in _tables_naming_people():
        rows = session.execute(select(table).where(or_(*(c == user.id for c in columns)))
                               .order_by(*table.primary_key.columns)).mappings().all()
        if rows:
            records[table.name] = [_row(r) for r in rows]
    return {"exported_at": utcnow().isoformat(), "person": _row(person),
            "schools": [{"id": s.id, "name": s.name} for s in user.schools],
            "records": records}


def anonymise_user(session, actor, user):
    """Replace a departed person's name and email with placeholders, keeping their records.

    The person must be deactivated first. Their records (initiatives they own, updates
    they wrote, audit entries) stay, attributed to the placeholder; the name and email
    are also removed from the audit log's entries about their account.
    Raises Invalid for an active person.
    """
    permissions.require(actor, permissions.ADMINISTER)
    if user.active:
        raise Invalid("Deactivate this person before anonymising them.",
                      fields={"active": ["Deactivate the account first."]})
    if user.anonymised_at is not None:
        return user
    old_email, old_name = user.email, user.name
    user.name = ANONYMOUS_NAME.format(id=user.id)
    user.email = ANONYMOUS_EMAIL.format(id=user.id)
    # No one knows this password, so the account can never be signed in to again.
    user.password_hash = hash_password(new_secret())
    user.notification_prefs = {}
    user.anonymised_at = utcnow()
    void_sessions(user)
    revoke_all_tokens(session, user)
    session.flush()
    _scrub_audit(session, user.id, {old_email, old_name})
    record_event(session, "anonymised", "users", user.id)
    session.flush()
    return user


def _scrub_audit(session, user_id, personal):
    """Blank the person's name and email wherever the audit log copied them (the entries
    about their account, failed sign-ins to it included)."""
    entries = session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "users", AuditEntry.record_id == user_id)).scalars().all()
    for entry in entries:
        scrubbed = _scrub(entry.changes, personal)
        if scrubbed != entry.changes:
            entry.changes = scrubbed


#: Fields of the audit log's entries about a person that hold who they are.
_IDENTIFYING = {"name", "email"}


def _scrub(value, personal, key=None):
    """``value`` with every former name or email (any version of them) replaced."""
    if isinstance(value, dict):
        return {k: _scrub(v, personal, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, personal, key) for v in value]
    if isinstance(value, str) and (key in _IDENTIFYING or value in personal):
        return _SCRUBBED
    return value
