"""JSON API v1: thin views over the same operations as the pages, documented in OpenAPI."""
from __future__ import annotations


def api_blueprints() -> list:
    """Every API blueprint, in the order they are registered."""
    from kube.api.auth import blp as auth_blp
    from kube.api.cases import blp as cases_blp
    from kube.api.groups import blp as groups_blp
    from kube.api.history import blp as history_blp
    from kube.api.inbox import blp as inbox_blp
    from kube.api.ledger import blp as ledger_blp
    from kube.api.letters import blp as letters_blp
    from kube.api.monitoring import blp as monitoring_blp
    from kube.api.people import blp as people_blp
    from kube.api.privacy import blp as privacy_blp
    from kube.api.regions import blp as regions_blp
    from kube.api.reports import blp as reports_blp

    return [auth_blp, regions_blp, groups_blp, ledger_blp, history_blp, letters_blp, reports_blp, monitoring_blp,
            privacy_blp, people_blp, inbox_blp, cases_blp]
