"""Configuration read from environment variables, with safe local defaults."""
from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from kube.core.clock import OFFICE_TIMEZONE_NAME
from kube.core.labels import N_

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


def _check_letter_number_pattern(pattern: str) -> None:
    """Refuse a letter-number pattern that would fail at handover or could repeat a number."""
    try:
        sample = pattern.format(seq=1, year=2025, month=8, month_roman="VIII", program="KUBE")
        other = pattern.format(seq=2, year=2025, month=8, month_roman="VIII", program="KUBE")
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(f"KUBE_LETTER_NUMBER_PATTERN {pattern!r} is invalid ({error}); "
                          "fields: seq, year, month, month_roman, program") from error
    if sample == other or "{year" not in pattern:
        raise ConfigError("KUBE_LETTER_NUMBER_PATTERN must contain {seq} and {year} so numbers never repeat")
    if len(sample) > 60:
        raise ConfigError("KUBE_LETTER_NUMBER_PATTERN gives numbers longer than 60 characters")


def _go_live_date(value) -> date | None:
    """KUBE_GO_LIVE_DATE as a date (YYYY-MM-DD), or None to use the day the database was created."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) != 10:  # fromisoformat also takes 20250601 and week dates; the setting is one form
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as error:
        raise ConfigError(f"KUBE_GO_LIVE_DATE {value!r} must be a date written YYYY-MM-DD, e.g. 2025-06-01") from error


def _check_rate_limit_storage(uri: str) -> None:
    """Refuse per-process login counters in production: each gunicorn worker would grant its own guesses."""
    if uri.strip().lower().startswith("memory://"):
        raise ConfigError("RATELIMIT_STORAGE_URI is memory:// (counted per worker, so login limits multiply); "
                          "set RATELIMIT_STORAGE_URI to a Redis shared by every worker, "
                          "e.g. redis://127.0.0.1:6379/0, when KUBE_ENV=production")


def _check_public_base_url(url: str) -> None:
    """Refuse a letters' verification address that is not public https: every letter's QR code keeps it forever."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    local = host in ("", "localhost", "0.0.0.0") or host.endswith(".localhost")
    if not local:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            local = address.is_loopback or address.is_unspecified or address.is_link_local
    if parts.scheme != "https" or local:
        raise ConfigError(f"KUBE_PUBLIC_BASE_URL {url!r} is printed in every letter's QR code for good: "
                          "set it to Kube's public https:// address (not localhost or 127.x) "
                          "when KUBE_ENV=production")


def _check_office_logo(logo: str) -> None:
    """Refuse a letterhead logo that is not a file in kube/static: letters may load nothing else."""
    if not logo:
        return
    static = (BASE_DIR / "kube" / "static").resolve()
    path = (static / logo).resolve()
    if not path.is_relative_to(static) or not path.is_file():
        raise ConfigError(f"KUBE_OFFICE_LOGO {logo!r} must name a file inside kube/static (e.g. img/logo.svg)")


class Config:
    """Settings for running Kube; every value can be overridden from the environment."""

    ENV_NAME = os.environ.get("KUBE_ENV", "development")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kube.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: Where login attempts are counted; every worker must share it (Redis), so production refuses memory://.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: Prefix of the limiter's keys, so several Kube instances (or test runs) can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("KUBE_RATELIMIT_KEY_PREFIX", "kube")
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts allowed per account and, separately, per client address; the login page and the
    #: API's token endpoint count against the same two limits.
    LOGIN_RATE_LIMIT = os.environ.get("KUBE_LOGIN_RATE_LIMIT", "10 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Ingat saya di HP ini": a leader reports once a month from their own phone; logout, a password reset
    #: or deactivation ends it sooner (the cookie carries the account's session version).
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("KUBE_REMEMBER_DAYS", "60")))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = OFFICE_TIMEZONE_NAME
    LANGUAGES = ("id", "en")

    #: Business types offered for groups (code, Indonesian label); extend with care, codes are stored.
    #: N_ puts the labels in the catalog; kube.groups.labels translates them for the reader.
    BUSINESS_TYPES = (
        ("warung", N_("Warung / toko kelontong")),
        ("kuliner", N_("Kuliner")),
        ("sewa_tenda", N_("Sewa tenda dan kursi")),
        ("ternak", N_("Ternak")),
        ("menjahit", N_("Menjahit")),
        ("bengkel", N_("Bengkel")),
        ("kerajinan", N_("Kerajinan")),
        ("lainnya", N_("Lainnya")),
    )
    GROUP_CODE_PREFIX = os.environ.get("KUBE_GROUP_CODE_PREFIX", "KUBE-3673")
    GROUP_MIN_MEMBERS = int(os.environ.get("KUBE_GROUP_MIN_MEMBERS", "5"))
    GROUP_MAX_MEMBERS = int(os.environ.get("KUBE_GROUP_MAX_MEMBERS", "20"))
    #: Ages outside this range are allowed only after an officer confirms them.
    MEMBER_AGE_RANGE = (18, 60)

    API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("KUBE_API_TOKEN_DAYS", "30")))
    PER_PAGE = 25
    #: Uploads (member imports) larger than this are refused with 413 before anything reads them.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    #: A month's income report is due by this day of the next month (1-28, so every month has it).
    REPORT_DUE_DAY = int(os.environ.get("KUBE_REPORT_DUE_DAY", "10"))
    #: Largest revenue or expenses a monthly report may hold, in whole Rupiah (the database checks it too).
    REPORT_MAX_AMOUNT = 1_000_000_000
    #: Net income beyond this many times the group's usual (median) net, or expenses beyond this many
    #: times revenue, must be confirmed by the person entering the report.
    OUTLIER_FACTOR = 3

    # Flags on income trends (kube.monitoring); checked when the app starts.
    #: Months in the trend window ending at the as-of month, and reports needed in it for a trend.
    MONITORING_WINDOW_MONTHS = int(os.environ.get("KUBE_MONITORING_WINDOW_MONTHS", "6"))
    MONITORING_MIN_REPORTS = int(os.environ.get("KUBE_MONITORING_MIN_REPORTS", "4"))
    #: "No gain after grant": judged this many months after the handover, against the mean of
    #: the months before it (at least BASELINE_MIN reports) and of up to AFTER_MAX months after it.
    MONITORING_AFTER_GRANT_MONTHS = int(os.environ.get("KUBE_MONITORING_AFTER_GRANT_MONTHS", "6"))
    MONITORING_BASELINE_MONTHS = int(os.environ.get("KUBE_MONITORING_BASELINE_MONTHS", "3"))
    MONITORING_BASELINE_MIN_REPORTS = int(os.environ.get("KUBE_MONITORING_BASELINE_MIN_REPORTS", "2"))
    MONITORING_AFTER_MAX_MONTHS = int(os.environ.get("KUBE_MONITORING_AFTER_MAX_MONTHS", "12"))
    MONITORING_AFTER_MIN_REPORTS = int(os.environ.get("KUBE_MONITORING_AFTER_MIN_REPORTS", "4"))
    #: Grant programs whose handovers count for "no gain after grant" (UEP goes to one member's trade).
    MONITORING_GRANT_PROGRAMS = tuple(
        p.strip() for p in os.environ.get("KUBE_MONITORING_GRANT_PROGRAMS", "KUBE").split(",") if p.strip()
    )
    #: Extreme poverty line in whole Rupiah per person per month (Dinsos Kota Serang working threshold).
    EXTREME_POVERTY_LINE = int(os.environ.get("KUBE_EXTREME_POVERTY_LINE", "400000"))
    #: The poverty flag averages net income per active member over this many latest reports.
    MONITORING_POVERTY_RECENT_REPORTS = int(os.environ.get("KUBE_MONITORING_POVERTY_RECENT_REPORTS", "3"))
    #: Months of history drawn on a group's income chart.
    MONITORING_CHART_MONTHS = int(os.environ.get("KUBE_MONITORING_CHART_MONTHS", "24"))

    OFFICE_NAME = os.environ.get("KUBE_OFFICE_NAME", "Dinas Sosial Kota Serang")
    OFFICE_GOVERNMENT = os.environ.get("KUBE_OFFICE_GOVERNMENT", "Pemerintah Kota Serang")
    OFFICE_ADDRESS = os.environ.get(
        "KUBE_OFFICE_ADDRESS", "Jl. Jenderal Sudirman No. 5, Kota Serang, Banten 42116"
    )
    OFFICE_CITY = os.environ.get("KUBE_OFFICE_CITY", "Serang")
    #: Where people ask what the office holds about them or for a correction (UU PDP), on the privacy notice.
    OFFICE_PRIVACY_CONTACT = os.environ.get(
        "KUBE_OFFICE_PRIVACY_CONTACT", f"Sekretariat {OFFICE_NAME}, {OFFICE_ADDRESS}"
    )
    #: The head of office signs under "Mengetahui" on grant letters; leave the name empty to omit that block.
    OFFICE_HEAD_NAME = os.environ.get("KUBE_OFFICE_HEAD_NAME", "")
    OFFICE_HEAD_NIP = os.environ.get("KUBE_OFFICE_HEAD_NIP", "")
    OFFICE_HEAD_POSITION = os.environ.get("KUBE_OFFICE_HEAD_POSITION", "Kepala Dinas Sosial Kota Serang")
    #: Logo on the letterhead, a path inside kube/static (letters may load nothing from anywhere else).
    OFFICE_LOGO = os.environ.get("KUBE_OFFICE_LOGO", "img/logo.svg")
    #: Berita Acara numbers; fields: seq, year, month, month_roman, program. The sequence restarts each year.
    LETTER_NUMBER_PATTERN = os.environ.get(
        "KUBE_LETTER_NUMBER_PATTERN", "460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}"
    )
    #: The day the office started recording grants in Kube (YYYY-MM-DD); grants handed over before it are
    #: recorded as history. Empty: the day the database was created (kube.ledger.history.go_live_date).
    GO_LIVE_DATE = os.environ.get("KUBE_GO_LIVE_DATE") or None
    #: Approving a grant whose group, UEP member or family card (KK) had another grant approved or handed over
    #: within this many months needs the approver's written reason (a guard against paying twice).
    GRANT_RECENT_MONTHS = int(os.environ.get("KUBE_GRANT_RECENT_MONTHS", "12"))
    #: Granted equipment is due for a check when never checked or last checked more than this many months ago.
    EQUIPMENT_CHECK_MONTHS = int(os.environ.get("KUBE_EQUIPMENT_CHECK_MONTHS", "6"))
    #: Printed (with a QR code) on every letter as the address of its public verification page.
    PUBLIC_BASE_URL = os.environ.get("KUBE_PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    #: Stamp duty (UU 10/2020): a receipt above this many Rupiah carries a meterai of STAMP_DUTY_AMOUNT.
    STAMP_DUTY_THRESHOLD = int(os.environ.get("KUBE_STAMP_DUTY_THRESHOLD", "5000000"))
    STAMP_DUTY_AMOUNT = int(os.environ.get("KUBE_STAMP_DUTY_AMOUNT", "10000"))

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
            if settings.get("RATELIMIT_ENABLED", True):
                _check_rate_limit_storage(settings.get("RATELIMIT_STORAGE_URI", cls.RATELIMIT_STORAGE_URI))
            _check_public_base_url(settings.get("PUBLIC_BASE_URL", cls.PUBLIC_BASE_URL))
        if not 1 <= settings.get("REPORT_DUE_DAY", 10) <= 28:
            raise ConfigError("KUBE_REPORT_DUE_DAY must be 1..28 (a day every month has)")
        _check_letter_number_pattern(settings.get("LETTER_NUMBER_PATTERN", cls.LETTER_NUMBER_PATTERN))
        if not 1 <= settings.get("GRANT_RECENT_MONTHS", cls.GRANT_RECENT_MONTHS) <= 120:
            raise ConfigError("KUBE_GRANT_RECENT_MONTHS must be 1..120")
        if not 1 <= settings.get("EQUIPMENT_CHECK_MONTHS", cls.EQUIPMENT_CHECK_MONTHS) <= 120:
            raise ConfigError("KUBE_EQUIPMENT_CHECK_MONTHS must be 1..120")
        settings["GO_LIVE_DATE"] = _go_live_date(settings.get("GO_LIVE_DATE"))
        _check_office_logo(settings.get("OFFICE_LOGO", cls.OFFICE_LOGO))
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
