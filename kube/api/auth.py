"""API authentication: exchange credentials for a bearer token, or revoke it."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from kube.api.access import ApiBlueprint, api_access, current_actor
from kube.api.schemas import ApiErrorSchema, TokenRequestSchema, TokenSchema
from kube.auth import operations
from kube.auth.permissions import public
from kube.auth.rate_limits import login_limits
from kube.auth.roles import can_log_in
from kube.core.errors import DomainError
from kube.core.transaction import committed, transactional

blp = ApiBlueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


class BadCredentials(DomainError):
    """Wrong username or password, or an inactive account."""

    code = "invalid_credentials"
    status = 401


@blp.route("/token", methods=["POST"])
@public
@login_limits
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="Bad credentials")
@blp.alt_response(429, schema=ApiErrorSchema, description="Too many attempts")
def create_token(credentials):
    """Exchange a username and password for a bearer token."""
    with committed():
        user = operations.authenticate(credentials["username"], credentials["password"])
        if user is not None:
            plain, token = operations.issue_token(user, current_app.config["API_TOKEN_LIFETIME"])
    if user is None:
        raise BadCredentials(_("Nama pengguna atau kata sandi salah, atau akun tidak aktif."))
    return {"token": plain, "expires_at": token.expires_at}


@blp.route("/token", methods=["DELETE"])
@api_access(blp, can_log_in)
@transactional
@blp.response(204)
def revoke_token():
    """Revoke the token used for this request."""
    plain = request.headers["Authorization"].partition(" ")[2].strip()
    operations.revoke_token(plain, actor=current_actor())
    return None
