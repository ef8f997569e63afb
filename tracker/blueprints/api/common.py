"""What every API resource module reuses: the acting user, paging, strict fields, lookups."""
from flask import g
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from sqlalchemy import func, select

from tracker import permissions
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


def paginate(stmt, page, per_page, session=None):
    """Run ``stmt`` for one page: ``{"items": [...], "total": N}`` in two queries."""
    session = session or db.session
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    items = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().scalars().all()
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
