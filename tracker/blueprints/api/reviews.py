"""De-implementation reviews: listed and added under an initiative, read and decided by id.

A review is decided with ``PATCH /reviews/{id}`` carrying ``decision`` and ``rationale``
(and the ``version``), like any other edit of the record.
"""
from marshmallow import Schema, fields

from tracker import clock, permissions, reviews
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, PlausibleDate, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models import DeimplementationReview
from tracker.models.review import DECISIONS

blp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="De-implementation reviews")


class ReviewOut(Schema):
    id = fields.Integer()
    initiative_id = fields.Integer()
    due_on = fields.Date()
    reviewer_id = fields.Integer(allow_none=True)
    impact_evidence = fields.String()
    opportunity_cost = fields.String()
    workload = fields.String()
    would_stop = fields.String()
    decision = fields.String(allow_none=True)
    rationale = fields.String()
    decided_on = fields.Date(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    #: Expert days a de-implement decision gave back by ending or cancelling allocations.
    freed_expert_days = fields.Float(allow_none=True)
    version = fields.Integer()


class _ReviewFields(StrictSchema):
    reviewer_id = Id(allow_none=True)
    impact_evidence = Text(20_000)
    opportunity_cost = Text(20_000)
    workload = Text(20_000)
    would_stop = Text(20_000)
    rationale = Text(20_000)
    decision = Choice(DECISIONS, allow_none=True)


class ReviewIn(_ReviewFields):
    due_on = PlausibleDate(required=True)


class ReviewPatch(_ReviewFields):
    due_on = PlausibleDate()
    version = fields.Integer(required=True, strict=True)


class ReviewFilters(PageArgs):
    decided = fields.Boolean()


@blp.route("/initiatives/<int:initiative_id>/reviews", methods=["GET"])
@blp.arguments(ReviewFilters, location="query")
@blp.response(200, page_schema(ReviewOut))
def list_reviews(args, initiative_id):
    """The initiative's reviews, soonest due first; ``?decided=false`` for the open ones."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    stmt = reviews.reviews_of(initiative)
    if "decided" in args:
        column = DeimplementationReview.decision
        stmt = stmt.where(column.is_not(None) if args["decided"] else column.is_(None))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("/initiatives/<int:initiative_id>/reviews", methods=["POST"])
@blp.arguments(ReviewIn)
@blp.response(201, ReviewOut)
def create_review(values, initiative_id):
    """Add a review (the initiative's school lead or an admin); it may be decided at once."""
    initiative = permissions.get_initiative(db.session, current(), initiative_id)
    review = reviews.add_review(db.session, current(), initiative, values.pop("due_on"),
                                decision=values.pop("decision", None), today=clock.today(),
                                **values)
    db.session.commit()
    return review


@blp.route("/reviews/<int:review_id>", methods=["GET"])
@blp.response(200, ReviewOut)
def get_review(review_id):
    return reviews.get_review(db.session, current(), review_id)


@blp.route("/reviews/<int:review_id>", methods=["PATCH"])
@blp.arguments(ReviewPatch)
@blp.response(200, ReviewOut)
def patch_review(changes, review_id):
    """Edit a review, or decide it by sending ``decision`` and ``rationale``.

    ``continue`` schedules the next review; ``adapt`` returns the initiative to Prepare;
    ``deimplement`` stops it, ends its future allocations and closes its PDSA cycles.
    Once decided, only an admin may edit it, and not its decision.
    """
    review = reviews.get_review(db.session, current(), review_id)
    version = changes.pop("version")
    reviews.update_review(db.session, current(), review, version, today=clock.today(), **changes)
    db.session.commit()
    return review
