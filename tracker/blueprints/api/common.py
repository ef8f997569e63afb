"""What every API resource module reuses: the acting user, paging, strict fields, lookups."""
import calendar
import math
import re

from flask import g
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from sqlalchemy import func, select

from tracker import clock, permissions
from tracker.errors import NotFound
from tracker.extensions import db

MAX_ID = permissions.MAX_ID


def current():
    """The user the bearer token belongs to (set by the API's authentication)."""
    return g.api_user


class ApiParser(FlaskParser):
    """webargs reads a JSON body through ``request.get_json``, so the API has the app's one
    JSON parser and its refusals (tracker/http_input.py) instead of webargs' own ``json.loads``."""

    def _raw_load_json(self, req):
        if not is_json_request(req) or not req.get_data(cache=True):
            return missing
        return req.get_json()


class Blueprint(SmorestBlueprint):
    """Every API resource's blueprint (flask-smorest's, parsing with ``ApiParser``)."""

    ARGUMENTS_PARSER = ApiParser()


def _no_nul(value):
    if "\x00" in value:
        raise ValidationError("Text may not contain NUL characters.")


def _encodable(value):
    # The JSON parser refuses lone surrogates already; this keeps any other source honest.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Text must be valid Unicode: it holds a lone surrogate.") from None


def Text(max_length=10_000, **kw):
    """A string field that refuses NUL bytes, text no UTF-8 can hold, and anything longer
    than ``max_length``."""
    validators = [_no_nul, _encodable, validate.Length(max=max_length)]
    if kw.pop("required_text", False):
        validators.append(validate.Length(min=1, error="This field cannot be empty."))
    return fields.String(validate=validators, **kw)


def Id(**kw):
    """An id in a JSON body: a JSON integer, never a string or a float."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kw)


class WholeNumber(fields.Integer):
    """An integer that, sent as text (a query string), is ASCII digits only: ``int()`` alone
    also reads "１" (full width), "1_000", "+1" and " 1"."""

    def _validated(self, value):
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        return super()._validated(value)


def QueryId(**kw):
    """An id in a query string, where every value arrives as text."""
    return WholeNumber(validate=validate.Range(min=1, max=MAX_ID), **kw)


def Choice(values, **kw):
    return fields.String(validate=validate.OneOf(values), **kw)


#: How a date is written in the API: ``YYYY-MM-DD`` in ASCII digits, nothing else (Python's
#: ``date.fromisoformat`` alone would also take ``20260302`` and ``2026-W10-1``).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class PlausibleDate(fields.Date):
    """A date written ``YYYY-MM-DD`` inside the trust's plausible range (``clock.date_range``).
    The OpenAPI document states the range as a pattern (see ``document_fields``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        on = super()._deserialize(value, attr, data, **kwargs)
        if not clock.plausible(on):
            raise ValidationError(clock.plausible_message())
        return on


class StrictNumber(fields.Float):
    """A finite JSON number: never a string, a boolean, NaN or an infinity (marshmallow's
    Float takes ``"12"`` and ``"NaN"``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        try:
            number = float(value)
        except OverflowError:
            raise ValidationError("This number is too large.") from None
        if not math.isfinite(number):
            raise ValidationError("Enter a finite number.")
        return number


#: ``_no_nul`` as the OpenAPI document says it (ECMA and Python regular expressions alike).
NO_NUL_PATTERN = "^[^\\u0000]*$"


def document_fields(api, app):
    """Teach the OpenAPI document what these fields enforce, so a client (or a fuzzer) reads
    the server's rules: the plausible date range as a pattern, and a nullable nested object
    as that object or null (apispec would put an open ``{"type": "object"}`` beside it).
    Call before registering the blueprints. The range is read once, in the app's time zone;
    as the days pass the server accepts a few days more than the document says, never fewer."""
    with app.app_context():
        first, last = clock.date_range()
    dated = {"pattern": date_pattern(first, last),
             "description": f"A date from {first.isoformat()} to {last.isoformat()}."}

    def field_properties(_converter, field, ret, **_kwargs):
        if isinstance(field, PlausibleDate):
            return dict(dated)
        if _no_nul in field.validators:
            return {"pattern": NO_NUL_PATTERN}
        if isinstance(field, fields.Number):
            return _exclusive_bounds(field)
        if isinstance(field, fields.Nested) and field.allow_none and "anyOf" in ret:
            return {"allOf": [branch for branch in ret.pop("anyOf") if "$ref" in branch],
                    "nullable": True}
        return {}

    api.ma_plugin.converter.add_attribute_function(field_properties)


def _exclusive_bounds(field):
    """OpenAPI 3.0's ``exclusiveMinimum``/``exclusiveMaximum`` for a Range that excludes its
    ends (apispec writes the bound alone, as if it were allowed)."""
    found = {}
    for rule in field.validators:
        if isinstance(rule, validate.Range):
            if rule.min is not None and not rule.min_inclusive:
                found["exclusiveMinimum"] = True
            if rule.max is not None and not rule.max_inclusive:
                found["exclusiveMaximum"] = True
    return found


_MONTH_DAYS = {28: "(?:0[1-9]|1[0-9]|2[0-8])", 29: "(?:0[1-9]|[12][0-9])",
               30: "(?:0[1-9]|[12][0-9]|30)", 31: "(?:0[1-9]|[12][0-9]|3[01])"}


def date_pattern(first, last):
    """A regular expression matching exactly the real dates from ``first`` to ``last``, written
    ``YYYY-MM-DD``: whole years grouped as common or leap, the two end years month by month."""
    def year_part(year, since=(1, 1), until=(12, 31)):
        months = []
        for month in range(since[0], until[0] + 1):
            low = since[1] if month == since[0] else 1
            high = until[1] if month == until[0] else calendar.monthrange(year, month)[1]
            days = _MONTH_DAYS[high] if low == 1 and high in _MONTH_DAYS else \
                "(?:" + "|".join(f"{day:02d}" for day in range(low, high + 1)) + ")"
            months.append(f"{month:02d}-{days}")
        return "(?:" + "|".join(months) + ")"

    if first.year == last.year:
        parts = [f"{first.year}-" + year_part(first.year, (first.month, first.day),
                                              (last.month, last.day))]
    else:
        parts = [f"{first.year}-" + year_part(first.year, since=(first.month, first.day)),
                 f"{last.year}-" + year_part(last.year, until=(last.month, last.day))]
        whole = range(first.year + 1, last.year)
        for leap in (False, True):
            years = [str(y) for y in whole if calendar.isleap(y) == leap]
            if years:
                parts.append(f"(?:{'|'.join(years)})-" + year_part(2000 if leap else 2001))
    return "^(?:" + "|".join(parts) + ")$"


class StrictSchema(Schema):
    """Unknown fields are refused by name rather than silently dropped."""

    class Meta:
        ordered = True


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ErrorBodySchema(Schema):
    """API.md's error body. Some errors add their own details (``weeks``, ``reference``)."""

    class Meta:
        unknown = INCLUDE

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")
    missing = fields.List(fields.Dict())


class ErrorSchema(Schema):
    """``{"error": {...}}``: what every 4xx of the API answers (the OpenAPI document says so)."""

    error = fields.Nested(ErrorBodySchema, required=True)


def paginate(stmt, page, per_page, session=None, fetch=None):
    """Run ``stmt`` for one page: ``{"items": [...], "total": N}`` in two queries (the count,
    and the page's records; or, given ``fetch(session, stmt of the page)``, what it returns)."""
    session = session or db.session
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    page_stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    items = (fetch(session, page_stmt) if fetch is not None
             else session.execute(page_stmt).unique().scalars().all())
    return {"items": items, "total": total}


def get_or_404(model, record_id, message=None):
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        raise NotFound(message or f"No such {model.__name__.lower()}.")
    return record


def page_schema(item_schema):
    """A ``{"items", "total"}`` list schema around ``item_schema`` (for the OpenAPI document)."""
    return type(f"{item_schema.__name__}Page", (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(),
    })
