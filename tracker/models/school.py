from typing import Optional

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, enum_check

SCHOOL_PHASES = ("primary", "secondary", "all_through", "special", "alternative", "post16")
SUPPORT_STATUSES = ("can_support", "stable", "needs_support")
#: What each phase and support status reads as, on every page.
SCHOOL_PHASE_LABELS = {"primary": "Primary", "secondary": "Secondary", "all_through": "All-through",
                       "special": "Special", "alternative": "Alternative provision",
                       "post16": "Post-16"}
SUPPORT_STATUS_LABELS = {"can_support": "Can give support", "stable": "Stable",
                         "needs_support": "Needs intensive support"}


class School(Base):
    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint(enum_check("phase", SCHOOL_PHASES), name="phase"),
        CheckConstraint(enum_check("support_status", SUPPORT_STATUSES), name="support_status"),
        CheckConstraint("max_active_initiatives IS NULL OR max_active_initiatives >= 0",
                        name="max_active_initiatives"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The Department for Education's unique reference number.
    urn: Mapped[str] = mapped_column(String(20), unique=True)
    phase: Mapped[str] = mapped_column(String(20), index=True)
    #: How the trust judges the school: able to give support, stable, or needing intensive support.
    support_status: Mapped[str] = mapped_column(String(20), default="stable", index=True)
    #: The school's own cap on counted initiatives; null means the trust policy's.
    max_active_initiatives: Mapped[Optional[int]] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self):
        return f"<School {self.urn} {self.name}>"
