"""The `flask user` and `flask demo` commands."""
from __future__ import annotations

from sqlalchemy import select

from kube.auth.models import User
from kube.auth.passwords import verify_password


def test_user_create_reads_the_password_from_stdin(runner, db):
    result = runner.invoke(args=["user", "create", "Sari", "--role", "officer", "--name", "Sari Dewi"],
                           input="sari punya sandi panjang\n")
    assert result.exit_code == 0, result.output
    sari = db.session.scalar(select(User).where(User.username == "sari"))
    assert sari.full_name == "Sari Dewi" and sari.role == "officer"
    assert verify_password(sari.password_hash, "sari punya sandi panjang")


def test_user_create_refuses_a_short_password_and_an_unknown_role(runner, db):
    result = runner.invoke(args=["user", "create", "tono", "--role", "viewer"], input="pendek\n")
    assert result.exit_code != 0 and "minimal 12" in result.output
    result = runner.invoke(args=["user", "create", "tono", "--role", "boss"], input="cukup panjang sekali\n")
    assert result.exit_code != 0
    assert db.session.scalar(select(User).where(User.username == "tono")) is None


def test_user_list(runner, users):
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0
    for user in users.values():
        assert user.username in result.output


def test_demo_loads_once_and_prints_logins(runner, db):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "kube-demo-2026" in result.output
    count = db.session.scalar(select(db.func.count()).select_from(User))
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded" in again.output and "petugas" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == count
