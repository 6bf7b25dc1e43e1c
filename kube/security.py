"""Deny-by-default access, login loading, cookie-less API sessions and security headers."""
from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface

from kube.auth.permissions import declared_access
from kube.extensions import db, login_manager

#: Endpoints that belong to libraries and are safe to serve to anyone.
LIBRARY_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def is_api_request() -> bool:
    """Whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


class KubeSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for pages; none for the API, which only trusts bearer tokens."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path.startswith("/api/"):
            return None
        return super().save_session(app, session, response)


def _load_user_from_session(user_id: str):
    from kube.auth.models import User

    try:
        ident, version = (int(part) for part in user_id.split("."))
    except ValueError:
        return None
    user = db.session.get(User, ident)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _load_user_from_bearer_token(req):
    from kube.auth.operations import user_for_token

    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply to parse is malformed input (400), not a crash (500).

    `request.get_json()` (the login rate limit's account key reads it) then fails like any bad JSON;
    the API's own argument parser has the same guard (kube.api.access.BoundedJSONParser).
    """

    def loads(self, s, **kwargs):
        """Parse JSON; Python's parser gives up on very deep nesting with RecursionError, which Flask let through."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _enforce_declared_access():
    if request.endpoint is None or request.endpoint in LIBRARY_PUBLIC_ENDPOINTS:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or declared_access(view) is None:
        abort(403)  # a view nobody declared access for is closed
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/") and not response.cache_control.public \
            and not response.cache_control.private:
        # Pages, exports and letter PDFs carry personal data (full NIKs): kept by no cache, the browser's
        # included. send_file's own `no-cache` (store, but revalidate) is replaced; only what a view
        # marked public (the API docs' assets) keeps its caching, or marked private: the user's own
        # browser only (stored photos, whose bytes never change; ledger.photo).
        response.headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    """Install login loading, access enforcement and security headers."""
    from flask_babel import lazy_gettext as _l

    app.session_interface = KubeSessionInterface()
    app.json = BoundedJSONProvider(app)
    login_manager.user_loader(_load_user_from_session)
    login_manager.request_loader(_load_user_from_bearer_token)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_declared_access)
    app.after_request(_security_headers)
