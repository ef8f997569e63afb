"""Self-evaluation against the seven pillars: dated rounds of the trust or of one school.

``GET /self-evaluations`` without ``school_id`` lists the trust's own rounds (everyone signed
in reads them); with it, that school's (404 for a school you cannot see). Rounds are never
edited: a new judgement is a new round.
"""
from marshmallow import fields, validate

from tracker import self_evaluation
from tracker.blueprints.api.common import (Blueprint, Choice, Id, PageArgs, PlausibleDate,
                                           QueryId, StrictSchema, Text, current, page_schema,
                                           paginate)
from tracker.extensions import db
from tracker.models.initiative import PILLARS
from tracker.models.self_evaluation import RATINGS

blp = Blueprint("self_evaluations", __name__, url_prefix="/api/v1/self-evaluations",
                description="Self-evaluation against the seven pillars")

RATING_WORDS = ", ".join(f"{n} {self_evaluation.RATING_LABELS[n].lower()}" for n in RATINGS)


class SelfEvaluationRatingIn(StrictSchema):
    pillar = Choice(PILLARS, required=True)
    rating = fields.Integer(strict=True, required=True,
                            validate=validate.Range(min=RATINGS[0], max=RATINGS[-1]),
                            metadata={"description": RATING_WORDS + "."})
    evidence = Text(self_evaluation.MAX_EVIDENCE, allow_none=True, load_default="",
                    metadata={"description": "What the rating rests on (may be empty)."})


class SelfEvaluationIn(StrictSchema):
    on = PlausibleDate(required=True, metadata={
        "description": "The date the pillars were rated: today or earlier."})
    school_id = Id(allow_none=True, load_default=None, metadata={
        "description": "The school rated; null or absent: the trust's own round (admins and "
                       "the central team). A school's round: its school lead or an admin."})
    ratings = fields.List(fields.Nested(SelfEvaluationRatingIn), required=True,
                          validate=validate.Length(max=100), metadata={"description": (
                              "Every pillar exactly once. Pillars left out get 422 "
                              "`round_incomplete` with `missing`, one `{code: pillar, message}` "
                              "per pillar; a pillar rated twice gets 422 by field.")})


class SelfEvaluationRatingOut(StrictSchema):
    pillar = fields.String()
    rating = fields.Integer()
    evidence = fields.String()


class SelfEvaluationOut(StrictSchema):
    id = fields.Integer()
    on = fields.Date()
    school_id = fields.Integer(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    ratings = fields.List(fields.Nested(SelfEvaluationRatingOut), metadata={
        "description": "One per pillar, in the pillars' order."})


class SelfEvaluationFilters(PageArgs):
    school_id = QueryId(metadata={"description": "That school's rounds; absent: the trust's own."})


@blp.route("", methods=["GET"])
@blp.arguments(SelfEvaluationFilters, location="query")
@blp.response(200, page_schema(SelfEvaluationOut))
def list_rounds(args):
    """Rounds newest first: the trust's own, or with ``school_id`` that school's."""
    stmt = self_evaluation.rounds(db.session, current(), args.get("school_id"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("", methods=["POST"])
@blp.arguments(SelfEvaluationIn)
@blp.response(201, SelfEvaluationOut)
def record_round(values):
    """Record a round rating every pillar 1-4 with its evidence."""
    found = self_evaluation.record_round(db.session, current(), **values)
    db.session.commit()
    return found


@blp.route("/<int:self_evaluation_id>", methods=["GET"])
@blp.response(200, SelfEvaluationOut)
def get_round(self_evaluation_id):
    """One round (404 when it is a school's you cannot see)."""
    return self_evaluation.get_round(db.session, current(), self_evaluation_id)
