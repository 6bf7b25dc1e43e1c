"""Every state change leaves an audit entry; administrators can read and filter the log."""
from __future__ import annotations

from sqlalchemy import select

from kube.audit.models import AuditEntry


def _actions(db):
    return [(e.action, e.username) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_account_changes_are_audited_with_actor(client, db, users, login):
    login(users["admin"])
    client.post("/admin/users/new", data={"username": "rina", "full_name": "Rina", "role": "viewer",
                                         "locale": "id", "password": "rina punya sandi", "active": "y"})
    rina = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.summary.startswith("rina")))
    assert rina.username == users["admin"].username and rina.object_type == "user"
    client.post(f"/admin/users/{rina.object_id}", data={"full_name": "Rina W.", "role": "viewer", "locale": "id", "active": "y"})
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert "full_name: Rina -> Rina W." in update.summary
    client.post(f"/admin/users/{rina.object_id}/password", data={"new_password": "sandi baru rina!!"})
    assert ("user.password_reset", users["admin"].username) in _actions(db)


def test_admin_filters_the_log(client, db, users, login):
    login(users["admin"])
    client.post("/admin/users/new", data={"username": "dodi", "full_name": "Dodi", "role": "officer",
                                         "locale": "id", "password": "dodi punya sandi", "active": "y"})
    page = client.get("/admin/audit/?action=user.create&user=" + users["admin"].username).get_data(as_text=True)
    assert "dodi (officer)" in page
    page = client.get("/admin/audit/?action=token.").get_data(as_text=True)
    assert "dodi (officer)" not in page
    page = client.get("/admin/audit/?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "dodi (officer)" not in page and "Belum ada catatan" in page


def test_only_admins_read_the_log(client, users, login):
    login(users["officer"])
    assert client.get("/admin/audit/").status_code == 403
