from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.initiative import PILLARS

#: Where a piece of intelligence about a school came from (API.md).
INSIGHT_SOURCES = ("qa_visit", "peer_review", "survey", "pupil_voice", "data_review",
                   "external_inspection", "other")
JUDGEMENTS = ("strength", "development", "concern")

#: The initiatives that act on an insight: the school's own, or horizontal ones it takes part in.
insight_initiatives = Table(
    "insight_initiatives",
    Base.metadata,
    Column("insight_id", ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True),
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class InsightPillar(Base):
    """One pillar an insight bears on."""

    __tablename__ = "insight_pillars"
    __table_args__ = (CheckConstraint(enum_check("pillar", PILLARS), name="pillar"),)

    insight_id: Mapped[int] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True)
    pillar: Mapped[str] = mapped_column(String(30), primary_key=True)


class Insight(Base):
    """Intelligence about one school from one source (a QA visit, a survey...), judged a
    strength, an area for development or a concern."""

    __tablename__ = "insights"
    __table_args__ = (
        CheckConstraint(enum_check("source", INSIGHT_SOURCES), name="source"),
        CheckConstraint(enum_check("judgement", JUDGEMENTS), name="judgement"),
        # A school's insights newest first; the unanswered concerns of many schools.
        Index("ix_insights_school_id_on", "school_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(25))
    on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    judgement: Mapped[str] = mapped_column(String(15), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    pillar_tags: Mapped[list[InsightPillar]] = relationship(cascade="all, delete-orphan",
                                                            passive_deletes=True)
    initiatives: Mapped[list["Initiative"]] = relationship(  # noqa: F821
        secondary=insight_initiatives, order_by="Initiative.title")

    __mapper_args__ = {"version_id_col": version}

    @property
    def pillars(self):
        return sorted(t.pillar for t in self.pillar_tags)

    @property
    def initiative_ids(self):
        return [i.id for i in self.initiatives]
