"""Configuration read from environment variables, with safe local defaults."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KUBE_INSTANCE_PATH", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe for the chosen environment."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret_key(instance_dir: Path) -> str:
    """Return the secret key kept in the instance folder, creating it once."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings for running Kube; every value can be overridden from the environment."""

    ENV_NAME = os.environ.get("KUBE_ENV", "development")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kube.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts allowed per account and, separately, per client address.
    LOGIN_RATE_LIMIT = os.environ.get("KUBE_LOGIN_RATE_LIMIT", "10 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    #: Business types offered for groups (code, Indonesian label); extend with care, codes are stored.
    BUSINESS_TYPES = (
        ("warung", "Warung / toko kelontong"),
        ("kuliner", "Kuliner"),
        ("sewa_tenda", "Sewa tenda dan kursi"),
        ("ternak", "Ternak"),
        ("menjahit", "Menjahit"),
        ("bengkel", "Bengkel"),
        ("kerajinan", "Kerajinan"),
        ("lainnya", "Lainnya"),
    )
    GROUP_CODE_PREFIX = os.environ.get("KUBE_GROUP_CODE_PREFIX", "KUBE-3673")
    GROUP_MIN_MEMBERS = int(os.environ.get("KUBE_GROUP_MIN_MEMBERS", "5"))
    GROUP_MAX_MEMBERS = int(os.environ.get("KUBE_GROUP_MAX_MEMBERS", "20"))
    #: Ages outside this range are allowed only after an officer confirms them.
    MEMBER_AGE_RANGE = (18, 60)

    API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("KUBE_API_TOKEN_DAYS", "30")))
    PER_PAGE = 25

    OFFICE_NAME = os.environ.get("KUBE_OFFICE_NAME", "Dinas Sosial Kota Serang")
    OFFICE_GOVERNMENT = os.environ.get("KUBE_OFFICE_GOVERNMENT", "Pemerintah Kota Serang")
    OFFICE_ADDRESS = os.environ.get(
        "KUBE_OFFICE_ADDRESS", "Jl. Jenderal Sudirman No. 5, Kota Serang, Banten 42116"
    )
    OFFICE_CITY = os.environ.get("KUBE_OFFICE_CITY", "Serang")

    # flask-smorest: the OpenAPI document lives at /api/v1/openapi.json
    API_TITLE = "Kube API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    @classmethod
    def finalise(cls, settings: dict) -> None:
        """Fill derived settings and refuse unsafe production settings."""
        production = settings.get("ENV_NAME") == "production"
        if not settings.get("SECRET_KEY"):
            if production:
                raise ConfigError("SECRET_KEY must be set when KUBE_ENV=production")
            settings["SECRET_KEY"] = _local_secret_key(INSTANCE_DIR)
        if production:
            settings["SESSION_COOKIE_SECURE"] = True
            settings["REMEMBER_COOKIE_SECURE"] = True
        uri = settings["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("postgres://"):  # Heroku-style URLs
            uri = "postgresql://" + uri[len("postgres://"):]
        if uri.startswith("postgresql://"):
            uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
        settings["SQLALCHEMY_DATABASE_URI"] = uri
        if uri.startswith("sqlite:///") and ":memory:" not in uri:
            Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


class TestConfig(Config):
    """Settings for the test suite: throwaway database, fixed key, CSRF off unless a test turns it on."""

    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("KUBE_TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    #: Cheap hashing keeps the suite fast; production strength is tested separately.
    PASSWORD_HASH_FAST = True
