"""Password hashing with argon2id at OWASP strength, and the password policy."""
from __future__ import annotations

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 12
#: Long enough for passphrases, short enough that hashing cannot be abused.
MAX_PASSWORD_LENGTH = 256
#: zxcvbn's score (0-4) a new password needs: 3 is "safely unguessable" (about 10^8 guesses and more).
MIN_PASSWORD_SCORE = 3
#: zxcvbn's own ceiling: its estimate grows costly with length (a quarter second at 256 characters),
#: so a longer password is judged on its first 72 characters.
ESTIMATED_LENGTH = 72

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


def _personal_words(user_inputs: Iterable[str | None]) -> list[str]:
    """The account's own words for zxcvbn: each input whole and its parts (`ketua.melati`, `ketua`, `melati`)."""
    words: list[str] = []
    for value in user_inputs:
        value = (value or "").strip().lower()
        if not value:
            continue
        words.append(value)
        words.extend(part for part in re.split(r"[^0-9a-z]+", value) if len(part) >= 3 and part != value)
    return words


def _guessable_reason(sequence: list[dict]) -> str | None:
    """Why zxcvbn found the password guessable, from its longest matched piece (as zxcvbn's own feedback does)."""
    from flask_babel import gettext as _

    longest = sequence[0] if sequence else {}
    for match in sequence[1:]:
        if len(match["token"]) > len(longest["token"]):
            longest = match
    pattern = longest.get("pattern")
    if pattern == "dictionary":
        if longest.get("dictionary_name") == "user_inputs":
            return _("Kata sandi memuat nama pengguna atau nama pemilik akun.")
        if longest.get("dictionary_name") == "passwords":
            return _("Kata sandi ini termasuk yang paling sering dipakai.")
        return _("Satu kata atau nama yang umum mudah ditebak.")
    if pattern == "repeat":
        return _('Pengulangan seperti "aaa" atau "abcabc" mudah ditebak.')
    if pattern in ("sequence", "spatial"):
        return _('Urutan seperti "abcd", "1234" atau "qwerty" mudah ditebak.')
    if pattern in ("date", "regex"):
        return _("Tanggal dan tahun mudah ditebak.")
    return None


def password_problem(password: str, user_inputs: Iterable[str | None] = ()) -> str | None:
    """The reason a new password is refused, or None.

    Length, then guessability: zxcvbn must score it at least MIN_PASSWORD_SCORE, knowing the
    account's username and name (`user_inputs`). No composition rules: four ordinary words pass.
    """
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Kata sandi maksimal %(n)d karakter.", n=MAX_PASSWORD_LENGTH)
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=_personal_words(user_inputs),
                      max_length=ESTIMATED_LENGTH)
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return None
    reason = _guessable_reason(estimate["sequence"])
    if reason is None:
        return _("Kata sandi terlalu mudah ditebak. Gabungkan tiga atau empat kata yang tidak umum.")
    return _("Kata sandi terlalu mudah ditebak. %(reason)s Gabungkan tiga atau empat kata yang tidak umum.",
             reason=reason)
