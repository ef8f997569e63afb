from datetime import date
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, enum_check

MEASURE_KINDS = ("outcome", "implementation", "process", "balancing")


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (CheckConstraint(enum_check("kind", MEASURE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
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

    __mapper_args__ = {"version_id_col": version}


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
