"""Time the flag computation for one as-of month on 10,000 active groups with 36 months of reports each.

    .venv/bin/python bench/flags.py --reset                      # seed 10,000 groups (about a minute), then time
    .venv/bin/python bench/flags.py                              # time again on the seeded database
    .venv/bin/python bench/flags.py --reset --groups 1000
    .venv/bin/python bench/flags.py --reset --database-url postgresql://postgres@127.0.0.1:5432/kube_bench

Seeding reuses bench/seed.py for staff, groups and members, then makes every group active and
old enough, and bulk-writes (COPY on PostgreSQL) 36 monthly reports per group (rising, falling,
seasonal, stopped, poor and gappy series) and a handed-over KUBE grant for a quarter of them. The timed steps run
in the app context with a fresh session each time, after one warm-up:

- the bare queries: the same three statements the computation sends, rows fetched, nothing built;
- loading: those queries plus building each group's series;
- the flags: loading plus evaluating every group (`compute_flags`), the figure that matters;
- the pages over it (flags page, flags API, dashboard) through the Flask test client.

The table gives the median (and fastest) wall time of `--repeat` runs, the median CPU time of
this process, the statements sent, and each as a multiple of the bare queries: quote those
ratios when comparing machines (the CPU ratio holds on a busy machine; on PostgreSQL the
server's work is only in the wall time).
`--reset` deletes the SQLite file or DROPS the `public` schema of the PostgreSQL database.
"""
from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BENCH_OFFICER, OUT, OfficerClient, bare_flag_queries, in_fresh_session,  # noqa: E402
                    QueryCounter, make_app, reset_database, timed, write_rows)

DEFAULT_URL = f"sqlite:///{OUT / 'kube-flags.sqlite3'}"
MONTHS = 36
#: Shares of the report patterns among the seeded groups.
PATTERNS = [("steady", 40), ("falling", 20), ("seasonal", 15), ("stopped", 10), ("poor", 10), ("gappy", 5)]


def seed_reports(url: str, groups: int, members: int | None = None, months: int = MONTHS, seed_value: int = 1,
                 log=print) -> None:
    """Groups via bench/seed.py (`members` over them, 5 a group unless given), then: all active, formed before
    the reports, `months` months of reports ending at the last complete month, a grant for a quarter of them."""
    from seed import members_per_group
    from seed import seed as seed_groups
    from sqlalchemy import func, insert, select, text, update

    from kube.auth.models import User
    from kube.core.periods import from_month_index, month_index
    from kube.extensions import db
    from kube.groups.models import Group
    from kube.reports.models import IncomeReport
    from kube.ledger.models import Budget, Grant

    if months < 6:
        raise ValueError("at least 6 months of reports: a grant needs months before and after its handover")
    members = groups * 5 if members is None else members
    seed_groups(url, groups, members, seed_value, log=log)
    sizes = members_per_group(groups, members)
    rng = random.Random(seed_value)
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        today = date.today()
        last = month_index(today) - 1
        first = last - months + 1
        db.session.execute(update(Group).values(status="active", formed_on=from_month_index(first) - timedelta(days=20)))
        ids = db.session.scalars(select(Group.id).order_by(Group.id)).all()
        kinds = [name for name, share in PATTERNS for _ in range(share)]

        def report_rows():
            """Every group's reports, group by group (the random draws in the same order as ever)."""
            for group_id in ids:
                pattern = rng.choice(kinds)
                # Most of the group reports as active in a month; the income level is per active member.
                size = sizes[group_id - 1]
                active = rng.randint(max(1, size - 2), size)
                level = active * (rng.randint(250, 320) if pattern == "poor" else rng.randint(550, 800)) * 1000
                for month in range(first, last + 1):
                    ago = last - month
                    if pattern == "stopped" and ago < rng.randint(2, 4):
                        continue
                    if pattern == "gappy" and rng.random() < 0.35:
                        continue
                    factor = {"falling": 1.3 - 0.03 * max(0, 10 - ago) if ago < 10 else 1.3,
                              "seasonal": (1 - 0.008 * ago) * (1 + 0.2 * ((month % 12) in (4, 5, 6)))
                              }.get(pattern, 1 - 0.01 * ago)
                    net = int(level * factor * (1 + rng.uniform(-0.05, 0.05)) / 1000) * 1000
                    revenue = int(net / 0.4 / 1000) * 1000
                    submitted = datetime.combine(from_month_index(month + 1).replace(day=rng.randint(1, 14)),
                                                 datetime.min.time(), tzinfo=timezone.utc)
                    yield {"group_id": group_id, "period": from_month_index(month), "revenue": revenue,
                           "expenses": revenue - net, "net": net, "active_members": active, "note": "",
                           "confirmed_unusual": False, "entered_on_behalf": False, "submitted_at": submitted,
                           "updated_at": submitted,
                           # As in an office that keeps up: all but the last two months' reports are verified.
                           "verified_at": submitted + timedelta(days=7) if ago >= 2 else None}

        # Foreign keys and plain indexes made again after the COPY, as for the members (common.write_rows).
        written = write_rows(db.session, IncomeReport, report_rows(), deferred=("foreign_keys", "indexes"))
        log(f"  {written:,} reports in {time.perf_counter() - started:.1f} s")

        admin = db.session.scalar(select(User.id).where(User.role == "admin"))
        officer = db.session.scalar(select(User.id).where(User.username == BENCH_OFFICER))
        budgets = {}
        for year in range(from_month_index(first).year, today.year + 1):
            budgets[year] = db.session.scalar(
                insert(Budget).values(program="KUBE", year=year, amount=10**12, source="APBD", note="bench",
                                      created_by_id=admin).returning(Budget.id))
        grants = []
        for group_id in ids:
            if rng.random() < 0.25:
                handover = from_month_index(rng.randint(first + 3, last - 2)).replace(day=rng.randint(1, 28))
                grants.append({"program": "KUBE", "budget_id": budgets[handover.year], "group_id": group_id,
                               "status": "handed_over", "total": 17_500_000, "note": "bench",
                               "recorded_by_id": officer, "approved_by_id": admin, "handover_date": handover,
                               "handed_over_by_id": officer})
        write_rows(db.session, Grant, grants)
        if db.engine.dialect.name == "postgresql":
            for table in ("income_reports", "grants", "budgets"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(IncomeReport))
        log(f"  {len(grants):,} grants; {total:,} reports in all; done in {time.perf_counter() - started:.1f} s")


def measure(call, counter: QueryCounter, repeat: int) -> tuple[float, float, float, int]:
    """(median wall seconds, fastest wall seconds, median CPU seconds of this process, statements per run)."""
    timing = timed(call, repeat, warmup=1, counter=counter)
    return timing.median, timing.fastest, timing.cpu_median, timing.statements


def main(argv=None) -> None:
    """Command line: seed if asked, then time every step and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per step (the median is shown)")
    parser.add_argument("--page-repeat", type=int, default=3, help="timed runs per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true",
                        help="seed from empty: delete the SQLite file or DROP the PostgreSQL schema")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if args.reset:
        reset_database(url)
        print(f"Seeding {args.groups:,} active groups with {MONTHS} months of reports into {url}")
        seed_reports(url, args.groups, seed_value=args.seed)
    elif url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise SystemExit(f"{url} does not exist; run with --reset to seed it.")

    import sqlalchemy
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.groups.models import Group
    from kube.reports.models import IncomeReport
    from kube.core.periods import format_month_index
    from kube.monitoring import operations

    app = make_app(url)
    with app.app_context():
        engine = db.engine
        groups = db.session.scalar(select(func.count()).select_from(Group).where(Group.status == "active"))
        reports = db.session.scalar(select(func.count()).select_from(IncomeReport))
        db.session.remove()
    counter = QueryCounter(engine)
    today = date.today()

    with app.app_context():
        as_of = operations.default_as_of(today)
        rows = bare_flag_queries(as_of)
        result = operations.compute_flags(as_of, today)
        counts = result.counts_by_kind()
        db.session.remove()

    officer = OfficerClient(app)
    get, headers = officer.get, officer.api_headers

    print(f"Kube flags bench: {groups:,} active groups, {reports:,} reports, {engine.dialect.name} ({url})")
    print(f"as-of month {format_month_index(as_of)}: "
          f"{rows:,} rows fetched; {len(result.flags):,} flags ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}; median of {args.repeat} runs "
          f"({args.page_repeat} for pages) after one warm-up")
    steps = [
        ("bare queries (the same 3 statements, rows fetched)",
         in_fresh_session(app, lambda: bare_flag_queries(as_of)), args.repeat),
        ("load: queries + series built",
         in_fresh_session(app, lambda: operations.load_monitoring_data(as_of)), args.repeat),
        ("flags: load + evaluate every group",
         in_fresh_session(app, lambda: operations.compute_flags(as_of, today)), args.repeat),
        ("GET /monitoring/flags (first page)", get("/monitoring/flags"), args.page_repeat),
        ("GET /api/v1/flags (all flags)", get("/api/v1/flags", headers=headers), args.page_repeat),
        ("GET /monitoring/dashboard", get("/monitoring/dashboard"), args.page_repeat),
    ]
    print()
    print("| step | median s | fastest s | x bare (median) | CPU s | x bare (CPU) | statements |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    baseline = baseline_cpu = None
    for label, call, repeat in steps:
        median, fastest, cpu, statements = measure(call, counter, repeat)
        baseline, baseline_cpu = baseline or median, baseline_cpu or cpu
        print(f"| {label} | {median:.3f} | {fastest:.3f} | {median / baseline:.1f} | {cpu:.3f} | "
              f"{cpu / baseline_cpu:.1f} | {statements} |", flush=True)


if __name__ == "__main__":
    main()
