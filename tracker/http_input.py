"""What the app accepts from the wire, decided in one place for the API and the pages.

``loads`` is the only JSON parser: Flask's ``request.get_json`` reaches it through
``JsonProvider``, and the API's argument parser (``api.common.ApiParser``) reads the body
through ``request.get_json``. It refuses, as a client's mistake rather than a crash:
nesting deeper than ``MAX_DEPTH`` (Python's parser would overflow the stack), integers
longer than Python reads (``sys.get_int_max_str_digits()``, 4,300 digits; a shorter one
is a number like any other, which the schema takes or refuses by name), the non-JSON
``NaN``/``Infinity``, and text no database or UTF-8 can hold (a lone UTF-16
surrogate such as ``"\\ud800"``), the last naming the field that holds it.

``AsciiIntegerConverter`` is every route's ``<int:...>``: ids in paths are ASCII digits.
``Request`` turns those refusals into ``400`` (malformed) and ``422`` (a field's text), and
refuses a body over ``MAX_CONTENT_LENGTH`` with ``413`` however it is sent.
"""
import json
import re
import sys

from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnprocessableEntity
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

#: No honest body nests deeper (an initiative's ``one_out`` is at depth 2).
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """The body is not JSON this app accepts (the message says why)."""


class UnencodableText(JsonRefused):
    """A string (or key) at ``field`` holds a lone surrogate: no UTF-8 text can hold it."""

    def __init__(self, field):
        super().__init__(f"Text at {field} is not valid Unicode (it holds a lone surrogate).")
        self.field = field


def _bounded_int(digits):
    limit = sys.get_int_max_str_digits()
    if len(digits.lstrip("-")) > limit:
        raise JsonRefused(f"Numbers may have at most {limit} digits.")
    return int(digits)


def _no_constant(name):
    raise JsonRefused(f"{name} is not a JSON value.")


def loads(data):
    """Parse ``data`` (text or bytes) as JSON; raise ``JsonRefused`` (a ValueError) for
    anything described in the module docstring, ``UnencodableText`` naming the field."""
    try:
        value = json.loads(data, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise JsonRefused(f"JSON may nest at most {MAX_DEPTH} levels deep.") from None
    check_parsed(value)
    return value


def check_parsed(value):
    """Walk the parsed body once (no recursion): depth and lone surrogates."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise UnencodableText("json")
        return
    stack = [(value, "", 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonRefused(f"JSON may nest at most {MAX_DEPTH} levels deep.")
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(key, str) and _SURROGATE.search(key):
                raise UnencodableText(_join(path, key.encode("utf-8", "backslashreplace").decode()))
            if isinstance(child, str):
                if _SURROGATE.search(child):
                    raise UnencodableText(_join(path, key))
            elif isinstance(child, (dict, list)):
                stack.append((child, _join(path, key), depth + 1))


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON, parsing with ``loads`` above."""

    def loads(self, s, **kwargs):
        return loads(s)


class _BoundedBody(LimitedStream):
    """A body with no Content-Length (chunked), read up to ``max_length``.

    Werkzeug stops reading such a body at the limit and hands on what it read, so an
    oversized JSON body looked malformed (400). This reads one byte past the limit and
    refuses the body (413) if that byte exists."""

    def __init__(self, stream, max_length):
        super().__init__(stream, max_length + 1, is_max=True)
        self.max_length = max_length

    def readinto(self, b):
        size = super().readinto(b)
        if self.tell() > self.max_length:
            raise RequestEntityTooLarge()
        return size


class Request(FlaskRequest):
    """The app's request: JSON refusals become API.md's 400 or 422, and a chunked body
    over ``MAX_CONTENT_LENGTH`` is a 413."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if limit is not None and self.content_length is None \
                and "wsgi.input_terminated" in self.environ and not self.shallow:
            return _BoundedBody(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)

    def on_json_loading_failed(self, e):
        if isinstance(e, UnencodableText):
            raise _with_messages(UnprocessableEntity(), {"json": {e.field: [
                "Text must be valid Unicode: it holds a lone surrogate."]}})
        if e is None:
            return super().on_json_loading_failed(e)  # not JSON at all: 415
        reason = str(e) if isinstance(e, JsonRefused) else "Invalid JSON body."
        raise _with_messages(BadRequest(), {"json": [reason]})


def _with_messages(error, messages):
    # The same ``data`` webargs attaches, so the API's error handler names the fields.
    error.data = {"messages": messages}
    return error


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` matches ``\\d``, any Unicode digit: ``/milestones/１`` (full width)
    was milestone 1. Ids in paths are ASCII digits only."""

    regex = r"[0-9]+"
