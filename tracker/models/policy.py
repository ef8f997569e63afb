from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, enum_check

POLICY_MODES = ("strict", "cap")


class TrustPolicy(Base):
    """The trust's "one in, one out" policy: a single row (id 1)."""

    __tablename__ = "trust_policy"
    __table_args__ = (
        CheckConstraint(enum_check("mode", POLICY_MODES), name="mode"),
        CheckConstraint("max_active_initiatives >= 0", name="max_active_initiatives"),
        CheckConstraint("out_grace_days >= 0", name="out_grace_days"),
        CheckConstraint("review_interval_days > 0", name="review_interval_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``strict``: every initiative names an out to enter Deliver; ``cap``: only at the limit.
    mode: Mapped[str] = mapped_column(String(10), default="cap")
    #: Initiatives in prepare or deliver a school may carry at once.
    max_active_initiatives: Mapped[int] = mapped_column(default=5)
    #: Days after an out's due date before it is reported as a breach.
    out_grace_days: Mapped[int] = mapped_column(default=14)
    review_interval_days: Mapped[int] = mapped_column(default=90)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
