"""Database engine settings (SQLite pragmas, write transactions that lock up front) and SQL that differs by engine."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from sqlalchemy import JSON, Integer, cast, event, func, type_coerce
from sqlalchemy.exc import IntegrityError

from kube.core.errors import Conflict
from kube.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Ids are 32-bit in the database; a larger number cannot name a row (and SQLite refuses to bind it).
MAX_ID = 2**31 - 1

#: Set by `immediate_transactions()` for CLI work and background threads.
_force_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "kube_force_immediate", default=False
)


@contextmanager
def immediate_transactions():
    """Within this block, SQLite transactions start with BEGIN IMMEDIATE."""
    token = _force_immediate.set(True)
    try:
        yield
    finally:
        _force_immediate.reset(token)


def _wants_immediate() -> bool:
    if _force_immediate.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


def is_sqlite() -> bool:
    """Whether the bound database is SQLite."""
    return db.engine.dialect.name == "sqlite"


def month_index_of(column):
    """`kube.core.periods.month_index` (year * 12 + month) of a date column, in SQL, as an integer."""
    if is_sqlite():
        return (cast(func.strftime("%Y", column), Integer) * 12 + cast(func.strftime("%m", column), Integer))
    # date_part's double precision, not extract's numeric: a third faster over millions of reports.
    return cast(func.date_part("year", column) * 12 + func.date_part("month", column), Integer)


def listed(column):
    """An aggregate: the column's values in each group of rows as one Python list (in no set order).

    PostgreSQL's array_agg, which psycopg reads as a list; SQLite's JSON array, decoded as JSON.
    One row a group instead of one a value: the database and its driver do the per-value work.
    """
    if is_sqlite():
        return type_coerce(func.json_group_array(column), JSON)
    return func.array_agg(column)


def configure_database_engine(app: Flask) -> None:
    """Turn on SQLite foreign keys, WAL and a busy timeout, and immediate write transactions.

    A write request on SQLite takes the write lock when its transaction begins, so
    two writers are serialised instead of failing halfway (PostgreSQL uses row locks).
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")


@contextmanager
def saved_or_conflict(message: str):
    """Apply the changes made in the block inside a savepoint and flush them there; a duplicate becomes a Conflict.

    A unique index that still catches a duplicate (a concurrent insert) then rolls back only the
    savepoint, and the session stays usable. The changes must be made inside the block:
    `begin_nested()` flushes whatever is already pending before the SAVEPOINT opens.
    """
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(message) from error
