"""Measures: what an initiative watches over time, their points, and their charts.

A measure has points ``(on, value)``, each for the initiative as a whole (no school)
or for one of its schools; a date holds one value per school, so recording the same
date and school again replaces the value (or is refused), never doubles it.

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

import csv
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from tracker import clock, permissions, runcharts
from tracker.clock import today as trust_today
from tracker.errors import Conflict, Invalid, NotFound, check_version
from tracker.locks import hold
from tracker.models import Measure, MeasurePoint, MeasureRebase, PdsaCycle, Transition
from tracker.models.initiative import PHASE_LABELS
from tracker.models.measure import MEASURE_KINDS

MAX_NAME = 200
MAX_UNIT = 40
MAX_REASON = 2000
#: A value beyond this is a typo or a unit error, not a measurement.
MAX_MAGNITUDE = 1e12
MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_CHARS = 2_000_000
#: With no point for this long, a measure's summary says it has gone quiet.
QUIET_AFTER_DAYS = 45

#: A page draws a point dated up to this many days after today, not later: a measurement
#: is not taken in the future, but a "week ending" date may run a few days ahead.
DRAWN_DAYS_AHEAD = 7

RULES = ("ihi", "anhoej")
SERIES_INITIATIVE, SERIES_SCHOOL, SERIES_MEAN = "initiative", "school", "mean_of_schools"
#: Initiative-wide values on some dates, the schools' mean on the others.
SERIES_COMBINED = "combined"


# --------------------------------------------------------------------------- results


@dataclass
class RecordedPoint:
    """What ``record_point`` did: the point, and the value it replaced if any."""

    point: MeasurePoint
    replaced: bool = False
    previous_value: float | None = None


@dataclass
class ImportRow:
    """One data row of an import: ``row`` is its row number in the file (header = 1)."""

    row: int
    status: str  # accepted | refused
    reason: str | None = None
    on: date | None = None
    value: float | None = None
    school_id: int | None = None
    replaced: bool = False

    def to_dict(self):
        return {"row": self.row, "status": self.status, "reason": self.reason,
                "on": self.on.isoformat() if self.on else None, "value": self.value,
                "school_id": self.school_id, "replaced": self.replaced}


@dataclass
class ImportReport:
    rows: list[ImportRow]

    @property
    def accepted(self):
        return sum(r.status == "accepted" for r in self.rows)

    @property
    def refused(self):
        return sum(r.status == "refused" for r in self.rows)

    @property
    def replaced(self):
        return sum(r.replaced for r in self.rows)

    def to_dict(self):
        return {"accepted": self.accepted, "refused": self.refused, "replaced": self.replaced,
                "rows": [r.to_dict() for r in self.rows]}


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


# --------------------------------------------------------------------------- parsing


def parse_value(raw, field_name="value"):
    """A finite number from a number or a string (a trailing ``%`` is allowed).

    Raises Invalid naming ``field_name`` for booleans, text, NaN, infinities and
    numbers too large to be a measurement.
    """
    if isinstance(raw, bool) or raw is None:
        raise _bad(field_name, "Enter a number.")
    if isinstance(raw, str):
        text = raw.strip().removesuffix("%").strip()
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
            raise _bad(field_name, "Enter a number, like 94.5.")
        raw = text
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise _bad(field_name, "Enter a number, like 94.5.") from None
    if not math.isfinite(value):
        raise _bad(field_name, "Enter a finite number.")
    if abs(value) > MAX_MAGNITUDE:
        raise _bad(field_name, "This number is too large to be a measurement.")
    return value


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_date(raw, field_name="on"):
    """A date from a date or a string: ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (also with
    ``-`` or ``.``), optionally followed by a time, as MIS exports write them.

    Raises Invalid for anything else, an impossible date (31/02/2026) or one outside
    the trust's plausible range (``clock.plausible``).
    """
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        clock.check_plausible_date(raw, field_name)
        return raw
    if not isinstance(raw, str):
        raise _bad(field_name, "Enter a date as YYYY-MM-DD or DD/MM/YYYY.")
    text = re.split(r"[T ]", raw.strip(), maxsplit=1)[0]
    iso, uk = _ISO.fullmatch(text), _UK.fullmatch(text)
    if iso:
        year, month, day = map(int, iso.groups())
    elif uk:
        day, month, year = map(int, uk.groups())
    else:
        raise _bad(field_name, "Enter a date as YYYY-MM-DD or DD/MM/YYYY.")
    try:
        on = date(year, month, day)
    except ValueError:
        raise _bad(field_name, f"{raw.strip()} is not a real date.") from None
    clock.check_plausible_date(on, field_name)
    return on


def decode_upload(data: bytes) -> str:
    """An uploaded CSV as text: UTF-8 (with or without Excel's byte-order mark), else
    Windows-1252, which is what a spreadsheet on a school PC saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _bad(field_name, message):
    return Invalid(message, fields={field_name: [message]})


def _iso(value):
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- measures


def get_measure(session, user, measure_id, action=permissions.READ):
    """The measure, if ``user`` may do ``action`` to its initiative.

    Raises NotFound when it does not exist or its initiative is not visible, and
    Forbidden when visible but the action is not allowed.
    """
    return permissions.get_initiative_part(session, user, Measure, measure_id, action, "measure")


def find_measures(initiative):
    """A select of the initiative's measures, in the order they were added."""
    return (select(Measure).where(Measure.initiative_id == initiative.id)
            .options(selectinload(Measure.rebases)).order_by(Measure.id))


def create_measure(session, actor, initiative, *, name, unit="", kind="outcome",
                   higher_is_better=True, baseline=None, target=None, baseline_until=None):
    """Add a measure to ``initiative``. Raises Forbidden without WRITE, Invalid on bad fields."""
    permissions.require(actor, permissions.WRITE, initiative)
    measure = Measure(initiative_id=initiative.id, initiative=initiative, rebases=[])
    _apply(measure, {"name": name, "unit": unit, "kind": kind,
                     "higher_is_better": higher_is_better, "baseline": baseline,
                     "target": target, "baseline_until": baseline_until})
    session.add(measure)
    session.flush()
    return measure


def update_measure(session, actor, measure, version, **changes):
    """Edit a measure; ``version`` must be the one the actor read (else StaleVersion).

    Setting ``baseline_until`` freezes the first segment's centre line and limits on
    the points up to that day; None unfreezes it.
    """
    permissions.require(actor, permissions.WRITE, measure.initiative)
    check_version(measure, version)
    _apply(measure, changes)
    session.flush()
    return measure


def delete_measure(session, actor, measure):
    """Remove a measure with its points and re-bases."""
    permissions.require(actor, permissions.WRITE, measure.initiative)
    # Explicitly: SQLite does not enforce the foreign key's ON DELETE CASCADE here.
    session.execute(delete(MeasurePoint).where(MeasurePoint.measure_id == measure.id))
    session.delete(measure)
    session.flush()


def _apply(measure, values):
    problems = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            problems["name"] = ["Give the measure a name."]
        elif len(name) > MAX_NAME:
            problems["name"] = [f"Use at most {MAX_NAME} characters."]
        measure.name = name
    if "unit" in values:
        unit = (values["unit"] or "").strip()
        if len(unit) > MAX_UNIT:
            problems["unit"] = [f"Use at most {MAX_UNIT} characters."]
        measure.unit = unit
    if "kind" in values:
        if values["kind"] not in MEASURE_KINDS:
            problems["kind"] = [f"Choose one of: {', '.join(MEASURE_KINDS)}."]
        measure.kind = values["kind"]
    if "higher_is_better" in values:
        if not isinstance(values["higher_is_better"], bool):
            problems["higher_is_better"] = ["Say whether higher is better: true or false."]
        measure.higher_is_better = values["higher_is_better"]
    for key in ("baseline", "target"):
        if key in values:
            try:
                setattr(measure, key, None if values[key] is None else parse_value(values[key], key))
            except Invalid as error:
                problems.update(error.fields)
    if "baseline_until" in values:
        until = values["baseline_until"]
        try:
            until = None if until is None else parse_date(until, "baseline_until")
        except Invalid as error:
            problems.update(error.fields)
        else:
            first = measure.rebases[0].starts_on if measure.rebases else None
            if until is not None and first is not None and until >= first:
                problems["baseline_until"] = [
                    f"The baseline must end before the first re-base on {first.isoformat()}."]
            measure.baseline_until = until
    if problems:
        raise Invalid("The measure is not valid.", fields=problems)


# --------------------------------------------------------------------------- re-basing


def add_rebase(session, actor, measure, starts_on, baseline_until=None, reason=""):
    """Start a new chart segment on ``starts_on`` after a sustained change.

    The segment's centre line (and limits) come from its own points, or from those
    up to ``baseline_until`` when given. Raises Invalid when the date is taken, falls
    inside the frozen baseline, or the baseline would run into the next segment.
    """
    permissions.require(actor, permissions.WRITE, measure.initiative)
    starts_on = parse_date(starts_on, "starts_on")
    baseline_until = None if baseline_until is None else parse_date(baseline_until, "baseline_until")
    reason = (reason or "").strip()
    problems = {}
    if any(r.starts_on == starts_on for r in measure.rebases):
        problems["starts_on"] = ["The chart is already re-based on this day."]
    elif measure.baseline_until is not None and starts_on <= measure.baseline_until:
        problems["starts_on"] = [
            f"Re-base after the frozen baseline, which ends on {measure.baseline_until.isoformat()}."]
    if baseline_until is not None:
        later = [r.starts_on for r in measure.rebases if r.starts_on > starts_on]
        if baseline_until < starts_on:
            problems["baseline_until"] = ["The new baseline must end on or after the re-base day."]
        elif later and baseline_until >= min(later):
            problems["baseline_until"] = [
                f"The new baseline must end before the next re-base on {min(later).isoformat()}."]
    if len(reason) > MAX_REASON:
        problems["reason"] = [f"Use at most {MAX_REASON} characters."]
    if problems:
        raise Invalid("The re-base is not valid.", fields=problems)
    rebase = MeasureRebase(starts_on=starts_on, baseline_until=baseline_until, reason=reason,
                           created_by_id=actor.id)
    measure.rebases.append(rebase)
    measure.rebases.sort(key=lambda r: r.starts_on)
    session.flush()
    return rebase


def remove_rebase(session, actor, measure, rebase_id):
    """Undo a re-base: its points rejoin the segment before it."""
    permissions.require(actor, permissions.WRITE, measure.initiative)
    rebase = next((r for r in measure.rebases if r.id == rebase_id), None)
    if rebase is None:
        raise NotFound("No such re-base.")
    measure.rebases.remove(rebase)
    session.flush()


# --------------------------------------------------------------------------- points


def _school_for(actor, initiative, school_id, field_name="school_id"):
    """The school id if it is one of the initiative's schools the actor may see."""
    if school_id is None:
        return None
    ids = {s.id for s in initiative.schools}
    if (isinstance(school_id, bool) or not isinstance(school_id, int)
            or school_id not in ids or not permissions.can_see_school(actor, school_id)):
        raise _bad(field_name, "Not one of this initiative's schools.")
    return school_id


def _existing_point(session, measure, on, school_id):
    school_match = (MeasurePoint.school_id.is_(None) if school_id is None
                    else MeasurePoint.school_id == school_id)
    return session.execute(select(MeasurePoint).where(
        MeasurePoint.measure_id == measure.id, MeasurePoint.on == on, school_match)
    ).scalar_one_or_none()


def record_point(session, actor, measure, on, value, school_id=None, replace=True):
    """Record ``value`` on ``on`` for the initiative (or one of its schools).

    A point already on that date for that school is replaced (the result says so,
    with the value it replaced) or, with ``replace=False``, refused with Conflict
    ``duplicate_point``. Points written at the same moment take turns (the measure is
    held): the first on a date and school creates it, each later one replaces the value
    the one before it wrote. Raises Invalid, naming every bad field, for a value that is
    not a finite number, an impossible date, or a school that is not one of the
    initiative's (or not visible to the actor).
    """
    permissions.require(actor, permissions.WRITE, measure.initiative)
    problems, parsed = {}, {}
    for key, parse in (("on", lambda: parse_date(on)), ("value", lambda: parse_value(value)),
                       ("school_id", lambda: _school_for(actor, measure.initiative, school_id))):
        try:
            parsed[key] = parse()
        except Invalid as error:
            problems.update(error.fields)
    if problems:
        raise Invalid("The point is not valid.", fields=problems)
    hold(session, measure)
    existing = _existing_point(session, measure, parsed["on"], parsed["school_id"])
    if existing is not None:
        if not replace:
            raise Conflict("There is already a value on this date for this school.",
                           code="duplicate_point",
                           fields={"on": ["A value is already recorded on this date."]})
        previous = existing.value
        existing.value = parsed["value"]
        session.flush()
        return RecordedPoint(existing, replaced=True, previous_value=previous)
    point = MeasurePoint(measure_id=measure.id, on=parsed["on"], value=parsed["value"],
                         school_id=parsed["school_id"])
    session.add(point)
    session.flush()
    return RecordedPoint(point)


def delete_point(session, actor, measure, point_id):
    """Remove one point (a value recorded by mistake)."""
    permissions.require(actor, permissions.WRITE, measure.initiative)
    point = session.get(MeasurePoint, point_id) if permissions.is_id(point_id) else None
    if (point is None or point.measure_id != measure.id
            or (point.school_id is not None and not permissions.can_see_school(actor, point.school_id))):
        raise NotFound("No such point.")
    session.delete(point)
    session.flush()


def find_points(user, measure, school_id=None):
    """A select of the measure's points ``user`` may see, by date then school.

    ``school_id`` narrows to one school; 0 means only initiative-wide points.
    """
    stmt = select(MeasurePoint).where(MeasurePoint.measure_id == measure.id)
    if school_id == 0:
        stmt = stmt.where(MeasurePoint.school_id.is_(None))
    elif school_id is not None:
        stmt = stmt.where(MeasurePoint.school_id == school_id)
    visible = permissions.visible_school_ids(user)
    if visible is not None:
        stmt = stmt.where(MeasurePoint.school_id.is_(None)
                          | MeasurePoint.school_id.in_(visible or [-1]))
    return stmt.order_by(MeasurePoint.on, MeasurePoint.school_id, MeasurePoint.id)


# --------------------------------------------------------------------------- CSV import

DATE_HEADERS = {"date", "on", "day", "week", "weekcommencing", "wc", "weekbeginning",
                "weekstarting", "weekending", "daterecorded", "recordedon", "period", "periodend"}
VALUE_HEADERS = {"value", "score", "result", "percentage", "percent", "pct", "count", "total",
                 "rate", "measure", "amount"}
NOTE_HEADERS = {"note", "notes", "comment", "comments", "pupil", "pupils", "name", "class",
                "group", "year", "yeargroup"}
SCHOOL_HEADERS = {"school", "schoolid", "urn", "schoolurn", "establishment", "establishmenturn",
                  "schoolname", "laestab"}


def _header_key(cell):
    return re.sub(r"[^a-z]", "", cell.strip().lower())


def _columns(first_row):
    """(date, value, school) column indexes from a header row, or None if it is not one."""
    keys = [_header_key(c) for c in first_row]
    found = {}
    for index, key in enumerate(keys):
        for name, known in (("date", DATE_HEADERS), ("value", VALUE_HEADERS),
                            ("school", SCHOOL_HEADERS)):
            if key in known and name not in found:
                found[name] = index
                break
    if "date" in found and "value" not in found:
        # An export names its value column after the measure ("Attendance %"): take the
        # first column that is neither the date, the school nor a note.
        claimed = {found["date"], found.get("school")}
        found["value"] = next((i for i, key in enumerate(keys)
                               if i not in claimed and key and key not in NOTE_HEADERS), None)
    if found.get("date") is not None and found.get("value") is not None:
        return found["date"], found["value"], found.get("school")
    return None


def _read_rows(text):
    if "\x00" in text:
        raise _bad("file", "This is not a CSV file (it contains binary data).")
    text = text.lstrip("\ufeff")
    if len(text) > MAX_IMPORT_CHARS:
        raise _bad("file", "The file is too large: split it into smaller files.")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise _bad("file", f"The file is not a readable CSV: {error}.") from None
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise _bad("file", "The file is empty.")
    if len(numbered) > MAX_IMPORT_ROWS + 1:
        raise _bad("file", f"The file has more than {MAX_IMPORT_ROWS} rows: split it.")
    return numbered


def _school_lookup(actor, initiative):
    """School ids by URN, by id and by name, among the initiative's schools the actor sees."""
    by_urn, by_id, by_name = {}, {}, {}
    for school in initiative.schools:
        if permissions.can_see_school(actor, school.id):
            by_urn[school.urn.strip().lower()] = school.id
            by_id[str(school.id)] = school.id
            by_name[school.name.strip().lower()] = school.id

    def find(cell):
        key = cell.strip().lower()
        if not key:
            return None
        # A URN is the DfE number an MIS exports; an id is ours. URNs win a clash.
        found = by_urn.get(key) or by_id.get(key) or by_name.get(key)
        if found is None:
            raise _bad("school", f"“{cell.strip()}” is not one of this initiative's schools "
                                 "(give its URN or id).")
        return found
    return find


def import_points_csv(session, actor, measure, text):
    """Import points from CSV text (an MIS export) and report on every row.

    Shape: a header naming a date column and a value column (``date,value``, or
    names like ``Week commencing``, ``Score``) and optionally a school column (URN,
    id or name); comma-, semicolon- or tab-separated; dates ``YYYY-MM-DD`` or
    ``DD/MM/YYYY``. Without a header, columns are taken as date, value[, school].
    Good rows are written and bad ones refused with a reason; a row whose date and
    school already hold a value replaces it (the report says so); a row repeating
    an earlier row's date and school is refused. One flush: the caller's single
    commit writes the whole import or nothing.

    Raises Forbidden without WRITE and Invalid (field ``file``) when the file as a
    whole cannot be read.
    """
    permissions.require(actor, permissions.WRITE, measure.initiative)
    numbered = _read_rows(text)
    columns = _columns(numbered[0][1])
    if columns is None:
        try:
            parse_date(numbered[0][1][0])
        except Invalid:
            raise _bad("file", "The first row must be a header naming the columns: "
                               "date,value and optionally school.") from None
        columns = (0, 1, 2)
    else:
        numbered = numbered[1:]
    find_school = _school_lookup(actor, measure.initiative)
    hold(session, measure)  # points recorded meanwhile wait, so none doubles a row here
    existing = {(p.school_id, p.on): p for p in session.execute(
        select(MeasurePoint).where(MeasurePoint.measure_id == measure.id)).scalars()}
    seen, report = {}, []
    for number, cells in numbered:
        row = _import_row(number, cells, columns, find_school)
        if row.status == "accepted":
            key = (row.school_id, row.on)
            if key in seen:
                row = ImportRow(number, "refused", f"Repeats the date and school of row {seen[key]}.",
                                row.on, row.value, row.school_id)
            else:
                seen[key] = number
                row = _write_row(session, measure, row, existing)
        report.append(row)
    session.flush()
    return ImportReport(report)


def _import_row(number, cells, columns, find_school):
    date_col, value_col, school_col = columns

    def cell(index):
        return cells[index] if index is not None and index < len(cells) else ""

    reasons, on, value, school_id = [], None, None, None
    for parse, raw, label in ((parse_date, cell(date_col), "date"),
                              (parse_value, cell(value_col), "value"),
                              (find_school, cell(school_col), "school")):
        if label != "school" and not raw.strip():
            reasons.append(f"No {label}.")
            continue
        try:
            result = parse(raw)
        except Invalid as error:
            message = next(iter(error.fields.values()))[0]
            reasons.append(f"{label.capitalize()} “{raw.strip()[:40]}”: {message}"
                           if label != "school" else message)
            continue
        if label == "date":
            on = result
        elif label == "value":
            value = result
        else:
            school_id = result
    if reasons:
        return ImportRow(number, "refused", " ".join(reasons), on, value, school_id)
    return ImportRow(number, "accepted", None, on, value, school_id)


def _write_row(session, measure, row, existing):
    point = existing.get((row.school_id, row.on))
    if point is not None:
        previous, point.value = point.value, row.value
        row.replaced = True
        row.reason = f"Replaced the earlier value {_number(previous)}."
        return row
    point = MeasurePoint(measure_id=measure.id, on=row.on, value=row.value, school_id=row.school_id)
    session.add(point)
    existing[(row.school_id, row.on)] = point
    return row


def _number(value):
    return f"{value:g}" if value is not None else ""


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
    starts = [r.starts_on for r in measure.rebases]
    bounds = [(None, measure.baseline_until, "")] + [
        (r.starts_on, r.baseline_until, r.reason) for r in measure.rebases]
    ordered = sorted(pairs, key=lambda p: p[0])
    segments = []
    for i, (start, until, reason) in enumerate(bounds):
        end = starts[i] if i < len(starts) else None  # the next segment's first day
        chunk = [p for p in ordered if (start is None or p[0] >= start) and (end is None or p[0] < end)]
        baseline = sum(1 for on, _ in chunk if on <= until) if until is not None else None
        baseline = baseline or None  # a frozen baseline with no points yet: use what there is
        if kind == "xmr":
            chart = runcharts.xmr(chunk, measure.higher_is_better, target=measure.target,
                                  baseline_count=baseline)
        elif kind == "anhoej":
            chart = runcharts.anhoej(chunk, baseline_count=baseline)
        else:
            chart = runcharts.run_chart(chunk, baseline_count=baseline)
        segments.append(Segment(start, clock.plus_days(end, -1) if end else None, until, chart, reason))
    return MeasureChart(kind, segments, school_id, series, sorted(left_out))


def _point_rows(session, measure_ids):
    """Every point of these measures as ``(measure_id, school_id, on, value)``, in one query."""
    if not measure_ids:
        return []
    return session.execute(
        select(MeasurePoint.measure_id, MeasurePoint.school_id, MeasurePoint.on, MeasurePoint.value)
        .where(MeasurePoint.measure_id.in_(measure_ids))
        .order_by(MeasurePoint.on, MeasurePoint.id)).all()


def measure_chart(session, user, measure, kind="ihi", school_id=None):
    """The measure's chart for ``user``: ``kind`` ``ihi``/``anhoej`` (run chart) or ``xmr``.

    Raises NotFound for a ``school_id`` that is not one of the initiative's schools
    the user may see.
    """
    if school_id is not None and (school_id not in measure.initiative.school_ids
                                  or not permissions.can_see_school(user, school_id)):
        raise NotFound("No such school on this initiative.")
    rows = [(s, on, v) for _, s, on, v in _point_rows(session, [measure.id])]
    series, chosen, pairs = chart_points(user, rows, school_id)
    return build_chart(measure, pairs, kind, series, chosen)


def school_charts(session, user, measure, kind="ihi", rows=None, left_out=()):
    """One chart per school of the initiative that the user may see and that has points
    (the small multiples of a horizontal initiative), by school name. ``left_out`` are
    rows not drawn (``split_drawable``), named beside their school's chart."""
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
    if school_id is not None and (school_id not in measure.initiative.school_ids
                                  or not permissions.can_see_school(user, school_id)):
        raise NotFound("No such school on this initiative.")
    points = session.execute(find_points(user, measure)).scalars().all()
    rows, left_rows = split_drawable([(p.school_id, p.on, p.value) for p in points], trust_today())
    series, chosen, pairs = chart_points(user, rows, school_id)
    left_out = [on for s, on, _ in left_rows if school_id is None or s == school_id]
    return MeasureView(
        run=build_chart(measure, pairs, "ihi", series, chosen, left_out),
        spc=build_chart(measure, pairs, "xmr", series, chosen, left_out),
        school_charts=school_charts(session, user, measure, "ihi", rows, left_rows)
        if len(measure.initiative.schools) > 1 else [],
        annotations=annotations(session, measure.initiative),
        points=sorted(points, key=lambda p: (p.on, p.school_id or 0), reverse=True))


def annotations(session, initiative):
    """Phase changes and PDSA cycles of the initiative, by date, for a chart's time axis.

    A PDSA cycle is placed at its ``stage_since`` (the day it reached its current stage).
    """
    transitions = session.execute(
        select(Transition.at, Transition.to_phase).where(Transition.initiative_id == initiative.id)
        .order_by(Transition.at)).all()
    cycles = session.execute(
        select(PdsaCycle.stage_since, PdsaCycle.title, PdsaCycle.stage)
        .where(PdsaCycle.initiative_id == initiative.id).order_by(PdsaCycle.stage_since)).all()
    out = [Annotation(at.date() if isinstance(at, datetime) else at, "phase",
                      f"→ {PHASE_LABELS.get(to, to)}") for at, to in transitions]
    out += [Annotation(on, "pdsa", f"PDSA “{title}” ({stage})") for on, title, stage in cycles]
    return sorted(out, key=lambda a: a.on)


def measure_summaries(session, initiative, today=None, viewer=None):
    """Each measure of ``initiative`` with its latest value, target and run-chart signals.

    Bounded: the measures (with re-bases), all their points in one query, and the
    initiative's phase changes and PDSA cycles, whatever the number of points.
    ``viewer`` limits per-school data to the schools they may see (None: every school).
    """
    today = today or trust_today()
    measures = session.execute(find_measures(initiative)).scalars().all()
    rows = _point_rows(session, [m.id for m in measures])
    notes = annotations(session, initiative) if measures else []
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


__all__ = [
    "Annotation", "ImportReport", "ImportRow", "MeasureChart", "MeasureSummary", "RecordedPoint",
    "Segment", "add_rebase", "annotations", "build_chart", "chart_points", "create_measure",
    "split_drawable",
    "decode_upload", "delete_measure", "delete_point", "find_measures", "find_points",
    "get_measure", "import_points_csv", "measure_chart", "measure_summaries", "measure_view",
    "MeasureView", "parse_date",
    "parse_value", "record_point", "remove_rebase", "school_charts", "update_measure",
]
