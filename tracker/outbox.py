"""The outbox: mail is written to a table inside the writer's transaction and sent later.

Two guarantees, both kept by the database rather than by checks in Python:
- *No second copy is queued.* Every message carries an idempotency key
  (``kind:subject_key:recipient_id:date``) with a unique index; ``queue_message``
  inserts with ON CONFLICT DO NOTHING, so two jobs racing for the same key queue one.
- *Nothing is lost and nothing is sent twice.* ``send_queued`` claims one message at a
  time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, plus a compare-and-set on its attempt
  count that also serialises SQLite), commits the claim, sends, and commits "sent" at
  once. A failed send leaves the message queued with exponential backoff; past the
  give-up time it is marked failed and shown to admins, who can queue it again.
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker import mail
from tracker.errors import Conflict, NotFound
from tracker.models import OutboxMessage, User
from tracker.models.base import utcnow
from tracker.permissions import ADMINISTER, is_id, require

#: A claimed message is not offered to another sender for this long; if the sender dies
#: between claiming and recording the outcome, the message is retried after it.
CLAIM_SECONDS = 300
MAX_ERROR = 2000


def idempotency_key(kind, subject_key, recipient_id, key_date):
    """``kind:subject_key:recipient_id:date``; a long subject key is hashed to fit the column.
    ``key_date`` is a date (or a datetime, or an ISO string, used as given)."""
    subject = str(subject_key)
    day = key_date if isinstance(key_date, str) else key_date.isoformat()
    key = f"{kind}:{subject}:{recipient_id}:{day}"
    if len(key) > 255:
        digest = hashlib.sha256(subject.encode()).hexdigest()
        key = f"{kind}:{digest}:{recipient_id}:{day}"[:255]
    return key


def queue_message(session, *, kind, recipient, subject, text, html, key_date, subject_key):
    """Queue an email to ``recipient`` (a User) unless one with the same key is queued already.

    ``kind`` names the job or feature (``nudges``, ``password_reset``...), ``subject_key``
    what the message is about (one key per thing that deserves its own email), and
    ``key_date`` the day it belongs to. ``html`` may be None: the HTML part is then the
    text, escaped, with its links made clickable. Runs in the caller's transaction (never
    commits). Returns the new message's id, or None when the key was already taken.
    """
    ids = _insert_rows(session, [_row(kind=kind, recipient=recipient, subject=subject, text=text,
                                      html=html, key_date=key_date, subject_key=subject_key)])
    return ids[0] if ids else None


def queue_messages(session, drafts, chunk=200):
    """Queue many messages, each a dict of ``queue_message``'s keywords, in a few
    statements (one per ``chunk``). Returns how many were new."""
    rows = [_row(**draft) for draft in drafts]
    return sum(len(_insert_rows(session, rows[i:i + chunk])) for i in range(0, len(rows), chunk))


def _row(*, kind, recipient, subject, text, html, key_date, subject_key):
    now = utcnow()
    return dict(idempotency_key=idempotency_key(kind, subject_key, recipient.id, key_date),
                kind=kind[:40], recipient_id=recipient.id, to_address=recipient.email,
                subject=mail.header_text(subject, 255), body_text=text,
                body_html=html if html is not None else mail.text_to_html(text),
                status="queued", created_at=now, next_attempt_at=now, attempts=0)


def _insert_rows(session, rows):
    if not rows:
        return []
    stmt = _insert(session)(OutboxMessage).values(rows)
    stmt = stmt.on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
    return session.execute(stmt.returning(OutboxMessage.id)).scalars().all()


def _insert(session):
    name = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[name]


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Why the run stopped early (the server could not be reached), else None.
    stopped: str | None = None

    def __str__(self):
        text = f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}"
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


#: Kinds of message whose body holds a secret (a password reset link).
SECRET_KINDS = ("password_reset",)
SECRET_REMOVED = "(Removed once sent: this message held a password reset link.)"


def send_queued(session, now, config, limit=500):
    """Send the queued messages that are due at ``now``, one claim and one commit each.

    ``config`` carries the MAIL_* settings. Commits (this is an entry point's loop, not a
    domain change). Stops early when the mail server cannot be reached: every other
    message would fail the same way, and each keeps its place in the queue.
    """
    report = SendReport()
    for _ in range(limit):
        claimed = _claim_next(session, now, config)
        if claimed is None:
            break
        message, name = claimed
        try:
            email = mail.build_message(
                sender=config["MAIL_DEFAULT_SENDER"], to_address=message.to_address, to_name=name,
                subject=message.subject, text=message.body_text, html=message.body_html,
                message_id=message.message_id)
            mail.send(email, config)
        except mail.MailError as error:
            outcome = _record_failure(session, message, now, config, str(error))
            setattr(report, outcome, getattr(report, outcome) + 1)
            if error.connection:
                report.stopped = str(error)
                break
            continue
        except ValueError as error:  # a malformed address never gets better by waiting
            _record_failure(session, message, now, config, str(error), permanent=True)
            report.failed += 1
            continue
        sent = {"status": "sent", "sent_at": now, "last_error": None}
        if message.kind in SECRET_KINDS:
            # Once delivered, the link is the recipient's alone: keep no usable copy here.
            sent.update(body_text=SECRET_REMOVED, body_html="")
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**sent))
        session.commit()
        report.sent += 1
    return report


def _claim_next(session, now, config):
    """Take the next due message for this sender and commit the claim; None when none is due."""
    while True:
        row = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.message_id)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1).with_for_update(skip_locked=True)).first()
        if row is None:
            session.commit()
            return None
        # The compare-and-set on attempts is what keeps two SQLite senders apart (SQLite
        # has no row locks); on PostgreSQL the row is already locked to us.
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts,
                   OutboxMessage.status == "queued")
            .values(attempts=row.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
                    # Kept across retries, so a copy that did arrive is recognised as the same.
                    message_id=row.message_id or mail.new_message_id(config["MAIL_DEFAULT_SENDER"])))
        session.commit()
        if taken.rowcount == 1:
            message, name = session.execute(
                select(OutboxMessage, User.name)
                .outerjoin(User, User.id == OutboxMessage.recipient_id)
                .where(OutboxMessage.id == row.id)).one()
            return message, name


def _record_failure(session, message, now, config, error, permanent=False):
    """Back off, or mark failed once past the give-up time. Returns ``retrying`` or ``failed``."""
    started = message.requeued_at or message.created_at
    give_up = started + timedelta(hours=config.get("MAIL_GIVE_UP_HOURS", 48))
    values = {"last_error": error[:MAX_ERROR]}
    if permanent or now >= give_up:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = now + backoff(message.attempts, config)
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
    session.commit()
    return "failed" if "status" in values else "retrying"


def backoff(attempts, config):
    """Wait before the next attempt after ``attempts`` attempts: doubling, capped, at least 1s."""
    first = max(1, int(config.get("MAIL_RETRY_SECONDS", 60)))
    cap = max(first, int(config.get("MAIL_RETRY_MAX_SECONDS", 3600)))
    return timedelta(seconds=min(cap, first * 2 ** max(0, min(attempts - 1, 30))))


# --- for the admin outbox page ---------------------------------------------------------

def outbox_query(status=None):
    """Messages newest first, optionally of one status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return stmt


def count_by_status(session):
    """``{"queued": n, "sent": n, "failed": n}`` in one query."""
    counts = dict(session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in ("queued", "sent", "failed")}


def get_message(session, actor, message_id):
    """One message of the outbox, body and all. Raises Forbidden unless ``actor`` is an
    admin (a message is somebody's mail), NotFound when there is no such message."""
    require(actor, ADMINISTER)
    message = session.get(OutboxMessage, message_id) if is_id(message_id) else None
    if message is None:
        raise NotFound("No such message.")
    return message


def retry_message(session, actor, message_id, now):
    """Put a failed message back in the queue, due at once, with a fresh give-up time.

    Raises Forbidden unless ``actor`` is an admin, NotFound when there is no such message,
    and Conflict when it has not failed (a queued or sent message needs no retry).
    """
    message = get_message(session, actor, message_id)
    if message.status != "failed":
        raise Conflict(f"This message is {message.status}; only a failed message can be retried.",
                       code="not_failed")
    message.status, message.next_attempt_at, message.requeued_at = "queued", now, now
    session.flush()
    return message
