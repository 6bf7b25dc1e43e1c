"""Factories that build valid objects for tests."""
from __future__ import annotations

import itertools

from kube.auth import operations
from kube.extensions import db

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(role: str = "officer", username: str | None = None, password: str = PASSWORD, **extra):
    """A user with a valid password (flushed, not committed)."""
    username = username or f"{role}{next(_counter)}"
    return operations.create_user(username, f"{role.title()} {username}", role, password, **extra)


def api_token(client, user, password: str = PASSWORD) -> dict:
    """Authorization headers for `user`, obtained through the token endpoint."""
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
