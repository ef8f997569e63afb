"""Measures of an initiative and the trust's KPIs (measures with no initiative), their
points (one by one or from a CSV file), and their run charts and XmR charts; a frozen
baseline (``baseline_until``) and re-bases; a KPI compared across the schools."""
from flask import request
from marshmallow import fields, validate
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from tracker import kpis, measures, permissions
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (MAX_ID, Choice, Id, PageArgs, PlausibleDate, QueryId, StrictNumber,
                                           StrictSchema, Text, current, page_schema, paginate)
from tracker.extensions import db
from tracker.models.measure import MEASURE_KINDS

blp = Blueprint("measures", __name__, url_prefix="/api/v1", description="Measures and charts")

#: The largest CSV file the import reads.
MAX_IMPORT_BYTES = 2_000_000


def Number(**kw):
    """A measurement: a finite JSON number no larger than a measurement can be."""
    bound = measures.MAX_MAGNITUDE
    return StrictNumber(validate=validate.Range(
        min=-bound, max=bound, error="This number is too large to be a measurement."), **kw)


class RebaseOut(StrictSchema):
    id = fields.Integer()
    starts_on = fields.Date()
    baseline_until = fields.Date(allow_none=True)
    reason = fields.String()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class MeasureIn(StrictSchema):
    name = Text(measures.MAX_NAME, required=True, required_text=True)
    unit = Text(measures.MAX_UNIT, load_default="")
    kind = Choice(MEASURE_KINDS, load_default="outcome")
    higher_is_better = fields.Boolean(load_default=True)
    baseline = Number(allow_none=True, load_default=None)
    target = Number(allow_none=True, load_default=None)
    #: Freezes the centre line and limits on the points up to this day.
    baseline_until = PlausibleDate(allow_none=True, load_default=None)


class MeasurePatch(StrictSchema):
    name = Text(measures.MAX_NAME, required_text=True)
    unit = Text(measures.MAX_UNIT)
    kind = Choice(MEASURE_KINDS)
    higher_is_better = fields.Boolean()
    baseline = Number(allow_none=True)
    target = Number(allow_none=True)
    baseline_until = PlausibleDate(allow_none=True)
    version = fields.Integer(required=True, strict=True)


class MeasureOut(StrictSchema):
    id = fields.Integer()
    #: Null for a trust KPI.
    initiative_id = fields.Integer(allow_none=True)
    trust_kpi = fields.Boolean(attribute="is_trust_kpi")
    name = fields.String()
    unit = fields.String()
    kind = fields.String()
    higher_is_better = fields.Boolean()
    baseline = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)
    baseline_until = fields.Date(allow_none=True)
    rebases = fields.List(fields.Nested(RebaseOut))
    version = fields.Integer()


#: One list shape for the trust's KPIs and an initiative's measures.
MeasurePage = page_schema(MeasureOut)


class PointIn(StrictSchema):
    on = PlausibleDate(required=True)
    value = Number(required=True)
    #: One of the initiative's schools, or null for the whole initiative; required for a trust KPI.
    school_id = Id(allow_none=True, load_default=None)
    #: False refuses a second value on the same date and school (409) instead of replacing.
    replace = fields.Boolean(load_default=True)


class PointOut(StrictSchema):
    id = fields.Integer()
    measure_id = fields.Integer()
    on = fields.Date()
    value = fields.Float()
    school_id = fields.Integer(allow_none=True)


class RecordedPointOut(PointOut):
    #: True when the point replaced a value already on that date for that school.
    replaced = fields.Boolean()
    previous_value = fields.Float(allow_none=True)


class PointFilters(PageArgs):
    #: One school's points; 0 for the initiative-wide points only.
    school_id = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))



class ImportArgs(StrictSchema):
    #: The school of rows that name none (a trust KPI's file needs a school column or this).
    school_id = QueryId()


class LatestOut(StrictSchema):
    on = fields.String(metadata={"format": "date"})
    value = fields.Float()


class SchoolKpiOut(StrictSchema):
    school_id = fields.Integer()
    latest = fields.Nested(LatestOut, allow_none=True)
    #: The number of the school's points.
    n = fields.Integer()
    #: Making Data Count: improvement, concern or common_cause; null under 12 points.
    variation = fields.String(allow_none=True, validate=validate.OneOf(kpis.VARIATIONS))
    #: pass, fail or uncertain; null under 12 points or without a target.
    assurance = fields.String(allow_none=True, validate=validate.OneOf(kpis.ASSURANCES))


class SchoolKpiList(StrictSchema):
    items = fields.List(fields.Nested(SchoolKpiOut))


class ChartArgs(StrictSchema):
    school_id = QueryId()
    rules = Choice(measures.RULES, load_default="ihi")


class SpcArgs(StrictSchema):
    school_id = QueryId()


class SignalOut(StrictSchema):
    rule = fields.String()
    start_on = fields.String()
    end_on = fields.String()
    direction = fields.String(allow_none=True)
    count = fields.Integer(allow_none=True)


class SpcSignalOut(SignalOut):
    kind = fields.String()


class SegmentOut(StrictSchema):
    starts_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    baseline_until = fields.String(allow_none=True)
    points = fields.Integer()
    median = fields.Float(allow_none=True)
    useful_observations = fields.Integer()
    longest_run = fields.Integer()
    longest_run_limit = fields.Integer(allow_none=True)
    crossings = fields.Integer()
    crossings_limit = fields.Integer(allow_none=True)
    mean = fields.Float(allow_none=True)
    mr_mean = fields.Float(allow_none=True)
    ucl = fields.Float(allow_none=True)
    lcl = fields.Float(allow_none=True)


class ChartBase(StrictSchema):
    #: ``initiative`` (points with no school), ``school`` or ``mean_of_schools``.
    series = fields.String()
    school_id = fields.Integer(allow_none=True)
    points = fields.List(fields.Dict())
    segments = fields.List(fields.Nested(SegmentOut))
    #: The chart in words, for screen readers and reports.
    description = fields.String()


class RunChartOut(ChartBase):
    median = fields.Float(allow_none=True)
    useful_observations = fields.Integer()
    signals = fields.List(fields.Nested(SignalOut))
    longest_run = fields.Integer()
    longest_run_limit = fields.Integer(allow_none=True)
    crossings = fields.Integer()
    crossings_limit = fields.Integer(allow_none=True)


class SpcOut(ChartBase):
    mean = fields.Float(allow_none=True)
    mr_mean = fields.Float(allow_none=True)
    ucl = fields.Float(allow_none=True)
    lcl = fields.Float(allow_none=True)
    signals = fields.List(fields.Nested(SpcSignalOut))
    target_within_limits = fields.Boolean(allow_none=True)


class RebaseIn(StrictSchema):
    starts_on = PlausibleDate(required=True)
    baseline_until = PlausibleDate(allow_none=True, load_default=None)
    reason = Text(measures.MAX_REASON, load_default="")


class ImportRowOut(StrictSchema):
    row = fields.Integer()
    status = fields.String()
    reason = fields.String(allow_none=True)
    on = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    school_id = fields.Integer(allow_none=True)
    replaced = fields.Boolean()


class ImportReportOut(StrictSchema):
    accepted = fields.Integer()
    refused = fields.Integer()
    replaced = fields.Integer()
    rows = fields.List(fields.Nested(ImportRowOut))


def _measure(measure_id, action=permissions.READ):
    return measures.get_measure(db.session, current(), measure_id, action)


# --------------------------------------------------------------------------- trust KPIs


@blp.route("/measures", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, MeasurePage)
def list_kpis(args):
    """The trust's KPIs (measures every school records), by name. Everyone signed in reads them."""
    return paginate(kpis.find_kpis(), args["page"], args["per_page"])


@blp.route("/measures", methods=["POST"])
@blp.arguments(MeasureIn)
@blp.response(201, MeasureOut)
def create_kpi(values):
    """Define a trust KPI (admins and the central team): each school then records its values
    (``POST /measures/{id}/points`` with ``school_id``)."""
    measure = kpis.create_kpi(db.session, current(), **values)
    db.session.commit()
    return measure


@blp.route("/measures/<int:measure_id>/schools", methods=["GET"])
@blp.response(200, SchoolKpiList)
def compare_schools(measure_id):
    """A trust KPI in every school you can see, in NHS "Making Data Count" form from each
    school's XmR chart: ``variation`` (improvement, concern, common_cause) and ``assurance``
    (pass, fail, uncertain), both null under 12 points, ``assurance`` null without a target."""
    measure = kpis.get_kpi(db.session, current(), measure_id)
    return {"items": [row.to_dict() for row in kpis.compare_schools(db.session, current(), measure)]}


# --------------------------------------------------------------------------- measures


@blp.route("/initiatives/<int:initiative_id>/measures", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, MeasurePage)
def list_measures(args, initiative_id):
    """The initiative's measures, in the order they were added."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return paginate(measures.find_measures(initiative), args["page"], args["per_page"])


@blp.route("/initiatives/<int:initiative_id>/measures", methods=["POST"])
@blp.arguments(MeasureIn)
@blp.response(201, MeasureOut)
def create_measure(values, initiative_id):
    """Add a measure: ``kind`` is outcome, implementation, process or balancing."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    measure = measures.create_measure(db.session, current(), initiative, **values)
    db.session.commit()
    return measure


@blp.route("/measures/<int:measure_id>", methods=["GET"])
@blp.response(200, MeasureOut)
def get_measure(measure_id):
    return _measure(measure_id)


@blp.route("/measures/<int:measure_id>", methods=["PATCH"])
@blp.arguments(MeasurePatch)
@blp.response(200, MeasureOut)
def patch_measure(changes, measure_id):
    """Edit a measure; ``baseline_until`` freezes (a date) or unfreezes (null) the baseline.
    Send the ``version`` you read (a stale one gets 409)."""
    measure = _measure(measure_id)
    version = changes.pop("version")
    measures.update_measure(db.session, current(), measure, version, **changes)
    db.session.commit()
    return measure


@blp.route("/measures/<int:measure_id>", methods=["DELETE"])
@blp.response(204)
def delete_measure(measure_id):
    """Remove a measure with all its points."""
    measures.delete_measure(db.session, current(), _measure(measure_id))
    db.session.commit()


# --------------------------------------------------------------------------- points


@blp.route("/measures/<int:measure_id>/points", methods=["GET"])
@blp.arguments(PointFilters, location="query")
@blp.response(200, page_schema(PointOut))
def list_points(args, measure_id):
    """The measure's points by date; ``school_id`` narrows to one school (0: initiative-wide)."""
    measure = _measure(measure_id)
    stmt = measures.find_points(current(), measure, args.get("school_id"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("/measures/<int:measure_id>/points", methods=["POST"])
@blp.arguments(PointIn)
@blp.response(201, RecordedPointOut)
def record_point(values, measure_id):
    """Record a value on a date (for one of the initiative's schools, or the whole).

    A value already on that date for that school is replaced: the answer is then
    200 with ``replaced: true`` and ``previous_value``. With ``replace: false`` it is
    refused with 409 ``duplicate_point`` instead.
    """
    measure = _measure(measure_id)
    recorded = measures.record_point(db.session, current(), measure, **values)
    db.session.commit()
    point = recorded.point
    body = {"id": point.id, "measure_id": point.measure_id, "on": point.on, "value": point.value,
            "school_id": point.school_id, "replaced": recorded.replaced,
            "previous_value": recorded.previous_value}
    return body, (200 if recorded.replaced else 201)


@blp.route("/measures/<int:measure_id>/points/<int:point_id>", methods=["DELETE"])
@blp.response(204)
def delete_point(measure_id, point_id):
    """Remove a point recorded by mistake."""
    measures.delete_point(db.session, current(), _measure(measure_id), point_id)
    db.session.commit()


@blp.route("/measures/<int:measure_id>/points/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.doc(requestBody={"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "additionalProperties": False, "properties": {
                                           "file": {"type": "string", "format": "binary"}}}}}})
@blp.response(200, ImportReportOut)
def import_points(args, measure_id):
    """Import points from a CSV file (an MIS export), as a ``text/csv`` body or a
    multipart ``file``: a header naming a date column and a value column (``date,value``)
    and optionally a school column (URN or id); dates ``YYYY-MM-DD`` or ``DD/MM/YYYY``.
    Good rows are written, bad ones refused; the report gives every row's number,
    status and reason. ``school_id`` is the school of rows that name none: a trust KPI's
    file needs a school column or it."""
    measure = _measure(measure_id)
    if (request.content_length or 0) > MAX_IMPORT_BYTES:
        raise RequestEntityTooLarge("The file is too large: split it into smaller files.")
    report = measures.import_points_csv(db.session, current(), measure, _csv_text(),
                                        args.get("school_id"))
    db.session.commit()
    return report.to_dict()


def _csv_text():
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        # The field as the document names it: an uploaded file, or the text of one.
        upload, text = request.files.get("file"), request.form.get("file")
        if upload is None and text is None:
            raise UnsupportedMediaType("Send the CSV as a multipart field named “file”.")
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload is not None else text.encode("utf-8")
    elif mimetype in ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"):
        data = request.get_data(cache=False)
    else:
        raise UnsupportedMediaType("Send the CSV as text/csv or as a multipart file.")
    if len(data) > MAX_IMPORT_BYTES:
        raise RequestEntityTooLarge("The file is too large: split it into smaller files.")
    return measures.decode_upload(data)


# --------------------------------------------------------------------------- charts


@blp.route("/measures/<int:measure_id>/run-chart", methods=["GET"])
@blp.arguments(ChartArgs, location="query")
@blp.response(200, RunChartOut)
def run_chart(args, measure_id):
    """The run chart: median and IHI signals (shift, trend, runs, astronomical), or with
    ``rules=anhoej`` the Anhøj rules with ``longest_run``, ``crossings`` and their limits.
    ``school_id`` charts one school's points. After a re-base the top-level numbers are
    the current segment's; ``segments`` gives each."""
    measure = _measure(measure_id)
    chart = measures.measure_chart(db.session, current(), measure, args["rules"],
                                   args.get("school_id"))
    return chart.to_dict()


@blp.route("/measures/<int:measure_id>/spc", methods=["GET"])
@blp.arguments(SpcArgs, location="query")
@blp.response(200, SpcOut)
def spc_chart(args, measure_id):
    """The XmR chart: mean, moving-range mean, limits, "Making Data Count" signals each
    labelled improvement or concern, and whether the target lies within the limits."""
    measure = _measure(measure_id)
    return measures.measure_chart(db.session, current(), measure, "xmr",
                                  args.get("school_id")).to_dict()


# --------------------------------------------------------------------------- re-bases


@blp.route("/measures/<int:measure_id>/rebases", methods=["GET"])
@blp.response(200, RebaseOut(many=True))
def list_rebases(measure_id):
    """Where the charts start a new segment, by date."""
    return _measure(measure_id).rebases


@blp.route("/measures/<int:measure_id>/rebases", methods=["POST"])
@blp.arguments(RebaseIn)
@blp.response(201, RebaseOut)
def create_rebase(values, measure_id):
    """Re-base after a sustained change: from ``starts_on`` the centre line and limits are
    recalculated (from the points up to ``baseline_until`` when given)."""
    rebase = measures.add_rebase(db.session, current(), _measure(measure_id), **values)
    db.session.commit()
    return rebase


@blp.route("/measures/<int:measure_id>/rebases/<int:rebase_id>", methods=["DELETE"])
@blp.response(204)
def delete_rebase(measure_id, rebase_id):
    measures.remove_rebase(db.session, current(), _measure(measure_id), rebase_id)
    db.session.commit()
