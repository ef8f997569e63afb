"""Active initiatives per pillar and helix component."""
from marshmallow import fields

from tracker import coverage
from tracker.blueprints.api.common import Blueprint, QueryId, StrictSchema, current
from tracker.extensions import db
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/coverage", description="Active initiatives per pillar and helix component")


class CoverageArgs(StrictSchema):
    school_id = QueryId(metadata={"description": "Count only this school's initiatives"})


def _counts(names, what):
    return type(f"{what}Counts", (StrictSchema,), {
        name: fields.Integer(required=True) for name in names})


class Coverage(StrictSchema):
    pillars = fields.Nested(_counts(PILLARS, "Pillar"), metadata={
        "description": "Active initiatives tagged with each pillar, every pillar present"})
    helix_components = fields.Nested(_counts(HELIX_COMPONENTS, "HelixComponent"), metadata={
        "description": "Active initiatives tagged with each helix component, every one present"})


@blp.route("", methods=["GET"])
@blp.arguments(CoverageArgs, location="query")
@blp.response(200, Coverage)
def get_coverage(args):
    """How many active initiatives you can see tag each pillar and each helix component,
    trust-wide or in one school (``school_id``; one you cannot see is 404)."""
    return coverage.coverage(db.session, current(), args.get("school_id"))
