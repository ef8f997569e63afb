from marshmallow import fields
from tracker import permissions
from tracker.audit import RECORD_TYPES, audit_query
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, PageArgs, PlausibleDate, QueryId, StrictSchema, Text, current,
                                           page_schema, paginate)

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log")


class AuditFilters(PageArgs):
    #: A table's name, plural as stored (``initiatives``); any other is refused, not matched to nothing.
    record_type = Choice(RECORD_TYPES)
    record_id = QueryId()
    actor_id = QueryId()
    action = Text(30)
    since = PlausibleDate()
    until = PlausibleDate()


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
    """Who changed what, when, before and after (admin). ``record_type`` is a table's name
    as the log stores it (``initiatives``, not ``initiative``); any other gets 422 listing
    the accepted ones."""
    permissions.require(current(), permissions.ADMINISTER)
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(audit_query(**args), page, per_page)
