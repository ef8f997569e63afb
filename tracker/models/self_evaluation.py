from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.initiative import PILLARS

#: 1 not yet in place, 2 emerging, 3 established, 4 embedded.
RATINGS = (1, 2, 3, 4)


class SelfEvaluation(Base):
    """One dated round of self-evaluation against the seven pillars: the trust's own
    (no school) or one school's. A round rates every pillar once."""

    __tablename__ = "self_evaluations"
    __table_args__ = (
        # The latest rounds of one school (or of the trust), newest first.
        Index("ix_self_evaluations_school_id_on", "school_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date)
    #: Null for the trust's own evaluation.
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ratings: Mapped[list["SelfEvaluationRating"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="SelfEvaluationRating.id")


class SelfEvaluationRating(Base):
    """One pillar's rating in a round, with the evidence behind it."""

    __tablename__ = "self_evaluation_ratings"
    __table_args__ = (
        UniqueConstraint("self_evaluation_id", "pillar"),
        CheckConstraint(enum_check("pillar", PILLARS), name="pillar"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    self_evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("self_evaluations.id", ondelete="CASCADE"))
    pillar: Mapped[str] = mapped_column(String(30))
    rating: Mapped[int] = mapped_column()
    evidence: Mapped[str] = mapped_column(Text, default="")
