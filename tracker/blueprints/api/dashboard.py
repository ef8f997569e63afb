from marshmallow import fields

from tracker import dashboard
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import StrictSchema, current
from tracker.clock import today
from tracker.extensions import db

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1/dashboard",
                description="The standard report per school")


class GoldenRule(StrictSchema):
    can_support = fields.Integer()
    needs_support = fields.Integer()
    ratio = fields.Float(allow_none=True)
    ok = fields.Boolean()


class SchoolRow(StrictSchema):
    school_id = fields.Integer()
    name = fields.String()
    urn = fields.String()
    support_status = fields.String()
    phases = fields.Dict(keys=fields.String(), values=fields.Integer())
    rag = fields.Dict(keys=fields.String(), values=fields.Integer())
    active_initiatives = fields.Integer()
    overdue_milestones = fields.Integer()
    stuck_pdsa_cycles = fields.Integer()
    breaches = fields.Integer()


class Breach(StrictSchema):
    kind = fields.String()
    school_id = fields.Integer()
    initiative_id = fields.Integer(allow_none=True)
    since = fields.Date()


class Dashboard(StrictSchema):
    schools = fields.List(fields.Nested(SchoolRow))
    #: A trust figure: it counts every school, whoever reads it.
    golden_rule = fields.Nested(GoldenRule)
    breaches = fields.List(fields.Nested(Breach))


@blp.route("", methods=["GET"])
@blp.response(200, Dashboard)
def get_dashboard():
    """Per school: initiatives by phase and RAG, overdue milestones, stuck PDSA cycles,
    breaches; and the golden rule (schools able to support per school needing support).

    The golden rule is the whole trust's figure for every reader, a reader of one school
    included: it counts schools by support status and names none."""
    return dashboard.school_report(db.session, current(), today())
