from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.clock import today
from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.user import User

STAGES = ("plan", "do", "study", "act", "closed")
ACT_DECISIONS = ("adopt", "adapt", "abandon")


class PdsaCycle(Base):
    """A Plan-Do-Study-Act cycle: one small test of a change inside an initiative."""

    __tablename__ = "pdsa_cycles"
    __table_args__ = (
        CheckConstraint(enum_check("stage", STAGES), name="stage"),
        CheckConstraint(f"act_decision IS NULL OR {enum_check('act_decision', ACT_DECISIONS)}",
                        name="act_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    #: The cycle whose Act this one follows, so a chain reads as one line of learning.
    parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("pdsa_cycles.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(10), default="plan", index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    prediction: Mapped[str] = mapped_column(Text, default="")
    #: Who, what, when, where, and the data to collect.
    plan_notes: Mapped[str] = mapped_column(Text, default="")
    #: What happened, including what was unexpected.
    do_notes: Mapped[str] = mapped_column(Text, default="")
    #: The data against the prediction: what was learned.
    study_notes: Mapped[str] = mapped_column(Text, default="")
    act_decision: Mapped[Optional[str]] = mapped_column(String(10))
    act_notes: Mapped[str] = mapped_column(Text, default="")
    #: The day the cycle entered its current stage, by default the trust's today
    #: (stuck-cycle nudges read it).
    stage_since: Mapped[date] = mapped_column(Date, default=today, index=True)
    #: When Do is planned to end; a Do running past it with no Study is stuck.
    do_ends_on: Mapped[Optional[date]] = mapped_column(Date)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[Optional[User]] = relationship()
    initiative: Mapped["Initiative"] = relationship()  # noqa: F821  (tracker.models.initiative)

    __mapper_args__ = {"version_id_col": version}
