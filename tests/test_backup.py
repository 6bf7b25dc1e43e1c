"""Backups and restores: consistent while reports come in, every byte checked, only into an empty database, old
backups migrated to the newest schema; and the retention rule of `backup --folder --prune`.

Each test runs on SQLite and, with KUBE_TEST_DATABASE_URL, on PostgreSQL. Restores never touch the
fixtures' database: they go into a new SQLite file, or a scratch PostgreSQL database created on the
test server and dropped afterwards.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from kube.backup import archive, manifest
from kube.backup.cli import migration_scripts
from kube.backup.retention import backup_name, names_to_delete, parse_backup_name, retained
from kube.extensions import db as _db
from tests.conftest import POSTGRES_URL, _normalised, make_app
from tests.factories import REPORT_DAY, jakarta, make_budget, make_grant, make_group

#: Months the report threads submit (the groups were formed in January 2024; REPORT_DAY is in July 2025).
MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)
          if "2024-02" <= f"{year}-{month:02d}" <= "2025-06"]


# -- helpers ---------------------------------------------------------------------------------------------------

@pytest.fixture
def new_database(tmp_path):
    """`new_database()`: the URL of a brand-new database without tables (a SQLite file, or a scratch PostgreSQL
    database on the test server, dropped when the test ends)."""
    created: list[str] = []
    admin = sa.create_engine(_normalised(POSTGRES_URL), isolation_level="AUTOCOMMIT") if POSTGRES_URL else None

    def make() -> str:
        if admin is None:
            created.append(f"target-{len(created)}.sqlite3")
            return f"sqlite:///{tmp_path / created[-1]}"
        name = f"kube_restore_test_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def cli(url: str, *args: str):
    """Run a flask command on the database at `url` through an app of its own, as an operator would."""
    app = make_app(url)
    # Flask runs a command in the current app context when there is one: the target's must be the current one.
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        _db.session.remove()
        _db.engine.dispose()
    return result


def succeeded(result) -> str:
    """The output of a command that must have succeeded (its output and traceback shown otherwise)."""
    assert result.exit_code == 0 and result.exception is None, (result.output, result.exception)
    return result.output


def state(url: str) -> dict:
    """What the database at `url` holds, read the way the manifest is."""
    engine = sa.create_engine(_normalised(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return manifest.collect(conn)
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    """Run plain SQL statements on the database at `url` and commit."""
    engine = sa.create_engine(_normalised(url), poolclass=NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def with_marker(url: str) -> str:
    """Give the database a table that is not Kube's, with two rows: a database that is not empty."""
    execute(url, "CREATE TABLE marker (note VARCHAR(20))", "INSERT INTO marker VALUES ('keep me')",
            "INSERT INTO marker VALUES ('and me')")
    return url


def read_manifest(path: Path, tmp_path: Path) -> dict:
    """The manifest of the backup file at `path`, every byte checked as restore checks it."""
    return archive.read_archive(path, tmp_path / "data-read-back")


@pytest.fixture
def letter_and_ledger(db, staff):
    """A handed-over grant with its stored letter (so journal lines too), committed."""
    staff["maker"].nip, staff["maker"].position = "198703152010012004", "Pendamping Kube"
    make_budget(staff["maker"])
    grant = make_grant(staff["maker"], staff["checker"], status="handed_over")
    db.session.commit()
    return grant


# -- a backup under concurrent writes --------------------------------------------------------------------------

def test_a_backup_taken_while_reports_come_in_restores_with_the_manifests_counts_balance_and_letters(
        app, db, runner, users, bearer, letter_and_ledger, frozen, tmp_path, new_database):
    groups = [make_group(users["officer"], members=5, status="active") for _ in range(3)]
    db.session.commit()
    group_ids, letter_number = [group.id for group in groups], letter_and_ledger.letter_number
    frozen(REPORT_DAY)
    headers = bearer("officer")
    stop, errors = threading.Event(), []
    started = [threading.Event() for _ in group_ids]

    def submit(index: int, group_id: int):
        def run():
            with app.app_context():
                client = app.test_client()
                sent = 0
                # Every month once, then corrections, until the backup has finished.
                while sent < len(MONTHS) or not stop.is_set():
                    body = {"revenue": 1_500_000 + 1_000 * (sent // len(MONTHS)), "expenses": 400_000}
                    response = client.put(f"/api/v1/groups/{group_id}/income-reports/{MONTHS[sent % len(MONTHS)]}",
                                          json=body, headers=headers)
                    if response.status_code not in (200, 201):
                        errors.append((response.status_code, response.get_json()))
                        break
                    sent += 1
                    started[index].set()
                _db.session.remove()
        return run

    threads = [threading.Thread(target=submit(index, group_id)) for index, group_id in enumerate(group_ids)]
    for thread in threads:
        thread.start()
    try:
        for event in started:
            assert event.wait(30)
        out = tmp_path / "during-reports.kubebackup"
        output = succeeded(runner.invoke(args=["backup", str(out)]))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert f"SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in output
    assert f"size {out.stat().st_size:,} bytes" in output

    wanted = read_manifest(out, tmp_path)
    db.session.rollback()  # the test's own read transaction began before the threads wrote
    submitted = db.session.scalar(sa.text("SELECT count(*) FROM income_reports"))
    assert submitted == 3 * len(MONTHS)
    assert 3 <= wanted["tables"]["income_reports"] <= submitted
    assert wanted["trial_balance"]["debit"] == wanted["trial_balance"]["credit"] > 0
    [letter] = wanted["letters"].values()
    assert letter["number"] == letter_number
    assert wanted["revision"] == migration_scripts().get_current_head()

    target = new_database()
    output = succeeded(cli(target, "restore", str(out)))
    assert "every table's count matches" in output and "Migrated" not in output
    restored = state(target)
    assert restored["tables"] == wanted["tables"]
    assert restored["trial_balance"] == wanted["trial_balance"]
    assert restored["letters"] == wanted["letters"]
    assert restored["revision"] == wanted["revision"]


# -- every byte is checked -------------------------------------------------------------------------------------

def _header_length(blob: bytes) -> int:
    magic, line, check, _data = blob.split(b"\n", 3)
    return len(magic) + len(line) + len(check) + 3


#: Where one byte is changed: each must make restore refuse the file before it touches the database.
POSITIONS = {
    "magic": lambda blob: 3,
    # A digit of the year in created_at: the manifest stays canonical JSON, only its checksum line catches it.
    "manifest (still canonical)": lambda blob: blob.index(b'"created_at":"') + len(b'"created_at":"') + 3,
    "manifest (a brace)": lambda blob: len(archive.MAGIC),
    "manifest checksum line": lambda blob: _header_length(blob) - 10,
    "data (first byte)": _header_length,
    "data (middle)": lambda blob: (_header_length(blob) + len(blob)) // 2,
    "last byte": lambda blob: len(blob) - 1,
}


def test_a_backup_with_any_byte_changed_cut_off_or_extended_is_refused_and_the_target_left_alone(
        app, runner, group, tmp_path, new_database):
    out = tmp_path / "good.kubebackup"
    succeeded(runner.invoke(args=["backup", str(out)]))
    blob = out.read_bytes()
    target = with_marker(new_database())
    before = state(target)

    damaged = {"cut off": blob[:-1], "a byte added": blob + b"\n", "empty": b""}
    for where, position in POSITIONS.items():
        changed = bytearray(blob)
        changed[position(blob)] ^= 0x01
        damaged[f"one byte changed in the {where}"] = bytes(changed)
    for what, content in damaged.items():
        path = tmp_path / "damaged.kubebackup"
        path.write_bytes(content)
        result = cli(target, "restore", "--force", str(path))
        assert result.exit_code != 0, what
        assert "refused, nothing was changed" in result.output, (what, result.output)
        assert state(target) == before, what
    assert succeeded(cli(target, "restore", "--force", str(out)))  # the intact file itself is accepted


def test_a_backup_of_the_other_kind_of_database_is_refused(app, tmp_path, new_database):
    data = tmp_path / "data"
    data.write_bytes(b"not a database")
    other = "postgresql" if _db.engine.dialect.name == "sqlite" else "sqlite"
    out = tmp_path / "other.kubebackup"
    archive.write_archive(out, {"dialect": other, "revision": None, "tables": {}, "trial_balance": None,
                                "letters": {}}, data)
    target = new_database()
    result = cli(target, "restore", str(out))
    assert result.exit_code == 1
    assert "is intact" in result.output and "Nothing was changed" in result.output
    assert f"backup of a {'PostgreSQL' if other == 'postgresql' else 'SQLite'} database" in result.output
    assert state(target)["tables"] == {}


# -- only into an empty database ------------------------------------------------------------------------------

def test_restore_refuses_a_database_with_data_and_with_force_says_what_it_replaces(
        app, runner, group, tmp_path, new_database):
    out = tmp_path / "groups.kubebackup"
    succeeded(runner.invoke(args=["backup", str(out)]))
    target = new_database()
    with make_app(target).app_context():
        upgrade()
        _db.engine.dispose()
    with_marker(target)
    before = state(target)

    refused = cli(target, "restore", str(out))
    assert refused.exit_code == 1
    assert "The database is not empty; it holds: marker 2." in refused.output
    assert "--force" in refused.output
    assert state(target) == before

    output = succeeded(cli(target, "restore", "--force", str(out)))
    assert "replacing everything in the database, which held: marker 2" in output
    restored = state(target)
    assert "marker" not in restored["tables"]
    assert restored["tables"] == read_manifest(out, tmp_path)["tables"]
    assert restored["tables"]["groups"] == 1 and restored["tables"]["members"] == 5


# -- an old backup ----------------------------------------------------------------------------------------------

def test_an_old_backup_restores_into_an_empty_database_and_is_migrated_to_the_newest_revision(
        tmp_path, new_database):
    source = new_database()
    with make_app(source).app_context():
        upgrade(revision="0002")
        _db.session.execute(sa.text(
            "INSERT INTO users (id, username, full_name, role, active, locale, password_hash, session_version, "
            "created_at) VALUES (1, 'petugas', 'Petugas Lama', 'officer', :yes, 'id', 'x', 1, :at)"),
            {"yes": True, "at": datetime(2024, 1, 2, 3, 4)})
        _db.session.execute(sa.text(
            "INSERT INTO groups (id, code, name, business_type, kelurahan_code, address, formed_on, officer_id, "
            "status, created_at, updated_at) VALUES (1, 'KUBE-3673-0001', 'Kube Lama', 'warung', '36.73.04.1002', "
            "'Jl. Lama', :formed, 1, 'active', :at, :at)"),
            {"formed": date(2024, 1, 10), "at": datetime(2024, 1, 2, 3, 4)})
        _db.session.execute(sa.text(
            "INSERT INTO users (id, username, full_name, role, active, locale, password_hash, session_version, "
            "created_at, group_id) VALUES (2, 'ketua', 'Ketua Lama', 'leader', :yes, 'id', 'x', 1, :at, 1)"),
            {"yes": True, "at": datetime(2024, 1, 2, 3, 4)})
        _db.session.commit()  # plain SQL in a test set-up: the app's transaction edge is not what is tested
        _db.engine.dispose()
    out = tmp_path / "old.kubebackup"
    succeeded(cli(source, "backup", str(out)))
    assert read_manifest(out, tmp_path)["revision"] == "0002"

    target = new_database()
    app = make_app(target)
    with app.app_context():
        upgrade()  # an empty database as `flask db upgrade` leaves it: regions and alembic_version only
        head = migration_scripts().get_current_head()
        _db.engine.dispose()
    output = succeeded(cli(target, "restore", str(out)))
    assert "schema revision 0002" in output
    assert f"Migrated the restored database from revision 0002 to {head}" in output
    restored = state(target)
    assert restored["revision"] == head
    assert restored["tables"]["users"] == 2 and restored["tables"]["groups"] == 1
    engine = sa.create_engine(_normalised(target), poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT g.code, u.username FROM groups g JOIN users u ON u.group_id = g.id")
                            ).all() == [("KUBE-3673-0001", "ketua")]
    engine.dispose()


# -- the command line ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    ([], "give either OUT_FILE or --folder DIR"),
    (["a.kubebackup", "--folder", "backups"], "give either OUT_FILE or --folder DIR"),
    (["a.kubebackup", "--prune"], "--prune works only with --folder"),
])
def test_backup_asks_for_one_destination(runner, args, message):
    result = runner.invoke(args=["backup", *args])
    assert result.exit_code == 2 and message in result.output


def test_backup_never_overwrites_a_file(runner, tmp_path):
    out = tmp_path / "taken.kubebackup"
    out.write_bytes(b"someone's file")
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert out.read_bytes() == b"someone's file"


def test_backup_into_a_folder_names_the_file_and_prunes_only_kube_backups(app, runner, frozen, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [backup_name(datetime(2025, month, 1, 2, 0)) for month in range(1, 13)]  # monthly since January 2025
    others = ["notes.txt", "kube-2024-01-01T020000.kubebackup.partial", "kube-2024-13-01T020000.kubebackup"]
    for name in [*old, *others]:
        (folder / name).write_bytes(b"x")
    frozen(jakarta(2026, 3, 5, 2, 0))
    output = succeeded(runner.invoke(args=["backup", "--folder", str(folder), "--prune"]))
    new = "kube-2026-03-05T020000.kubebackup"
    assert (folder / new).is_file()
    assert (folder / new).stat().st_mode & 0o077 == 0  # it holds NIKs: its owner's only
    # The newest of the last 12 months that have backups: March 2026 and February..December 2025 (the daily
    # and weekly ones are among them); January 2025 goes.
    gone = [backup_name(datetime(2025, 1, 1, 2, 0))]
    assert sorted(path.name for path in folder.iterdir()) == sorted({*old, *others, new} - set(gone))
    for name in gone:
        assert f"Deleted old backup {name}" in output
    assert "Kept 12 backups" in output


# -- the retention rule (pure) ---------------------------------------------------------------------------------

def test_a_backup_name_reads_back_and_other_names_are_not_backups():
    moment = datetime(2026, 3, 5, 14, 7, 9)
    assert backup_name(moment) == "kube-2026-03-05T140709.kubebackup"
    assert parse_backup_name(backup_name(moment)) == moment
    for name in ("kube-2026-03-05T140709.kubebackup.partial", ".kube-2026-03-05T140709.kubebackup",
                 "kube-2026-02-30T140709.kubebackup", "Kube-2026-03-05T140709.kubebackup", "kube-latest.kubebackup"):
        assert parse_backup_name(name) is None


def test_several_backups_a_day_keep_only_the_newest_of_the_day():
    day = [datetime(2026, 3, 5, hour) for hour in (1, 9, 17)]
    assert retained(day) == {datetime(2026, 3, 5, 17)}


def test_daily_backups_for_sixty_days_keep_7_days_4_weeks_and_each_month():
    moments = [datetime(2026, 1, 31, 2) + timedelta(days=n) for n in range(60)]
    assert moments[-1] == datetime(2026, 3, 31, 2)
    kept = {moment.date() for moment in retained(moments)}
    days = {date(2026, 3, day) for day in range(25, 32)}
    weeks = {date(2026, 3, 31), date(2026, 3, 29), date(2026, 3, 22), date(2026, 3, 15)}  # ISO weeks end on Sunday
    months = {date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 31)}
    assert kept == days | weeks | months


def test_buckets_are_counted_among_those_that_have_backups():
    """Monthly backups only: 7 daily, 4 weekly and 12 monthly buckets are all months, so 12 of 15 stay."""
    moments = [datetime(2025 + (month - 1) // 12, (month - 1) % 12 + 1, 1) for month in range(1, 16)]
    assert retained(moments) == set(moments[-12:])
    assert retained(moments, daily=7, weekly=0, monthly=0) == set(moments[-7:])


def test_an_iso_week_runs_across_the_new_year():
    moments = [datetime(2025, 12, 29), datetime(2026, 1, 1), datetime(2025, 12, 28)]
    assert retained(moments, daily=0, weekly=1, monthly=0) == {datetime(2026, 1, 1)}
    assert retained(moments, daily=0, weekly=2, monthly=0) == {datetime(2026, 1, 1), datetime(2025, 12, 28)}


def test_names_to_delete_never_names_a_file_kube_did_not_write():
    names = [backup_name(datetime(2026, 3, day, 2)) for day in range(1, 11)] + [
        "notes.txt", "kube-2026-03-01T020000.kubebackup.partial", "kube-2026-02-31T020000.kubebackup"]
    doomed = names_to_delete(names, daily=7, weekly=0, monthly=0)
    assert doomed == [backup_name(datetime(2026, 3, day, 2)) for day in (1, 2, 3)]
    assert names_to_delete(["notes.txt", "kube-2026-02-31T020000.kubebackup"], daily=0, weekly=0, monthly=0) == []


# -- PostgreSQL's tools ------------------------------------------------------------------------------------------

def test_pg_tools_get_the_password_through_the_environment_never_the_command_line():
    from sqlalchemy.engine import make_url

    from kube.backup.engines import libpq_connection

    target, env = libpq_connection(make_url("postgresql+psycopg://kube:s3cret@db-host:5433/kube?sslmode=require"))
    assert target == "postgresql://kube@db-host:5433/kube?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
    target, env = libpq_connection(make_url("postgresql+psycopg://postgres@127.0.0.1/test"))
    assert target == "postgresql://postgres@127.0.0.1/test"
    assert env.get("PGPASSWORD") == os.environ.get("PGPASSWORD")  # none added when the URL has none


def test_a_missing_pg_dump_is_named_with_the_package_to_install(monkeypatch):
    from kube.backup import engines

    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    with pytest.raises(archive.BackupError, match="install the Debian package postgresql-client"):
        engines.postgres_tool("pg_dump", 999)
