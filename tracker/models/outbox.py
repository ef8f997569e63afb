from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow

OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxMessage(Base):
    """An email written by a job in its own transaction and sent later by the outbox job."""

    __tablename__ = "outbox_messages"
    __table_args__ = (CheckConstraint(enum_check("status", OUTBOX_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: kind:subject:recipient:date, unique, so a job run twice cannot queue a second copy.
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not sent before this time: backoff after a failed attempt.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When an admin put a failed message back in the queue; its give-up time counts from here.
    requeued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    message_id: Mapped[Optional[str]] = mapped_column(String(255))


class JobLease(Base):
    """Claims one run of a job for one slot (a date), so two schedulers never both run it."""

    __tablename__ = "job_leases"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
