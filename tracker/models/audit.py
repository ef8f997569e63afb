from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Who changed what, when: written for every insert, update and delete (tracker.audit)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Null for the system itself (jobs, migrations) and for failed sign-ins.
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``create``, ``update``, ``delete``, or an event such as ``login`` or ``override``.
    action: Mapped[str] = mapped_column(String(30), index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[Optional[int]] = mapped_column()
    #: ``{"field": [before, after]}`` for the changed fields, or event details.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[Optional[str]] = mapped_column(String(45))
