"""Bearer tokens, the API error format and the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kube.auth.models import ApiToken
from kube.core.clock import utc_now
from tests.factories import PASSWORD, api_token


def test_token_is_issued_and_stored_hashed(client, db, users):
    response = client.post("/api/v1/auth/token", json={"username": users["officer"].username, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash != body["token"] and len(stored.token_hash) == 64
    assert "Set-Cookie" not in response.headers  # the API never starts a cookie session


def test_bad_credentials_get_401_in_the_error_format(client, users):
    response = client.post("/api/v1/auth/token", json={"username": users["officer"].username, "password": "wrong password"})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "invalid_credentials" and error["message"] and error["fields"] == {}


def test_inactive_user_gets_no_token(client, db, users):
    users["viewer"].active = False
    db.session.commit()
    response = client.post("/api/v1/auth/token", json={"username": users["viewer"].username, "password": PASSWORD})
    assert response.status_code == 401


def test_missing_fields_are_422_with_messages_per_field(client):
    response = client.post("/api/v1/auth/token", json={"username": "someone"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "password" in error["fields"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["code"] in ("bad_request", "validation_error")


def test_requests_without_a_valid_token_get_401(client, users):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/regions", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_authenticate_the_api(client, users, login):
    login(users["admin"])
    assert client.get("/api/v1/regions").status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, db, users):
    headers = api_token(client, users["officer"])
    assert client.get("/api/v1/regions", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/regions", headers=headers).status_code == 401
    headers = api_token(client, users["officer"])
    token = db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).one()
    token.expires_at = utc_now() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/regions", headers=headers).status_code == 401


def test_password_change_revokes_tokens(client, db, users):
    from kube.auth.operations import set_password

    headers = api_token(client, users["viewer"])
    set_password(users["viewer"], "another long password")
    db.session.commit()
    assert client.get("/api/v1/regions", headers=headers).status_code == 401


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_document_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "api-docs.openapi_json" or rule.endpoint.startswith("api_docs_ui."):
            continue  # the document itself and its Swagger UI page (kube/api/docs.py) are not operations
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for converter in ("int:", "string:", "path:"):
                path = path.replace("{" + converter, "{")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    token_op = spec["paths"]["/api/v1/auth/token"]["post"]
    assert {"201", "401", "422", "429"} <= set(token_op["responses"])


@pytest.mark.parametrize("method, path", [
    ("PATCH", "/api/v1/groups/2147483648"), ("POST", "/api/v1/groups/2147483648/members"),
    ("POST", "/api/v1/groups/30103710324/assets/checks"),
])
def test_an_id_beyond_the_database_range_is_404_for_every_method(client, users, method, path):
    # Found by fuzzing: such ids answered 405 "Allow: GET" where the path also has a GET route.
    response = client.open(path, method=method, json={}, headers=api_token(client, users["officer"]))
    assert response.status_code == 404 and "Allow" not in response.headers
    assert response.get_json()["error"]["code"] == "not_found"
