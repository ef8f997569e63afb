"""One JSON error shape for the whole API (API.md):
``{"error": {"code", "message", "fields"?, "missing"?}}``."""
from flask import jsonify, request
from werkzeug.exceptions import Conflict as HTTPConflict, Forbidden as HTTPForbidden, NotFound as HTTPNotFound
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker import errors
from tracker.extensions import db

STATUS_BY_ERROR = [
    (errors.TooManyAttempts, 429),
    (errors.NotFound, 404),
    (errors.Forbidden, 403),
    (errors.GateBlocked, 422),
    (errors.Invalid, 422),
    (errors.Conflict, 409),
    (errors.DomainError, 422),
]

CODE_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                  405: "method_not_allowed", 409: "conflict", 413: "too_large",
                  415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests"}


def error_response(status, code, message, fields=None, missing=None, extra=None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if missing is not None:
        body["missing"] = missing
    if extra:
        body.update(extra)
    response = jsonify(error=body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_error_response(error):
    db.session.rollback()
    status = next(s for cls, s in STATUS_BY_ERROR if isinstance(error, cls))
    extra = {"weeks": error.weeks} if isinstance(error, errors.OverAllocated) else None
    headers = ({"Retry-After": str(error.retry_after)}
               if isinstance(error, errors.TooManyAttempts) else None)
    return error_response(status, error.code, error.message, error.fields, error.missing, extra,
                          headers)


def _flatten_messages(messages):
    """webargs nests errors by location (json, query, path); the API names fields only."""
    fields = {}
    for location, per_field in (messages or {}).items():
        if not isinstance(per_field, dict):
            fields[location] = per_field
            continue
        for name, problems in per_field.items():
            fields[name] = problems
    return fields


def http_error_response(error):
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    fields = _flatten_messages(data.get("messages") or data.get("errors"))
    if status == 422 and fields:
        message = "Some fields are not valid: " + ", ".join(sorted(map(str, fields))) + "."
    elif status == 400 and data.get("messages"):
        message = "The request body is not valid JSON."
    elif status == 404 and request.url_rule is None:
        message = "No such API endpoint."
    else:
        message = data.get("message") or error.description or error.name
    headers = dict(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="tracker"')
    # A 429 raised as an HTTP error (werkzeug's TooManyRequests) may name its wait.
    if status == 429 and getattr(error, "retry_after", None) is not None:
        headers.setdefault("Retry-After", str(error.retry_after))
    response = error_response(status, CODE_BY_STATUS.get(status, "error"), message,
                              fields if status in (400, 422) else None, headers=headers)
    if hasattr(error, "get_headers"):
        for key, value in error.get_headers():
            if key.lower() not in ("content-type",):
                response.headers.setdefault(key, value)
    return response


def register(app):
    """Domain errors become API.md's JSON body under /api/, and the 404 or 403 page elsewhere
    (pages catch the errors they can show beside a field before they get here)."""

    @app.errorhandler(errors.DomainError)
    def domain_error(error):
        if request.path.startswith("/api/"):
            response = domain_error_response(error)
            if isinstance(error, (errors.NotFound, errors.Forbidden)):
                from tracker.audit import record_refusal
                record_refusal(db.session, response.status_code, request.method, request.path)
            return response
        db.session.rollback()
        # An error handler that raised would become a 500: hand the page's HTTP error on instead.
        if isinstance(error, errors.NotFound):
            return app.handle_http_exception(HTTPNotFound())
        if isinstance(error, errors.Forbidden):
            return app.handle_http_exception(HTTPForbidden(description=error.message))
        raise error

    @app.errorhandler(StaleDataError)
    def stale(_error):
        db.session.rollback()
        if request.path.startswith("/api/"):
            return domain_error_response(errors.StaleVersion())
        return app.handle_http_exception(HTTPConflict())

    @app.errorhandler(DataError)
    def out_of_range(_error):
        # The last line of defence for a value the checks let through and the database
        # cannot hold (an id past the integer range on PostgreSQL): the client's mistake.
        db.session.rollback()
        if request.path.startswith("/api/"):
            return error_response(422, "invalid", "A value is out of the range this API accepts.")
        return app.handle_http_exception(HTTPNotFound())

    @app.errorhandler(IntegrityError)
    def integrity(error):
        # A race the domain checks could not see (two clients creating the same URN).
        db.session.rollback()
        if request.path.startswith("/api/"):
            return error_response(409, "conflict", "This conflicts with a record that already exists.")
        raise error
