"""Migrations build the schema from empty, go down and up again, and match the models exactly."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig
from kube import create_app
from kube.extensions import db
from tests.conftest import scratch_database

POSTGRES_URL = os.environ.get("KUBE_TEST_DATABASE_URL")




@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        yield from scratch_database(tmp_path, "migrations")


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade_without_drift(empty_database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        model_tables = {t.name for t in db.metadata.sorted_tables}
        assert model_tables <= _tables(db.engine)
        assert db.session.execute(sa.text("SELECT count(*) FROM regions")).scalar() == 73
        db.session.remove()
        downgrade(revision="base")
        assert _tables(db.engine) - {"alembic_version"} == set()
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        db.session.remove()
        db.engine.dispose()
