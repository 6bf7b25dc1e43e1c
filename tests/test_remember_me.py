""""Ingat saya di HP ini": a leader stays logged in on their own phone for months, until logout or the office revokes it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from tests.factories import PASSWORD

NEW_PASSWORD = "kopi tubruk pagi hari"


def _set_cookie(response, name: str) -> str | None:
    """The Set-Cookie header for `name`, or None."""
    return next((header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")), None)


def _log_in(client, user, remember: bool):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _phone_with(app, remembered: str):
    """A browser opened again later: the session cookie is gone, only the remember-me cookie is left."""
    phone = app.test_client()
    phone.set_cookie("remember_token", remembered)
    return phone


def test_the_login_form_offers_to_remember_this_phone(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'type="checkbox"' in page and 'name="remember"' in page and "Ingat saya di HP ini" in page


def test_the_cookie_is_set_only_when_asked(app, users):
    plain = app.test_client()
    assert _set_cookie(_log_in(plain, users["leader"], remember=False), "remember_token") is None
    assert plain.get_cookie("remember_token") is None
    remembered = app.test_client()
    assert _set_cookie(_log_in(remembered, users["leader"], remember=True), "remember_token") is not None


def test_the_cookie_lasts_sixty_days_and_is_guarded_like_the_session_cookie(app, client, users):
    header = _set_cookie(_log_in(client, users["leader"], remember=True), "remember_token")
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    lasts = expires - datetime.now(timezone.utc)
    assert timedelta(days=59) < lasts <= timedelta(days=60)  # a month's report and the next, from one login
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=60)
    # Over HTTPS only in production, like the session cookie: tests/test_app.py checks both flags.


def test_the_cookie_alone_logs_the_leader_in_after_the_session_ended(app, client, users, frozen):
    frozen(datetime(2025, 7, 5, 3, 0, tzinfo=timezone.utc))
    _log_in(client, users["leader"], remember=True)
    remembered = client.get_cookie("remember_token").value
    frozen(datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc))  # a month later, the browser closed in between
    phone = _phone_with(app, remembered)
    assert phone.get("/reports").status_code == 200
    assert phone.get_cookie("session") is not None  # and a new session began from it


def test_without_the_cookie_a_new_browser_session_must_log_in(app, client, users):
    _log_in(client, users["leader"], remember=False)
    assert app.test_client().get("/reports").status_code == 302


def test_logout_ends_it_on_this_phone_and_every_copy(app, client, users):
    _log_in(client, users["leader"], remember=True)
    remembered = client.get_cookie("remember_token").value
    assert client.post("/logout").status_code == 302
    assert client.get_cookie("remember_token") is None
    assert _phone_with(app, remembered).get("/reports").status_code == 302


def test_a_password_reset_by_the_office_ends_it(app, client, db, users, login):
    _log_in(client, users["leader"], remember=True)
    remembered = client.get_cookie("remember_token").value
    office = login(users["admin"], test_client=app.test_client())
    reset = office.post(f"/admin/users/{users['leader'].id}/password", data={"new_password": NEW_PASSWORD})
    assert reset.status_code == 302
    assert _phone_with(app, remembered).get("/reports").status_code == 302  # the lost phone is logged out
    assert client.get("/reports").status_code == 302  # and so is the session it had open
    assert app.test_client().post("/login", data={"username": users["leader"].username,
                                                  "password": NEW_PASSWORD}).status_code == 302


def test_deactivating_the_account_ends_it(app, client, db, users, login):
    _log_in(client, users["leader"], remember=True)
    remembered = client.get_cookie("remember_token").value
    office = login(users["admin"], test_client=app.test_client())
    assert office.post(f"/admin/users/{users['leader'].id}/deactivate", data={}).status_code == 302
    db.session.refresh(users["leader"])
    assert not users["leader"].active
    assert _phone_with(app, remembered).get("/reports").status_code == 302
    # Activated again, the old cookie stays dead: its session version has passed.
    assert office.post(f"/admin/users/{users['leader'].id}", data={
        "full_name": users["leader"].full_name, "role": "leader", "locale": "id", "active": "y"}).status_code == 302
    assert _phone_with(app, remembered).get("/reports").status_code == 302


def test_a_remembered_login_is_refused_when_the_cookie_was_tampered_with(app, client, users):
    _log_in(client, users["leader"], remember=True)
    remembered = client.get_cookie("remember_token").value
    ident, _sep, digest = remembered.partition("|")
    forged = f"{ident.split('.')[0]}.99|{digest}"  # another session version with the old signature
    assert _phone_with(app, forged).get("/reports").status_code == 302


def test_the_group_s_officer_signs_the_leader_out_of_every_phone(app, client, db, users, login):
    """A lost or shared phone: the officer ends the leader's logins from the group page, after confirming."""
    from kube.audit.models import AuditEntry
    from tests.factories import make_group, make_user

    group = make_group(users["officer"], members=5, status="active")
    leader = make_user("leader", group_id=group.id)
    other_group_leader = make_user("leader", group_id=make_group(users["officer"], members=5).id)
    db.session.commit()
    _log_in(client, leader, remember=True)
    remembered = client.get_cookie("remember_token").value
    office = login(users["officer"], test_client=app.test_client())
    url = f"/groups/{group.id}/leaders/{leader.id}/sign-out"
    assert url in office.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Keluarkan" in office.get(url).get_data(as_text=True)  # asked first; nothing ended yet
    assert _phone_with(app, remembered).get("/reports").status_code == 200

    assert office.post(url).status_code == 302
    assert _phone_with(app, remembered).get("/reports").status_code == 302  # the lost phone is logged out
    assert client.get("/reports").status_code == 302  # and so is the open session
    assert app.test_client().post("/login", data={"username": leader.username,
                                                  "password": PASSWORD}).status_code == 302  # same password
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "group.leader_sign_out")).summary \
        == leader.username
    # Only this group's leader account: another group's leader or any other account is not found here.
    assert office.get(f"/groups/{group.id}/leaders/{other_group_leader.id}/sign-out").status_code == 404
    assert office.post(f"/groups/{group.id}/leaders/{users['viewer'].id}/sign-out").status_code == 404
