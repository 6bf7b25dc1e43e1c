"""Password hashing with argon2id at OWASP strength, and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_PASSWORD_LENGTH = 12
#: Long enough for passphrases, short enough that hashing cannot be abused.
MAX_PASSWORD_LENGTH = 256

#: OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 at minimum.
STRONG_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
#: Only for the test suite, where thousands of hashes would otherwise dominate run time.
FAST_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return FAST_TEST_HASHER
    return STRONG_HASHER


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash without raising."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash is weaker than the current parameters."""
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """The reason a new password is refused, or None; length only, no composition rules."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Kata sandi maksimal %(n)d karakter.", n=MAX_PASSWORD_LENGTH)
    return None
