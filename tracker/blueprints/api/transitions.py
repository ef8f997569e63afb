"""Moving an initiative between phases, its history, and the gates it faces."""
from marshmallow import fields

from tracker import lifecycle, permissions
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.blueprints.api.initiatives import InitiativeOut
from tracker.extensions import db
from tracker.models.initiative import PHASES

blp = Blueprint("transitions", __name__, url_prefix="/api/v1/initiatives",
                description="Phases, gates and transitions")


class TransitionIn(StrictSchema):
    to = Choice(PHASES + tuple(lifecycle.ENDINGS), required=True)
    reason = Text(5000, allow_none=True, load_default=None)
    override_reason = Text(5000, allow_none=True, load_default=None)
    version = fields.Integer(strict=True, metadata={"description": (
        "The initiative's version you read; without it the move applies to it as it is. "
        "A stale version gets 409 stale_version.")})


class TransitionOut(StrictSchema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    from_ = fields.String(attribute="from_phase", data_key="from")
    to = fields.String(attribute="to_phase")
    user_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    reason = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)


class MovedOut(TransitionOut):
    initiative = fields.Nested(InitiativeOut)


class CriterionOut(StrictSchema):
    code = fields.String()
    message = fields.String()
    met = fields.Boolean()


class GateOut(StrictSchema):
    to = fields.String()
    met = fields.Boolean()
    criteria = fields.List(fields.Nested(CriterionOut))


class MissingOut(StrictSchema):
    code = fields.String()
    message = fields.String()


class AllowedMoveOut(StrictSchema):
    to = fields.String()
    kind = fields.String(metadata={"description": "forward, back or end."})
    ready = fields.Boolean(metadata={"description": (
        "Whether the move lands as it is; false: the gate refuses it until `missing` is met "
        "(an admin may send an override_reason).")})
    needs_reason = fields.Boolean(metadata={"description": "A move back needs a reason."})
    missing = fields.List(fields.Nested(MissingOut))


class GatesOut(StrictSchema):
    phase = fields.String()
    status = fields.String()
    next = fields.String(allow_none=True)
    gates = fields.List(fields.Nested(GateOut))
    allowed_moves = fields.List(fields.Nested(AllowedMoveOut), metadata={"description": (
        "The moves you may ask for (POST transitions): forward to the next phase, further "
        "forward only when every gate on the way is met (admins: any, with an override), "
        "back with a reason, and the ending the phase allows. Empty when you may not move "
        "this initiative or it has ended.")})


@blp.route("/<int:initiative_id>/transitions", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(TransitionOut))
def list_transitions(args, initiative_id):
    """The initiative's history, oldest first: from, to, who, when, reason, override."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return paginate(lifecycle.transitions_of(initiative), args["page"], args["per_page"])


@blp.route("/<int:initiative_id>/transitions", methods=["POST"])
@blp.arguments(TransitionIn)
@blp.response(201, MovedOut)
def move(values, initiative_id):
    """Move to a phase, or end as ``completed`` or ``rejected``. An unmet gate gives 422
    ``gate_blocked`` with every missing criterion; moving back needs a ``reason``; an
    admin's ``override_reason`` passes an unmet gate and is recorded.

    ``version`` (the initiative's) is optional: a stale one gets 409 ``stale_version`` and
    nothing is written; without it the move applies to the initiative as it is when the
    request arrives. Of two moves that arrive together one lands; the other gets 409
    ``stale_version`` and writes nothing: read the initiative again and decide."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id,
                                            permissions.MOVE_PHASE)
    transition = lifecycle.move_phase(db.session, current(), initiative, **values)
    db.session.commit()
    transition.initiative = initiative
    return transition


@blp.route("/<int:initiative_id>/gates", methods=["GET"])
@blp.response(200, GatesOut)
def gates(initiative_id):
    """Each gate's criteria and whether they are met, and the moves you may ask for, so a
    client sees what is missing before it tries a move."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return {"phase": initiative.phase, "status": initiative.status,
            "next": lifecycle.next_phase(initiative),
            "gates": lifecycle.gate_checklist(db.session, initiative),
            "allowed_moves": lifecycle.allowed_moves(db.session, current(), initiative)}
