"""Insights: intelligence about a school from several sources, and the concerns no work answers.

An *insight* is one finding about one school from one source (a QA visit, a peer review, a
survey, pupil voice, a data review, an external inspection), dated, judged a strength, an
area for development or a concern, tagged with the pillars it bears on, and linked to the
initiatives that act on it.

Rules (API.md "Insights"):
- Who writes: ``permissions.may_write_insights`` (admins, the central team, and the
  school's school leads). Who reads: whoever can see the school (viewers included). A school
  or insight the reader cannot see is "not found".
- ``source`` ∈ ``INSIGHT_SOURCES``, ``judgement`` ∈ ``JUDGEMENTS``, ``pillars`` ⊆ the seven
  pillars; a title (at most ``MAX_TITLE``), a summary of at most ``MAX_SUMMARY`` characters;
  ``on`` a plausible date (tracker.clock) and not after today: an insight records a finding
  already made.
- ``initiative_ids``: initiatives the school takes part in (its own, or horizontal ones that
  include it) and that the writer can see. Anything else is refused by field, and an
  initiative the writer cannot see reads as unknown, so asking reveals nothing.
- A concern is *unanswered* when no initiative acts on it more than ``INSIGHT_ACTION_DAYS``
  (default 30) after its date: on its date plus 30 days it is still within time; the day
  after, it is unanswered. The dashboard counts them per school, the school page lists them
  and the nudges job tells the school leads, all through ``unanswered_condition``.

Writes are audited at the flush like every other. Nothing here commits.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, exists, func, inspect, select
from sqlalchemy.orm import selectinload

from tracker import clock, permissions
from tracker.errors import Forbidden, Invalid, NotFound, check_version
from tracker.models import (Initiative, Insight, InsightPillar, School, initiative_schools,
                            insight_initiatives)
from tracker.models.initiative import PILLAR_LABELS, PILLARS
from tracker.models.insight import INSIGHT_SOURCES, JUDGEMENTS

MAX_TITLE = 200
MAX_SUMMARY = 10_000
DEFAULT_ACTION_DAYS = 30
#: How many of a school's latest insights its page shows.
LATEST_SHOWN = 5

SOURCE_LABELS = {"qa_visit": "QA visit", "peer_review": "Peer review", "survey": "Survey",
                 "pupil_voice": "Pupil voice", "data_review": "Data review",
                 "external_inspection": "External inspection", "other": "Other"}
JUDGEMENT_LABELS = {"strength": "Strength", "development": "Area for development",
                    "concern": "Concern"}
#: The fields a write may set.
FIELDS = ("source", "on", "title", "summary", "pillars", "judgement", "initiative_ids")

WHO_WRITES = "Only an admin, the central team or the school's lead can record its insights."


def action_days():
    """``INSIGHT_ACTION_DAYS``: how long an initiative has to take up a concern."""
    if has_app_context():
        return current_app.config.get("INSIGHT_ACTION_DAYS", DEFAULT_ACTION_DAYS)
    return DEFAULT_ACTION_DAYS


def answer_by(on: date) -> date:
    """The last day an initiative can take up a concern dated ``on`` before it is unanswered."""
    return clock.plus_days(on, action_days())


# --- the unanswered rule -------------------------------------------------------------------

def _acted_on():
    return exists(select(insight_initiatives.c.insight_id)
                  .where(insight_initiatives.c.insight_id == Insight.id))


def unanswered_condition(today):
    """The SQL condition for an unanswered concern on ``today`` (see the module docstring)."""
    return and_(Insight.judgement == "concern",
                Insight.on < clock.plus_days(today, -action_days()), ~_acted_on())


def is_unanswered(insight, today):
    """The one-record form of ``unanswered_condition`` (its initiatives loaded)."""
    return (insight.judgement == "concern" and today > answer_by(insight.on)
            and not insight.initiatives)


def _in_schools(stmt, school_ids):
    return stmt if school_ids is None else stmt.where(Insight.school_id.in_(list(school_ids) or [-1]))


def unanswered(session, today, school_ids=None):
    """The unanswered concerns (Insights) on ``today`` of ``school_ids`` (None: every
    school), by school then oldest first (one query)."""
    stmt = (select(Insight).where(unanswered_condition(today))
            .order_by(Insight.school_id, Insight.on, Insight.id))
    return session.execute(_in_schools(stmt, school_ids)).scalars().all()


def unanswered_by_school(session, today, school_ids):
    """``{school_id: n}`` of unanswered concerns on ``today``, every one of ``school_ids``
    present (0 included): one query whatever the number of schools."""
    counts = dict.fromkeys(school_ids, 0)
    stmt = _in_schools(select(Insight.school_id, func.count())
                       .where(unanswered_condition(today)), school_ids)
    counts.update(session.execute(stmt.group_by(Insight.school_id)).all())
    return counts


# --- reading ---------------------------------------------------------------------------------

def school_for(session, user, school_id):
    """The school, if ``user`` can see it. Raises NotFound otherwise."""
    school = session.get(School, school_id) if permissions.is_id(school_id) else None
    if school is None or not permissions.can_see_school(user, school.id):
        raise NotFound("No such school.")
    return school


def with_details(stmt):
    """Eager-load what a list shows (pillars, initiatives), a fixed number of queries."""
    return stmt.options(selectinload(Insight.pillar_tags), selectinload(Insight.initiatives))


def _newest_first(stmt):
    return stmt.order_by(Insight.on.desc(), Insight.created_at.desc(), Insight.id.desc())


def check_filters(judgement=None, unanswered=False):
    """Raise Invalid naming an unknown ``judgement``."""
    if judgement not in (None, "") and judgement not in JUDGEMENTS:
        raise Invalid("Not a judgement.", fields={"judgement": [
            "Choose one of " + ", ".join(JUDGEMENTS) + "."]})


def insights_of(session, user, school_id, *, judgement=None, unanswered=False, today=None):
    """A select of ``school_id``'s insights newest first (date, then when recorded), their
    details loaded; ``judgement`` narrows to one, ``unanswered`` to the unanswered concerns.
    Raises NotFound for a school ``user`` cannot see, Invalid for an unknown judgement."""
    school_for(session, user, school_id)
    check_filters(judgement)
    stmt = select(Insight).where(Insight.school_id == school_id)
    if judgement:
        stmt = stmt.where(Insight.judgement == judgement)
    if unanswered:
        stmt = stmt.where(unanswered_condition(today or clock.today()))
    return with_details(_newest_first(stmt))


def get_insight(session, user, insight_id, write=False):
    """The insight, if ``user`` can see its school; with ``write``, if they may also write it.
    Raises NotFound, Forbidden."""
    insight = session.get(Insight, insight_id) if permissions.is_id(insight_id) else None
    if insight is None or not permissions.can_see_school(user, insight.school_id):
        raise NotFound("No such insight.")
    if write and not permissions.may_write_insights(user, insight.school_id):
        raise Forbidden(WHO_WRITES)
    return insight


def answered_by(session, user, initiative):
    """The insights ``initiative`` acts on that ``user`` can see, newest first, each beside
    its school's name: ``[(Insight, school_name)]`` (one query)."""
    stmt = (select(Insight, School.name).join(School, School.id == Insight.school_id)
            .join(insight_initiatives,
                                 insight_initiatives.c.insight_id == Insight.id)
            .where(insight_initiatives.c.initiative_id == initiative.id))
    ids = permissions.visible_school_ids(user)
    if ids is not None:
        stmt = stmt.where(Insight.school_id.in_(ids or [-1]))
    return session.execute(_newest_first(stmt)).all()


@dataclass(frozen=True)
class SchoolInsights:
    """What the school page shows of a school's insights."""

    latest: list  # the newest LATEST_SHOWN insights, their details loaded
    total: int
    unanswered: list  # the unanswered concerns, oldest first
    may_write: bool


def insights_for_school_page(session, user, school_id, today):
    """The school page's insights section: the latest ones, how many there are, and the
    unanswered concerns (six queries at most, whatever the number). Raises NotFound for a
    school ``user`` cannot see."""
    stmt = insights_of(session, user, school_id)
    latest = session.execute(stmt.limit(LATEST_SHOWN)).scalars().all()
    total = session.execute(select(func.count()).select_from(Insight)
                            .where(Insight.school_id == school_id)).scalar_one()
    concerns = session.execute(
        select(Insight).where(Insight.school_id == school_id, unanswered_condition(today))
        .order_by(Insight.on, Insight.id)).scalars().all()
    return SchoolInsights(latest=latest, total=total, unanswered=concerns,
                          may_write=permissions.may_write_insights(user, school_id))


def possible_initiatives(session, user, school_id):
    """A select of the initiatives that may act on ``school_id``'s insights for ``user``: the
    ones the school takes part in (its own and horizontal ones) that ``user`` can see, by
    title. The form's checkboxes and the write's check are this one list."""
    in_school = exists(select(initiative_schools.c.initiative_id).where(
        initiative_schools.c.initiative_id == Initiative.id,
        initiative_schools.c.school_id == school_id))
    return (permissions.visible_initiatives(select(Initiative), user).where(in_school)
            .options(selectinload(Initiative.schools))
            .order_by(Initiative.status != "active", Initiative.title, Initiative.id))


# --- writing ---------------------------------------------------------------------------------

def _text(value, field, limit, required=False, what=""):
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value or len(value) > limit:
        return None, f"Use at most {limit:,} characters of text, and no NUL characters."
    value = value.strip()
    if required and not value:
        return None, what
    return value, None


def _checked(session, actor, school_id, values, today):
    """The values to store from ``values`` (only the keys given), and problems by field."""
    out, problems = {}, {}
    if "source" in values:
        if values["source"] not in INSIGHT_SOURCES:
            problems["source"] = ["Choose one of " + ", ".join(INSIGHT_SOURCES) + "."]
        out["source"] = values["source"]
    if "judgement" in values:
        if values["judgement"] not in JUDGEMENTS:
            problems["judgement"] = ["Choose one of " + ", ".join(JUDGEMENTS) + "."]
        out["judgement"] = values["judgement"]
    if "on" in values:
        on = values["on"]
        if not isinstance(on, date):
            problems["on"] = ["Say on which date this was found."]
        elif not clock.plausible(on):
            problems["on"] = [clock.plausible_message()]
        elif on > today:
            problems["on"] = ["Use today's date or an earlier one: an insight records a "
                              "finding already made."]
        out["on"] = on
    if "title" in values:
        out["title"], problem = _text(values["title"], "title", MAX_TITLE, required=True,
                                      what="Give the insight a title.")
        if problem:
            problems["title"] = [problem]
    if "summary" in values:
        out["summary"], problem = _text(values["summary"], "summary", MAX_SUMMARY)
        if problem:
            problems["summary"] = [problem]
    if "pillars" in values:
        pillars = values["pillars"] or []
        if not isinstance(pillars, (list, tuple, set)) or any(p not in PILLARS for p in pillars):
            problems["pillars"] = ["Choose only from the seven pillars: " + ", ".join(PILLARS) + "."]
        else:
            out["pillars"] = sorted(set(pillars), key=PILLARS.index)
    if "initiative_ids" in values:
        wanted = values["initiative_ids"] or []
        if not isinstance(wanted, (list, tuple, set)) or not all(
                permissions.is_id(i) for i in wanted):
            problems["initiative_ids"] = ["Send a list of initiative ids."]
        else:
            found = session.execute(possible_initiatives(session, actor, school_id)
                                    .where(Initiative.id.in_(set(wanted) or [-1]))
                                    ).scalars().all()
            unknown = sorted(set(wanted) - {i.id for i in found})
            if unknown:
                problems["initiative_ids"] = [
                    "Not an initiative of this school that you can see: "
                    + ", ".join(f"#{i}" for i in unknown) + "."]
            out["initiatives"] = found
    return out, problems


def _refuse(problems):
    if problems:
        raise Invalid("The insight cannot be saved as it is; see "
                      + ", ".join(sorted(problems)) + ".", fields=problems)


def _apply(insight, values):
    for name in ("source", "judgement", "on", "title", "summary"):
        if name in values:
            setattr(insight, name, values[name])
    if "pillars" in values:
        keep = {t.pillar: t for t in insight.pillar_tags}
        insight.pillar_tags = [keep.get(p) or InsightPillar(pillar=p) for p in values["pillars"]]
    if "initiatives" in values:
        insight.initiatives = sorted(values["initiatives"], key=lambda i: (i.title, i.id))


def create_insight(session, actor, school_id, *, source, on, title, judgement, summary="",
                   pillars=(), initiative_ids=(), today=None):
    """Record an insight about ``school_id``. Raises NotFound (a school the actor cannot
    see), Forbidden (``permissions.may_write_insights``), Invalid by field. Returns it,
    flushed."""
    school_for(session, actor, school_id)
    if not permissions.may_write_insights(actor, school_id):
        raise Forbidden(WHO_WRITES)
    values, problems = _checked(session, actor, school_id, {
        "source": source, "on": on, "title": title, "judgement": judgement, "summary": summary,
        "pillars": pillars, "initiative_ids": initiative_ids}, today or clock.today())
    _refuse(problems)
    insight = Insight(school_id=school_id, author_id=actor.id)
    _apply(insight, values)
    session.add(insight)
    session.flush()
    return insight


def update_insight(session, actor, insight, version, today=None, **changes):
    """Change any of ``FIELDS`` of ``insight`` (the school stays). Raises Forbidden,
    StaleVersion, Invalid by field."""
    if not permissions.may_write_insights(actor, insight.school_id):
        raise Forbidden(WHO_WRITES)
    check_version(insight, version)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise Invalid("Unknown fields.", fields={name: ["Not a field of an insight."]
                                                 for name in sorted(unknown)})
    values, problems = _checked(session, actor, insight.school_id, changes,
                                today or clock.today())
    _refuse(problems)
    _apply(insight, values)
    if _only_links_changed(insight):
        # Pillars and initiatives live in tables of their own: move the version by hand, so a
        # client holding the old one is refused as after any other change.
        insight.version = insight.version + 1
    session.flush()
    return insight


def _only_links_changed(insight):
    state = inspect(insight)
    links = any(state.attrs[key].history.has_changes() for key in ("pillar_tags", "initiatives"))
    columns = any(state.attrs[attr.key].history.has_changes()
                  for attr in state.mapper.column_attrs)
    return links and not columns


def delete_insight(session, actor, insight):
    """Remove an insight. Raises Forbidden."""
    if not permissions.may_write_insights(actor, insight.school_id):
        raise Forbidden(WHO_WRITES)
    session.delete(insight)
    session.flush()


def pillar_names(insight):
    return [PILLAR_LABELS[p] for p in insight.pillars]


__all__ = ["FIELDS", "INSIGHT_SOURCES", "JUDGEMENTS", "JUDGEMENT_LABELS", "MAX_SUMMARY",
           "MAX_TITLE", "SOURCE_LABELS", "SchoolInsights", "WHO_WRITES", "action_days",
           "answer_by", "answered_by", "create_insight", "delete_insight", "get_insight",
           "insights_for_school_page", "insights_of", "is_unanswered", "pillar_names",
           "possible_initiatives", "school_for", "unanswered", "unanswered_by_school",
           "unanswered_condition", "update_insight"]
