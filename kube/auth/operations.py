"""Account rules: creating and editing users, passwords, logins and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from kube.audit.operations import describe_changes, record_audit
from kube.auth.models import ApiToken, User
from kube.auth.roles import ROLES
from kube.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from kube.core.clock import utc_now
from kube.core.errors import Conflict, PermissionDenied, ValidationFailed
from kube.extensions import db

#: Verified against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = None


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive and stored in lower case."""
    return (username or "").strip().lower()


def find_user(username: str) -> User | None:
    """The user with this username, or None."""
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def _check_password(password: str, username: str, full_name: str | None) -> None:
    """Refuse a password that is too short, too long or guessable (knowing the account's own names)."""
    problem = password_problem(password, user_inputs=(username, full_name))
    if problem:
        raise ValidationFailed(problem, fields={"password": [problem]})


def create_user(username: str, full_name: str, role: str, password: str, *, nip: str | None = None,
                position: str | None = None, actor=None, **extra) -> User:
    """Create an account after checking the role, username and password rules."""
    username = normalise_username(username)
    if role not in ROLES:
        raise ValidationFailed(_("Peran tidak dikenal."), fields={"role": [_("Peran tidak dikenal.")]})
    if not username:
        raise ValidationFailed(_("Nama pengguna wajib diisi."), fields={"username": [_("Wajib diisi.")]})
    if find_user(username):
        message = _("Nama pengguna %(u)s sudah dipakai.", u=username)
        raise Conflict(message, fields={"username": [message]})
    _check_password(password, username, full_name)
    user = User(username=username, full_name=(full_name or username).strip(), role=role,
                nip=(nip or None), position=(position or None), password_hash=hash_password(password),
                **extra)
    db.session.add(user)
    db.session.flush()
    record_audit("user.create", "user", user.id, f"{username} ({role})", actor=actor)
    return user


def update_user(user: User, *, actor=None, **values) -> User:
    """Change a user's profile fields (name, role, NIP, position, language, active)."""
    allowed = {"full_name", "role", "nip", "position", "locale", "active"}
    before = {key: getattr(user, key) for key in values if key in allowed}
    if values.get("role") is not None and values["role"] not in ROLES:
        raise ValidationFailed(_("Peran tidak dikenal."), fields={"role": [_("Peran tidak dikenal.")]})
    if actor is not None and actor.id == user.id and values.get("active") is False:
        raise PermissionDenied(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    for key, value in values.items():
        if key in allowed:
            setattr(user, key, value if value != "" else None)
    if before.get("active") and values.get("active") is False:
        user.session_version += 1  # end the deactivated user's sessions at once
        revoke_all_tokens(user)
    after = {key: getattr(user, key) for key in before}
    db.session.flush()
    summary = describe_changes(before, after)
    if summary:
        record_audit("user.update", "user", user.id, summary, actor=actor)
    return user


def end_sessions(user: User, *, actor=None) -> None:
    """End every browser session of `user` (their logout): copied session and remember-me cookies stop working.

    Sessions and remember-me cookies carry the session version (`User.get_id`); bumping it makes
    every one of them, on every device, fail to load. API tokens are not touched.
    """
    user.session_version += 1
    db.session.flush()
    record_audit("user.logout", "user", user.id, user.username, actor=actor)


def set_password(user: User, new_password: str, *, actor=None, reason: str = "change") -> None:
    """Replace a password, ending the user's other sessions and API tokens."""
    _check_password(new_password, user.username, user.full_name)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    revoke_all_tokens(user)
    db.session.flush()
    action = "user.password_reset" if reason == "reset" else "user.password_change"
    record_audit(action, "user", user.id, user.username, actor=actor)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """A user changes their own password after proving they know the current one."""
    if not verify_password(user.password_hash, current_password):
        message = _("Kata sandi saat ini salah.")
        raise ValidationFailed(message, fields={"current_password": [message]})
    set_password(user, new_password, actor=user)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; upgrades weak hashes on the way."""
    global _DUMMY_HASH
    user = find_user(username)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(16))
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utc_now()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    """Create an API token; the plain token is returned once and only its hash is kept."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_token_digest(plain), expires_at=utc_now() + lifetime)
    db.session.add(token)
    db.session.flush()
    record_audit("token.issue", "user", user.id, f"token {token.id}", actor=user)
    return plain, token


def user_for_token(plain: str) -> User | None:
    """The active owner of a valid, unexpired, unrevoked token, or None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))
    if token is None or token.revoked_at is not None:
        return None
    expires_at = token.expires_at
    if expires_at.tzinfo is None:  # SQLite returns naive datetimes
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    if expires_at <= utc_now() or not token.user.active:
        return None
    return token.user


def revoke_token(plain: str, *, actor=None) -> bool:
    """Revoke one token by its plain value; True when it existed."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utc_now()
    record_audit("token.revoke", "user", token.user_id, f"token {token.id}", actor=actor)
    return True


def revoke_all_tokens(user: User) -> None:
    """Revoke every live token of a user."""
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = utc_now()
