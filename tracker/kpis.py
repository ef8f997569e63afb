"""Trust KPIs read the way boards are taught to read them: NHS England's "Making Data Count".

A trust KPI is a measure with no initiative (``Measure.is_trust_kpi``), recorded by every
school; its writes are ``tracker.measures``'s (``create_measure`` with no initiative,
``record_point`` with the school). This module compares the schools:

- each school's XmR chart is ``measures.build_chart(..., "xmr")`` over that school's points
  (``runcharts.xmr``, segment by segment after re-bases and frozen baselines, as every
  measure chart);
- **variation** (API.md): ``concern`` when the school's latest point lies inside a concern
  signal, else ``improvement`` when inside an improvement signal, else ``common_cause``;
- **assurance**: ``pass`` when the target lies on the good side of both limits (the process
  meets it every time), ``fail`` when beyond the limit on the bad side (it will not meet it
  without change), else ``uncertain`` (the target is between the limits, inclusive, as
  ``SpcChart.target_within_limits``);
- both are None with fewer than ``MIN_POINTS`` points, and assurance is None without a target.

The judgement is of the current process: the chart segment that holds the latest point
(after a re-base, the limits before it no longer describe the school), so it needs
``MIN_POINTS`` points since the latest re-base. ``n`` counts all the school's points.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import measures, permissions
from tracker.errors import NotFound
from tracker.models import Measure, MeasurePoint, School
from tracker.runcharts import CONCERN, IMPROVEMENT

#: Fewer points than this and the limits are too rough to judge a school by.
MIN_POINTS = 12

COMMON_CAUSE = "common_cause"
VARIATIONS = (IMPROVEMENT, CONCERN, COMMON_CAUSE)
PASS, FAIL, UNCERTAIN = "pass", "fail", "uncertain"
ASSURANCES = (PASS, FAIL, UNCERTAIN)


@dataclass
class SchoolKpi:
    """One school's reading of one trust KPI (API.md ``GET /measures/{id}/schools``)."""

    school_id: int
    latest_on: date | None
    latest_value: float | None
    n: int
    variation: str | None
    assurance: str | None
    #: The school's XmR chart (``measures.MeasureChart``), for the pages to draw.
    chart: measures.MeasureChart | None = field(default=None, repr=False, compare=False)

    def to_dict(self):
        latest = (None if self.latest_on is None
                  else {"on": self.latest_on.isoformat(), "value": self.latest_value})
        return {"school_id": self.school_id, "latest": latest, "n": self.n,
                "variation": self.variation, "assurance": self.assurance}


# --------------------------------------------------------------------------- the rules


def variation(spc):
    """The Making Data Count variation of an XmR chart (``runcharts.SpcChart``): the kind
    of the signals its latest point lies inside, ``concern`` winning; None under MIN_POINTS."""
    if len(spc.points) < MIN_POINTS:
        return None
    latest = spc.points[-1].on
    kinds = {s.kind for s in spc.signals if s.start_on <= latest <= s.end_on}
    if CONCERN in kinds:
        return CONCERN
    return IMPROVEMENT if IMPROVEMENT in kinds else COMMON_CAUSE


def assurance(spc):
    """The Making Data Count assurance of an XmR chart against its target; None under
    MIN_POINTS or without a target."""
    if len(spc.points) < MIN_POINTS:
        return None
    return target_against_limits(spc)


def target_against_limits(spc):
    """Where an XmR chart's target lies against its limits, in assurance's words, whatever
    the number of points: ``pass``, ``fail``, ``uncertain``; None without a target or limits."""
    if spc.target is None or spc.ucl is None:
        return None
    if spc.lcl <= spc.target <= spc.ucl:
        return UNCERTAIN
    higher_is_better = spc.higher_is_better is not False
    on_good_side = spc.target < spc.lcl if higher_is_better else spc.target > spc.ucl
    return PASS if on_good_side else FAIL


def judge(measure, school_id, pairs):
    """``SchoolKpi`` of ``measure`` for one school from its points ``(on, value)``, with the
    school's whole chart for the pages to draw. ``measure.rebases`` must be loaded."""
    return reading(measures.build_chart(measure, pairs, "xmr", measures.SERIES_SCHOOL, school_id),
                   school_id)


def judge_only(measure, school_id, pairs):
    """``judge`` without the chart: the same reading, from the current segment's chart alone
    (``measures.current_xmr``), for the reports that show icons, not charts.

    A reading depends only on its inputs, so it is remembered by them (the rules of the
    measure, the school and every point): a worker that drew the trust's dashboard once
    judges only the series that changed since. Nothing can go stale, as any change to a
    point, a re-base, the target or the direction is a different key."""
    if not pairs:
        return SchoolKpi(school_id, None, None, 0, None, None)
    rules = (measure.higher_is_better, measure.target, measure.baseline_until,
             tuple((r.starts_on, r.baseline_until) for r in measure.rebases))
    return replace(_reading_of(rules, school_id, tuple(pairs)))


#: About 10 MB at most: a trust of 120 schools and 4 KPIs needs 480 readings, and the weekly
#: digest as many again for a week ago.
@lru_cache(maxsize=1024)
def _reading_of(rules, school_id, pairs):
    higher_is_better, target, baseline_until, rebases = rules
    measure = SimpleNamespace(
        higher_is_better=higher_is_better, target=target, baseline_until=baseline_until,
        rebases=[SimpleNamespace(starts_on=on, baseline_until=until, reason="")
                 for on, until in rebases])
    latest_on, latest_value = max(enumerate(pairs), key=lambda p: (p[1][0], p[0]))[1]
    spc = measures.current_xmr(measure, pairs)
    return SchoolKpi(school_id, latest_on, float(latest_value), len(pairs), variation(spc),
                     assurance(spc))


def reading(chart, school_id):
    """``SchoolKpi`` from a school's XmR chart (``measures.MeasureChart`` of kind ``xmr``)."""
    current = chart.current.chart
    latest = chart.points[-1] if chart.points else None
    return SchoolKpi(school_id, latest.on if latest else None, latest.value if latest else None,
                     len(chart.points), variation(current), assurance(current), chart)


# --------------------------------------------------------------------------- questions


def trust_kpis(session):
    """The trust's KPIs, by name, with their re-bases loaded (two queries)."""
    return session.execute(
        select(Measure).where(Measure.initiative_id.is_(None))
        .options(selectinload(Measure.rebases)).order_by(Measure.name, Measure.id)).scalars().all()


def find_kpis():
    """A select of the trust's KPIs by name, re-bases loaded (for a paged list)."""
    return (select(Measure).where(Measure.initiative_id.is_(None))
            .options(selectinload(Measure.rebases)).order_by(Measure.name, Measure.id))


def get_kpi(session, user, measure_id, action=permissions.READ):
    """A trust KPI by id (NotFound when there is none, or it is an initiative's measure)."""
    measure = session.get(Measure, measure_id) if permissions.is_id(measure_id) else None
    if measure is None or not measure.is_trust_kpi:
        raise NotFound("No such trust KPI.")
    return measures.get_measure(session, user, measure_id, action)


def create_kpi(session, actor, **values):
    """Define a trust KPI (admins and the central team): ``name``, ``unit``,
    ``higher_is_better``, ``target``, ``kind``... as ``measures.create_measure``."""
    return measures.create_measure(session, actor, None, **values)


def visible_schools(session, user, school_ids=None):
    """The schools ``user`` sees (narrowed to ``school_ids`` when given), by name: one query."""
    stmt = select(School).order_by(School.name, School.id)
    visible = permissions.visible_school_ids(user)
    if visible is not None:
        stmt = stmt.where(School.id.in_(visible or [-1]))
    if school_ids is not None:
        stmt = stmt.where(School.id.in_(list(school_ids) or [-1]))
    return session.execute(stmt).scalars().all()


def _pairs_by(session, measure_ids, school_ids, as_of=None):
    """``{(measure_id, school_id): [(on, value), ...]}`` for these KPIs and schools (only the
    points dated ``as_of`` or before, when given): one query."""
    out = defaultdict(list)
    if not measure_ids or not school_ids:
        return out
    stmt = (select(MeasurePoint.measure_id, MeasurePoint.school_id, MeasurePoint.on, MeasurePoint.value)
            .where(MeasurePoint.measure_id.in_(list(measure_ids)),
                   MeasurePoint.school_id.in_(list(school_ids))))
    if as_of is not None:
        stmt = stmt.where(MeasurePoint.on <= as_of)
    rows = session.execute(stmt.order_by(MeasurePoint.on, MeasurePoint.id))
    for measure_id, school_id, on, value in rows:
        out[(measure_id, school_id)].append((on, value))
    return out


def compare_schools(session, user, measure, schools=None):
    """``measure`` (a trust KPI) in each school ``user`` sees, by school name: every visible
    school, one with no points too (``latest`` None, ``n`` 0). Three queries at most
    (the schools unless given, the points, the re-bases if not loaded)."""
    schools = visible_schools(session, user) if schools is None else schools
    ids = [s.id for s in schools]
    pairs = _pairs_by(session, [measure.id], ids)
    return [judge(measure, school_id, pairs[(measure.id, school_id)]) for school_id in ids]


def summaries(session, user, school_ids, as_of=None, kpi_list=None):
    """Every trust KPI (or those of ``kpi_list``, when the caller has them) in each of
    ``school_ids`` that ``user`` sees:
    ``{(measure_id, school_id): SchoolKpi}``, a pair for every KPI and school (``n`` 0 when
    the school has no point). ``as_of`` reads them as they stood on that day (its points
    up to it; the weekly digest compares today with a week ago). Three queries whatever
    the number of schools, KPIs or points: the KPIs, their re-bases and the points."""
    visible = permissions.visible_school_ids(user)
    ids = [s for s in school_ids if visible is None or s in visible]
    kpis = trust_kpis(session) if kpi_list is None else kpi_list
    pairs = _pairs_by(session, [k.id for k in kpis], ids, as_of)
    return {(k.id, s): judge_only(k, s, pairs[(k.id, s)]) for k in kpis for s in ids}


@dataclass
class KpiBoard:
    """One KPI's small multiples: each visible school's reading and the scale they share
    (``(first date, last date, lowest, highest)``, None when no school has a point)."""

    measure: Measure
    rows: list  # (School, SchoolKpi)
    scale: tuple | None


def boards(session, user, kpi_list=None):
    """The small multiples of every trust KPI (or of ``kpi_list``) across the schools ``user``
    sees, each KPI on one scale: four queries whatever the number of schools or points
    (schools, KPIs, re-bases, points)."""
    schools = visible_schools(session, user)
    kpi_list = trust_kpis(session) if kpi_list is None else kpi_list
    pairs = _pairs_by(session, [k.id for k in kpi_list], [s.id for s in schools])
    out = []
    for kpi in kpi_list:
        rows = [(s, judge(kpi, s.id, pairs[(kpi.id, s.id)])) for s in schools]
        out.append(KpiBoard(kpi, rows, shared_scale([r.chart for _, r in rows], kpi.target)))
    return out


def shared_scale(charts, target=None):
    """The time span and value range that hold every chart's points, limits and ``target``."""
    dates, values = [], []
    for chart in charts:
        if chart is None or not chart.points:
            continue
        dates += [p.on for p in chart.points]
        values += [p.value for p in chart.points]
        for segment in chart.segments:
            c = segment.chart
            values += [v for v in (c.mean, c.ucl, c.lcl) if v is not None]
    if not dates:
        return None
    if target is not None:
        values.append(target)
    return min(dates), max(dates), min(values), max(values)
