"""Login, logout, sessions, inactive users, password rules and the admin user pages."""
from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from kube.auth.models import User
from kube.auth.passwords import STRONG_HASHER
from tests.factories import PASSWORD


def test_login_and_logout(client, users):
    response = client.post("/login", data={"username": "OFFICER2", "password": PASSWORD})
    officer = users["officer"]
    response = client.post("/login", data={"username": officer.username.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/").status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_a_message(client, users):
    response = client.post("/login", data={"username": users["officer"].username, "password": "wrong password!"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"username": users["viewer"].username, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{users['viewer'].id}.")


def test_login_only_follows_local_next(client, users):
    response = client.post("/login?next=https://evil.example/", data={"username": users["admin"].username, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/admin/users", data={"username": users["admin"].username, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_inactive_user_cannot_log_in(client, db, users):
    users["officer"].active = False
    db.session.commit()
    response = client.post("/login", data={"username": users["officer"].username, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session(app, client, db, users, login):
    login(users["officer"])
    assert client.get("/").status_code == 200
    admin = app.test_client()
    login(users["admin"], test_client=admin)
    assert admin.post(f"/admin/users/{users['officer'].id}/deactivate").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_rules(client, db, users, login):
    login(users["viewer"])
    short = client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "short pw",
                                          "pw-confirm": "short pw", "pw-submit": "1"})
    assert "Kata sandi 12 sampai" in short.get_data(as_text=True)
    mismatch = client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "a long enough pass",
                                             "pw-confirm": "another long pass", "pw-submit": "1"})
    assert "Kedua kata sandi tidak sama" in mismatch.get_data(as_text=True)
    wrong = client.post("/account", data={"pw-current_password": "not my password", "pw-new_password": "a long enough pass",
                                          "pw-confirm": "a long enough pass", "pw-submit": "1"})
    assert "Kata sandi saat ini salah" in wrong.get_data(as_text=True)
    # No composition rules: twelve lower-case letters and spaces are enough.
    ok = client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "kopi pagi ini",
                                       "pw-confirm": "kopi pagi ini", "pw-submit": "1"})
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200  # still logged in after the change
    client.post("/logout")
    assert client.post("/login", data={"username": users["viewer"].username, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"username": users["viewer"].username, "password": "kopi pagi ini"}).status_code == 302


def test_password_change_ends_other_sessions(app, client, users, login):
    other_device = app.test_client()
    login(users["viewer"], test_client=other_device)
    login(users["viewer"])
    client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "kopi pagi ini",
                                  "pw-confirm": "kopi pagi ini", "pw-submit": "1"})
    assert other_device.get("/").status_code == 302


def test_passwords_are_argon2id_at_owasp_strength(db, users):
    stored = users["admin"].password_hash
    assert stored.startswith("$argon2id$")
    parameters = STRONG_HASHER
    assert parameters.type.name == "ID"
    assert parameters.memory_cost >= 19456 and parameters.time_cost >= 2 and parameters.parallelism >= 1
    assert PasswordHasher().verify(stored, PASSWORD)


def test_login_upgrades_a_weak_hash_to_the_current_parameters(app, db, users):
    from kube.auth.operations import authenticate

    app.config["PASSWORD_HASH_FAST"] = False
    assert authenticate(users["admin"].username, PASSWORD) is users["admin"]
    assert "m=19456,t=2,p=1" in users["admin"].password_hash


def test_admin_creates_edits_resets_and_deactivates_users(client, db, users, login):
    login(users["admin"])
    page = client.get("/admin/users")
    assert users["viewer"].username in page.get_data(as_text=True)
    short = client.post("/admin/users/new", data={"username": "budi", "full_name": "Budi", "role": "officer",
                                                 "locale": "id", "password": "pendek", "active": "y"})
    assert "Kata sandi 12 sampai" in short.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "budi")) is None
    created = client.post("/admin/users/new", data={"username": "Budi", "full_name": "Budi Santoso", "role": "officer",
                                                   "nip": "198001012005011001", "locale": "id",
                                                   "password": "budi punya sandi", "active": "y"})
    assert created.status_code == 302
    budi = db.session.scalar(select(User).where(User.username == "budi"))
    assert budi.role == "officer" and budi.nip == "198001012005011001"
    duplicate = client.post("/admin/users/new", data={"username": "budi", "full_name": "Lain", "role": "viewer",
                                                     "locale": "id", "password": "budi punya sandi", "active": "y"})
    assert "sudah dipakai" in duplicate.get_data(as_text=True)
    edited = client.post(f"/admin/users/{budi.id}", data={"full_name": "Budi S.", "role": "viewer", "locale": "en", "active": "y"})
    assert edited.status_code == 302
    db.session.refresh(budi)
    assert (budi.full_name, budi.role, budi.locale) == ("Budi S.", "viewer", "en")
    assert client.post(f"/admin/users/{budi.id}/password", data={"new_password": "sandi baru yang panjang"}).status_code == 302
    confirm = client.get(f"/admin/users/{budi.id}/deactivate")
    assert "Nonaktifkan budi" in confirm.get_data(as_text=True)
    db.session.refresh(budi)
    assert budi.active  # showing the confirmation changes nothing
    client.post(f"/admin/users/{budi.id}/deactivate")
    db.session.refresh(budi)
    assert not budi.active


def test_admin_cannot_deactivate_themselves(client, db, users, login):
    login(users["admin"])
    client.post(f"/admin/users/{users['admin'].id}/deactivate")
    db.session.refresh(users["admin"])
    assert users["admin"].active


def test_language_is_chosen_per_user(client, db, users, login):
    login(users["officer"])
    assert "Keluar" in client.get("/").get_data(as_text=True)
    client.post("/language/en", data={"next": "/"})
    db.session.refresh(users["officer"])
    assert users["officer"].locale == "en"
    assert "Log out" in client.get("/").get_data(as_text=True)


# -- logout ends every session: remember-me cookies and copied session cookies (issue 12) -----

def _log_in_remembered(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    remember = client.get_cookie("remember_token")
    assert remember is not None
    return remember.value


def test_logout_deletes_and_revokes_the_remember_me_cookie(app, client, users):
    # A leader on a shared phone logs in with "remember me", then logs out.
    remembered = _log_in_remembered(client, users["leader"])
    phone_copy = app.test_client()
    phone_copy.set_cookie("remember_token", remembered)
    assert phone_copy.get("/account").status_code == 200  # the cookie alone logs in: it is worth revoking

    assert client.post("/logout").status_code == 302
    assert client.get_cookie("remember_token") is None  # deleted from this browser
    assert client.get("/account").status_code == 302  # the next person on the phone is not logged in

    # A copy kept from before the logout is dead on the server too.
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert thief.get("/account").status_code == 302


def test_a_password_change_elsewhere_revokes_remember_me_cookies(app, client, users, login):
    remembered = _log_in_remembered(app.test_client(), users["viewer"])
    login(users["viewer"])
    changed = client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "kopi pagi ini",
                                            "pw-confirm": "kopi pagi ini", "pw-submit": "1"})
    assert changed.status_code == 302
    phone = app.test_client()
    phone.set_cookie("remember_token", remembered)
    assert phone.get("/account").status_code == 302


def test_logout_kills_a_copied_session_cookie_and_is_audited(app, client, db, users, login):
    from kube.audit.models import AuditEntry

    officer = users["officer"]
    login(officer)
    copied = client.get_cookie("session").value  # e.g. taken from a shared computer's browser profile
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.logout"))
    assert entry.username == officer.username and entry.object_id == str(officer.id)
    assert client.post("/login", data={"username": officer.username, "password": PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200  # logging in again works


# -- the password policy: guessable passwords are refused wherever one is set (issue 12) -------

GUESSABLE = ("password1234", "123456789012", "aaaaaaaaaaaa")


def test_guessable_passwords_are_refused_with_the_reason():
    from kube.auth.passwords import password_problem

    assert "paling sering dipakai" in password_problem("password1234")
    assert "paling sering dipakai" in password_problem("123456789012")
    assert 'Pengulangan seperti "aaa"' in password_problem("aaaaaaaaaaaa")
    assert "Urutan seperti" in password_problem("abcdefghijklmnop")
    assert "nama pengguna atau nama pemilik akun" in password_problem("ketua.melati99", ("ketua.melati", "Bu Melati"))
    assert password_problem("ketua.melati99") is None  # guessable only knowing whose account it is
    for fine in (PASSWORD, "kopi pagi ini", "kube-demo-2026", "budi punya sandi"):
        assert password_problem(fine, ("budi", "Budi Santoso")) is None
    assert password_problem("tenda biru " * 23) is None  # 253 characters: judged on the first 72, quickly


def _refusal(response) -> str:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "terlalu mudah ditebak" in body
    return body


def test_admin_forms_refuse_guessable_passwords(client, db, users, login):
    login(users["admin"])
    for password in GUESSABLE:
        _refusal(client.post("/admin/users/new", data={"username": "budi", "full_name": "Budi Santoso",
                                                       "role": "officer", "locale": "id", "password": password,
                                                       "active": "y"}))
    assert db.session.scalar(select(User).where(User.username == "budi")) is None
    viewer = users["viewer"]
    before = viewer.password_hash
    for password in GUESSABLE:
        _refusal(client.post(f"/admin/users/{viewer.id}/password", data={"new_password": password}))
    db.session.refresh(viewer)
    assert viewer.password_hash == before


def test_own_password_change_refuses_guessable_passwords(client, db, users, login):
    viewer = users["viewer"]
    login(viewer)
    for password in GUESSABLE + (f"{viewer.username}{viewer.username}",):
        _refusal(client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": password,
                                               "pw-confirm": password, "pw-submit": "1"}))
    client.post("/logout")
    assert client.post("/login", data={"username": viewer.username, "password": PASSWORD}).status_code == 302


def test_leader_account_refuses_guessable_passwords(client, db, users, login, group):
    login(users["officer"])
    for password in GUESSABLE:
        _refusal(client.post(f"/groups/{group.id}/leader", data={"username": "ketua.melati", "full_name": "Bu Melati",
                                                                 "password": password, "confirm": password}))
    assert db.session.scalar(select(User).where(User.username == "ketua.melati")) is None


def test_cli_user_create_refuses_guessable_passwords(runner, db):
    for password in GUESSABLE:
        result = runner.invoke(args=["user", "create", "tono", "--role", "viewer"], input=f"{password}\n")
        assert result.exit_code != 0 and "terlalu mudah ditebak" in result.output
    assert db.session.scalar(select(User).where(User.username == "tono")) is None
