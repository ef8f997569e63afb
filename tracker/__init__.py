"""tracker: where a school trust runs its improvement work."""
import logging
import uuid

from flask import Flask, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from tracker import proxies
from tracker.http_input import AsciiIntegerConverter, JsonProvider, Request


def create_app(test_config=None):
    """Build the app. ``test_config`` overrides settings (tests pass a dict)."""
    from config import Config

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(__import__("config").INSTANCE_DIR))
    app.request_class = Request
    app.json = JsonProvider(app)
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    proxies.wrap(app)  # proxy headers only from the proxies TRUSTED_PROXIES names

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    return app


def register_extensions(app):
    from tracker import audit  # noqa: F401  (registers the audit flush hook)
    from tracker.auth import init_login
    from tracker import throttle
    from tracker.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    throttle.init_app(app)
    init_login(app)


@event.listens_for(Engine, "connect")
def _sqlite_keeps_foreign_keys(dbapi_connection, _record):
    """SQLite ignores foreign keys (and ``ON DELETE CASCADE``) unless asked, per connection:
    without this, deleting a measure would leave its points behind on the default database."""
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def register_blueprints(app):
    from tracker.blueprints.admin import bp as admin_bp
    from tracker.blueprints.api import init_api
    from tracker.blueprints.auth import bp as auth_bp
    from tracker.blueprints.health import bp as health_bp
    from tracker.blueprints.pages import bp as pages_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    init_api(app)


def register_errorhandlers(app):
    log = logging.getLogger("tracker")

    def wants_json():
        return request.path.startswith("/api/")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in (403, 404):
            audit_refusal(error.code)
        if wants_json():
            from tracker.blueprints.api.errors import http_error_response
            return http_error_response(error)
        if error.code in (403, 404, 405, 409, 413, 429):
            return render_template(f"errors/{error.code}.html", error=error), error.code
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error):
        # A reference the person can quote and that stands in the log beside the trace.
        reference = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", reference, request.method, request.path)
        from tracker.extensions import db
        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS") or app.testing:
            raise error
        if wants_json():
            return jsonify(error={"code": "server_error", "reference": reference,
                                  "message": f"Something went wrong on our side (ref {reference})."}), 500
        return render_template("errors/500.html", reference=reference), 500


def audit_refusal(status):
    """Log a 403, or a 404 on a real route (a record the person may not see), for a signed-in
    person or token. Unknown URLs are not logged: scanners would drown the log."""
    from flask import g
    from flask_login import current_user

    from tracker.audit import record_refusal
    from tracker.extensions import db

    signed_in = getattr(g, "api_user", None) is not None or current_user.is_authenticated
    routed = request.url_rule is not None and request.endpoint != "static"
    if signed_in and (status == 403 or routed):
        record_refusal(db.session, status, request.method, request.path)


def register_commands(app):
    from tracker.cli import register

    register(app)


def register_security_headers(app):
    """Headers every answer carries; in production also HSTS and cookies sent only over HTTPS.

    The ``Server`` header a WSGI server adds itself is outside Flask: gunicorn sends only
    its name, never a version (docs/SECURITY.md)."""
    if app.config["PRODUCTION"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith("/static/"):
            # Pages and API answers hold personal data: no shared or back-button cache keeps them.
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        response.headers.pop("Server", None)
        return response
