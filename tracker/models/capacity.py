from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.school import School

ALLOCATION_STATUSES = ("planned", "confirmed", "delivered", "cancelled")


class Expert(Base):
    """A central-team member deployed to schools: a specialist leader or subject expert."""

    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint("days_per_week > 0 AND days_per_week <= 7", name="days_per_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Free-text subjects and strengths, e.g. ["maths", "early reading"].
    specialisms: Mapped[list] = mapped_column(JSON, default=list)
    home_school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id"), index=True)
    #: Contracted days a week available for deployment.
    days_per_week: Mapped[float] = mapped_column(Float)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)

    home_school: Mapped[Optional[School]] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Unavailability(Base):
    """Leave, a course, anything that takes an expert out: counts as full load."""

    __tablename__ = "unavailabilities"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Allocation(Base):
    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint(enum_check("status", ALLOCATION_STATUSES), name="status"),
        CheckConstraint("ends_on >= starts_on", name="range"),
        CheckConstraint("days_per_week > 0 AND days_per_week <= 7", name="days_per_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    initiative_id: Mapped[Optional[int]] = mapped_column(ForeignKey("initiatives.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    days_per_week: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="planned", index=True)
    #: Why this allocation was let through although it over-allocates its expert.
    override_reason: Mapped[Optional[str]] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    expert: Mapped[Expert] = relationship()
    school: Mapped[School] = relationship()
    initiative: Mapped[Optional["Initiative"]] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}
