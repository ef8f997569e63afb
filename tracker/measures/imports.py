"""Importing a measure's points from a CSV file (an MIS export), with a report on every row."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker import bulk, permissions
from tracker.errors import Invalid
from tracker.locks import hold
from tracker.measures.records import (_bad, _school_for, kpi_school, parse_date, parse_value,
                                      require_recorder)
from tracker.models import MeasurePoint, School

MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_CHARS = 2_000_000


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


def decode_upload(data: bytes) -> str:
    """An uploaded CSV as text: UTF-8 (with or without Excel's byte-order mark), else
    Windows-1252, which is what a spreadsheet on a school PC saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")



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


def _school_lookup(schools, default=None, required=False, whose="this initiative's schools"):
    """A function from a school cell to a school id, by URN, by id or by name among
    ``schools``; an empty cell is ``default``, refused when ``required`` and no default."""
    by_urn, by_id, by_name = {}, {}, {}
    for school in schools:
        by_urn[school.urn.strip().lower()] = school.id
        by_id[str(school.id)] = school.id
        by_name[school.name.strip().lower()] = school.id

    def find(cell):
        key = cell.strip().lower()
        if not key:
            if default is None and required:
                raise _bad("school", "No school: a trust KPI's value is for one school "
                                     "(give its URN or id).")
            return default
        # A URN is the DfE number an MIS exports; an id is ours. URNs win a clash.
        found = by_urn.get(key) or by_id.get(key) or by_name.get(key)
        if found is None:
            raise _bad("school", f"“{cell.strip()}” is not one of {whose} (give its URN or id).")
        return found
    return find


def _schools_for(session, actor, measure, school_id):
    """The lookup of the schools ``actor`` may import ``measure``'s values for, and the
    chosen ``school_id`` checked (rows with no school are for it)."""
    if not measure.is_trust_kpi:
        visible = [s for s in measure.initiative.schools if permissions.can_see_school(actor, s.id)]
        if school_id is not None:
            school_id = _school_for(actor, measure.initiative, school_id)
        return _school_lookup(visible, school_id)
    if school_id is not None:
        school_id = kpi_school(session, actor, school_id)
    stmt = select(School).order_by(School.id)
    if permissions.visible_school_ids(actor) is not None:
        stmt = stmt.where(School.id.in_(actor.school_ids or [-1]))
    schools = [s for s in session.execute(stmt).scalars()
               if permissions.may_record_kpi(actor, s.id)]
    whose = "your schools" if permissions.visible_school_ids(actor) is not None else "the trust's schools"
    return _school_lookup(schools, school_id, required=True, whose=whose)


def import_points_csv(session, actor, measure, text, school_id=None):
    """Import points from CSV text (an MIS export) and report on every row.

    Shape: a header naming a date column and a value column (``date,value``, or
    names like ``Week commencing``, ``Score``) and optionally a school column (URN,
    id or name); comma-, semicolon- or tab-separated; dates ``YYYY-MM-DD`` or
    ``DD/MM/YYYY``. Without a header, columns are taken as date, value[, school].
    Good rows are written and bad ones refused with a reason; a row whose date and
    school already hold a value replaces it (the report says so); a row repeating
    an earlier row's date and school is refused. One flush: the caller's single
    commit writes the whole import or nothing.

    ``school_id`` is the school of rows that name none. A trust KPI's rows each need a
    school: from the school column (among the schools the actor records for) or
    ``school_id``; a file with neither is refused as a whole.

    Raises Forbidden without WRITE and Invalid (field ``file``) when the file as a
    whole cannot be read.
    """
    require_recorder(actor, measure)
    find_school = _schools_for(session, actor, measure, school_id)
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
    if measure.is_trust_kpi and columns[2] is None and school_id is None:
        raise _bad("file", "A trust KPI's file needs a school column (URN, id or name), "
                           "or choose the school the file is for.")
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
    if sum(row.status == "accepted" for row in report) >= bulk.MANY_ROWS:
        bulk.analyze(session, MeasurePoint.__tablename__)  # the planner's statistics went stale
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
