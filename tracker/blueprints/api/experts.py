"""Experts (API.md): the central team's deployable teachers, their leave, and who is free.

Everyone signed in may read the experts: names, emails, specialisms and days are the
trust's staff directory, and a school lead needs them to ask for help. Their leave can
be personal, so only the central team, admins and the expert themself read it.
"""
from marshmallow import fields, validate

from tracker import capacity
from tracker.blueprints.api.allocations import Days
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Id, PageArgs, PlausibleDate, QueryId, StrictNumber, StrictSchema,
                                           Text, current, page_schema, paginate)
from tracker.extensions import db


blp = Blueprint("experts", __name__, url_prefix="/api/v1/experts", description="Experts")


class ExpertIn(StrictSchema):
    name = Text(200, required=True, required_text=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    specialisms = fields.List(Text(100, required_text=True), load_default=list,
                              validate=validate.Length(max=capacity.MAX_SPECIALISMS))
    home_school_id = Id(allow_none=True, load_default=None)
    days_per_week = StrictNumber(required=True, **Days)
    user_id = Id(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)


class ExpertPatch(StrictSchema):
    name = Text(200, required_text=True)
    email = fields.Email(validate=validate.Length(max=254))
    specialisms = fields.List(Text(100, required_text=True),
                              validate=validate.Length(max=capacity.MAX_SPECIALISMS))
    home_school_id = Id(allow_none=True)
    days_per_week = StrictNumber(**Days)
    user_id = Id(allow_none=True)
    active = fields.Boolean()
    #: Needed to cut an expert's days below what is already allocated to them.
    override_reason = Text(2000, allow_none=True)
    version = fields.Integer(required=True, strict=True)


class ExpertOut(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    specialisms = fields.List(fields.String())
    home_school_id = fields.Integer(allow_none=True)
    days_per_week = fields.Float()
    user_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()


class AvailableOut(ExpertOut):
    #: The fewest free days a week the expert has in any week of the range asked about,
    #: counting each weekday (a day of leave takes a fifth of its week).
    spare_days_per_week = fields.Float()


class ExpertFilters(PageArgs):
    specialism = Text(100)
    home_school_id = QueryId()
    active = fields.Boolean()
    q = Text(200)


class AvailableArgs(PageArgs):
    specialism = Text(100, load_default=None)
    from_ = PlausibleDate(data_key="from", required=True)
    to = PlausibleDate(required=True)
    #: A query string carries text: a number written out (never NaN or infinity).
    days_per_week = fields.Float(required=True, **Days)


class UnavailabilityIn(StrictSchema):
    starts_on = PlausibleDate(required=True)
    ends_on = PlausibleDate(required=True)
    reason = Text(200, load_default="")


class UnavailabilityOut(StrictSchema):
    id = fields.Integer()
    expert_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()


@blp.route("", methods=["GET"])
@blp.arguments(ExpertFilters, location="query")
@blp.response(200, page_schema(ExpertOut))
def list_experts(args):
    """Experts by name; ``specialism`` matches one of theirs (any case), ``q`` name or email."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(capacity.find_experts(**args), page, per_page)


@blp.route("", methods=["POST"])
@blp.arguments(ExpertIn)
@blp.response(201, ExpertOut)
def create_expert(values):
    """Add an expert (central team, admin)."""
    expert = capacity.create_expert(db.session, current(), **values)
    db.session.commit()
    return expert


@blp.route("/available", methods=["GET"])
@blp.arguments(AvailableArgs, location="query")
@blp.response(200, page_schema(AvailableOut))
def available_experts(args):
    """Active experts with ``days_per_week`` free in every ISO week from ``from`` to ``to``,
    best fit first: the least spare time that still fits, then by name. Days are counted:
    a week's spare is the mean free time of its weekdays in the range, so a day of leave
    takes a fifth of that week (at the expert's days a week), not the whole week."""
    page, per_page = args.pop("page"), args.pop("per_page")
    fits = capacity.available_experts(db.session, args["specialism"], args["from_"], args["to"],
                                      args["days_per_week"])
    start = (page - 1) * per_page
    items = [dict(ExpertOut().dump(expert), spare_days_per_week=spare)
             for expert, spare in fits[start:start + per_page]]
    return {"items": items, "total": len(fits)}


@blp.route("/<int:expert_id>", methods=["GET"])
@blp.response(200, ExpertOut)
def get_expert(expert_id):
    return capacity.get_expert(db.session, expert_id)


@blp.route("/<int:expert_id>", methods=["PATCH"])
@blp.arguments(ExpertPatch)
@blp.response(200, ExpertOut)
def patch_expert(changes, expert_id):
    """Change an expert (central team, admin); carries the ``version`` you read. Cutting
    their days below what is allocated from today on gets 409 ``over_allocated`` unless
    ``override_reason`` is given (recorded, with who gave it)."""
    expert = capacity.get_expert(db.session, expert_id)
    version = changes.pop("version")
    capacity.update_expert(db.session, current(), expert, version, **changes)
    db.session.commit()
    return expert


@blp.route("/<int:expert_id>/unavailability", methods=["GET"])
@blp.response(200, page_schema(UnavailabilityOut))
def list_unavailability(expert_id):
    """The expert's leave and courses, newest first (central team, admins, the expert)."""
    expert = capacity.get_expert(db.session, expert_id)
    rows = capacity.unavailability_of(db.session, current(), expert)
    return {"items": rows, "total": len(rows)}


@blp.route("/<int:expert_id>/unavailability", methods=["POST"])
@blp.arguments(UnavailabilityIn)
@blp.response(201, UnavailabilityOut)
def add_unavailability(values, expert_id):
    """Record leave or a course; it counts as the expert's full days on each of its days."""
    expert = capacity.get_expert(db.session, expert_id)
    leave = capacity.add_unavailability(db.session, current(), expert, **values)
    db.session.commit()
    return leave


@blp.route("/<int:expert_id>/unavailability/<int:unavailability_id>", methods=["DELETE"])
@blp.response(204)
def remove_unavailability(expert_id, unavailability_id):
    expert = capacity.get_expert(db.session, expert_id)
    capacity.remove_unavailability(db.session, current(), expert, unavailability_id)
    db.session.commit()
