"""Route guards: every view declares who may use it, and anything undeclared is refused.

Who holds what is decided in `kube.auth.roles`; this module only turns a capability into a
guard on a view (401 or the login page for visitors, 403 for the wrong role).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from kube.auth.roles import Capability, can_log_in

#: Set on each view function; the app refuses any view that lacks it (deny by default).
ACCESS_ATTRIBUTE = "kube_access"
PUBLIC = "public"


def public(view):
    """Mark a view as open to everyone, logged in or not."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def allowed(capability: Capability):
    """Allow only logged-in users holding `capability`, e.g. `@allowed(can_verify_reports)`.

    401 (the login page) for visitors, 403 for a role without it.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not capability(current_user):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTRIBUTE, capability.roles)
        return wrapper

    return decorator


#: Any logged-in user, whatever the role.
login_required = allowed(can_log_in)


def declared_access(view_function) -> object | None:
    """The access declared by the view that will handle this request, or None."""
    view_class = getattr(view_function, "view_class", None)
    if view_class is not None:
        method = getattr(view_class, request.method.lower(), None)
        if method is None and request.method == "HEAD":
            method = getattr(view_class, "get", None)
        return getattr(method, ACCESS_ATTRIBUTE, None) if method else PUBLIC
    return getattr(view_function, ACCESS_ATTRIBUTE, None)
