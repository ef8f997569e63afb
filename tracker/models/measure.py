from datetime import date, datetime
from typing import Optional

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, Index, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow

MEASURE_KINDS = ("outcome", "implementation", "process", "balancing")


class Measure(Base):
    """A measure of one initiative, or (no initiative) a trust KPI: the same measure
    recorded by every school, each point carrying its school."""

    __tablename__ = "measures"
    __table_args__ = (CheckConstraint(enum_check("kind", MEASURE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Null for a trust KPI.
    initiative_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    #: In the EEF's terms: outcome, implementation (fidelity, reach...), process or balancing.
    kind: Mapped[str] = mapped_column(String(15), default="outcome")
    #: The direction of improvement; it decides whether a signal is improvement or concern.
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    baseline: Mapped[Optional[float]] = mapped_column(Float)
    target: Mapped[Optional[float]] = mapped_column(Float)
    #: The last day of a frozen baseline period: the centre line and limits come from
    #: the points up to it. Null means they come from all points.
    baseline_until: Mapped[Optional[date]] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    initiative: Mapped[Optional["Initiative"]] = relationship()  # noqa: F821  (tracker.models.initiative)
    rebases: Mapped[list["MeasureRebase"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True,
        order_by="MeasureRebase.starts_on")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_trust_kpi(self):
        return self.initiative_id is None


class MeasureRebase(Base):
    """A new segment of a measure's charts: after a sustained change the old centre line
    and limits no longer describe the process, so they are recalculated from here on."""

    __tablename__ = "measure_rebases"
    __table_args__ = (
        UniqueConstraint("measure_id", "starts_on"),
        CheckConstraint("baseline_until IS NULL OR baseline_until >= starts_on",
                        name="baseline_in_segment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    #: The first day of the new segment.
    starts_on: Mapped[date] = mapped_column(Date)
    #: The last day of the new segment's frozen baseline; null: all of the segment's points.
    baseline_until: Mapped[Optional[date]] = mapped_column(Date)
    #: The sustained change that made the old centre line obsolete.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeasurePoint(Base):
    """One value of a measure on a date, for one school or (null) the initiative as a whole."""

    __tablename__ = "measure_points"
    # A date holds one value per school; these partial indexes make that a database
    # rule, since NULL never equals NULL in a plain unique constraint.
    __table_args__ = (
        Index("uq_measure_points_whole", "measure_id", "on", unique=True,
              sqlite_where=text("school_id IS NULL"), postgresql_where=text("school_id IS NULL")),
        Index("uq_measure_points_school", "measure_id", "school_id", "on", unique=True,
              sqlite_where=text("school_id IS NOT NULL"),
              postgresql_where=text("school_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
