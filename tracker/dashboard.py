"""The board's standard report: the same figures for every school, side by side.

Each figure is one aggregate query over all the schools the reader can see, so the
report costs the same number of queries for 5 schools or 150, with any number of
initiatives or KPI points.

Figures per school (active initiatives only; a horizontal initiative counts in each of
its schools, by that school's own status of it: its own RAG, and the milestones for that
school or for all):
- initiatives by phase and by RAG, overdue milestones, stuck PDSA cycles, and stale
  initiatives (no progress update for ``NUDGE_STALE_DAYS``, the nudges job's rule);
- one in, one out breaches, expert days received this term, the latest value and the
  Making Data Count summaries of every trust KPI, and unanswered concerns.

The filters (``pillar``, ``helix_component``, ``phase``) narrow the initiative figures.
Breaches, expert days, KPIs and concerns belong to the school, not to an initiative, so
they stay whole whatever the filter.

The golden rule is a trust figure (it counts every school's support status) and every
reader gets it as such: the head of one school needs to know whether the trust can
support its schools, and the two counts name no school.
"""
from math import ceil

from sqlalchemy import func, or_, select

from tracker import (capacity, initiatives, insights, kpis, milestones, nudges, pdsa, permissions,
                     policy)
from tracker.errors import Invalid
from tracker.models import Initiative, Milestone, PdsaCycle, School, initiative_schools
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS, RAGS

#: The filters the report takes, each with its possible values.
FILTERS = {"pillar": PILLARS, "helix_component": HELIX_COMPONENTS, "phase": PHASES}
RAG_KEYS = RAGS + (initiatives.NO_RAG,)
#: The figures where a higher number is worse: the heat scale shades these, per column.
HEAT_COLUMNS = ("red", "overdue_milestones", "stuck_pdsa_cycles", "stale_initiatives",
                "breaches", "unanswered_concerns")
#: Heat levels above 0 (none): 1 some, 2 more, 3 the most in the column.
HEAT_LEVELS = 3
HEAT_WORDS = {0: "none", 1: "low", 2: "medium", 3: "high"}

#: The flat export of the school rows: (key, heading) in column order. ``flat_rows``
#: fills these keys, then one latest value, variation and assurance per trust KPI
#: (``columns_of`` lists those headings too).
SCHOOL_COLUMNS = [
    ("name", "School"), ("urn", "URN"), ("support_status", "Support status"),
    *((phase, phase.capitalize()) for phase in PHASES),
    ("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("no_rag", "No RAG yet"),
    ("active_initiatives", "Active initiatives"),
    ("overdue_milestones", "Overdue milestones"), ("stuck_pdsa_cycles", "Stuck PDSA cycles"),
    ("stale_initiatives", "Stale initiatives"), ("breaches", "Policy breaches"),
    ("expert_days_this_term", "Expert days this term"),
    ("unanswered_concerns", "Unanswered concerns"),
]
#: The type of each column of ``SCHOOL_COLUMNS`` (KPI columns: see ``columns_of``).
COLUMN_TYPES = {key: "integer" for key, _ in SCHOOL_COLUMNS}
COLUMN_TYPES.update(name="text", urn="text", support_status="text", expert_days_this_term="number")


def check_filters(filters):
    """The report's filters from ``filters`` (a mapping; empty values mean "any").

    Returns ``{name: value}`` for the chosen ones. Raises Invalid naming each unknown
    filter or value."""
    chosen, problems = {}, {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name not in FILTERS:
            problems[name] = ["Not a filter of the school comparison."]
        elif value not in FILTERS[name]:
            problems[name] = [f"Not a {name.replace('_', ' ')}: choose one of "
                              f"{', '.join(FILTERS[name])}."]
        else:
            chosen[name] = value
    if problems:
        raise Invalid("Some filters are not possible.", fields=problems)
    return chosen


def initiative_conditions(filters):
    """The SQL conditions on ``Initiative`` of the initiatives the report counts."""
    conditions = [Initiative.status == "active"]
    if filters.get("phase"):
        conditions.append(Initiative.phase == filters["phase"])
    if filters.get("pillar"):
        conditions.append(initiatives.tagged_condition("pillar", filters["pillar"]))
    if filters.get("helix_component"):
        conditions.append(initiatives.tagged_condition("helix", filters["helix_component"]))
    return conditions


def heat_levels(values):
    """The heat level of each of ``values`` (one column): 0 for nothing, else 1..HEAT_LEVELS
    by its share of the column's largest value (the largest is always the top level)."""
    top = max(values, default=0)
    return [0 if not value or top <= 0 else max(1, ceil(HEAT_LEVELS * value / top))
            for value in values]


def _per_school(session, stmt):
    return dict(session.execute(stmt).all())


def _count_by_school(session, count_of, join_to, conditions, ids):
    """``{school_id: n}``: ``count_of`` per school, over the counted initiatives."""
    link = initiative_schools.c
    stmt = (select(link.school_id, func.count(count_of))
            .join(Initiative, Initiative.id == link.initiative_id))
    if join_to is not None:
        stmt = stmt.join(join_to, join_to.initiative_id == Initiative.id)
    return _per_school(session, stmt.where(link.school_id.in_(ids or [-1]), *conditions)
                       .group_by(link.school_id))


def _kpi_figures(session, user, ids):
    """The trust KPIs (the report's KPI columns, by name) and each school's reading of each,
    ``{(measure_id, school_id): kpis.SchoolKpi}``: four queries whatever the number of
    schools, KPIs or points."""
    trust_kpis = kpis.trust_kpis(session)
    return trust_kpis, kpis.summaries(session, user, ids, kpi_list=trust_kpis)


def school_report(session, user, today, filters=None, school_ids=None):
    """The standard report for what ``user`` can see on ``today``:
    ``{"schools": [row], "golden_rule", "breaches", "filters", "term", "stale_days",
    "trust_kpis"}`` (see the module docstring for the figures and the golden rule).

    ``filters`` (``pillar``, ``helix_component``, ``phase``) narrow the initiative figures;
    an unknown one raises Invalid. ``school_ids`` narrows the rows to those schools (of the
    ones ``user`` sees: the school page reads its school's row). A fixed number of queries
    whatever the size of the trust.
    """
    filters = check_filters(filters)
    narrowed = [] if school_ids is None else [School.id.in_(list(school_ids) or [-1])]
    schools = session.execute(
        select(School).order_by(School.name).where(*_scope(user), *narrowed)).scalars().all()
    ids = [s.id for s in schools]
    counted = initiative_conditions(filters)
    link = initiative_schools.c
    by_phase, by_rag = {}, {}
    for school_id, phase, rag, count in session.execute(
            select(link.school_id, Initiative.phase, link.rag, func.count())
            .join(Initiative, Initiative.id == link.initiative_id)
            .where(link.school_id.in_(ids or [-1]), *counted)
            .group_by(link.school_id, Initiative.phase, link.rag)):
        by_phase.setdefault(school_id, dict.fromkeys(PHASES, 0))[phase] += count
        by_rag.setdefault(school_id, dict.fromkeys(RAG_KEYS, 0))[rag or initiatives.NO_RAG] += count
    overdue = _count_by_school(session, Milestone.id, Milestone,
                               counted + [milestones.overdue_condition(today),
                                          or_(Milestone.school_id.is_(None),
                                              Milestone.school_id == link.school_id)], ids)
    stuck = _count_by_school(session, PdsaCycle.id, PdsaCycle,
                             counted + [pdsa.stuck_condition(today)], ids)
    stale = _count_by_school(session, Initiative.id, None,
                             counted + [nudges.stale_condition(today)], ids)
    breaches = policy.breaches(session, today, school_ids=ids)
    breach_count = {}
    for breach in breaches:
        breach_count[breach["school_id"]] = breach_count.get(breach["school_id"], 0) + 1
    term = capacity.term_of(today)
    received = capacity.days_received_by_school(session, term.starts_on, term.ends_on,
                                                school_ids=ids)
    concerns = insights.unanswered_by_school(session, today, ids)
    trust_kpis, kpi_figures = _kpi_figures(session, user, ids)
    rows = [{"school_id": s.id, "name": s.name, "urn": s.urn, "support_status": s.support_status,
             "phases": by_phase.get(s.id, dict.fromkeys(PHASES, 0)),
             "rag": by_rag.get(s.id, dict.fromkeys(RAG_KEYS, 0)),
             "active_initiatives": sum(by_phase.get(s.id, {}).values()),
             "overdue_milestones": overdue.get(s.id, 0), "stuck_pdsa_cycles": stuck.get(s.id, 0),
             "stale_initiatives": stale.get(s.id, 0), "breaches": breach_count.get(s.id, 0),
             "expert_days_this_term": received.get(s.id, {}).get("total", 0.0),
             "kpis": [_kpi_cell(measure, kpi_figures.get((measure.id, s.id)))
                      for measure in trust_kpis],
             "unanswered_concerns": concerns.get(s.id, 0)} for s in schools]
    _add_heat(rows)
    return {"schools": rows, "golden_rule": capacity.golden_rule(session), "breaches": breaches,
            "filters": filters, "stale_days": nudges.configured_stale_days(),
            "term": {"name": term.name, "starts_on": term.starts_on, "ends_on": term.ends_on},
            "trust_kpis": [{"measure_id": m.id, "name": m.name, "unit": m.unit,
                            "higher_is_better": m.higher_is_better, "target": m.target}
                           for m in trust_kpis]}


def _kpi_cell(measure, figure):
    latest = None
    if figure is not None and figure.latest_on is not None:
        latest = {"on": figure.latest_on, "value": figure.latest_value}
    return {"measure_id": measure.id, "latest": latest,
            "variation": figure.variation if figure else None,
            "assurance": figure.assurance if figure else None}


def heat_value(row, column):
    """The number the heat scale reads in ``column`` of a school ``row``."""
    return row["rag"]["red"] if column == "red" else row[column]


def _add_heat(rows):
    """Each row's ``heat``: ``{column: level}`` for the ``HEAT_COLUMNS``, per column."""
    for row in rows:
        row["heat"] = {}
    for column in HEAT_COLUMNS:
        for row, level in zip(rows, heat_levels([heat_value(r, column) for r in rows])):
            row["heat"][column] = level


def _scope(user):
    ids = permissions.visible_school_ids(user)
    return [] if ids is None else [School.id.in_(ids or [-1])]


# --- the flat export ----------------------------------------------------------------------

def columns_of(report):
    """``SCHOOL_COLUMNS`` and, per trust KPI, its latest value, variation and assurance:
    ``[(key, heading, type)]`` for ``flat_rows(report)``."""
    columns = [(key, heading, COLUMN_TYPES[key]) for key, heading in SCHOOL_COLUMNS]
    for kpi in report.get("trust_kpis", []):
        name, key = kpi["name"], f"kpi_{kpi['measure_id']}"
        columns += [(f"{key}_latest", f"{name}: latest", "number"),
                    (f"{key}_on", f"{name}: latest on", "date"),
                    (f"{key}_variation", f"{name}: variation", "text"),
                    (f"{key}_assurance", f"{name}: assurance", "text")]
    return columns


def flat_rows(report):
    """The report's school rows as flat dicts keyed by ``columns_of(report)``'s keys."""
    flat = []
    for row in report["schools"]:
        values = {key: row.get(key) for key, _ in SCHOOL_COLUMNS}
        values.update(row["phases"])
        values.update({rag: row["rag"][rag] for rag in RAGS}, no_rag=row["rag"][initiatives.NO_RAG])
        for kpi in row["kpis"]:
            key, latest = f"kpi_{kpi['measure_id']}", kpi["latest"] or {}
            values.update({f"{key}_latest": latest.get("value"), f"{key}_on": latest.get("on"),
                           f"{key}_variation": kpi["variation"],
                           f"{key}_assurance": kpi["assurance"]})
        flat.append(values)
    return flat
