"""Progress updates: RAG and narrative; the latest sets the initiative's RAG."""
from marshmallow import fields

from tracker import permissions, updates
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models.initiative import RAGS

blp = Blueprint("updates", __name__, url_prefix="/api/v1/initiatives", description="Updates")


class UpdateIn(StrictSchema):
    rag = Choice(RAGS, required=True)
    narrative = Text(updates.MAX_NARRATIVE, required=True, required_text=True)


class UpdateOut(StrictSchema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    rag = fields.String()
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
    """Log an update; its RAG becomes the initiative's."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    update = updates.log_update(db.session, current(), initiative, **values)
    db.session.commit()
    return update
