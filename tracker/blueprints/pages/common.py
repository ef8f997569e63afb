"""Helpers the page modules share: turning domain errors into what a person sees."""
from flask import abort, flash, g, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from tracker.errors import DomainError, Forbidden, NotFound, StaleVersion
from tracker.extensions import db
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


STALE_MESSAGE = ("Someone else changed this while you were editing: your changes are not saved. "
                 "They are still in the form: check what is stored now, then save again.")


def afresh_message(what):
    """What a page that shows the record afresh says when another save came first."""
    return (f"Someone else changed this {what} a moment ago; "
            "here it is as it is now. Try again if it still needs it.")


def commit_or_show(form, write, stale_message=None, record=None, caller_shows=()):
    """Run one domain write and commit it: ``(True, what it returned)``.

    On a domain error, roll back and return ``(False, the error)`` so the page can show the
    form again. The error is shown for the caller: its messages beside the form's fields (or
    in a flash; ``form`` may be None), except for the error types in ``caller_shows``, which
    the caller presents itself. A stale write (another save came first) flashes
    ``stale_message`` and comes back as StaleVersion; given the ``record`` being edited, the
    form's ``version`` is set to the stored one so that the next save can succeed.
    """
    try:
        result = write()
        db.session.commit()
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        flash(stale_message or STALE_MESSAGE, "error")
        _refresh_version(form, record)
        return False, StaleVersion()
    except DomainError as error:
        db.session.rollback()
        if not isinstance(error, caller_shows):
            show_errors(form, error)
        return False, error
    return True, result


def _refresh_version(form, record):
    if record is None or not hasattr(form, "version"):
        return
    try:
        form.version.data = record.version  # expired by the rollback: read from the database
    except ObjectDeletedError:
        pass  # deleted meanwhile: the next save is told it is gone


#: A stand-in id no record has, swapped for each row's own in ``row_url``.
_ROW_ID = 2_147_483_001


def row_url(endpoint, row_id_arg, row_id, **values):
    """``url_for(endpoint, **{row_id_arg: row_id}, **values)`` for a table's rows: the URL is
    built once per request for each endpoint and set of other values, and each row only puts
    its id in, so a table of 120 schools by 20 links does not route-build 2,400 times."""
    built = g.setdefault("_row_urls", {})
    key = (endpoint, row_id_arg, tuple(sorted(values.items())))
    if key not in built:
        built[key] = url_for(endpoint, **{row_id_arg: _ROW_ID}, **values)
    return built[key].replace(str(_ROW_ID), str(int(row_id)))
