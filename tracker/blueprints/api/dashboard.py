from marshmallow import fields

from tracker import dashboard
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import Choice, StrictSchema, current
from tracker.blueprints.api.measures import LatestOut
from tracker.clock import today
from tracker.extensions import db
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1/dashboard",
                description="The standard report per school")


class GoldenRule(StrictSchema):
    can_support = fields.Integer()
    needs_support = fields.Integer()
    ratio = fields.Float(allow_none=True)
    ok = fields.Boolean()


class DashboardFilters(StrictSchema):
    """Narrow the initiative figures; breaches, expert days, KPIs and concerns stay whole."""

    pillar = Choice(PILLARS, metadata={"description": "Only initiatives tagged with this pillar"})
    helix_component = Choice(HELIX_COMPONENTS, metadata={
        "description": "Only initiatives tagged with this triple helix component"})
    phase = Choice(PHASES, metadata={"description": "Only initiatives in this phase"})


class SchoolKpi(StrictSchema):
    measure_id = fields.Integer()
    latest = fields.Nested(LatestOut, allow_none=True, metadata={
        "description": "The school's latest point, null without one"})
    variation = fields.String(allow_none=True, metadata={
        "description": "improvement|concern|common_cause; null under 12 points"})
    assurance = fields.String(allow_none=True, metadata={
        "description": "pass|fail|uncertain; null under 12 points or without a target"})


class TrustKpi(StrictSchema):
    measure_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    higher_is_better = fields.Boolean()
    target = fields.Float(allow_none=True)


class Term(StrictSchema):
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()


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
    stale_initiatives = fields.Integer(metadata={
        "description": "Active initiatives with no progress update for NUDGE_STALE_DAYS"})
    expert_days_this_term = fields.Float(metadata={
        "description": "Expert days the school receives this term (allocations not cancelled)"})
    kpis = fields.List(fields.Nested(SchoolKpi), metadata={
        "description": "One entry per trust KPI, in the order of trust_kpis"})
    unanswered_concerns = fields.Integer(metadata={
        "description": "Concerns no initiative acts on, INSIGHT_ACTION_DAYS after their date"})
    heat = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Heat level per figure where higher is worse: 0 none, 1 low, 2 medium, "
                       "3 high (the most in that column)"})


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
    #: The filters applied (those given, checked).
    filters = fields.Nested(DashboardFilters)
    #: The term whose expert days are counted.
    term = fields.Nested(Term)
    stale_days = fields.Integer(metadata={"description": "NUDGE_STALE_DAYS"})
    trust_kpis = fields.List(fields.Nested(TrustKpi))


@blp.route("", methods=["GET"])
@blp.arguments(DashboardFilters, location="query")
@blp.response(200, Dashboard)
def get_dashboard(filters):
    """Per school: active initiatives by phase and RAG, overdue milestones, stuck PDSA
    cycles, stale initiatives, breaches, expert days this term, each trust KPI's latest value
    with its variation and assurance, unanswered concerns; and the golden rule (schools able
    to support per school needing support). A horizontal initiative counts in each school.

    ``pillar``, ``helix_component`` and ``phase`` narrow the initiative figures. The golden
    rule is the whole trust's figure for every reader, a reader of one school included: it
    counts schools by support status and names none."""
    return dashboard.school_report(db.session, current(), today(), filters)
