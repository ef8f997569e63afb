"""The audit log: every insert, update and delete, written in the same transaction.

Entry points say who is acting with ``acting_as(session, user)``; a flush then
records, for each changed record, the before and after of its changed fields.
Domain code never writes audit rows for ordinary changes itself: it cannot forget to.
Events that change no row (a sign-in, a refused request, an override) go through
``record_event``.
"""
import logging
from datetime import date, datetime, time, timezone

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.models import AuditEntry, Base, JobLease, OutboxMessage
from tracker.models.base import utcnow

#: Never written to the log, whatever changes.
SECRET_COLUMNS = {"password_hash", "token_hash"}
#: Bookkeeping that would drown the log.
UNAUDITED = (AuditEntry, OutboxMessage, JobLease)
IGNORED_COLUMNS = {"version", "last_used_at", "last_login_at", "session_generation"}
#: Record types only events carry (``record_event``), with no table of their own.
EVENT_RECORD_TYPES = ("requests",)


def _audited(cls):
    # A tag's changes are logged on its initiative, as the change to the initiative's tags.
    return not issubclass(cls, UNAUDITED) and cls.__name__ != "InitiativeTag"


#: Every ``record_type`` the log can hold: each audited table, and the events' own.
RECORD_TYPES = tuple(sorted({mapper.class_.__tablename__ for mapper in Base.registry.mappers
                             if _audited(mapper.class_)} | set(EVENT_RECORD_TYPES)))


def acting_as(session, user, ip=None):
    """Attribute the changes this session flushes from now on to ``user`` (None: the system)."""
    session.info["actor_id"] = user.id if user is not None else None
    session.info["ip"] = ip


def record_event(session, action, record_type, record_id=None, details=None, actor_id=None):
    """Log something that is not a row change: a sign-in, a refusal, an override."""
    session.add(AuditEntry(
        actor_id=actor_id if actor_id is not None else session.info.get("actor_id"),
        action=action, record_type=record_type, record_id=record_id,
        changes=details or {}, ip=session.info.get("ip")))


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "__table__"):
        return _identity(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _identity(obj):
    if hasattr(obj, "code") and hasattr(obj, "framework"):
        return f"{obj.framework}:{obj.code}"
    return getattr(obj, "id", None)


def _created(obj):
    mapper = inspect(obj).mapper
    return {attr.key: [None, _plain(getattr(obj, attr.key))]
            for attr in mapper.column_attrs
            if attr.key not in SECRET_COLUMNS | IGNORED_COLUMNS
            and getattr(obj, attr.key) is not None}


def _changed(obj):
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if attr.key in SECRET_COLUMNS:
                changes[attr.key] = ["(hidden)", "(changed)"]
            elif before != after:
                changes[attr.key] = [_plain(before), _plain(after)]
    for rel in state.mapper.relationships:
        if not rel.uselist:
            continue
        history = state.attrs[rel.key].history
        if history.added or history.deleted:
            current = [_identity(o) for o in getattr(obj, rel.key)]
            before = [i for i in current if i not in {_identity(o) for o in history.added}]
            before += [_identity(o) for o in history.deleted]
            changes[rel.key] = [sorted(before, key=str), sorted(current, key=str)]
    return changes


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session, flush_context):
    rows = []
    actor_id, ip, at = session.info.get("actor_id"), session.info.get("ip"), utcnow()

    def add(action, obj, changes):
        if not _audited(type(obj)):
            return
        rows.append({"at": at, "actor_id": actor_id, "action": action,
                     "record_type": obj.__tablename__, "record_id": getattr(obj, "id", None),
                     "changes": changes, "ip": ip})

    for obj in session.new:
        add("create", obj, _created(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            changes = _changed(obj)
            if changes:
                add("update", obj, changes)
    for obj in session.deleted:
        add("delete", obj, _created(obj))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def audit_query(record_type=None, record_id=None, actor_id=None, action=None, since=None,
                until=None):
    """A select of audit entries, newest first, narrowed by record, person, action and dates."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    for column, value in ((AuditEntry.record_type, record_type), (AuditEntry.record_id, record_id),
                          (AuditEntry.actor_id, actor_id), (AuditEntry.action, action)):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(since, time.min, timezone.utc))
    if until is not None:
        stmt = stmt.where(AuditEntry.at < datetime.combine(clock.plus_days(until, 1), time.min,
                                                           timezone.utc))
    return stmt


def record_refusal(session, status, method, path):
    """Log a refused request (403, or 404 from a lookup the person may not see) in its own commit.

    Whatever the refused request had changed is rolled back first, so only the log entry
    is committed. A failure to log never turns the refusal into a server error.
    """
    session.rollback()
    try:
        record_event(session, "access_refused", "requests", None,
                     {"status": status, "method": method, "path": path[:200]})
        session.commit()
    except Exception:  # noqa: BLE001 - the refusal must still be answered
        session.rollback()
        logging.getLogger("tracker").exception("could not log a refused request")
