from datetime import date, datetime
from typing import Optional

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow

#: The change ideas under a driver: the initiatives that serve it.
initiative_drivers = Table(
    "initiative_drivers",
    Base.metadata,
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    Column("driver_id", ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Goal(Base):
    """An aim of the trust (no school) or of one school: a measurable statement, maybe tied to
    a KPI and a date, at the head of a driver diagram."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The measurable statement: how much, by when, for whom.
    aim: Mapped[str] = mapped_column(Text, default="")
    #: Null for the trust's own goal.
    school_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("measures.id", ondelete="SET NULL"), index=True)
    target_on: Mapped[Optional[date]] = mapped_column(Date)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    drivers: Mapped[list["Driver"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Driver.id")

    __mapper_args__ = {"version_id_col": version}


class Driver(Base):
    """A driver of a goal: primary (no parent) or secondary (under a primary one)."""

    __tablename__ = "drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    initiatives: Mapped[list["Initiative"]] = relationship(  # noqa: F821
        secondary=initiative_drivers, order_by="Initiative.title", back_populates="drivers")

    __mapper_args__ = {"version_id_col": version}
