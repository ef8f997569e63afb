"""A measure's charts and what the pages show of it.

Charts come from ``tracker.runcharts`` (the rules) applied per *segment*: the first
segment runs from the first point, its centre line frozen on the points up to
``Measure.baseline_until`` when the lead froze a baseline; each ``MeasureRebase``
starts a new segment (after a sustained change) with its own centre line and, if
given, its own frozen baseline.

Which points a chart shows (``chart_points``): one school's with ``school_id``;
otherwise, for each date, the initiative-wide value (no school) where one is recorded,
else the mean of the schools' points the viewer may see (a horizontal initiative that
records per school still gets one trust-level chart, and one point recorded for the
whole initiative does not hide the schools' points). The pages draw only points whose
dates a measurement can have (``split_drawable``) and name the others beside the chart.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import select

from tracker import clock, permissions, runcharts
from tracker.clock import today as trust_today
from tracker.errors import NotFound
from tracker.measures.records import _iso, find_measures, find_points
from tracker.models import Measure, MeasurePoint, PdsaCycle, School, Transition
from tracker.models.initiative import PHASE_LABELS

#: With no point for this long, a measure's summary says it has gone quiet.
QUIET_AFTER_DAYS = 45

#: A page draws a point dated up to this many days after today, not later: a measurement
#: is not taken in the future, but a "week ending" date may run a few days ahead.
DRAWN_DAYS_AHEAD = 7

RULES = ("ihi", "anhoej")
SERIES_INITIATIVE, SERIES_SCHOOL, SERIES_MEAN = "initiative", "school", "mean_of_schools"
#: Initiative-wide values on some dates, the schools' mean on the others.
SERIES_COMBINED = "combined"


@dataclass
class Segment:
    """One stretch of a chart with its own centre line.

    ``starts_on`` is None for the first segment (it starts with the data); ``ends_on``
    is the day before the next segment starts, None for the last.
    """

    starts_on: date | None
    ends_on: date | None
    baseline_until: date | None
    chart: runcharts.RunChart | runcharts.SpcChart
    reason: str = ""

    def to_dict(self):
        chart = self.chart
        out = {"starts_on": _iso(self.starts_on), "ends_on": _iso(self.ends_on),
               "baseline_until": _iso(self.baseline_until), "points": len(chart.points)}
        if isinstance(chart, runcharts.SpcChart):
            out.update(mean=chart.mean, mr_mean=chart.mr_mean, ucl=chart.ucl, lcl=chart.lcl)
        else:
            out.update(median=chart.median, useful_observations=chart.useful_observations)
        if isinstance(chart, runcharts.AnhoejChart):
            out.update(longest_run=chart.longest_run, longest_run_limit=chart.longest_run_limit,
                       crossings=chart.crossings, crossings_limit=chart.crossings_limit)
        return out


@dataclass
class MeasureChart:
    """A measure's run chart (``kind`` ``ihi`` or ``anhoej``) or XmR chart (``xmr``),
    in segments. The top-level numbers are those of the current segment: the last
    one that has points."""

    kind: str
    segments: list[Segment]
    school_id: int | None
    series: str
    #: Dates of the points of this series left out of the chart (``split_drawable``).
    left_out: list[date] = field(default_factory=list)

    @property
    def current(self) -> Segment:
        with_points = [s for s in self.segments if s.chart.points]
        return (with_points or self.segments)[-1]

    @property
    def points(self):
        return [p for s in self.segments for p in s.chart.points]

    @property
    def signals(self):
        return [sig for s in self.segments for sig in s.chart.signals]

    def describe(self) -> str:
        """The chart in words (runcharts.describe), segment by segment."""
        parts = []
        for i, segment in enumerate(self.segments):
            if not segment.chart.points and i:
                parts.append(f"Re-based from {segment.starts_on.isoformat()}: no points since.")
                continue
            text = runcharts.describe(segment.chart)
            if i:
                text = f"Re-based from {segment.starts_on.isoformat()}: {text}"
            if segment.baseline_until is not None:
                text += f" Centre line frozen on the baseline up to {segment.baseline_until.isoformat()}."
            parts.append(text)
        return " ".join(parts)

    def to_dict(self):
        current = self.current.chart
        points = []
        for index, segment in enumerate(self.segments):
            for point in segment.chart.points:
                points.append(point.to_dict() | {"segment": index})
        out = {"series": self.series, "school_id": self.school_id}
        if self.kind == "xmr":
            out.update(mean=current.mean, mr_mean=current.mr_mean, ucl=current.ucl,
                       lcl=current.lcl, target_within_limits=current.target_within_limits)
        else:
            out.update(median=current.median, useful_observations=current.useful_observations)
        if self.kind == "anhoej":
            out.update(longest_run=current.longest_run, longest_run_limit=current.longest_run_limit,
                       crossings=current.crossings, crossings_limit=current.crossings_limit)
        out.update(points=points, signals=[s.to_dict() for s in self.signals],
                   segments=[s.to_dict() for s in self.segments], description=self.describe())
        return out


@dataclass
class Annotation:
    """Something that happened to the initiative on a date: a phase change or a PDSA cycle."""

    on: date
    kind: str  # phase | pdsa
    label: str


@dataclass
class SchoolSeries:
    school_id: int
    school_name: str
    points: list[tuple[date, float]]

    @property
    def latest(self):
        return self.points[-1] if self.points else None


@dataclass
class MeasureSummary:
    """What the initiative page shows of one measure."""

    measure: Measure
    chart: MeasureChart
    latest_on: date | None
    latest_value: float | None
    #: Whether the latest value reaches the target in the measure's direction; None without either.
    on_target: bool | None
    days_since_latest: int | None
    quiet: bool
    annotations: list[Annotation]
    schools: list[SchoolSeries] = field(default_factory=list)

    @property
    def signals(self):
        return self.chart.signals

    @property
    def description(self):
        return self.chart.describe()

    @property
    def points_count(self):
        return len(self.chart.points)


# --------------------------------------------------------------------------- charts


def chart_points(user, points, school_id=None):
    """The ``(on, value)`` series a chart shows, and which series it is.

    ``points`` are a measure's points as ``(school_id, on, value)``. With
    ``school_id`` that school's. Otherwise one value per date: the initiative-wide
    value (no school) where there is one, it being the initiative's own figure, else
    the mean of the visible schools' values on that date. The series is ``initiative``
    when every date has an initiative-wide value, ``mean_of_schools`` (``school`` when
    one school has points) when none has, else ``combined``.
    Returns ``(series, school_id, pairs)``.
    """
    if school_id is not None:
        pairs = sorted((on, v) for s, on, v in points if s == school_id)
        return SERIES_SCHOOL, school_id, pairs
    whole = {on: v for s, on, v in points if s is None}
    visible = permissions.visible_school_ids(user) if user is not None else None
    by_date, schools = defaultdict(list), set()
    for s, on, v in points:
        if s is not None and (visible is None or s in visible) and on not in whole:
            by_date[on].append(v)
            schools.add(s)
    if not by_date:
        return SERIES_INITIATIVE, None, sorted(whole.items())
    if not whole and len(schools) == 1:
        return SERIES_SCHOOL, schools.pop(), sorted((on, vs[0]) for on, vs in by_date.items())
    # The mean is exact (runcharts compares exactly), then reported as a float.
    means = {on: float(sum(map(_fraction, vs)) / len(vs)) for on, vs in by_date.items()}
    return (SERIES_COMBINED if whole else SERIES_MEAN), None, sorted((means | whole).items())


def split_drawable(rows, today):
    """``rows`` ``(school_id, on, value)`` as ``(drawn, left_out)``: a point dated before
    the plausible range (``clock``) or more than DRAWN_DAYS_AHEAD days after ``today`` is
    left out of a chart, where it would squeeze every real point into one line."""
    first, _ = clock.date_range(today)
    last = clock.plus_days(today, DRAWN_DAYS_AHEAD)
    drawn, left_out = [], []
    for row in rows:
        (drawn if first <= row[1] <= last else left_out).append(row)
    return drawn, left_out


def _fraction(value):
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def build_chart(measure, pairs, kind="ihi", series=SERIES_INITIATIVE, school_id=None,
                left_out=()):
    """Apply the rules of ``kind`` (``ihi``, ``anhoej`` or ``xmr``) to each segment.

    ``measure.rebases`` must be loaded; ``pairs`` are ``(on, value)``; ``left_out`` the
    dates of the series' points the chart was not given, for the chart to name.
    """
    segments = []
    for start, end, until, reason, chunk, baseline in _segments(measure, pairs):
        if kind == "xmr":
            chart = _xmr(measure, chunk, baseline)
        elif kind == "anhoej":
            chart = runcharts.anhoej(chunk, baseline_count=baseline)
        else:
            chart = runcharts.run_chart(chunk, baseline_count=baseline)
        segments.append(Segment(start, clock.plus_days(end, -1) if end else None, until, chart, reason))
    return MeasureChart(kind, segments, school_id, series, sorted(left_out))


def current_xmr(measure, pairs):
    """The XmR chart of the segment ``build_chart(..., "xmr").current`` is (the latest with
    points), computed alone: what a Making Data Count reading needs, at a fraction of the
    cost of every segment's chart (a trust's dashboard reads hundreds of them)."""
    parts = _segments(measure, pairs)
    _, _, _, _, chunk, baseline = next((p for p in reversed(parts) if p[4]), parts[-1])
    return _xmr(measure, chunk, baseline)


def _xmr(measure, chunk, baseline):
    return runcharts.xmr(chunk, measure.higher_is_better, target=measure.target,
                         baseline_count=baseline)


def _segments(measure, pairs):
    """``[(starts_on, next segment's first day, baseline_until, reason, its pairs by date,
    baseline count)]``: the first segment, then one per re-base."""
    starts = [r.starts_on for r in measure.rebases]
    bounds = [(None, measure.baseline_until, "")] + [
        (r.starts_on, r.baseline_until, r.reason) for r in measure.rebases]
    ordered = sorted(pairs, key=lambda p: p[0])
    out = []
    for i, (start, until, reason) in enumerate(bounds):
        end = starts[i] if i < len(starts) else None  # the next segment's first day
        chunk = [p for p in ordered if (start is None or p[0] >= start) and (end is None or p[0] < end)]
        baseline = sum(1 for on, _ in chunk if on <= until) if until is not None else None
        baseline = baseline or None  # a frozen baseline with no points yet: use what there is
        out.append((start, end, until, reason, chunk, baseline))
    return out


def _point_rows(session, measure_ids):
    """Every point of these measures as ``(measure_id, school_id, on, value)``, in one query."""
    if not measure_ids:
        return []
    return session.execute(
        select(MeasurePoint.measure_id, MeasurePoint.school_id, MeasurePoint.on, MeasurePoint.value)
        .where(MeasurePoint.measure_id.in_(measure_ids))
        .order_by(MeasurePoint.on, MeasurePoint.id)).all()


def check_school(session, user, measure, school_id):
    """Raise NotFound unless ``school_id`` (when given) is one the user may chart: one of the
    initiative's schools they see, or for a trust KPI any existing school they see."""
    if school_id is None:
        return
    if measure.is_trust_kpi:
        if not permissions.can_see_school(user, school_id) or session.get(School, school_id) is None:
            raise NotFound("No such school.")
    elif (school_id not in measure.initiative.school_ids
          or not permissions.can_see_school(user, school_id)):
        raise NotFound("No such school on this initiative.")


def measure_chart(session, user, measure, kind="ihi", school_id=None):
    """The measure's chart for ``user``: ``kind`` ``ihi``/``anhoej`` (run chart) or ``xmr``.

    Raises NotFound for a ``school_id`` that is not one of the initiative's schools
    the user may see (for a trust KPI: not a school they see).
    """
    check_school(session, user, measure, school_id)
    rows = [(s, on, v) for _, s, on, v in _point_rows(session, [measure.id])]
    series, chosen, pairs = chart_points(user, rows, school_id)
    return build_chart(measure, pairs, kind, series, chosen)


def school_charts(session, user, measure, kind="ihi", rows=None, left_out=()):
    """One chart per school of the initiative that the user may see and that has points
    (the small multiples of a horizontal initiative), by school name. ``left_out`` are
    rows not drawn (``split_drawable``), named beside their school's chart. A trust KPI's
    small multiples are ``tracker.kpis``'s: here it has none."""
    if measure.is_trust_kpi:
        return []
    if rows is None:
        rows = [(s, on, v) for _, s, on, v in _point_rows(session, [measure.id])]
    out = []
    for school in measure.initiative.schools:
        if not permissions.can_see_school(user, school.id):
            continue
        pairs = sorted((on, v) for s, on, v in rows if s == school.id)
        if pairs:
            out.append((school, build_chart(measure, pairs, kind, SERIES_SCHOOL, school.id,
                                            [on for s, on, _ in left_out if s == school.id])))
    return out


@dataclass
class MeasureView:
    """Everything the measure page draws, from a bounded number of queries."""

    run: MeasureChart
    spc: MeasureChart
    school_charts: list
    annotations: list[Annotation]
    points: list[MeasurePoint]


def measure_view(session, user, measure, school_id=None):
    """The measure's run chart and XmR chart (one school's with ``school_id``), the
    per-school run charts, the initiative's events, and the points ``user`` may see,
    newest first. The charts leave out points whose dates a measurement cannot have
    (``split_drawable``) and list their dates; ``points`` keeps them, to be corrected.
    Raises NotFound for a school not on the initiative or not visible."""
    check_school(session, user, measure, school_id)
    # A trust KPI's page for one school lists that school's values (the others are on theirs).
    points = session.execute(find_points(user, measure, school_id if measure.is_trust_kpi else None)
                             ).scalars().all()
    rows, left_rows = split_drawable([(p.school_id, p.on, p.value) for p in points], trust_today())
    series, chosen, pairs = chart_points(user, rows, school_id)
    left_out = [on for s, on, _ in left_rows if school_id is None or s == school_id]
    return MeasureView(
        run=build_chart(measure, pairs, "ihi", series, chosen, left_out),
        spc=build_chart(measure, pairs, "xmr", series, chosen, left_out),
        school_charts=school_charts(session, user, measure, "ihi", rows, left_rows)
        if not measure.is_trust_kpi and len(measure.initiative.schools) > 1 else [],
        annotations=[] if measure.is_trust_kpi else annotations(session, measure.initiative),
        points=sorted(points, key=lambda p: (p.on, p.school_id or 0), reverse=True))


def annotations(session, initiative, loaded=None):
    """Phase changes and PDSA cycles of the initiative, by date, for a chart's time axis.

    A PDSA cycle is placed at its ``stage_since`` (the day it reached its current stage).
    ``loaded``: ``(transitions, cycles)``, the initiative's Transition and PdsaCycle records
    when the caller has them already (the initiative page), so they are not asked for again.
    """
    if loaded is not None:
        transitions = sorted(((t.at, t.to_phase) for t in loaded[0]), key=lambda row: row[0])
        cycles = sorted(((c.stage_since, c.title, c.stage) for c in loaded[1]),
                        key=lambda row: row[0])
    else:
        transitions = session.execute(
            select(Transition.at, Transition.to_phase)
            .where(Transition.initiative_id == initiative.id).order_by(Transition.at)).all()
        cycles = session.execute(
            select(PdsaCycle.stage_since, PdsaCycle.title, PdsaCycle.stage)
            .where(PdsaCycle.initiative_id == initiative.id).order_by(PdsaCycle.stage_since)).all()
    out = [Annotation(at.date() if isinstance(at, datetime) else at, "phase",
                      f"→ {PHASE_LABELS.get(to, to)}") for at, to in transitions]
    out += [Annotation(on, "pdsa", f"PDSA “{title}” ({stage})") for on, title, stage in cycles]
    return sorted(out, key=lambda a: a.on)


def measure_summaries(session, initiative, today=None, viewer=None, loaded=None):
    """Each measure of ``initiative`` with its latest value, target and run-chart signals.

    Bounded: the measures (with re-bases), all their points in one query, and the
    initiative's phase changes and PDSA cycles (unless ``loaded``, as ``annotations``
    takes it), whatever the number of points. ``viewer`` limits per-school data to the
    schools they may see (None: every school).
    """
    today = today or trust_today()
    measures = session.execute(find_measures(initiative)).scalars().all()
    rows = _point_rows(session, [m.id for m in measures])
    notes = annotations(session, initiative, loaded) if measures else []
    by_measure = defaultdict(list)
    for measure_id, school_id, on, value in rows:
        by_measure[measure_id].append((school_id, on, value))
    names = {s.id: s.name for s in initiative.schools}
    visible = permissions.visible_school_ids(viewer) if viewer is not None else None
    summaries = []
    for measure in measures:
        points = by_measure[measure.id]
        drawn, left_rows = split_drawable(points, today)
        series, chosen, pairs = chart_points(viewer, drawn, None)
        chart = build_chart(measure, pairs, "ihi", series, chosen,
                            [on for s, on, _ in left_rows if s is None or visible is None or s in visible])
        latest = pairs[-1] if pairs else None
        schools = [SchoolSeries(sid, names.get(sid, ""), sorted((on, v) for s, on, v in points if s == sid))
                   for sid in sorted({s for s, _, _ in points if s is not None}, key=lambda i: names.get(i, ""))
                   if visible is None or sid in visible]
        summaries.append(MeasureSummary(
            measure=measure, chart=chart,
            latest_on=latest[0] if latest else None, latest_value=latest[1] if latest else None,
            on_target=_on_target(measure, latest[1] if latest else None),
            days_since_latest=(today - latest[0]).days if latest else None,
            quiet=bool(latest) and (today - latest[0]).days > QUIET_AFTER_DAYS,
            annotations=notes, schools=schools))
    return summaries


def _on_target(measure, value):
    if value is None or measure.target is None:
        return None
    return value >= measure.target if measure.higher_is_better else value <= measure.target
