"""Time the history import: one workbook of 200 groups, 2,000 members, 300 grants and 7,000 reports, in one transaction.

    .venv/bin/python bench/history.py                     # SQLite, bench/out/kube-history.sqlite3 (reset each run)
    createdb -h 127.0.0.1 -U postgres kube_bench_history
    .venv/bin/python bench/history.py --database-url postgresql://postgres@127.0.0.1:5432/kube_bench_history
    .venv/bin/python bench/history.py --groups 20 --members 200 --grants 30 --reports 700   # the smoke size

The workbook comes from `tests/history_workbooks.py` (`build_workbook`, which the tests use too): valid
NIKs and KKs (`compose_nik`, `compose_kk`), groups over the 67 kelurahan formed four to six years ago, most
active, some graduated or dissolved, ten members each (a few leaving), a KUBE grant per group and UEP grants
to single members (letter numbers following the pattern), and monthly reports after each group's activation.

**The database is reset** (the SQLite file deleted or the PostgreSQL `public` schema dropped) and migrated,
and one administrator is created. Then, each as the command runs it (`--repeat` times for the baseline, once
for the rest; one transaction each, committed at the end):

- reading the workbook alone (`read_workbook`: the zip checks and openpyxl's parse): the baseline;
- the dry run: every row through the live rules, then rolled back;
- the import: the same, committed;
- the second import of the same file: every row found already recorded, nothing created.

The table gives seconds, the multiple of the baseline measured in the same run and the SQL statements
sent; the run fails (exit 1) when an import is refused or takes 60 s or more.
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, QueryCounter, make_app, reset_database  # noqa: E402

#: The import must finish within this (issue 15).
LIMIT_SECONDS = 60
ADMIN = "bench-admin"


def _prepare(url: str) -> None:
    """An empty migrated database with one administrator."""
    from flask_migrate import upgrade

    from kube.auth.operations import create_user
    from kube.core.transaction import committed
    from kube.extensions import db

    reset_database(url)
    app = make_app(url)
    with app.app_context():
        upgrade()
        with committed():
            create_user(ADMIN, "Bench Admin", "admin", "bench-password-kube")
        db.engine.dispose()


def main(argv=None) -> int:
    """Build the workbook, reset the database, time reading, dry run, import and second import; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'kube-history.sqlite3'}",
                        help="RESET at the start: the SQLite file is deleted, the PostgreSQL public schema dropped")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--grants", type=int, default=300)
    parser.add_argument("--reports", type=int, default=7000)
    parser.add_argument("--repeat", type=int, default=3, help="timed reads of the workbook (the baseline)")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    from tests.history_workbooks import build_workbook

    log("Building the workbook ...")
    data = build_workbook(args.groups, args.members, args.grants, args.reports)
    log(f"Resetting and migrating {args.database_url} ...")
    _prepare(args.database_url)

    from sqlalchemy import select

    from kube.auth.models import User
    from kube.core.database import immediate_transactions
    from kube.core.transaction import committed
    from kube.extensions import db
    from kube.history import importer, workbook
    from run import machine_line

    app = make_app(args.database_url)
    sha256 = hashlib.sha256(data).hexdigest()
    table = []
    with app.app_context(), app.test_request_context():
        counter = QueryCounter(db.engine)
        book = workbook.read_workbook(data, "riwayat.xlsx", sha256)
        header = machine_line(db.engine, f"workbook {len(data) // 1024} KB: {book.rows:,} rows "
                                         f"({', '.join(f'{name} {len(t.rows):,}' for name, t in book.tables.items())})")
        reads = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            workbook.read_workbook(data, "riwayat.xlsx", sha256)
            reads.append(time.perf_counter() - started)
        baseline = statistics.median(reads)
        table.append(("reading the workbook alone (read_workbook)", baseline, 0, "baseline"))
        failed = False
        for label, dry_run in (("dry run (every rule, rolled back)", True), ("import (committed once)", False),
                               ("second import of the same file", False)):
            log(f"{label} ...")
            before = counter.count
            started = time.perf_counter()
            with immediate_transactions(), committed():
                actor = db.session.scalar(select(User).where(User.username == ADMIN))
                report = importer.import_history(data, "riwayat.xlsx", actor, dry_run=dry_run)
            seconds = time.perf_counter() - started
            db.session.remove()
            if not report.ok:
                for error in report.errors[:20]:
                    log(str(error))
                failed = True
            created = ", ".join(f"{name} {report.created.get(name, 0):,}" for name in workbook.SHEET_NAMES)
            note = f"created: {created}" if report.total_created else (
                f"nothing new ({sum(report.existing.values()):,} already recorded)")
            table.append((label, seconds, counter.count - before, note))
            failed = failed or seconds >= LIMIT_SECONDS
        db.engine.dispose()

    print()
    print(header)
    print()
    print("| step | seconds | x reading | statements | result |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, seconds, statements, note in table:
        print(f"| {label} | {seconds:.2f} | {seconds / baseline:.1f} | {statements:,} | {note} |")
    verdict = "FAIL" if failed else "PASS"
    print(f"\n{verdict}: every import ok and under {LIMIT_SECONDS} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
