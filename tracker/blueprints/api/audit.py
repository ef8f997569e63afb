from flask_smorest import Blueprint
from marshmallow import fields
from tracker import permissions
from tracker.audit import audit_query
from tracker.blueprints.api.common import (PageArgs, QueryId, StrictSchema, Text, current, page_schema,
                                           paginate)

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log")


class AuditFilters(PageArgs):
    record_type = Text(40)
    record_id = QueryId()
    actor_id = QueryId()
    action = Text(30)
    since = fields.Date()
    until = fields.Date()


class AuditOut(StrictSchema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    record_type = fields.String()
    record_id = fields.Integer(allow_none=True)
    changes = fields.Dict()


@blp.route("", methods=["GET"])
@blp.arguments(AuditFilters, location="query")
@blp.response(200, page_schema(AuditOut))
def list_audit(args):
    """Who changed what, when, before and after (admin)."""
    permissions.require(current(), permissions.ADMINISTER)
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(audit_query(**args), page, per_page)
