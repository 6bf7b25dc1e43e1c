"""Login rate limits shared by the login page and the API's token endpoint: per address and per account."""
from __future__ import annotations

from flask import current_app, request

from kube.auth.operations import normalise_username


def login_limit() -> str:
    """The configured login rate limit (e.g. `10 per minute`)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def username_rate_key() -> str:
    """Rate-limit key for the account named in a login attempt (form or JSON)."""
    name = request.form.get("username") if request.form else None
    if name is None and request.is_json:
        name = (request.get_json(silent=True) or {}).get("username")
    return "login-account:" + normalise_username(str(name or ""))
