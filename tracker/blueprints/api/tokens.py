"""POST /tokens signs in; tokens are listed and revoked by their owner (and by admins)."""
from flask import current_app, g, request
from marshmallow import fields
from sqlalchemy import select

from tracker import permissions
from tracker.audit import acting_as, record_event
from tracker.auth import (attempt_sign_in, issue_token, record_failed_sign_in, revoke_token,
                          revoke_token_by_id)
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (ErrorSchema, PageArgs, StrictSchema, Text, current,
                                           paginate, page_schema)
from tracker.blueprints.api.errors import error_response
from tracker.extensions import db
from tracker.models import ApiToken

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")

#: The answer for an account locked by wrong passwords (tracker.throttle), as the document says it.
LOCKED = {"schema": ErrorSchema, "description": "Too many wrong passwords for this account.",
          "headers": {"Retry-After": {"description": "Seconds until it may try again.",
                                      "schema": {"type": "integer"}}}}


class Credentials(StrictSchema):
    email = Text(254, required=True)
    password = Text(128, required=True)
    name = Text(100, load_default="api")


class NewToken(StrictSchema):
    token = fields.String()
    id = fields.Integer()
    expires_at = fields.DateTime()


class TokenOut(StrictSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


@blp.route("", methods=["POST"])
@blp.arguments(Credentials)
@blp.response(201, NewToken)
@blp.alt_response(429, **LOCKED)
def create_token(credentials):
    """Sign in with email and password; the token is shown only in this answer.

    Repeated failures for one account get 429 with Retry-After, the right password too, until
    they age out; many failures from one address slow every sign-in from it (a few seconds).
    """
    user = attempt_sign_in(db.session, credentials["email"], credentials["password"],
                           request.remote_addr)
    if user is None:
        acting_as(db.session, None, ip=request.remote_addr)
        record_failed_sign_in(db.session, credentials["email"], "api")
        db.session.commit()
        return error_response(401, "unauthorized", "The email or password is not right.")
    acting_as(db.session, user, ip=request.remote_addr)
    raw, token = issue_token(db.session, user, current_app.config["API_TOKEN_DAYS"],
                             credentials["name"])
    record_event(db.session, "token_created", "api_tokens", token.id, actor_id=user.id)
    db.session.commit()
    return {"token": raw, "id": token.id, "expires_at": token.expires_at}


@blp.route("", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(TokenOut))
def list_tokens(args):
    """Your tokens (an admin sees everyone's)."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if not permissions.can(current(), permissions.ADMINISTER):
        stmt = stmt.where(ApiToken.user_id == current().id)
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("/current", methods=["DELETE"])
@blp.response(204)
def revoke_current():
    """Revoke the token this request carries: later calls with it get 401."""
    revoke_token(g.api_token)
    record_event(db.session, "token_revoked", "api_tokens", g.api_token.id)
    db.session.commit()


@blp.route("/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke(token_id):
    """Revoke one of your tokens (an admin may revoke anyone's)."""
    revoke_token_by_id(db.session, current(), token_id)
    db.session.commit()
