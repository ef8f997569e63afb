from flask_smorest import Blueprint
from marshmallow import fields, validate

from tracker import people
from tracker.blueprints.api.common import (Choice, Id, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.extensions import db
from tracker.models.user import ROLES

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People")


class UserIn(StrictSchema):
    email = Text(254, required=True, required_text=True)
    name = Text(200, required=True, required_text=True)
    role = Choice(ROLES, required=True)
    password = Text(128, required=True)
    school_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500))


class UserPatch(StrictSchema):
    email = Text(254, required_text=True)
    name = Text(200, required_text=True)
    role = Choice(ROLES)
    password = Text(128)
    school_ids = fields.List(Id(), validate=validate.Length(max=500))
    active = fields.Boolean()
    version = fields.Integer(required=True, strict=True)


class UserOut(StrictSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    school_ids = fields.List(fields.Integer())
    active = fields.Boolean()
    version = fields.Integer()


@blp.route("", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(UserOut))
def list_users(args):
    """People you can see: everyone for admins and the central team, your schools' otherwise."""
    return paginate(people.visible_users(current()), args["page"], args["per_page"])


@blp.route("", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(values):
    """Create an account (admin)."""
    user = people.create_user(db.session, current(), **values)
    db.session.commit()
    return user


@blp.route("/me", methods=["GET"])
@blp.response(200, UserOut)
def me():
    return current()


@blp.route("/<int:user_id>", methods=["GET"])
@blp.response(200, UserOut)
def get_user(user_id):
    return people.get_user(db.session, current(), user_id)


@blp.route("/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
def patch_user(changes, user_id):
    """Change a person's details, role, schools or password, or deactivate them (admin)."""
    user = people.get_user(db.session, current(), user_id)
    version = changes.pop("version")
    people.update_user(db.session, current(), user, version, **changes)
    db.session.commit()
    return user
