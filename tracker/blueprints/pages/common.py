"""Helpers the page modules share: turning domain errors into what a person sees."""
from flask import abort, flash
from flask_login import current_user

from tracker.errors import DomainError, Forbidden, NotFound
from tracker.permissions import MAX_ID


def whole_number(value, upper=MAX_ID + 1):
    """A positive whole number below ``upper`` written in ASCII digits, else None.

    (``str.isdigit`` is true for "²", which ``int`` refuses: a query string is not trusted.)
    """
    value = str(value if value is not None else "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number < upper else None


def me():
    return current_user._get_current_object()


def or_abort(fn, *args, **kwargs):
    """Call a domain lookup; NotFound becomes the 404 page and Forbidden the 403 page."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)
    except Forbidden as error:
        abort(403, description=error.message)


def show_errors(form, error: DomainError):
    """Put a domain error's messages beside the fields they name, the rest in a flash."""
    placed = False
    for name, messages in (error.fields or {}).items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(messages if isinstance(messages, list) else [messages])
            placed = True
    if not placed:
        flash(error.message, "error")


def commit_or_show(form, write):
    """Run one domain write and commit it: ``(True, what it returned)``.

    On a domain error, roll back, put its messages beside the form's fields (or in a
    flash) and return ``(False, None)``, so the page shows the form again.
    """
    from tracker.extensions import db

    try:
        result = write()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        return False, None
    return True, result
