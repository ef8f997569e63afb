"""PDSA cycles: Plan → Do → Study → Act → closed, one stage at a time."""
from marshmallow import fields

from tracker import pdsa, permissions
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, PlausibleDate, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models.pdsa import ACT_DECISIONS

blp = Blueprint("pdsa", __name__, url_prefix="/api/v1", description="PDSA cycles")

NOTES = 20_000


class CycleIn(StrictSchema):
    title = Text(200, required=True, required_text=True)
    question = Text(NOTES, load_default="")
    prediction = Text(NOTES, load_default="")
    plan_notes = Text(NOTES, load_default="")
    do_ends_on = PlausibleDate(allow_none=True, load_default=None)
    owner_id = Id(allow_none=True, load_default=None)
    parent_id = Id(allow_none=True, load_default=None)


class CyclePatch(StrictSchema):
    title = Text(200, required_text=True)
    question = Text(NOTES)
    prediction = Text(NOTES)
    plan_notes = Text(NOTES)
    do_notes = Text(NOTES)
    study_notes = Text(NOTES)
    act_notes = Text(NOTES)
    do_ends_on = PlausibleDate(allow_none=True)
    owner_id = Id(allow_none=True)
    version = fields.Integer(required=True, strict=True)


class AdvanceIn(StrictSchema):
    question = Text(NOTES)
    prediction = Text(NOTES)
    plan_notes = Text(NOTES)
    do_notes = Text(NOTES)
    study_notes = Text(NOTES)
    act_decision = Choice(ACT_DECISIONS)
    act_notes = Text(NOTES)
    version = fields.Integer(strict=True, metadata={"description": (
        "The version you read; without it the cycle advances from the stage it is in. "
        "A stale version gets 409 stale_version.")})


class CycleOut(StrictSchema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    title = fields.String()
    stage = fields.String()
    next_stage = fields.Function(pdsa.next_stage, allow_none=True)
    question = fields.String()
    prediction = fields.String()
    plan_notes = fields.String()
    do_notes = fields.String()
    study_notes = fields.String()
    act_decision = fields.String(allow_none=True)
    act_notes = fields.String()
    stage_since = fields.Date()
    do_ends_on = fields.Date(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    version = fields.Integer()


@blp.route("/initiatives/<int:initiative_id>/pdsa-cycles", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CycleOut))
def list_cycles(args, initiative_id):
    """The initiative's cycles, oldest first."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return paginate(pdsa.cycles_of(initiative), args["page"], args["per_page"])


@blp.route("/initiatives/<int:initiative_id>/pdsa-cycles", methods=["POST"])
@blp.arguments(CycleIn)
@blp.response(201, CycleOut)
def start_cycle(values, initiative_id):
    """Start a cycle in Plan; ``parent_id`` names the cycle whose Act it follows."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    cycle = pdsa.start_cycle(db.session, current(), initiative, **values)
    db.session.commit()
    return cycle


@blp.route("/pdsa-cycles/<int:cycle_id>", methods=["GET"])
@blp.response(200, CycleOut)
def get_cycle(cycle_id):
    return pdsa.get_cycle(db.session, current(), cycle_id)


@blp.route("/pdsa-cycles/<int:cycle_id>", methods=["PATCH"])
@blp.arguments(CyclePatch)
@blp.response(200, CycleOut)
def patch_cycle(changes, cycle_id):
    """Edit the title, notes, owner or planned end of Do; the stage moves only by ``advance``."""
    cycle = pdsa.get_cycle(db.session, current(), cycle_id)
    version = changes.pop("version")
    pdsa.update_cycle(db.session, current(), cycle, version, **changes)
    db.session.commit()
    return cycle


@blp.route("/pdsa-cycles/<int:cycle_id>/advance", methods=["POST"])
@blp.arguments(AdvanceIn)
@blp.response(200, CycleOut)
def advance(values, cycle_id):
    """Move one stage on with that stage's fields: to Do, ``question`` and ``prediction``;
    to Study, ``do_notes``; to Act, ``study_notes``; to close, ``act_decision``.

    ``version`` is optional: a stale one gets 409 ``stale_version`` and nothing is written;
    without it the cycle advances from the stage it is in when the request arrives. Two
    advances that arrive together never move it two stages: one moves it, the other gets
    409 ``stale_version`` and writes nothing. Read the cycle again: its ``stage`` says
    whether to advance it further.
    """
    cycle = pdsa.get_cycle(db.session, current(), cycle_id)
    version = values.pop("version", None)
    pdsa.advance_cycle(db.session, current(), cycle, values, version)
    db.session.commit()
    return cycle
