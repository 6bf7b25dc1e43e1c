"""JSON API v1: thin views over the same operations as the pages, documented in OpenAPI."""
from __future__ import annotations


def api_blueprints() -> list:
    """Every API blueprint, in the order they are registered."""
    from kube.api.auth import blp as auth_blp
    from kube.api.groups import blp as groups_blp
    from kube.api.regions import blp as regions_blp

    return [auth_blp, regions_blp, groups_blp]
