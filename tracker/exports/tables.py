"""The tables the exports hold: the initiative list and the school comparison, as the reader
sees them. Each is one domain question the pages and the API already ask, read once and laid
out as columns (``Column``) and rows (mappings by column key), for ``files.to_csv`` and
``files.to_xlsx``.

Headings are in a board member's words; the column keys are the API's field names where the
API has one. The initiative list's columns, in order:

=====================  ======================  =========================================
key                    heading                 what it holds
=====================  ======================  =========================================
id                     ID                      the initiative's id
title                  Title
schools                Schools                 its schools' names, by name
scope                  Scope                   one school, several, or the trust
phase                  Phase                   Explore, Prepare, Deliver, Sustain
status                 Status                  Active, Completed, De-implemented, Rejected
phase_since            In phase since          the day it entered its phase
rag                    RAG                     its latest update's RAG, or "No RAG yet"
last_update_on         Last update             the day of its latest progress update
owner                  Owner                   the owner's name
pillars                Pillars                 the seven pillars it is tagged with
helix_components       Helix components        the triple-helix components
overdue_milestones     Overdue milestones      open milestones past their due date
next_milestone_due_on  Next milestone due      the earliest open milestone not yet overdue
one_out                One out                 what it stops: a practice or an initiative
one_out_due_on         One out due             by when
problem                Problem
intended_outcomes      Intended outcomes
created_on             Started                 the day it was started
version                Version                 the record's version (for API clients)
=====================  ======================  =========================================

The school comparison's columns are the dashboard's (``dashboard.columns_of``): the school,
its figures, then for each trust KPI its latest value and date, variation and assurance.
"""
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker import dashboard, initiatives, milestones, permissions
from tracker.errors import Invalid
from tracker.exports.files import Column, export_file
from tracker.models import Initiative, Milestone
from tracker.models.initiative import PHASE_LABELS, PILLAR_LABELS

#: The most rows one export holds; more is refused with a message to narrow the filters.
MAX_ROWS = 50_000
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", None: "No RAG yet"}
SCOPE_WORDS = {"school": "One school", "schools": "Several schools", "trust": "The whole trust"}


@dataclass
class Table:
    """What an export file holds: a sheet title, the columns and the rows."""

    title: str
    columns: list
    rows: list


INITIATIVE_COLUMNS = [
    Column("id", "ID", "integer"),
    Column("title", "Title"),
    Column("schools", "Schools", "list"),
    Column("scope", "Scope"),
    Column("phase", "Phase"),
    Column("status", "Status"),
    Column("phase_since", "In phase since", "date"),
    Column("rag", "RAG"),
    Column("last_update_on", "Last update", "date"),
    Column("owner", "Owner"),
    Column("pillars", "Pillars", "list"),
    Column("helix_components", "Helix components", "list"),
    Column("overdue_milestones", "Overdue milestones", "integer"),
    Column("next_milestone_due_on", "Next milestone due", "date"),
    Column("one_out", "One out"),
    Column("one_out_due_on", "One out due", "date"),
    Column("problem", "Problem"),
    Column("intended_outcomes", "Intended outcomes"),
    Column("created_on", "Started", "date"),
    Column("version", "Version", "integer"),
]


def initiative_table(session, user, today, filters, zone=None):
    """The initiatives ``user`` can see that match ``filters`` (the list's: see
    ``initiatives.find_initiatives``), every one of them, unpaged, in a fixed number of
    queries. Raises Invalid (``too_many_rows``) when more than ``MAX_ROWS`` match."""
    stmt = initiatives.find_initiatives(user, **filters)
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    if total > MAX_ROWS:
        raise Invalid(f"{total:,} initiatives match: an export holds at most {MAX_ROWS:,}. "
                      "Narrow the filters (a school, a phase or a status) and export again.",
                      code="too_many_rows")
    mine = Milestone.initiative_id == Initiative.id
    overdue = select(func.count(Milestone.id)).where(
        mine, milestones.overdue_condition(today)).scalar_subquery()
    next_due = select(func.min(Milestone.due_on)).where(
        mine, Milestone.done_on.is_(None), Milestone.due_on >= today).scalar_subquery()
    # The out's schools say whether the reader may read its title.
    stmt = stmt.options(joinedload(Initiative.out_initiative).selectinload(Initiative.schools))
    found = session.execute(stmt.add_columns(overdue, next_due)).all()
    tz = ZoneInfo(zone or _trust_zone())
    rows = [_initiative_row(user, initiative, overdue_count, next_on, tz)
            for initiative, overdue_count, next_on in found]
    return Table("Initiatives", INITIATIVE_COLUMNS, rows)


def initiative_file(session, user, today, filters, file_format):
    """``initiative_table`` written as ``file_format``, named ``initiatives-<today>``."""
    return export_file(initiative_table(session, user, today, filters), file_format,
                       "initiatives", today)


def _initiative_row(user, initiative, overdue_count, next_on, tz):
    ended = initiative.status != "active"
    return {
        "id": initiative.id, "title": initiative.title,
        "schools": [school.name for school in initiative.schools],
        "scope": SCOPE_WORDS.get(initiative.scope, initiative.scope),
        "phase": PHASE_LABELS[initiative.phase],
        "status": PHASE_LABELS[initiative.status] if ended else "Active",
        "phase_since": initiative.phase_since, "rag": RAG_WORDS.get(initiative.rag),
        "last_update_on": initiative.last_update_at.astimezone(tz).date()
        if initiative.last_update_at else None,
        "owner": initiative.owner.name,
        "pillars": [PILLAR_LABELS[code] for code in initiative.pillars],
        "helix_components": [_words(code) for code in initiative.helix_components],
        "overdue_milestones": overdue_count, "next_milestone_due_on": next_on,
        "one_out": _one_out(user, initiative), "one_out_due_on": initiative.out_due_on,
        "problem": initiative.problem, "intended_outcomes": initiative.intended_outcomes,
        "created_on": initiative.created_at.astimezone(tz).date(),
        "version": initiative.version,
    }


def _one_out(user, initiative):
    if initiative.out_practice:
        return initiative.out_practice
    out = initiative.out_initiative
    if out is None:
        return None
    if not permissions.can_see_initiative(user, out):
        return f"Initiative {out.id}"
    return f"{out.title} (initiative {out.id})"


def _words(code):
    return code.replace("_", " ").capitalize()


def _trust_zone():
    return current_app.config.get("TIMEZONE", "Europe/London") if has_app_context() \
        else "Europe/London"


def school_table(session, user, today, filters=None):
    """The dashboard's school rows (``dashboard.school_report`` with its ``filters``) for
    ``user``, flat as the dashboard lays them out (``dashboard.columns_of`` and
    ``flat_rows``): the figures, then per trust KPI its latest value and date, variation and
    assurance. Raises Invalid for a filter the dashboard does not have."""
    report = dashboard.school_report(session, user, today, filters)
    columns = [Column(key, heading, kind) for key, heading, kind in dashboard.columns_of(report)]
    return Table("Schools compared", columns, dashboard.flat_rows(report))


def school_file(session, user, today, filters, file_format):
    """``school_table`` written as ``file_format``, named ``schools-<today>``."""
    return export_file(school_table(session, user, today, filters), file_format, "schools",
                       today)
