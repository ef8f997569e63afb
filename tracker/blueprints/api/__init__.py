"""The JSON API of API.md, under /api/v1: one module per resource, one Api for the document."""
from flask import g, request
from flask_smorest import Api as SmorestApi

from tracker.audit import acting_as
from tracker.auth import token_for
from tracker.extensions import csrf, db
from tracker.blueprints.api import errors
from tracker.blueprints.api.common import ErrorSchema, document_fields
from tracker.blueprints.api.errors import error_response

#: Paths that answer without a token.
PUBLIC = {("POST", "/api/v1/tokens"), ("GET", "/api/v1/openapi.json")}


class Api(SmorestApi):
    #: The document describes the error body the app's handler really sends.
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """The app's own handler speaks API.md's error shape; flask-smorest's would not."""


def init_api(app):
    from tracker.blueprints.api import audit, initiatives, schools, tokens, users
    from tracker.blueprints.api import milestones, pdsa, transitions, updates
    from tracker.blueprints.api import policy, reviews
    from tracker.blueprints.api import allocations, experts
    from tracker.blueprints.api import measures
    from tracker.blueprints.api import dashboard
    from tracker.blueprints.api import coverage, exports, self_evaluations
    from tracker.blueprints.api import goals, insights

    # One Api per app: the OpenAPI document belongs to the app it describes.
    api = Api()
    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    document_fields(api, app)
    for module in (tokens, schools, users, initiatives, audit,
                   transitions, milestones, updates, pdsa, policy, reviews,
                   experts, allocations, measures, dashboard,
                   coverage, self_evaluations, exports, insights, goals):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: no cross-site request to forge
        api.register_blueprint(module.blp)
    errors.register(app)

    app.before_request(authenticate_api_request)


def authenticate_api_request():
    """Every /api/ call but signing in needs a live bearer token.

    A path with no route, or a method the path does not have, answers 404 or 405 to
    anyone: no route (and no catch-all) means the refusal never depends on the method
    or on being signed in, and the OpenAPI document already says which paths exist."""
    if not request.path.startswith("/api/") or (request.method, request.path) in PUBLIC:
        return None
    if request.url_rule is None:
        return None
    if request.method == "OPTIONS":
        return None
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = token_for(db.session, raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return error_response(401, "unauthorized",
                              "Send a valid token: Authorization: Bearer TOKEN.",
                              headers={"WWW-Authenticate": 'Bearer realm="tracker"'})
    g.api_user, g.api_token = token.user, token
    acting_as(db.session, token.user, ip=request.remote_addr)
    return None
