from marshmallow import fields, validate

from tracker import schools
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models.school import SCHOOL_PHASES, SUPPORT_STATUSES

blp = Blueprint("schools", __name__, url_prefix="/api/v1/schools", description="Schools")


class SchoolIn(StrictSchema):
    name = Text(200, required=True, required_text=True)
    urn = Text(20, required=True, required_text=True)
    phase = Choice(SCHOOL_PHASES, required=True)
    support_status = Choice(SUPPORT_STATUSES, load_default="stable")
    max_active_initiatives = fields.Integer(strict=True, allow_none=True, load_default=None,
                                            validate=validate.Range(min=0, max=1000))


class SchoolPatch(SchoolIn):
    name = Text(200, required_text=True)
    urn = Text(20, required_text=True)
    phase = Choice(SCHOOL_PHASES)
    support_status = Choice(SUPPORT_STATUSES)
    max_active_initiatives = fields.Integer(strict=True, allow_none=True,
                                            validate=validate.Range(min=0, max=1000))
    version = fields.Integer(required=True, strict=True)


class SchoolOut(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    urn = fields.String()
    phase = fields.String()
    support_status = fields.String()
    max_active_initiatives = fields.Integer(allow_none=True)
    version = fields.Integer()


@blp.route("", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(SchoolOut))
def list_schools(args):
    """The schools you can see."""
    return paginate(schools.visible_schools(current()), args["page"], args["per_page"])


@blp.route("", methods=["POST"])
@blp.arguments(SchoolIn)
@blp.response(201, SchoolOut)
def create_school(values):
    """Add a school (admin)."""
    school = schools.create_school(db.session, current(), **values)
    db.session.commit()
    return school


@blp.route("/<int:school_id>", methods=["GET"])
@blp.response(200, SchoolOut)
def get_school(school_id):
    return schools.get_school(db.session, current(), school_id)


@blp.route("/<int:school_id>", methods=["PATCH"])
@blp.arguments(SchoolPatch)
@blp.response(200, SchoolOut)
def patch_school(changes, school_id):
    """Change a school (admin); carries the version you read."""
    school = schools.get_school(db.session, current(), school_id)
    version = changes.pop("version")
    schools.update_school(db.session, current(), school, version, **changes)
    db.session.commit()
    return school
