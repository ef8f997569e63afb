"""The named errors domain code raises. Each entry point maps them to its own answer:
the API to the JSON error body of API.md, the pages to a message beside the field."""
import math


class DomainError(Exception):
    """Base class. ``code`` is the machine-readable ``error.code`` of the API."""

    code = "error"

    def __init__(self, message, *, fields=None, missing=None, code=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.missing = missing
        if code:
            self.code = code


class NotFound(DomainError):
    """The record does not exist, or the acting user may not see it (the two look alike)."""

    code = "not_found"


class Forbidden(DomainError):
    """The acting user can see the record but may not do this to it."""

    code = "forbidden"


class Invalid(DomainError):
    """Well-formed input that breaks a rule; ``fields`` names each bad field."""

    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class StaleVersion(Conflict):
    """The client edited an older version of the record than the one stored."""

    code = "stale_version"

    def __init__(self, message="This record was changed by someone else; reload it and try again."):
        super().__init__(message)


class GateBlocked(DomainError):
    """A phase gate is not met; ``missing`` lists ``{"code", "message"}`` per unmet criterion."""

    code = "gate_blocked"


class OverAllocated(Conflict):
    """An allocation would put an expert over their days; ``weeks`` says where and by how much."""

    code = "over_allocated"

    def __init__(self, message, weeks):
        super().__init__(message)
        self.weeks = weeks


def check_version(record, version):
    """Raise StaleVersion unless ``version`` is the record's current version."""
    if version is None:
        raise Invalid("The record's version is required to edit it.",
                      fields={"version": ["Send the version you last read."]})
    if version != record.version:
        raise StaleVersion()


class TooManyAttempts(DomainError):
    """Too many wrong passwords for one account: refused for ``retry_after`` seconds
    (tracker.throttle). The API answers 429 with ``Retry-After``."""

    code = "too_many_requests"

    def __init__(self, retry_after):
        wait = (f"{retry_after} second{'s' * (retry_after != 1)}" if retry_after < 60 else
                f"{math.ceil(retry_after / 60)} minute{'s' * (retry_after > 60)}")
        super().__init__(f"Too many failed attempts for this account. Try again in {wait}.")
        self.retry_after = retry_after
