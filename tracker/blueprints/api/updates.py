"""Progress updates: RAG and narrative; the latest sets the initiative's RAG, and the RAG of
the school it is for (``school_id``; null: every school of the initiative)."""
from marshmallow import fields

from tracker import permissions, updates
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models.initiative import RAGS

blp = Blueprint("updates", __name__, url_prefix="/api/v1/initiatives", description="Updates")


class UpdateIn(StrictSchema):
    rag = Choice(RAGS, required=True)
    narrative = Text(updates.MAX_NARRATIVE, required=True, required_text=True)
    school_id = Id(allow_none=True, load_default=None, metadata={
        "description": "The one school of a shared initiative it is for (one of its schools "
                       "that you can see); null or absent: all its schools."})


class UpdateOut(StrictSchema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    rag = fields.String()
    school_id = fields.Integer(allow_none=True, metadata={
        "description": "The one school it is for; null: all the initiative's schools."})
    narrative = fields.String()
    author_id = fields.Integer()
    created_at = fields.DateTime()


@blp.route("/<int:initiative_id>/updates", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(UpdateOut))
def list_updates(args, initiative_id):
    """The initiative's updates, newest first."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    return paginate(updates.updates_of(initiative), args["page"], args["per_page"])


@blp.route("/<int:initiative_id>/updates", methods=["POST"])
@blp.arguments(UpdateIn)
@blp.response(201, UpdateOut)
def log_update(values, initiative_id):
    """Log an update; its RAG becomes the initiative's, and that of the school it is for (or of
    every school when it is for all)."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    update = updates.log_update(db.session, current(), initiative, **values)
    db.session.commit()
    return update
