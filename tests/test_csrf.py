"""With CSRF on, every form route refuses a POST without a token."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _sample_url(rule, ids):
    values = {arg: ids.get(arg, 1) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def form_rules(app):
    """Every page route (not the token-authenticated API) that accepts a state-changing method."""
    return [
        rule for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]


def test_every_form_route_refuses_a_post_without_token(app, client, db, users):
    from tests.factories import make_group

    group = make_group(users["officer"], members=1)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = users["admin"].get_id()
        session["_fresh"] = True
    # Real ids, so a 400 means the missing token and not a missing object.
    ids = {"user_id": users["viewer"].id, "code": "en", "group_id": group.id, "member_id": group.ketua.id,
           "to": "active"}
    rules = form_rules(app)
    assert len(rules) >= 8
    for rule in rules:
        url = _sample_url(rule, ids)
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, (rule.rule, response.status_code)


def test_login_form_refuses_a_missing_token_and_accepts_a_real_one(client, users):
    assert client.post("/login", data={"username": users["viewer"].username, "password": PASSWORD}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": users["viewer"].username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
