"""POST /tokens signs in; tokens are listed and revoked by their owner (and by admins)."""
from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import select

from tracker.audit import record_event
from tracker.auth import authenticate, issue_token, revoke_token
from tracker.blueprints.api.common import PageArgs, StrictSchema, Text, current, get_or_404, paginate, page_schema
from tracker.blueprints.api.errors import error_response
from tracker.errors import NotFound
from tracker.extensions import db, limiter
from tracker.models import ApiToken

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")


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


def _login_key():
    # Failures count per address and per account; neither reveals whether it exists.
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) and isinstance(body.get("email"), str) else ""
    return f"{request.remote_addr}|{email.strip().lower()[:254]}"


@blp.route("", methods=["POST"])
@blp.arguments(Credentials)
@blp.response(201, NewToken)
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "10 per 5 minutes"),
               key_func=_login_key, deduct_when=lambda response: response.status_code == 401)
def create_token(credentials):
    """Sign in with email and password; the token is shown only in this answer."""
    user = authenticate(db.session, credentials["email"], credentials["password"])
    if user is None:
        record_event(db.session, "login_failed", "users",
                     details={"email": credentials["email"][:254], "via": "api"})
        db.session.commit()
        return error_response(401, "unauthorized", "The email or password is not right.")
    db.session.info["actor_id"] = user.id
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
    if current().role != "admin":
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
    token = get_or_404(ApiToken, token_id, "No such token.")
    if token.user_id != current().id and current().role != "admin":
        raise NotFound("No such token.")
    revoke_token(token)
    record_event(db.session, "token_revoked", "api_tokens", token.id)
    db.session.commit()
