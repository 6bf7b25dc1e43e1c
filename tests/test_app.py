"""The app factory, configuration, SQLite settings, error pages and security headers."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

import config
from config import Config, ConfigError, TestConfig
from kube import create_app
from kube.extensions import db


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
    PUBLIC_BASE_URL = "https://kube.serangkota.go.id"


def test_factory_builds_an_app():
    app = create_app(TestConfig)
    assert isinstance(app, Flask) and app.testing
    assert "auth.login" in app.view_functions


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError):
        create_app(ProductionConfig)


def test_production_marks_cookies_secure():
    app = create_app(ProductionConfig, SECRET_KEY="s" * 64)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_per_worker_login_counters():
    # memory:// counts in each gunicorn worker: two workers granted twice the guesses.
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app(ProductionConfig, SECRET_KEY="s" * 64, RATELIMIT_STORAGE_URI="memory://")
    assert create_app(ProductionConfig, SECRET_KEY="s" * 64).config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    # Without production, memory:// stays the local default.
    assert create_app(TestConfig).config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("url", [
    "http://kube.serangkota.go.id", "http://127.0.0.1:5000", "https://localhost", "https://127.0.1.1/kube",
    "https://[::1]:8443", "https://0.0.0.0", "https://kube.localhost", "kube.serangkota.go.id", "",
])
def test_production_refuses_a_letter_address_that_is_not_public_https(url):
    # Every letter's QR code carries this address for good.
    with pytest.raises(ConfigError, match="KUBE_PUBLIC_BASE_URL"):
        create_app(ProductionConfig, SECRET_KEY="s" * 64, PUBLIC_BASE_URL=url)


def test_production_accepts_a_public_https_letter_address():
    app = create_app(ProductionConfig, SECRET_KEY="s" * 64, PUBLIC_BASE_URL="https://kube.serangkota.go.id/")
    assert app.config["PUBLIC_BASE_URL"] == "https://kube.serangkota.go.id/"
    # Outside production a local address is fine (the demo's letters).
    assert create_app(TestConfig, PUBLIC_BASE_URL="http://127.0.0.1:5000").config["PUBLIC_BASE_URL"] == \
        "http://127.0.0.1:5000"


def test_local_secret_key_is_generated_once_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)

    class Local(Config):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    first = create_app(Local).config["SECRET_KEY"]
    assert len(first) == 64 and (tmp_path / "secret_key").read_text() == first
    assert create_app(Local).config["SECRET_KEY"] == first


def test_postgres_urls_use_psycopg3():
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.update(SQLALCHEMY_DATABASE_URI="postgres://u@h/db")
    Config.finalise(settings)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'k.sqlite3'}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.engine.dispose()


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax(client, users):
    response = client.post("/login", data={"username": users["viewer"].username, "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_not_found_page_is_styled_and_in_indonesian(client, users, login):
    login(users["viewer"])
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Tidak ditemukan" in body and "kube.css" in body


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.fixture
def app_overrides():
    return {"HANDLE_UNEXPECTED_ERRORS": True, "PROPAGATE_EXCEPTIONS": False}


def test_500_handler_rolls_back_and_shows_the_error_page(app, client, db, users, login):
    from kube.audit.operations import record_audit
    from kube.auth.permissions import login_required

    @login_required
    def explode():
        record_audit("test.half_done", "test", 1, "must not be saved")
        db.session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/explode", "explode", explode)
    login(users["viewer"])
    response = client.get("/explode")
    assert response.status_code == 500
    assert "Kesalahan sistem" in response.get_data(as_text=True)
    from kube.audit.models import AuditEntry

    assert db.session.query(AuditEntry).filter_by(action="test.half_done").count() == 0


def test_ids_beyond_the_integer_range_are_not_found(client, users, login):
    login(users["admin"])
    assert client.get(f"/admin/users/{2**31}").status_code == 404
    assert client.get(f"/admin/users/{2**70}").status_code == 404
