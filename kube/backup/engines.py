"""Consistent snapshots and restores of the database itself: SQLite's online backup API, PostgreSQL's pg_dump.

A snapshot is taken while the app keeps serving, and its manifest is read from the very same
moment: on SQLite from the copy itself, on PostgreSQL inside the transaction whose snapshot
pg_dump is given.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from kube.backup import manifest
from kube.backup.archive import BackupError

#: How long a restore waits for other sessions' locks on PostgreSQL before saying the app must be stopped.
LOCK_TIMEOUT = "15s"
#: SQLite waits this long (seconds) for another connection's lock.
SQLITE_TIMEOUT = 30


def sqlite_path(engine: Engine) -> Path:
    """The file of a SQLite engine; refuses an in-memory database, which no other process can see."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("the configured SQLite database is in memory or a URI; backups need a database file "
                          "(DATABASE_URL=sqlite:////path/to/kube.sqlite3)")
    return Path(database)


def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore and their environment: the password goes in PGPASSWORD, never in `ps`."""
    # Built anew: URL.set(password=None) would keep the password.
    target = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                        query=url.query).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return target, env


def server_major(connection) -> int:
    """The PostgreSQL server's major version (15 for 15.20)."""
    number = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
    return number // 10000 if number >= 100000 else number // 100


def postgres_tool(name: str, major: int) -> str:
    """pg_dump or pg_restore of the server's major version when installed (Debian's layout), else the one on PATH."""
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if versioned.is_file() and os.access(versioned, os.X_OK):
        return str(versioned)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the Debian package postgresql-client "
                          f"(version {major}, like the server; it is listed in scripts/system-packages.txt)")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}")


# -- snapshots -------------------------------------------------------------------------------------------------

def snapshot(engine: Engine, workdir: Path) -> tuple[dict, Path]:
    """Snapshot the database into a file in `workdir`; returns that snapshot's manifest content and the file."""
    if engine.dialect.name == "sqlite":
        return _sqlite_snapshot(engine, workdir)
    if engine.dialect.name == "postgresql":
        return _postgres_snapshot(engine, workdir)
    raise BackupError(f"backups of {engine.dialect.name} databases are not supported (SQLite and PostgreSQL are)")


def _sqlite_snapshot(engine: Engine, workdir: Path) -> tuple[dict, Path]:
    source_path = sqlite_path(engine)
    if not source_path.is_file():
        raise BackupError(f"the database file {source_path} does not exist")
    data = workdir / "kube.sqlite3"
    source, copy = sqlite3.connect(source_path, timeout=SQLITE_TIMEOUT), sqlite3.connect(data)
    try:
        # One step (pages=-1) reads every page inside one read transaction: the copy is one moment of the
        # database, while WAL lets the app's writers go on meanwhile.
        source.backup(copy, pages=-1)
        # The copy inherits the WAL flag; a file that travels alone must not need a -wal file beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source_path}: {error}") from error
    finally:
        source.close()
        copy.close()
    # The manifest is read from the copy, so it describes exactly the bytes in the file.
    copy_engine = sa.create_engine(f"sqlite:///{data}", poolclass=NullPool)
    try:
        with copy_engine.connect() as connection:
            content = manifest.collect(connection)
    finally:
        copy_engine.dispose()
    return content, data


def _postgres_snapshot(engine: Engine, workdir: Path) -> tuple[dict, Path]:
    data = workdir / "kube.pgdump"
    target, env = libpq_connection(engine.url)
    # Its own connection: the app's pool must not hand out a connection still in this long transaction.
    snapshot_engine = sa.create_engine(engine.url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    try:
        with snapshot_engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            # The transaction's snapshot is fixed by its first query, this one; pg_dump reads the same snapshot
            # for as long as the transaction stays open, so the manifest and the dump describe one moment.
            snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            content = manifest.collect(connection)
            pg_dump = postgres_tool("pg_dump", server_major(connection))
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={data}", f"--dbname={target}"],
                 env, "pg_dump")
    finally:
        snapshot_engine.dispose()
    return content, data


# -- restores --------------------------------------------------------------------------------------------------

def restore(engine: Engine, data: Path) -> None:
    """Replace everything in the database behind `engine` with the verified snapshot `data`."""
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, data)
    elif engine.dialect.name == "postgresql":
        _postgres_restore(engine, data)
    else:
        raise BackupError(f"restores into {engine.dialect.name} databases are not supported")


def _sqlite_restore(engine: Engine, data: Path) -> None:
    target_path = sqlite_path(engine)
    # The app's pooled connections would keep reading the old pages from their caches.
    engine.dispose()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{data.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=SQLITE_TIMEOUT)
    try:
        # Through SQLite itself, not a file copy: the target's WAL and locks stay coherent, and any
        # process still connected sees the restored database, never a half-written file.
        source.backup(target, pages=-1)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not write {target_path}: {error} (is Kube still running?)") from error
    finally:
        source.close()
        target.close()


def _postgres_restore(engine: Engine, data: Path) -> None:
    target, env = libpq_connection(engine.url)
    engine.dispose()
    admin = sa.create_engine(engine.url, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            pg_restore = postgres_tool("pg_restore", server_major(connection))
            connection.rollback()
            try:
                with connection.begin():
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                    connection.exec_driver_sql("CREATE SCHEMA public")
            except OperationalError as error:
                raise BackupError("other sessions hold locks on the database (is Kube still running?): stop Kube "
                                  f"and try again; nothing was changed ({error.orig})") from error
    finally:
        admin.dispose()
    try:
        # One transaction: a failure leaves the empty schema, never half a database.
        _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={target}", str(data)], env, "pg_restore")
    except BackupError as error:
        raise BackupError(f"{error}; the database's public schema is now empty: fix the cause and restore again") \
            from error
    engine.dispose()
