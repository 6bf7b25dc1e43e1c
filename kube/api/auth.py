"""API authentication: exchange credentials for a bearer token, or revoke it."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from kube.api.access import api_access
from kube.api.schemas import ApiErrorSchema, TokenRequestSchema, TokenSchema
from kube.auth import operations
from kube.auth.models import ROLES
from kube.auth.permissions import public
from kube.auth.views import login_limit, username_rate_key
from kube.core.errors import DomainError
from kube.extensions import db, limiter

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


class BadCredentials(DomainError):
    """Wrong username or password, or an inactive account."""

    code = "invalid_credentials"
    status = 401


@blp.route("/token", methods=["POST"])
@public
@limiter.limit(login_limit)
@limiter.limit(login_limit, key_func=username_rate_key)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="Bad credentials")
@blp.alt_response(429, schema=ApiErrorSchema, description="Too many attempts")
def create_token(credentials):
    """Exchange a username and password for a bearer token."""
    user = operations.authenticate(credentials["username"], credentials["password"])
    if user is None:
        db.session.commit()
        raise BadCredentials(_("Nama pengguna atau kata sandi salah, atau akun tidak aktif."))
    plain, token = operations.issue_token(user, current_app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    return {"token": plain, "expires_at": token.expires_at}


@blp.route("/token", methods=["DELETE"])
@api_access(blp, *ROLES)
@blp.response(204)
def revoke_token():
    """Revoke the token used for this request."""
    plain = request.headers["Authorization"].partition(" ")[2].strip()
    operations.revoke_token(plain)
    db.session.commit()
    return None
