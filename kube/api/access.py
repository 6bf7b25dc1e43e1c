"""API access: bearer-token roles, with the 401/403 answers documented on each route."""
from __future__ import annotations

from flask_smorest import Blueprint

from kube.api.schemas import ApiErrorSchema
from kube.auth.permissions import roles_required

BEARER = [{"bearerAuth": []}]


def api_access(blp: Blueprint, *roles: str):
    """Require a bearer token of one of `roles`, and document the 401/403 answers."""
    guard = roles_required(*roles)

    def decorator(view):
        view = blp.alt_response(401, schema=ApiErrorSchema, description="Token missing, invalid or expired")(view)
        view = blp.alt_response(403, schema=ApiErrorSchema, description="Role not allowed")(view)
        view = blp.doc(security=BEARER)(view)
        return guard(view)

    return decorator
