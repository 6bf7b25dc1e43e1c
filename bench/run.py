"""The benchmark suite's one entry point: seed a database of a chosen size, time every measurement, print one table.

    .venv/bin/python bench/run.py                    # 10,000 groups, 100,000 members, 36 months, SQLite under bench/out/
    .venv/bin/python bench/run.py --size small       # 40 groups, 400 members, 6 months, few requests: what CI runs
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/kube_bench --reset
    .venv/bin/python bench/run.py --skip-load --json bench/out/run.json
    .venv/bin/python bench/run.py --size national --database-url postgresql://postgres@127.0.0.1:5432/kube_bench100k --seed-only

Seeding reuses bench/seed.py (staff, groups, members) and bench/flags.py (every group active, monthly
reports ending at the last complete month, a handed-over grant for a quarter of the groups). A
database that already holds exactly the requested sizes is reused; an empty one is seeded; any
other needs `--reset`, which deletes the SQLite file or DROPS the `public` schema of the PostgreSQL
database: point it only at a database made for the bench.

Every row is timed in this process after a warm-up (pages through the Flask test client, logged in
as an officer), except the gunicorn rows, which bench/load.py measures with real HTTP clients. Each
row shows the median and 95th percentile, the SQL statements per request and the median as a
multiple of a baseline measured in the same run, which is the figure to compare between machines.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (OUT, OfficerClient, bare_flag_queries, bare_refresh_queries, in_fresh_session, QueryCounter, Timing, cpu_model,  # noqa: E402
                    make_app, reset_database, timed)

#: (groups, members, months of reports, timed requests per page, timed runs per slow step,
#:  gunicorn workers, load clients, load seconds).
SIZES = {
    "default": dict(groups=10_000, members=100_000, months=36, requests=30, repeat=5,
                    workers=4, clients=16, duration=10.0),
    "small": dict(groups=40, members=400, months=6, requests=5, repeat=2, workers=2, clients=4, duration=2.0),
    # Ten times the default: about 3.5 million reports. Seed it once with --seed-only (PostgreSQL: about 70 s on
    # 2 cores, see bench/README.md); the slow steps get fewer runs, as each takes some ten times as long.
    "national": dict(groups=100_000, members=1_000_000, months=36, requests=30, repeat=3,
                     workers=4, clients=16, duration=10.0),
}
ACCOUNT = "GET /account (logged in, reads no group)"
BARE_FLAG_QUERIES = "bare flag queries (same 3 statements, rows fetched)"
BARE_REFRESH_QUERIES = "bare refresh queries (the 3 statements, the stored cases, flags and case counts it reads)"
BARE_WEASYPRINT = "bare WeasyPrint (same letter HTML)"


@dataclass
class Row:
    """One line of the table; times in milliseconds, None where a column does not apply."""

    label: str
    median: float | None = None
    p95: float | None = None
    #: This process's CPU time (median): steady on a busy machine; on PostgreSQL the server's share is not in it.
    cpu: float | None = None
    queries: int | None = None
    per_second: float | None = None
    #: The baseline row's name ("(baseline)" on a baseline row, empty where there is none).
    baseline: str = ""
    ratio: float | None = None
    note: str = ""


def baseline_name(baseline: Row | None) -> str:
    """How a row names its baseline: the baseline's label without its explanation in brackets."""
    return baseline.label.split(" (")[0] if baseline else "(baseline)"


def timing_row(label: str, timing: Timing, baseline: Row | None = None) -> Row:
    """A row from a timing, its ratio to `baseline` (a baseline row itself when None)."""
    median = timing.median * 1000
    return Row(label, median, timing.p95 * 1000, cpu=timing.cpu_median * 1000, queries=timing.statements,
               baseline=baseline_name(baseline), ratio=median / (baseline.median if baseline else median))


def default_url(groups: int, members: int, months: int) -> str:
    """A SQLite file per size under bench/out/ (git-ignored), so the small and default sizes never reseed each other."""
    return f"sqlite:///{OUT / f'kube-run-{groups}g-{members}m-{months}mo.sqlite3'}"


#: run.py's own record of what it seeded: the load rows add groups and reports of their own, so counting rows
#: would not tell a seeded database from another one.
MARKER = "bench_run_seeded"


def seeded_sizes(url: str) -> dict | None:
    """What run.py seeded into the database (groups, members, months, first month), {} for a database it did not
    seed, or None for one without groups yet."""
    from flask_migrate import upgrade
    from sqlalchemy import func, inspect, select, text

    from kube.extensions import db
    from kube.groups.models import Group

    app = make_app(url)
    with app.app_context():
        upgrade()  # a reused database follows the code's newest migrations
        try:
            if not db.session.scalar(select(func.count()).select_from(Group)):
                return None
            if not inspect(db.engine).has_table(MARKER):
                return {}
            return dict(db.session.execute(text(f"SELECT groups, members, months, first_month FROM {MARKER}"))
                        .mappings().one())
        finally:
            db.session.remove()
            db.engine.dispose()


def record_sizes(url: str, sizes: dict) -> None:
    """Write the marker `seeded_sizes` reads."""
    from sqlalchemy import text

    from kube.extensions import db

    app = make_app(url)
    with app.app_context():
        db.session.execute(text(f"CREATE TABLE {MARKER} (groups INTEGER, members INTEGER, months INTEGER, "
                                "first_month INTEGER)"))
        db.session.execute(text(f"INSERT INTO {MARKER} VALUES (:groups, :members, :months, :first_month)"), sizes)
        db.session.commit()
        db.engine.dispose()


def ensure_seeded(url: str, groups: int, members: int, months: int, reset: bool, log) -> str:
    """Seed unless run.py already seeded these sizes up to the last complete month; says which it did.

    Either way the database ends on the newest migration before anything is timed: `seed()` migrates an empty
    one first, and `seeded_sizes` upgrades a reused one (a migration added since it was seeded runs here).
    """
    from flags import seed_reports

    from kube.core.periods import month_index

    wanted = {"groups": groups, "members": members, "months": months,
              "first_month": month_index(date.today()) - months}  # the reports end at the last complete month
    if reset:
        reset_database(url)
    else:
        sizes = seeded_sizes(url)
        if sizes == wanted:
            return "reused (seeded earlier with these sizes)"
        if sizes is not None:
            raise SystemExit(f"{url} holds other data ({sizes or 'not seeded by bench/run.py'}; wanted {wanted}): "
                             "add --reset to seed it again (deletes the SQLite file or DROPS the public schema).")
    started = time.perf_counter()
    log(f"Seeding {groups:,} groups, {members:,} members, {months} months of reports into {url}")
    seed_reports(url, groups, members, months, log=log)
    record_sizes(url, wanted)
    return f"seeded in {time.perf_counter() - started:.0f} s"


def machine_line(engine, sizes: str) -> str:
    """CPU, cores, OS, Python, database and version, sizes and load average: the context of the figures."""
    import sqlalchemy

    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            database = "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar().split()[0]
        else:
            database = "SQLite " + conn.exec_driver_sql("SELECT sqlite_version()").scalar()
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"Machine: {cpu_model()} x{os.cpu_count()}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, {database}; "
            f"{sizes}; load average {load} (1, 5, 15 min) at the start")


def page_rows(app, counter: QueryCounter, requests: int, repeat: int, log) -> list[Row]:
    """The pages and the flags API through the test client as an officer, against GET /account."""
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.reports.models import IncomeReport
    from kube.ledger.models import Grant

    with app.app_context():
        # A group with a handed-over grant and the most months of reports: its page shows a full chart.
        group_id = db.session.scalar(
            select(IncomeReport.group_id)
            .where(IncomeReport.group_id.in_(select(Grant.group_id).where(Grant.status == "handed_over")))
            .group_by(IncomeReport.group_id).order_by(func.count().desc(), IncomeReport.group_id).limit(1))
        db.session.remove()
    officer = OfficerClient(app)
    get, headers = officer.get, officer.api_headers

    log("Timing the pages ...")
    baseline = timing_row(ACCOUNT, timed(get("/account"), requests, warmup=3, counter=counter))
    rows = [baseline]
    for label, call, runs in [
        ("GET /groups (group list, first page)", get("/groups"), requests),
        (f"GET /groups/{group_id} (group page: every month charted, a grant)", get(f"/groups/{group_id}"), requests),
        ("GET /monitoring/dashboard", get("/monitoring/dashboard"), repeat),
        ("GET /monitoring/flags (flags page, first page)", get("/monitoring/flags"), repeat),
        ("GET /api/v1/flags (API, first page of 50 flags as JSON)", get("/api/v1/flags", headers=headers), repeat),
        ("GET / (the officer's inbox: six counts)", get("/"), repeat),
        ("GET /api/v1/inbox (API, the same counts)", get("/api/v1/inbox", headers=headers), repeat),
    ]:
        rows.append(timing_row(label, timed(call, runs, warmup=2 if runs == requests else 1, counter=counter),
                               baseline))
        log(f"  {rows[-1].label}: {rows[-1].median:,.1f} ms")
    return rows


def refresh_stored_flags(app) -> int:
    """One full refresh of the stored current flags, committed (the pages then read them); the flags stored."""
    from kube.extensions import db
    from kube.monitoring.stored import refresh_all

    with app.app_context():
        result = refresh_all()
        db.session.commit()
        db.session.remove()
    return result.flags


def flag_rows(app, counter: QueryCounter, repeat: int, log) -> list[Row]:
    """compute_flags for the last complete month against the bare queries it sends, a fresh session each run."""
    from kube.core.clock import office_today
    from kube.monitoring import operations

    with app.app_context():
        today = office_today()
        as_of = operations.default_as_of(today)

    bare = timed(in_fresh_session(app, lambda: bare_flag_queries(as_of)), repeat, counter=counter)
    baseline = timing_row(BARE_FLAG_QUERIES, bare)
    flags = timed(in_fresh_session(app, lambda: len(operations.compute_flags(as_of, today).flags)), repeat,
                  counter=counter)
    bare_refresh = timing_row(BARE_REFRESH_QUERIES,
                              timed(in_fresh_session(app, lambda: bare_refresh_queries(today)), repeat, counter=counter))
    refresh = timed(lambda: refresh_stored_flags(app), repeat, counter=counter)
    return [baseline, timing_row(f"compute_flags, every active group ({flags.result:,} flags)", flags, baseline),
            bare_refresh,
            timing_row(f"flags refresh, every active group stored ({refresh.result:,} flags)", refresh, bare_refresh)]


def letter_rows(repeat: int, log) -> list[Row]:
    """One grant letter through Kube's helper against bare WeasyPrint, on bench/letters.py's throwaway database."""
    from flask_migrate import upgrade
    from letters import first_letter_html, seed, throwaway_app, weasyprint_direct

    from kube.core.pdf import render_pdf
    from kube.extensions import db

    log("Timing the letter render ...")
    app, _workdir = throwaway_app()
    with app.app_context():
        upgrade()
        _maker, _checker, grants = seed(1)
        _letter, html = first_letter_html(grants[0])
        counter = QueryCounter(db.engine)
        baseline = timing_row(BARE_WEASYPRINT, timed(weasyprint_direct(html, Path(app.static_folder).resolve()),
                                                     repeat, warmup=2, counter=counter))
        helper = timing_row("letter render (Kube helper render_pdf)",
                            timed(lambda: render_pdf(html), repeat, warmup=2, counter=counter), baseline)
        db.session.remove()
        db.engine.dispose()
    return [baseline, helper]


def load_rows(url: str, workers: int, clients: int, duration: float, log) -> list[Row]:
    """Report submissions under gunicorn next to a trivial endpoint of the same app, and a worker's peak memory
    (bench/load.py, imported only here so the rest runs without it)."""
    if not (Path(__file__).resolve().parent / "load.py").exists():
        log("bench/load.py is missing: gunicorn rows skipped")
        return [Row("report submissions under gunicorn", note="skipped: bench/load.py missing")]
    from load import measure_throughput
    log(f"Load under gunicorn: {workers} workers, {clients} clients, {duration:g} s per endpoint ...")
    result = measure_throughput(url, workers=workers, clients=clients, duration_s=duration, log=log)
    setup = f"{workers} workers, {clients} clients, {duration:g} s"

    def row(label, figures, baseline=None):
        median = figures["median_ms"]
        errors = figures.get("errors", 0)
        return Row(label, median, figures["p95_ms"], per_second=figures["per_second"],
                   baseline=baseline_name(baseline), ratio=median / (baseline.median if baseline else median),
                   note=f"{figures['requests']:,} requests, {errors} errors")

    trivial = row(f"trivial endpoint under gunicorn ({setup})", result["trivial"])
    return [trivial,
            row(f"report submissions under gunicorn ({setup})", result["reports"], trivial),
            Row("peak RSS of one gunicorn worker", note=f"{result['worker_peak_rss_mb']:.1f} MB")]


def number(value, digits: int = 1) -> str:
    """A table cell: thousands separated, or a dash where the column does not apply."""
    return "–" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> str:
    """The Markdown table of every row."""
    lines = ["| measurement | median ms | p95 ms | CPU ms | queries/request | per second | baseline | x baseline "
             "| note |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"]
    for r in rows:
        lines.append(f"| {r.label} | {number(r.median)} | {number(r.p95)} | {number(r.cpu)} | {number(r.queries, 0)} | "
                     f"{number(r.per_second)} | {r.baseline} | "
                     f"{number(r.ratio, 2)} | {r.note} |")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    """Options; whatever is not given comes from the --size preset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="default",
                        help="preset of sizes, requests and load settings (explicit options override it)")
    parser.add_argument("--database-url", help="default: a SQLite file per size under bench/out/")
    parser.add_argument("--groups", type=int)
    parser.add_argument("--members", type=int)
    parser.add_argument("--months", type=int, help="months of reports per group (at least 6)")
    parser.add_argument("--requests", type=int, help="timed requests per fast page (GET /account, list, group page)")
    parser.add_argument("--repeat", type=int,
                        help="timed runs per slow step (dashboard, flags page and API, flag computation; "
                             "three times as many letter renders)")
    parser.add_argument("--workers", type=int, help="gunicorn workers for the load rows")
    parser.add_argument("--clients", type=int, help="concurrent HTTP clients for the load rows")
    parser.add_argument("--duration", type=float, help="seconds of load per endpoint")
    parser.add_argument("--reset", action="store_true",
                        help="seed again from empty: deletes the SQLite file or DROPS the PostgreSQL public schema")
    parser.add_argument("--skip-load", action="store_true", help="leave out the gunicorn rows")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed the database (or reuse it, migrated to the newest revision) and stop: nothing timed")
    parser.add_argument("--json", type=Path, help="also write the header and rows to this JSON file")
    args = parser.parse_args(argv)
    for name, value in SIZES[args.size].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.database_url = args.database_url or default_url(args.groups, args.members, args.months)
    return args


def main(argv=None) -> int:
    """Seed (or reuse), measure every row, print the machine line and the table."""
    args = parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    seeding = ensure_seeded(args.database_url, args.groups, args.members, args.months, args.reset, log)
    if args.seed_only:
        print(f"{args.groups:,} groups, {args.members:,} members, {args.months} months: database {seeding} "
              f"({args.database_url})")
        return 0

    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.groups.models import Group
    from kube.reports.models import IncomeReport

    app = make_app(args.database_url)
    with app.app_context():
        engine = db.engine
        reports = db.session.scalar(select(func.count()).select_from(IncomeReport))
        added = db.session.scalar(select(func.count()).select_from(Group)) - args.groups
        db.session.remove()
    sizes = (f"{args.groups:,} groups (all active{f', +{added} by earlier load runs' if added else ''}), "
             f"{args.members:,} members, {args.months} months ({reports:,} reports); database {seeding}")
    header = machine_line(engine, sizes)
    settings = (f"{args.requests} timed requests per fast page, {args.repeat} runs per slow step, "
                f"{args.repeat * 3} letter renders, after a warm-up; "
                f"Flask test client in one process except the gunicorn rows")
    counter = QueryCounter(engine)
    log("Refreshing the stored flags, as the daily `flask flags refresh` would ...")
    started = time.perf_counter()
    refresh_stored_flags(app)
    # The first refresh after seeding or a migration builds every group's cases from its whole history.
    log(f"  refreshed in {time.perf_counter() - started:.1f} s")
    rows = page_rows(app, counter, args.requests, args.repeat, log)
    rows += flag_rows(app, counter, args.repeat, log)
    engine.dispose()  # gunicorn's workers and the letters' database get the machine to themselves
    rows += letter_rows(args.repeat * 3, log)  # a render is short and its times scatter: more runs
    failed = False
    if not args.skip_load:
        try:
            rows += load_rows(args.database_url, args.workers, args.clients, args.duration, log)
        except Exception as error:  # the other rows are still worth printing; the exit status says it failed
            traceback.print_exc()
            rows.append(Row("report submissions under gunicorn", note=f"failed: {type(error).__name__}: {error}"))
            failed = True
    header += "; at the end " + " ".join(f"{value:.1f}" for value in os.getloadavg())
    print()
    print(header)
    print(settings)
    print()
    print(table(rows))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"machine": header, "settings": settings, "url": args.database_url,
                                         "rows": [asdict(r) for r in rows]}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
