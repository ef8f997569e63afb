from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime


class FailedAttempt(Base):
    """One wrong password, counted against an account or an address (tracker.throttle).

    Kept only as long as the longest sign-in window, so the table stays small. Written in a
    transaction of its own: a request that rolls back still leaves its failure counted.
    """

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of "account:EMAIL" or "address:IP": no email or address is stored here.
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
