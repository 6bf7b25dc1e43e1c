"""Login rate limits shared by the login page and the API's token endpoint: per address and per account.

Both doors count against the same two limits (Flask-Limiter shared limits with one scope each),
so an attacker gets `LOGIN_RATE_LIMIT` guesses per account and per address whichever door
they knock on. The counters live in `RATELIMIT_STORAGE_URI`: every worker must share it
(Redis), which production insists on (config.py) and ./run.sh arranges (gunicorn.conf.py).
"""
from __future__ import annotations

from flask import current_app, request

from kube.auth.operations import normalise_username
from kube.extensions import limiter

#: The scopes both doors share; the limiter's storage keys are built from them.
ADDRESS_SCOPE = "login-address"
ACCOUNT_SCOPE = "login-account"


def login_limit() -> str:
    """The configured login rate limit (e.g. `10 per minute`)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def username_rate_key() -> str:
    """Rate-limit key for the account named in a login attempt (form or JSON)."""
    name = request.form.get("username") if request.form else None
    if name is None and request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return f"{ACCOUNT_SCOPE}:" + normalise_username(str(name or ""))


_per_address = limiter.shared_limit(login_limit, scope=ADDRESS_SCOPE, methods=["POST"])
_per_account = limiter.shared_limit(login_limit, scope=ACCOUNT_SCOPE, key_func=username_rate_key, methods=["POST"])


def login_limits(view):
    """Count a POST to `view` against the shared per-address and per-account login limits."""
    return _per_address(_per_account(view))
