"""Measure the group list (and the exports and list API) on a seeded database, next to baselines.

    .venv/bin/python bench/seed.py --groups 10000 --members 100000
    .venv/bin/python bench/group_list.py                 # 30 timed requests per scenario
    .venv/bin/python bench/group_list.py --requests 50 --database-url postgresql://postgres@127.0.0.1:5432/kube_bench

Requests go through the Flask test client (routing, login session, permission checks, the
queries, template rendering; no network, no WSGI server), logged in as an officer. Each
scenario is warmed up first, then timed; the table gives the median and 95th percentile,
the SQL statements per request, and the median as a multiple of the baseline measured in
the same run (GET /account, a logged-in page that reads no groups), so the figures can be
compared between machines. The bare SELECT of the first page's 25 rows is listed too.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_DATABASE_URL, OfficerClient, QueryCounter, cpu_model, make_app, timed  # noqa: E402


def scenarios(app, officer: OfficerClient) -> list[tuple[str, object]]:
    """(label, callable) pairs: baselines first, then whatever of the list, export and API exists."""
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.groups.models import Group, Member

    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Group))
        # A member name in the middle of the table: a realistic "find the group of this person" search.
        name = db.session.scalar(select(Member.name).order_by(Member.id).offset(
            db.session.scalar(select(func.count()).select_from(Member)) // 2).limit(1))
    per_page = app.config["PER_PAGE"]
    late = max(1, math.ceil(total / per_page) - 1)
    views = app.view_functions
    get, headers = officer.get, officer.api_headers

    def bare_select(offset):
        def call():
            with app.app_context():
                rows = db.session.scalars(select(Group).order_by(Group.id).limit(per_page).offset(offset)).all()
                db.session.remove()
            return len(rows)
        return call

    found = [("baseline: GET /account", get("/account")),
             (f"baseline: bare SELECT of {per_page} groups", bare_select(0)),
             (f"baseline: bare SELECT, page {late}", bare_select((late - 1) * per_page))]
    if "groups.index" in views:
        found += [("GET /groups (first page)", get("/groups")),
                  (f"GET /groups?q=<member name '{name}'>", get(f"/groups?q={name}")),
                  ("GET /groups?kecamatan=36.73.04", get("/groups?kecamatan=36.73.04")),
                  (f"GET /groups?page={late} (late page)", get(f"/groups?page={late}")),
                  ("GET /groups?sort=members", get("/groups?sort=members"))]
    else:
        print("note: groups.index is not installed; measuring the exports and the API instead")
    if "api_groups.list_groups" in views:
        found += [("GET /api/v1/groups (first page)", get("/api/v1/groups", headers=headers)),
                  (f"GET /api/v1/groups?page={late}", get(f"/api/v1/groups?page={late}", headers=headers))]
    if "groups.export_groups" in views:
        found += [("GET /groups/export.csv?kecamatan=36.73.04", get("/groups/export.csv?kecamatan=36.73.04")),
                  (f"GET /groups/export.csv (all {total:,})", get("/groups/export.csv"))]
    if "groups.export_members" in views:
        found += [("GET /members/export.csv?kecamatan=36.73.04", get("/members/export.csv?kecamatan=36.73.04"))]
    return found


def measure(call, counter: QueryCounter, requests: int, warmup: int) -> dict:
    """Median and p95 in ms, statements per request (the most seen) and response size."""
    timing = timed(call, requests, warmup, counter)
    return {"median": timing.median * 1000, "p95": timing.p95 * 1000, "queries": timing.statements,
            "size": timing.result}


def main(argv=None) -> None:
    """Command line: log in, run every scenario, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="run scenarios whose label contains this text")
    args = parser.parse_args(argv)
    url = args.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise SystemExit(f"{url} does not exist; run bench/seed.py first.")

    import sqlalchemy
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.groups.models import Group, Member

    app = make_app(url)
    with app.app_context():
        engine = db.engine
        groups = db.session.scalar(select(func.count()).select_from(Group))
        members = db.session.scalar(select(func.count()).select_from(Member))
        db.session.remove()
    counter = QueryCounter(engine)
    officer = OfficerClient(app)

    print(f"Kube bench: {groups:,} groups, {members:,} members, {engine.dialect.name} ({url})")
    print(f"machine: {cpu_model()} x{os.cpu_count()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}; "
          f"{args.requests} timed requests per row after {args.warmup} warm-up, Flask test client")
    rows = []
    baseline = None
    for label, call in scenarios(app, officer):
        if args.only and args.only not in label and not label.startswith("baseline: GET"):
            continue
        result = measure(call, counter, args.requests, args.warmup)
        if baseline is None:
            baseline = result["median"]
        rows.append((label, result))
    width = max(len(label) for label, _ in rows)
    print()
    print(f"{'scenario':<{width}}  {'median ms':>9}  {'p95 ms':>8}  {'queries':>7}  {'x baseline':>10}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 8}  {'-' * 7}  {'-' * 10}")
    for label, r in rows:
        print(f"{label:<{width}}  {r['median']:>9.1f}  {r['p95']:>8.1f}  {r['queries']:>7d}  "
              f"{r['median'] / baseline:>10.1f}")


if __name__ == "__main__":
    main()
