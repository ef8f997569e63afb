"""Measures and their points: adding, editing and removing a measure, recording and
removing points, freezing a baseline and re-basing; the parsing of dates and values that
every way in (API, pages, CSV import) shares.

A measure has points ``(on, value)``, each for the initiative as a whole (no school)
or for one of its schools; a date holds one value per school, so recording the same
date and school again replaces the value (or is refused), never doubles it.

A measure with no initiative is a *trust KPI*: everyone signed in reads it, admins and the
central team define it (``permissions.may_define_kpis``), and each point carries the school
it is for, recorded by that school's lead, an admin or the central team
(``permissions.may_record_kpi``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from tracker import clock, permissions
from tracker.errors import Conflict, Forbidden, Invalid, NotFound, check_version
from tracker.locks import hold
from tracker.models import Measure, MeasurePoint, MeasureRebase, School
from tracker.models.measure import MEASURE_KINDS

MAX_NAME = 200
MAX_UNIT = 40
MAX_REASON = 2000
#: A value beyond this is a typo or a unit error, not a measurement.
MAX_MAGNITUDE = 1e12


@dataclass
class RecordedPoint:
    """What ``record_point`` did: the point, and the value it replaced if any."""

    point: MeasurePoint
    replaced: bool = False
    previous_value: float | None = None


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


def _bad(field_name, message):
    return Invalid(message, fields={field_name: [message]})


def _iso(value):
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- measures


def get_measure(session, user, measure_id, action=permissions.READ):
    """The measure, if ``user`` may do ``action`` to it: to its initiative's, or for a trust
    KPI, READ for everyone and any other action for those who may record its values.

    Raises NotFound when it does not exist or its initiative is not visible, and
    Forbidden when visible but the action is not allowed.
    """
    measure = session.get(Measure, measure_id) if permissions.is_id(measure_id) else None
    if measure is not None and measure.is_trust_kpi:
        if action != permissions.READ and not (permissions.may_record_kpi(user)
                                               or permissions.may_define_kpis(user)):
            raise Forbidden(KPI_POINT_REFUSAL)
        return measure
    return permissions.get_initiative_part(session, user, Measure, measure_id, action, "measure")


KPI_DEFINE_REFUSAL = "Only an admin or the central team can define or change the trust's KPIs."
KPI_POINT_REFUSAL = "Only an admin, the central team or the school's lead can record its KPI values."


def require_definer(actor, measure):
    """Raise Forbidden unless ``actor`` may change ``measure`` itself (not only its points):
    its initiative's writers, or for a trust KPI those who define KPIs."""
    if measure.is_trust_kpi:
        if not permissions.may_define_kpis(actor):
            raise Forbidden(KPI_DEFINE_REFUSAL)
    else:
        permissions.require(actor, permissions.WRITE, measure.initiative)


def find_measures(initiative):
    """A select of the initiative's measures, in the order they were added."""
    return (select(Measure).where(Measure.initiative_id == initiative.id)
            .options(selectinload(Measure.rebases)).order_by(Measure.id))


def create_measure(session, actor, initiative, *, name, unit="", kind="outcome",
                   higher_is_better=True, baseline=None, target=None, baseline_until=None):
    """Add a measure to ``initiative``, or with None a trust KPI. Raises Forbidden without
    WRITE (for a KPI: unless ``permissions.may_define_kpis``), Invalid on bad fields."""
    if initiative is None:
        if not permissions.may_define_kpis(actor):
            raise Forbidden(KPI_DEFINE_REFUSAL)
        measure = Measure(initiative_id=None, rebases=[])
    else:
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
    require_definer(actor, measure)
    check_version(measure, version)
    _apply(measure, changes)
    session.flush()
    return measure


def delete_measure(session, actor, measure):
    """Remove a measure with its points and re-bases."""
    require_definer(actor, measure)
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
    require_definer(actor, measure)
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
    require_definer(actor, measure)
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


def kpi_school(session, actor, school_id, field_name="school_id"):
    """The school a trust KPI's value is for: required (Invalid naming ``field_name``), an
    existing school the actor sees (else NotFound), and one of theirs to record for (else
    Forbidden)."""
    if school_id is None:
        raise _bad(field_name, "Choose the school this value is for: a trust KPI is recorded "
                               "by each school.")
    if (not permissions.is_id(school_id) or not permissions.can_see_school(actor, school_id)
            or session.get(School, school_id) is None):
        raise NotFound("No such school.")
    if not permissions.may_record_kpi(actor, school_id):
        raise Forbidden(KPI_POINT_REFUSAL)
    return school_id


def require_recorder(actor, measure, school_id=None):
    """Raise Forbidden unless ``actor`` may record ``measure``'s values (for ``school_id``;
    with None, for at least one school): its initiative's writers, or for a trust KPI
    ``permissions.may_record_kpi``."""
    if measure.is_trust_kpi:
        if not permissions.may_record_kpi(actor, school_id):
            raise Forbidden(KPI_POINT_REFUSAL)
    else:
        permissions.require(actor, permissions.WRITE, measure.initiative)


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

    A trust KPI's value needs its ``school_id`` (Invalid without); a school that does not
    exist or that the actor does not see is NotFound, one that is not theirs Forbidden.
    """
    require_recorder(actor, measure)
    school = (partial(kpi_school, session, actor, school_id) if measure.is_trust_kpi
              else partial(_school_for, actor, measure.initiative, school_id))
    problems, parsed = {}, {}
    for key, parse in (("on", lambda: parse_date(on)), ("value", lambda: parse_value(value)),
                       ("school_id", school)):
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
    require_recorder(actor, measure)
    point = session.get(MeasurePoint, point_id) if permissions.is_id(point_id) else None
    if (point is None or point.measure_id != measure.id
            or (point.school_id is not None and not permissions.can_see_school(actor, point.school_id))):
        raise NotFound("No such point.")
    require_recorder(actor, measure, point.school_id)
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
