from flask import current_app, g
from marshmallow import fields, validate

from tracker import people, privacy
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, StrictSchema, Text, current,
                                           page_schema, paginate)
from tracker.blueprints.api.tokens import LOCKED
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
    """Change a person's details, role, schools or password, or deactivate them (admin).
    A new password, or deactivation, ends their web sessions and API tokens at once."""
    user = people.get_user(db.session, current(), user_id)
    version = changes.pop("version")
    people.update_user(db.session, current(), user, version, **changes)
    db.session.commit()
    return user


class PasswordChange(StrictSchema):
    current_password = Text(128, required=True)
    new_password = Text(128, required=True)


class ResetLinkOut(StrictSchema):
    link = fields.String(allow_none=True)
    expires_at = fields.DateTime()
    emailed = fields.Boolean()


@blp.route("/me/password", methods=["POST"])
@blp.arguments(PasswordChange)
@blp.response(204)
@blp.alt_response(429, **LOCKED)
def change_my_password(values):
    """Change your own password (the current one is required). Your web sessions and every
    other API token end; the token making the change stays. Repeated wrong current passwords
    get 429 with Retry-After, as failed sign-ins do."""
    people.change_password(db.session, current(), values["current_password"], values["new_password"],
                           token_in_use=g.api_token)
    db.session.commit()


class ExportOut(StrictSchema):
    exported_at = fields.String()
    person = fields.Dict()
    schools = fields.List(fields.Dict())
    #: Table name to the rows that name you.
    records = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))


@blp.route("/me/export", methods=["GET"])
@blp.response(200, ExportOut)
def export_me():
    """Everything stored that names you, as JSON (passwords and token digests left out)."""
    return privacy.export_personal_data(db.session, current())


@blp.route("/<int:user_id>/anonymise", methods=["POST"])
@blp.response(200, UserOut)
def anonymise(user_id):
    """Replace a deactivated person's name and email with placeholders; records stay (admin)."""
    user = people.get_user(db.session, current(), user_id)
    privacy.anonymise_user(db.session, current(), user)
    db.session.commit()
    return user


@blp.route("/<int:user_id>/reset-link", methods=["POST"])
@blp.response(201, ResetLinkOut)
def issue_reset_link(user_id):
    """Issue a single-use password reset link (admin); emailed to the person through the outbox."""
    from tracker.blueprints.admin import reset_url, send_reset_email

    user = people.get_user(db.session, current(), user_id)
    raw, reset = people.issue_password_reset(db.session, current(), user,
                                             current_app.config["PASSWORD_RESET_HOURS"])
    link = reset_url(raw)
    emailed = send_reset_email(db.session, user, link)
    db.session.commit()
    # Once the link is emailed it is the person's alone: not even the admin sees it.
    return {"link": None if emailed else link, "expires_at": reset.expires_at, "emailed": emailed}
