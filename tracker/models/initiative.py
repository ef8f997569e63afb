from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.clock import today
from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.school import School
from tracker.models.user import User

PHASES = ("explore", "prepare", "deliver", "sustain")
STATUSES = ("active", "completed", "deimplemented", "rejected")
#: What a person reads for each phase and each ended status: the one table every page,
#: email and chart uses (a Jinja global, ``phase_labels``).
PHASE_LABELS = {"explore": "Explore", "prepare": "Prepare", "deliver": "Deliver",
                "sustain": "Sustain", "completed": "Completed", "rejected": "Rejected",
                "deimplemented": "De-implemented"}
RAGS = ("green", "amber", "red")
PILLARS = ("vision", "capacity", "collective_commitment", "data", "process",
           "improvement_activity", "quality_assurance")
#: The seven pillars in a person's words: the one table pages, exports and the board pack use.
PILLAR_LABELS = {
    "vision": "Vision", "capacity": "Capacity", "collective_commitment": "Collective commitment",
    "data": "Robust and real-time data", "process": "Process and project management",
    "improvement_activity": "Improvement activity", "quality_assurance": "Quality assurance",
}
HELIX_COMPONENTS = ("set_quality_goals", "align_strategy", "use_evidence", "evaluate_insights",
                    "develop_expertise", "empower_horizontal", "connect", "grow_culture",
                    "adopt_cycle", "leverage_capacity", "anticipate_adapt", "deimplement")
#: The twelve helix components in a person's words (pages, coverage and the board pack).
HELIX_LABELS = {
    "set_quality_goals": "Set quality goals", "align_strategy": "Align strategy",
    "use_evidence": "Use evidence", "evaluate_insights": "Evaluate insights",
    "develop_expertise": "Develop expertise", "empower_horizontal": "Empower horizontal improvement",
    "connect": "Connect", "grow_culture": "Grow culture and leadership",
    "adopt_cycle": "Adopt a cycle", "leverage_capacity": "Leverage capacity",
    "anticipate_adapt": "Anticipate and adapt", "deimplement": "De-implement",
}
SCOPES = ("school", "schools", "trust")

initiative_schools = Table(
    "initiative_schools",
    Base.metadata,
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True),
    # The school's own RAG of a shared initiative: the latest update for this school or for
    # all of them. Kept here (like ``Initiative.rag``) so the dashboard counts it in SQL.
    Column("rag", String(5), CheckConstraint(f"rag IS NULL OR {enum_check('rag', RAGS)}", name="rag")),
)


class InitiativeTag(Base):
    """One framework tag on an initiative: a pillar or a triple-helix component."""

    __tablename__ = "initiative_tags"
    __table_args__ = (CheckConstraint(enum_check("framework", ("pillar", "helix")), name="framework"),)

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True)
    framework: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Initiative(Base):
    __tablename__ = "initiatives"
    __table_args__ = (
        CheckConstraint(enum_check("phase", PHASES), name="phase"),
        CheckConstraint(enum_check("status", STATUSES), name="status"),
        CheckConstraint(f"rag IS NULL OR {enum_check('rag', RAGS)}", name="rag"),
        CheckConstraint(enum_check("scope", SCOPES), name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The problem, defined from the school's own data (the Explore phase's first question).
    problem: Mapped[str] = mapped_column(Text, default="")
    #: The evidence-informed approach chosen and why it fits.
    evidence: Mapped[str] = mapped_column(Text, default="")
    intended_outcomes: Mapped[str] = mapped_column(Text, default="")
    #: The few things that must be done faithfully for the approach to work.
    active_ingredients: Mapped[str] = mapped_column(Text, default="")
    #: Training, coaching, tools: how the active ingredients will be put in place.
    implementation_strategies: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    phase: Mapped[str] = mapped_column(String(10), default="explore", index=True)
    status: Mapped[str] = mapped_column(String(15), default="active", index=True)
    #: The RAG of the latest update, kept here so lists filter on it in SQL.
    rag: Mapped[Optional[str]] = mapped_column(String(5), index=True)
    #: One school (vertical), several schools, or the whole trust (horizontal).
    scope: Mapped[str] = mapped_column(String(10), default="school")
    #: The day the initiative entered its current phase (by default the trust's today).
    phase_since: Mapped[date] = mapped_column(Date, default=today)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the latest progress update was logged (stale-initiative nudges read it).
    last_update_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_on: Mapped[Optional[date]] = mapped_column(Date)

    # "One in, one out": what this initiative stops to make room. The out is either
    # another initiative or a named practice; both carry the due date.
    out_initiative_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("initiatives.id", ondelete="SET NULL"), index=True)
    out_practice: Mapped[Optional[str]] = mapped_column(Text)
    out_due_on: Mapped[Optional[date]] = mapped_column(Date)
    #: When a named practice was stopped; an out naming an initiative is done by that initiative's status.
    out_done_on: Mapped[Optional[date]] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    schools: Mapped[list[School]] = relationship(secondary=initiative_schools, order_by=School.name)
    tags: Mapped[list[InitiativeTag]] = relationship(cascade="all, delete-orphan")
    out_initiative: Mapped[Optional["Initiative"]] = relationship(
        remote_side=[id], foreign_keys=[out_initiative_id])
    #: The drivers (of goals) this initiative serves as a change idea (tracker.goals).
    drivers: Mapped[list["Driver"]] = relationship(  # noqa: F821
        secondary="initiative_drivers", back_populates="initiatives", order_by="Driver.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def school_ids(self):
        return [s.id for s in self.schools]

    @property
    def driver_ids(self):
        return [d.id for d in self.drivers]

    @property
    def pillars(self):
        return sorted(t.code for t in self.tags if t.framework == "pillar")

    @property
    def helix_components(self):
        return sorted(t.code for t in self.tags if t.framework == "helix")

    @property
    def has_out(self):
        return self.out_initiative_id is not None or bool(self.out_practice)

    @property
    def out_done(self):
        """Whether the named out has been carried out (see API.md's one_out)."""
        if self.out_initiative_id is not None:
            return self.out_initiative is not None and self.out_initiative.status in (
                "deimplemented", "completed")
        return self.out_done_on is not None

    def __repr__(self):
        return f"<Initiative {self.id} {self.title!r} {self.phase}/{self.status}>"


class Transition(Base):
    """One move of an initiative between phases or into an end status; never edited."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    from_phase: Mapped[str] = mapped_column(String(15))
    #: A phase, or ``completed`` / ``rejected`` / ``deimplemented`` for an ending.
    to_phase: Mapped[str] = mapped_column(String(15))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    #: Set when an admin moved past an unmet gate; why they did.
    override_reason: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[Optional[User]] = relationship()


class Update(Base):
    """A progress update: a RAG judgement and a short narrative."""

    __tablename__ = "updates"
    __table_args__ = (CheckConstraint(enum_check("rag", RAGS), name="rag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    #: The one school of a shared initiative the update is about; null: all its schools.
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id"), index=True)
    rag: Mapped[str] = mapped_column(String(5))
    narrative: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    author: Mapped[User] = relationship()


class Milestone(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The one school of a shared initiative the milestone is for; null: all its schools.
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    done_on: Mapped[Optional[date]] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[Optional[User]] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def status_on(self, today):
        """``done`` once done, ``overdue`` after its due date, else ``open``."""
        if self.done_on is not None:
            return "done"
        return "overdue" if self.due_on < today else "open"
