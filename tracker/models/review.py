from datetime import date
from typing import Optional

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, enum_check
from tracker.models.initiative import Initiative
from tracker.models.user import User

DECISIONS = ("continue", "adapt", "deimplement")


class DeimplementationReview(Base):
    """A review that decides whether an initiative continues, adapts or is stopped."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(f"decision IS NULL OR {enum_check('decision', DECISIONS)}", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    impact_evidence: Mapped[str] = mapped_column(Text, default="")
    opportunity_cost: Mapped[str] = mapped_column(Text, default="")
    workload: Mapped[str] = mapped_column(Text, default="")
    #: What would be stopped, or freed, if the initiative ended.
    would_stop: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Optional[str]] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[Optional[date]] = mapped_column(Date, index=True)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    #: Expert days given back when a de-implement decision ended or cancelled allocations
    #: (days a week x the weeks no longer needed), kept because the allocations are rewritten.
    freed_expert_days: Mapped[Optional[float]] = mapped_column(Float)
    version: Mapped[int] = mapped_column(default=1)

    reviewer: Mapped[Optional[User]] = relationship(foreign_keys=[reviewer_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])
    initiative: Mapped[Initiative] = relationship()

    __mapper_args__ = {"version_id_col": version}
