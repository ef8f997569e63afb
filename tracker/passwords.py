"""Password hashing with Argon2id at (above) the OWASP minimums."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP: m >= 19 MiB, t >= 2, p = 1. We use 19 MiB, t = 2.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A real hash to check against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-the-same-cost")
#: Stored for people who sign in only through single sign-on: no password matches it.
UNUSABLE_PASSWORD = "!sso-only"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. With no hash, or ``UNUSABLE_PASSWORD``, still spends the
    same time and says no."""
    if password_hash is not None and not password_hash.startswith("$argon2"):
        password_hash = None
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
