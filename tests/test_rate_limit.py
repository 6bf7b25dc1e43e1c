"""Login attempts are limited per account and per address, in the form and the API."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD


@pytest.fixture
def app_overrides():
    return {"LOGIN_RATE_LIMIT": "3 per minute"}


def _attempt(client, username, address, password="wrong password!!"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_per_account_limit_across_addresses(client, users):
    name = users["officer"].username
    for i in range(3):
        assert _attempt(client, name, f"10.0.0.{i}").status_code == 200
    blocked = _attempt(client, name, "10.0.0.99", password=PASSWORD)
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    # Another account from a fresh address is unaffected.
    assert _attempt(client, users["viewer"].username, "10.0.1.1", password=PASSWORD).status_code == 302


def test_per_address_limit_across_accounts(client, users):
    for name in ("a-user", "b-user", "c-user"):
        assert _attempt(client, name, "10.9.9.9").status_code == 200
    assert _attempt(client, users["viewer"].username, "10.9.9.9", password=PASSWORD).status_code == 429


def test_token_endpoint_is_limited_too(client, users):
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"username": users["viewer"].username, "password": "nope nope nope"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": users["viewer"].username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"


def _api_attempt(client, username, address, password="wrong password!!"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_the_form_and_the_api_share_one_limit_per_account(client, users):
    # Issue 12: each door counted on its own, doubling the guesses an account could take.
    name = users["officer"].username
    assert _attempt(client, name, "10.1.0.1").status_code == 200
    assert _api_attempt(client, name.upper(), "10.1.0.2").status_code == 401
    assert _attempt(client, name, "10.1.0.3").status_code == 200
    blocked = _api_attempt(client, name, "10.1.0.4", password=PASSWORD)
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "rate_limited"
    assert _attempt(client, name, "10.1.0.5", password=PASSWORD).status_code == 429


def test_the_form_and_the_api_share_one_limit_per_address(client, users):
    assert _api_attempt(client, "a-user", "10.2.2.2").status_code == 401
    assert _attempt(client, "b-user", "10.2.2.2").status_code == 200
    assert _api_attempt(client, "c-user", "10.2.2.2").status_code == 401
    assert _attempt(client, users["viewer"].username, "10.2.2.2", password=PASSWORD).status_code == 429
    assert _api_attempt(client, users["viewer"].username, "10.2.2.2", password=PASSWORD).status_code == 429


def test_showing_the_login_form_is_not_counted(client, users):
    for _ in range(5):
        assert client.get("/login", environ_base={"REMOTE_ADDR": "10.3.3.3"}).status_code == 200
    assert _attempt(client, users["viewer"].username, "10.3.3.3", password=PASSWORD).status_code == 302
