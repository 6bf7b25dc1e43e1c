"""API access: the capability a route needs, the acting user, and the 401/403 and error answers documented on each route."""
from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial

from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from kube.api.schemas import ApiErrorSchema
from kube.auth.permissions import allowed
from kube.auth.roles import Capability

BEARER = [{"bearerAuth": []}]


class BoundedJSONParser(FlaskParser):
    """webargs' parser, except that a body nested too deeply for Python's json is malformed JSON (400), not a crash.

    It parses inside the route, after the rate limits have counted the attempt.
    """

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", doc="(nested)", pos=0) from None


class ApiBlueprint(Blueprint):
    """The API's blueprint: flask-smorest's, reading arguments with BoundedJSONParser."""

    ARGUMENTS_PARSER = BoundedJSONParser()


def api_access(blp: Blueprint, capability: Capability):
    """Require a bearer token of a user holding `capability`, and document the 401/403 answers."""
    guard = allowed(capability)

    def decorator(view):
        view = blp.alt_response(401, schema=ApiErrorSchema, description="Token missing, invalid or expired")(view)
        view = blp.alt_response(403, schema=ApiErrorSchema, description="Role not allowed")(view)
        view = blp.doc(security=BEARER)(view)
        return guard(view)

    return decorator


def api_errors(blp: Blueprint, descriptions: Mapping[int, str], *statuses: int, **overrides: str):
    """Document the error answers a route can give, in the API error format (`e409="..."` overrides a description)."""

    def decorator(view):
        for status in statuses:
            description = overrides.get(f"e{status}", descriptions[status])
            view = blp.alt_response(status, schema=ApiErrorSchema, description=description)(view)
        return view

    return decorator


def error_documenter(blp: Blueprint, descriptions: Mapping[int, str]):
    """`api_errors` bound to one blueprint and its table of descriptions: `@errors(404, 409, e409="...")`."""
    return partial(api_errors, blp, descriptions)


def current_actor():
    """The user behind the request's token, as the operations expect it (not Flask-Login's proxy)."""
    return current_user._get_current_object()
