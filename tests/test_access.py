"""The role-by-route matrix: every route is checked for every role, and undeclared routes are closed."""
from __future__ import annotations

import pytest

from tests.factories import api_token

ROLES = ("admin", "officer", "leader", "viewer")
ALL = set(ROLES)
STAFF = {"admin", "officer", "viewer"}
PUBLIC = "public"

#: endpoint -> who may use it. A new route fails `test_matrix_covers_every_route` until listed here.
ACCESS = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "auth.login": PUBLIC,
    "auth.choose_language": PUBLIC,
    "api_auth.create_token": PUBLIC,
    "auth.logout": ALL,
    "auth.account": ALL,
    "main.index": ALL,
    "api_auth.revoke_token": ALL,
    "api_regions.list_regions": ALL,
    "auth.users": {"admin"},
    "auth.user_new": {"admin"},
    "auth.user_edit": {"admin"},
    "auth.user_deactivate": {"admin"},
    "auth.user_reset_password": {"admin"},
    "audit.index": {"admin"},
}

#: Values for URL arguments, filled in by the fixture.
SAMPLE_ARGS: dict = {}


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), endpoints ^ set(ACCESS)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        yield rule, method


def _request(client, rule, method, args, headers=None):
    url = rule.build({arg: args.get(arg, 1) for arg in rule.arguments}, append_unknown=False)[1]
    return client.open(url, method=method, headers=headers or {}, json={} if rule.rule.startswith("/api/") else None)


@pytest.mark.parametrize("role", ROLES + ("anonymous",))
def test_every_route_for_every_role(app, client, users, login, role):
    args = {"user_id": users["viewer"].id, "code": "id"}
    headers = {}
    if role != "anonymous":
        login(users[role])
        headers = api_token(client, users[role])
    checked = 0
    for rule, method in _routes(app):
        allowed = ACCESS[rule.endpoint]
        is_api = rule.rule.startswith("/api/")
        response = _request(client, rule, method, args, headers if is_api else None)
        status = response.status_code
        if allowed == PUBLIC or (role != "anonymous" and role in allowed):
            assert status not in (401, 403), (role, rule.rule, status)
            if not is_api and rule.endpoint != "auth.logout":
                assert not response.headers.get("Location", "").startswith("/login"), (role, rule.rule)
        elif role == "anonymous":
            expected = 401 if is_api else 302
            assert status == expected, (role, rule.rule, status)
        else:
            assert status == 403, (role, rule.rule, status)
        checked += 1
        if rule.endpoint == "auth.logout" and role != "anonymous":
            login(users[role])  # logging out was the point of that route; log back in
        if rule.endpoint == "api_auth.revoke_token" and role != "anonymous":
            headers = api_token(client, users[role])  # likewise for revoking the token
    assert checked == len(ACCESS) - 1


def test_a_route_without_declared_access_is_denied(app, client, users, login):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    login(users["admin"])
    response = client.get("/forgotten")
    assert response.status_code == 403 and b"secret" not in response.data
