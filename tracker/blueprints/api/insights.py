"""Insights: intelligence about a school from several sources (QA visits, peer reviews,
surveys, pupil voice, data reviews, inspections), judged a strength, an area for development
or a concern, with the initiatives that act on it. Read like the school's initiatives;
written by admins, the central team and the school's leads (tracker/insights.py)."""
from marshmallow import fields, validate

from tracker import clock, insights
from tracker.blueprints.api.common import (Blueprint, Choice, Id, PageArgs, PlausibleDate,
                                           StrictSchema, Text, current, page_schema, paginate)
from tracker.extensions import db
from tracker.models.initiative import PILLARS
from tracker.models.insight import INSIGHT_SOURCES, JUDGEMENTS

blp = Blueprint("insights", __name__, url_prefix="/api/v1",
                description="Insights: intelligence about a school from several sources")

INITIATIVES_TEXT = ("The initiatives that act on it: the school's own, or horizontal ones it "
                    "takes part in, that you can see (else 422 `initiative_ids`).")


class InsightIn(StrictSchema):
    source = Choice(INSIGHT_SOURCES, required=True)
    on = PlausibleDate(required=True, metadata={
        "description": "When it was found: today or earlier."})
    title = Text(insights.MAX_TITLE, required=True, required_text=True)
    summary = Text(insights.MAX_SUMMARY, load_default="")
    pillars = fields.List(Choice(PILLARS), load_default=list, validate=validate.Length(max=50))
    judgement = Choice(JUDGEMENTS, required=True)
    initiative_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500),
                                 metadata={"description": INITIATIVES_TEXT})


class InsightPatch(StrictSchema):
    source = Choice(INSIGHT_SOURCES)
    on = PlausibleDate()
    title = Text(insights.MAX_TITLE, required_text=True)
    summary = Text(insights.MAX_SUMMARY)
    pillars = fields.List(Choice(PILLARS), validate=validate.Length(max=50))
    judgement = Choice(JUDGEMENTS)
    initiative_ids = fields.List(Id(), validate=validate.Length(max=500),
                                 metadata={"description": INITIATIVES_TEXT})
    version = fields.Integer(required=True, strict=True)


class InsightOut(StrictSchema):
    id = fields.Integer()
    school_id = fields.Integer()
    source = fields.String()
    on = fields.Date()
    title = fields.String()
    summary = fields.String()
    pillars = fields.List(fields.String())
    judgement = fields.String()
    initiative_ids = fields.List(fields.Integer())
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    version = fields.Integer()
    unanswered = fields.Method("get_unanswered", metadata={
        "description": "A concern no initiative acts on more than INSIGHT_ACTION_DAYS after "
                       "its date."})

    def get_unanswered(self, insight):
        return insights.is_unanswered(insight, clock.today())


class InsightFilters(PageArgs):
    judgement = Choice(JUDGEMENTS)
    unanswered = fields.Boolean(load_default=False, metadata={
        "description": "true: only the unanswered concerns."})


@blp.route("/schools/<int:school_id>/insights", methods=["GET"])
@blp.arguments(InsightFilters, location="query")
@blp.response(200, page_schema(InsightOut))
def list_insights(args, school_id):
    """The school's insights, newest first (404 for a school you cannot see)."""
    stmt = insights.insights_of(db.session, current(), school_id, judgement=args.get("judgement"),
                                unanswered=args["unanswered"])
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("/schools/<int:school_id>/insights", methods=["POST"])
@blp.arguments(InsightIn)
@blp.response(201, InsightOut)
def create_insight(values, school_id):
    """Record an insight about the school (admins, the central team, its school leads)."""
    insight = insights.create_insight(db.session, current(), school_id, **values)
    db.session.commit()
    return insight


@blp.route("/insights/<int:insight_id>", methods=["GET"])
@blp.response(200, InsightOut)
def get_insight(insight_id):
    return insights.get_insight(db.session, current(), insight_id)


@blp.route("/insights/<int:insight_id>", methods=["PATCH"])
@blp.arguments(InsightPatch)
@blp.response(200, InsightOut)
def patch_insight(changes, insight_id):
    """Edit any field but the school; send the ``version`` you read (stale: 409)."""
    insight = insights.get_insight(db.session, current(), insight_id)
    version = changes.pop("version")
    insights.update_insight(db.session, current(), insight, version, **changes)
    db.session.commit()
    return insight


@blp.route("/insights/<int:insight_id>", methods=["DELETE"])
@blp.response(204)
def delete_insight(insight_id):
    insight = insights.get_insight(db.session, current(), insight_id)
    insights.delete_insight(db.session, current(), insight)
    db.session.commit()
