"""Milestones of an initiative; their status (open, done, overdue) is derived."""
from marshmallow import fields

from tracker import clock, milestones, permissions
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Id, PageArgs, PlausibleDate, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db

blp = Blueprint("milestones", __name__, url_prefix="/api/v1", description="Milestones")


class MilestoneIn(StrictSchema):
    title = Text(200, required=True, required_text=True)
    due_on = PlausibleDate(required=True)
    owner_id = Id(allow_none=True, load_default=None)
    done_on = PlausibleDate(allow_none=True, load_default=None)
    school_id = Id(allow_none=True, load_default=None, metadata={
        "description": "The one school of a shared initiative it is for (one of its schools "
                       "that you can see); null: all its schools."})


class MilestonePatch(StrictSchema):
    title = Text(200, required_text=True)
    due_on = PlausibleDate()
    owner_id = Id(allow_none=True)
    done_on = PlausibleDate(allow_none=True)
    school_id = Id(allow_none=True, metadata={
        "description": "The one school of a shared initiative it is for (one of its schools "
                       "that you can see); null: all its schools."})
    version = fields.Integer(required=True, strict=True)


class MilestoneOut(StrictSchema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    title = fields.String()
    due_on = fields.Date()
    owner_id = fields.Integer(allow_none=True)
    done_on = fields.Date(allow_none=True)
    school_id = fields.Integer(allow_none=True, metadata={
        "description": "The one school it is for; null: all the initiative's schools."})
    status = fields.Method("get_status")
    version = fields.Integer()

    def get_status(self, milestone):
        return milestone.status_on(clock.today())


@blp.route("/initiatives/<int:initiative_id>/milestones", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(MilestoneOut))
def list_milestones(args, initiative_id):
    """The initiative's milestones by due date."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return paginate(milestones.milestones_of(initiative), args["page"], args["per_page"])


@blp.route("/initiatives/<int:initiative_id>/milestones", methods=["POST"])
@blp.arguments(MilestoneIn)
@blp.response(201, MilestoneOut)
def create_milestone(values, initiative_id):
    """Add a milestone (its owner defaults to the initiative's)."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    milestone = milestones.create_milestone(db.session, current(), initiative, **values)
    db.session.commit()
    return milestone


@blp.route("/milestones/<int:milestone_id>", methods=["GET"])
@blp.response(200, MilestoneOut)
def get_milestone(milestone_id):
    return milestones.get_milestone(db.session, current(), milestone_id)


@blp.route("/milestones/<int:milestone_id>", methods=["PATCH"])
@blp.arguments(MilestonePatch)
@blp.response(200, MilestoneOut)
def patch_milestone(changes, milestone_id):
    """Edit, mark done (``done_on``) or reopen (``done_on: null``); send the ``version`` you read."""
    milestone = milestones.get_milestone(db.session, current(), milestone_id)
    version = changes.pop("version")
    milestones.update_milestone(db.session, current(), milestone, version, **changes)
    db.session.commit()
    return milestone


@blp.route("/milestones/<int:milestone_id>", methods=["DELETE"])
@blp.response(204)
def delete_milestone(milestone_id):
    milestone = milestones.get_milestone(db.session, current(), milestone_id)
    milestones.delete_milestone(db.session, current(), milestone)
    db.session.commit()
