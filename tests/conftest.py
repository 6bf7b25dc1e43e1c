"""Fixtures: a migrated test database (SQLite, or PostgreSQL from KUBE_TEST_DATABASE_URL), app, clients."""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from config import TestConfig
from kube import create_app
from kube.core import clock
from kube.extensions import db as _db
from kube.extensions import limiter

#: Scenario fixtures shared by several test modules.
pytest_plugins = ["tests.monitoring_data"]

POSTGRES_URL = os.environ.get("KUBE_TEST_DATABASE_URL")
#: Seed data written by migrations; every other table is emptied between tests.
KEPT_TABLES = {"regions", "alembic_version"}


def pytest_report_header(config):
    return f"kube database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    """`postgres` tests run only on PostgreSQL (CI always has it); every browser test is also `slow`."""
    only_postgres = pytest.mark.skip(reason="proven on PostgreSQL only: set KUBE_TEST_DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords and not POSTGRES_URL:
            item.add_marker(only_postgres)
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.slow)


def _normalised(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def reset_postgres_schema(url: str) -> None:
    """Drop everything in the PostgreSQL test database so migrations start from empty."""
    engine = sa.create_engine(_normalised(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def scratch_database(tmp_path, suffix: str):
    """A new empty database of the tests' kind, for work that must not share the test database; use with `yield from`.

    SQLite: a file in `tmp_path`. PostgreSQL: `<test database>_<suffix>` on the test server, dropped afterwards.
    """
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
        return
    server = sa.engine.make_url(_normalised(POSTGRES_URL))
    name = f"{server.database}_{suffix}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database built by the migrations once per session: PostgreSQL, or a SQLite template file."""
    if POSTGRES_URL:
        reset_postgres_schema(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return url


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    """An empty migrated database for one test.

    SQLite: a copy of the template file. PostgreSQL: the session database, truncated after
    the test (TRUNCATE, unlike DELETE, passes the ledger's append-only triggers).
    """
    if POSTGRES_URL:
        return migrated_database
    copy = tmp_path / "kube-test.sqlite3"
    shutil.copyfile(migrated_database.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def _forget_cached_user():
    # Test requests share the fixture's app context, and so `g`; each request must load its own user.
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)


def make_app(database_url: str, **overrides):
    """A fresh app bound to the test database."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
    return app


def empty_tables() -> None:
    """On PostgreSQL, remove the rows a test wrote (SQLite tests each get a fresh copy)."""
    if _db.engine.dialect.name != "postgresql":
        return
    names = ", ".join(t.name for t in _db.metadata.sorted_tables if t.name not in KEPT_TABLES)
    _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    _db.session.commit()


@pytest.fixture
def app_overrides() -> dict:
    """Config overrides for the `app` fixture; tests override this fixture to change settings."""
    return {}


@pytest.fixture
def app(database_url, app_overrides):
    """The app, inside an app context, with empty tables afterwards."""
    app = make_app(database_url, **app_overrides)
    with app.app_context():
        yield app
        _db.session.rollback()
        empty_tables()
        _db.session.remove()
        _db.engine.dispose()
    limiter.reset()


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy object, bound to the test app."""
    return _db


@pytest.fixture
def client(app):
    """A test client for pages and the API."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log `client` in through the real login form: login(user) or login(user, password)."""
    from tests.factories import PASSWORD

    def _login(user, password: str = PASSWORD, test_client=None):
        c = test_client or client
        response = c.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login


@pytest.fixture
def users(db):
    """One committed user of each role."""
    from tests.factories import make_user

    result = {role: make_user(role) for role in ("admin", "officer", "leader", "viewer")}
    db.session.commit()
    return result


@pytest.fixture
def frozen():
    """Stand the whole app still: `frozen(moment)` (a datetime, or a date meaning noon at the office) until the test ends.

    The one way tests set the time: the app's only clock (kube.core.clock) reads it, so pages,
    operations, model defaults and server threads all see the same moment. Call it again to move.
    """
    with ExitStack() as stack:
        def freeze(when):
            return stack.enter_context(clock.frozen_at(when))

        yield freeze


@pytest.fixture
def report_day(frozen):
    """Stand on tests.factories.REPORT_DAY (5 July 2025 in Jakarta); use with `usefixtures("report_day")`."""
    from tests.factories import REPORT_DAY

    return frozen(REPORT_DAY)


@pytest.fixture
def officer(users):
    """The committed program officer of `users`."""
    return users["officer"]


@pytest.fixture
def group(db, officer):
    """An active group of five members (the first is its ketua), formed on 10 January 2024, committed."""
    from tests.factories import make_group

    created = make_group(officer, members=5, status="active")
    db.session.commit()
    return created


@pytest.fixture
def leader(db, group):
    """The login of `group`'s own leader, committed."""
    from tests.factories import make_user

    user = make_user("leader", group_id=group.id)
    db.session.commit()
    return user


@pytest.fixture
def staff(db):
    """Two officers (a grant's maker and its checker), an administrator and a viewer, committed."""
    from tests.factories import make_user

    people = {"maker": make_user("officer"), "checker": make_user("officer"), "admin": make_user("admin"),
              "viewer": make_user("viewer")}
    db.session.commit()
    return people


@pytest.fixture
def bearer(db, users):
    """`bearer(user or role of users)`: API headers with a token issued directly (the token endpoint is rate limited)."""
    from kube.auth.operations import issue_token

    cache: dict[int, dict[str, str]] = {}

    def headers(who) -> dict[str, str]:
        user = users[who] if isinstance(who, str) else who
        if user.id not in cache:
            # Valid for years: tests move the frozen clock by days or months after taking a token.
            plain, _token = issue_token(user, timedelta(days=3650))
            db.session.commit()
            cache[user.id] = {"Authorization": f"Bearer {plain}"}
        return cache[user.id]

    return headers
