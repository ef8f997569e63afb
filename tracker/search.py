"""Free-text search (``q``): one rule for every list that offers it."""
from sqlalchemy import func, or_


def matches_text(q, *columns):
    """A condition: ``q`` appears in any of ``columns``, ignoring case.

    ``%`` and ``_`` in ``q`` are the characters themselves, never LIKE wildcards (a
    search for "100%" finds "100%", not every title with "100" in it)."""
    needle = q.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))
