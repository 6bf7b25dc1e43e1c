"""Time `flask backup` and `flask restore` (into an empty database, checked) on the bench database; print a table.

    .venv/bin/python bench/backup.py                 # SQLite: run.py's default database under bench/out/
    .venv/bin/python bench/backup.py --database-url postgresql://postgres@127.0.0.1:5432/kube_bench
    .venv/bin/python bench/backup.py --size small    # 40 groups, a quick look

The bench database is run.py's (seeded the same way, or reused when run.py already seeded these
sizes; `--reset` seeds it again). Each run writes a backup file under bench/out/ and restores it into
an empty database made for the purpose: bench/out/kube-backup-restore.sqlite3, or a PostgreSQL
database `<name>_restore` created on the same server and dropped at the end. The commands run in
this process through Flask's CLI runner (app start-up not counted), exactly as the operator's
commands do their work: snapshot, manifest and file; then verify every byte, restore, and check
row counts, trial balance and letters against the manifest.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, make_app  # noqa: E402
from run import SIZES, default_url, ensure_seeded, machine_line  # noqa: E402


def _postgres_admin(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


def empty_target(source_url: str) -> str:
    """A new empty database for the restore: a SQLite file under bench/out/, or `<name>_restore` on the same server."""
    if source_url.startswith("sqlite"):
        path = OUT / "kube-backup-restore.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = _postgres_admin(source_url)
    name = f"{admin.url.database}_restore"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def drop_target(source_url: str, target_url: str) -> None:
    """Remove the restore's database (on PostgreSQL from a connection to the bench database: none can drop its own)."""
    if target_url.startswith("sqlite"):
        empty_target(target_url)
        return
    import sqlalchemy as sa

    admin = _postgres_admin(source_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(target_url).database}" WITH (FORCE)')
    admin.dispose()


def timed_command(url: str, args: list[str]) -> tuple[float, str]:
    """Run one flask command on the database at `url`; its wall-clock seconds and output (stops on failure)."""
    from kube.extensions import db

    app = make_app(url)
    with app.app_context():
        runner = app.test_cli_runner()
        started = time.perf_counter()
        result = runner.invoke(args=args)
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}")
    return seconds, result.output


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """SQLite's own backup API from one file into another, nothing else."""
    import sqlite3

    source_db, target_db = sqlite3.connect(source), sqlite3.connect(target)
    source_db.backup(target_db, pages=-1)
    source_db.close()
    target_db.close()


def _pg_tool(url: str, name: str, *args: str) -> None:
    """Run pg_dump or pg_restore (the server's version, as Kube picks it) on the database at `url`."""
    import subprocess

    import sqlalchemy as sa

    from kube.backup.engines import libpq_connection, postgres_tool, server_major

    engine = _postgres_admin(url)
    with engine.connect() as conn:
        tool = postgres_tool(name, server_major(conn))
    engine.dispose()
    target, env = libpq_connection(sa.engine.make_url(url))
    subprocess.run([tool, *args, f"--dbname={target}"], env=env, check=True)


def bare_copy(url: str, out: Path) -> float:
    """The baseline of a backup, in seconds: the database engine's own copy and nothing else (no manifest, no
    file format, no hashing): SQLite's backup API into a file, or `pg_dump --format=custom` into a file."""
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    if url.startswith("sqlite"):
        _sqlite_copy(url.removeprefix("sqlite:///"), out)
    else:
        _pg_tool(url, "pg_dump", "--format=custom", f"--file={out}")
    return time.perf_counter() - started


def bare_load(copy: Path, target_url: str) -> float:
    """The baseline of a restore, in seconds: SQLite's backup API from the copy, or `pg_restore` into the empty
    database `target_url`, and nothing else (no verification, no check against a manifest)."""
    started = time.perf_counter()
    if target_url.startswith("sqlite"):
        _sqlite_copy(copy, target_url.removeprefix("sqlite:///"))
    else:
        _pg_tool(target_url, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                 str(copy))
    return time.perf_counter() - started


def database_size(url: str) -> int:
    """Bytes the database takes: the SQLite file (checkpointed: every connection is closed by now), or
    pg_database_size (tables, indexes and their free space)."""
    if url.startswith("sqlite"):
        return os.path.getsize(url.removeprefix("sqlite:///"))
    admin = _postgres_admin(url)
    with admin.connect() as conn:
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    admin.dispose()
    return size


def megabytes(size: int) -> str:
    """Bytes as decimal megabytes, as `ls -h --si` and the tables show them."""
    return f"{size / 1_000_000:,.1f} MB"


def main(argv=None) -> int:
    """Seed or reuse the bench database, time backup and restore `--repeat` times, print the machine line and table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--database-url", help="default: run.py's SQLite file for the size under bench/out/")
    parser.add_argument("--repeat", type=int, default=3, help="timed backups and restores (default 3)")
    parser.add_argument("--reset", action="store_true",
                        help="seed again from empty: deletes the SQLite file or DROPS the PostgreSQL public schema")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    url = args.database_url or default_url(size["groups"], size["members"], size["months"])

    def log(message):
        print(message, file=sys.stderr, flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    seeding = ensure_seeded(url, size["groups"], size["members"], size["months"], args.reset, log)
    app = make_app(url)
    from kube.extensions import db

    with app.app_context():
        engine = db.engine
        header = machine_line(engine, f"{size['groups']:,} groups, {size['members']:,} members, "
                                      f"{size['months']} months of reports; database {seeding}")
        db.engine.dispose()
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    backup_file = OUT / f"kube-bench-{dialect}.kubebackup"
    bare_file = OUT / f"kube-bench-{dialect}.bare"
    backups, restores, bare_copies, bare_loads, file_size, summary = [], [], [], [], 0, ""
    for run in range(1, args.repeat + 1):
        log(f"Run {run}/{args.repeat}: bare copy and load (the baselines) ...")
        bare_copies.append(bare_copy(url, bare_file))
        target = empty_target(url)
        bare_loads.append(bare_load(bare_file, target))
        drop_target(url, target)
        backup_file.unlink(missing_ok=True)
        log(f"Run {run}/{args.repeat}: backup ...")
        seconds, output = timed_command(url, ["backup", str(backup_file)])
        backups.append(seconds)
        file_size = backup_file.stat().st_size
        summary = output.splitlines()[1].strip()
        target = empty_target(url)
        log(f"Run {run}/{args.repeat}: restore into an empty database ...")
        seconds, _output = timed_command(target, ["restore", str(backup_file)])
        restores.append(seconds)
        drop_target(url, target)
    backup_file.unlink(missing_ok=True)
    bare_file.unlink(missing_ok=True)
    header += "; at the end " + " ".join(f"{value:.1f}" for value in os.getloadavg())

    print()
    print(header)
    print(f"The database: {summary}; {megabytes(database_size(url))} on disk")
    print()
    print("| step | median s | runs s | x baseline | size |")
    print("| --- | ---: | --- | ---: | ---: |")

    def row(label: str, runs: list[float], baseline: list[float] | None, size: str = "") -> None:
        ratio = f"{statistics.median(runs) / statistics.median(baseline):.2f}" if baseline else "itself"
        print(f"| {label} | {statistics.median(runs):.2f} | {', '.join(f'{s:.2f}' for s in runs)} | {ratio} | {size} |")

    bare_label = "SQLite backup API" if dialect == "sqlite" else "pg_dump --format=custom"
    row(f"bare copy ({bare_label} into a file)", bare_copies, None)
    row("backup (snapshot, manifest, one file)", backups, bare_copies, f"{megabytes(file_size)} file")
    row(f"bare load ({'SQLite backup API' if dialect == 'sqlite' else 'pg_restore'} into an empty database)",
        bare_loads, None)
    row("restore into an empty database (verify, restore, check)", restores, bare_loads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
