"""Allocations (API.md): an expert deployed to a school, and maybe one of its initiatives,
for a stretch of days at so many days a week.

The central team and admins create and change them, and may override an expert's days
with a recorded reason (the central team owns capacity). Reading follows the school: school
leads and viewers read their schools' allocations, project leads those to the initiatives
they own, an expert their own; anyone else's is not in the list and is 404 by id.
"""
from marshmallow import fields, validate

from tracker import capacity
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, PlausibleDate, QueryId, StrictNumber,
                                           StrictSchema, Text, current, page_schema, paginate)
from tracker.extensions import db
from tracker.models.capacity import ALLOCATION_STATUSES



blp = Blueprint("allocations", __name__, url_prefix="/api/v1/allocations",
                description="Allocations of experts")

Days = {"validate": validate.Range(min=0, min_inclusive=False, max=7,
                                   error="Give more than 0 and at most 7 days a week.")}


class AllocationIn(StrictSchema):
    expert_id = Id(required=True)
    school_id = Id(required=True)
    initiative_id = Id(allow_none=True, load_default=None)
    starts_on = PlausibleDate(required=True)
    ends_on = PlausibleDate(required=True)
    days_per_week = StrictNumber(required=True, **Days)
    status = Choice(ALLOCATION_STATUSES, load_default="planned")
    notes = Text(10_000, load_default="")
    #: Lets through an allocation that would over-allocate the expert; recorded.
    override_reason = Text(2000, allow_none=True, load_default=None)


class AllocationPatch(StrictSchema):
    expert_id = Id()
    school_id = Id()
    initiative_id = Id(allow_none=True)
    starts_on = PlausibleDate()
    ends_on = PlausibleDate()
    days_per_week = StrictNumber(**Days)
    status = Choice(ALLOCATION_STATUSES)
    notes = Text(10_000)
    override_reason = Text(2000, allow_none=True)
    version = fields.Integer(required=True, strict=True)


class AllocationOut(StrictSchema):
    id = fields.Integer()
    expert_id = fields.Integer()
    school_id = fields.Integer()
    initiative_id = fields.Integer(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    days_per_week = fields.Float()
    status = fields.String()
    override_reason = fields.String(allow_none=True)
    notes = fields.String()
    created_at = fields.DateTime()
    version = fields.Integer()


class AllocationFilters(PageArgs):
    expert_id = QueryId()
    school_id = QueryId()
    initiative_id = QueryId()
    status = Choice(ALLOCATION_STATUSES)
    #: Keep the allocations that run on at least one day from ``from`` to ``to``.
    from_ = PlausibleDate(data_key="from")
    to = PlausibleDate()


@blp.route("", methods=["GET"])
@blp.arguments(AllocationFilters, location="query")
@blp.response(200, page_schema(AllocationOut))
def list_allocations(args):
    """The allocations you may see, by start date; ``from``/``to`` keep those touching the range."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(capacity.find_allocations(current(), **args), page, per_page)


@blp.route("", methods=["POST"])
@blp.arguments(AllocationIn)
@blp.response(201, AllocationOut)
def create_allocation(values):
    """Allocate an expert (central team, admin). Gets 409 ``over_allocated`` with the
    ``weeks`` affected when it would put the expert over their days, unless it carries
    an ``override_reason``: the central team owns capacity, so they (and admins) may
    override; the reason is stored and the override logged with who gave it."""
    allocation = capacity.allocate(db.session, current(), **values)
    db.session.commit()
    return allocation


@blp.route("/<int:allocation_id>", methods=["GET"])
@blp.response(200, AllocationOut)
def get_allocation(allocation_id):
    return capacity.get_allocation(db.session, current(), allocation_id)


@blp.route("/<int:allocation_id>", methods=["PATCH"])
@blp.arguments(AllocationPatch)
@blp.response(200, AllocationOut)
def patch_allocation(changes, allocation_id):
    """Change an allocation with the ``version`` you read; the over-allocation rule applies
    to a change that adds load (``override_reason`` as for a new one)."""
    allocation = capacity.get_allocation(db.session, current(), allocation_id)
    version = changes.pop("version")
    capacity.change_allocation(db.session, current(), allocation, version, **changes)
    db.session.commit()
    return allocation
