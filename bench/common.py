"""Shared by the bench scripts: where the bench database lives, how the app is built for it, and how a step is timed."""
from __future__ import annotations

import math
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE_URL = f"sqlite:///{OUT / 'kube-bench.sqlite3'}"
#: Accounts the seed creates and the runner logs in with.
BENCH_PASSWORD = "bench-password-kube"
BENCH_OFFICER = "bench-petugas"


def make_app(database_url: str):
    """The real app (production Config) on the bench database; only hashing and rate limits are relaxed."""
    from config import Config
    from kube import create_app

    return create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=database_url,
        # One login per run: a fast hash keeps the set-up out of the figures, which never hash.
        PASSWORD_HASH_FAST=True,
        RATELIMIT_ENABLED=False,
        # The test client posts the login form without a browser; CSRF is not what is measured.
        WTF_CSRF_ENABLED=False,
    )


class OfficerClient:
    """The Flask test client logged in as the bench officer, with a bearer token for the API; `get` makes a timed step."""

    def __init__(self, app):
        self.client = app.test_client()
        response = self.client.post("/login", data={"username": BENCH_OFFICER, "password": BENCH_PASSWORD})
        if response.status_code != 302:
            raise SystemExit("login failed: was the database seeded by bench/run.py or bench/seed.py?")
        token = self.client.post("/api/v1/auth/token", json={"username": BENCH_OFFICER, "password": BENCH_PASSWORD})
        self.api_headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def get(self, path: str, **kwargs):
        """A step that GETs `path`, stops the run unless it answers 200, and returns the body's length."""
        def call():
            response = self.client.get(path, **kwargs)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            return len(response.get_data())
        call.url = path
        return call


def in_fresh_session(app, work):
    """A step that runs `work()` in its own app context and session, as a request would."""
    from kube.extensions import db

    def call():
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()
    return call


def bare_flag_queries(as_of: int) -> int:
    """The three statements `compute_flags` sends, rows fetched and counted, nothing built (inside an app context)."""
    from kube.core.bulk import no_cyclic_gc
    from kube.extensions import db
    from kube.monitoring import operations

    statements = (operations.group_rows_statement(as_of), operations.report_rows_statement(as_of),
                  operations.handover_rows_statement(as_of))
    # With the cyclic collector paused, as `load_monitoring_data` and the refresh pause it: otherwise the
    # baseline would time the collector walking the fetched rows, which the code it stands for does not pay.
    with no_cyclic_gc():
        return sum(len(db.session.execute(statement).all()) for statement in statements)


def bare_refresh_queries(today) -> int:
    """What a full refresh reads, fetched and counted, nothing built: the 3 flag statements, the stored cases it
    resumes, the stored flags it compares and the cases it counts for the dashboard (after one refresh today, so
    it resumes as the daily one does)."""
    from kube.extensions import db
    from kube.monitoring import operations, stored, tallies

    from kube.core.bulk import no_cyclic_gc

    as_of = operations.default_as_of(today)
    resume = stored.resume_month_for(today)
    with no_cyclic_gc():  # as bare_flag_queries
        cases = 0 if resume is None else len(db.session.execute(stored.resumed_cases_statement(resume)).all())
        flags = len(db.session.execute(stored.stored_flags_statement()).all())
        return bare_flag_queries(as_of) + cases + flags + len(tallies.case_counts())


class QueryCounter:
    """Counts the SQL statements an engine sends from the moment it is made (SQLite's explicit BEGIN is not one)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.count += 1


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timing:
    """Wall-clock and CPU seconds and SQL statements of each timed call of one step."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    #: What the last call returned (a response size, a row count...).
    result: object = None

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        return percentile(self.wall, 0.95)

    @property
    def fastest(self) -> float:
        return min(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def statements(self) -> int:
        """Statements per call: the most any timed call sent."""
        return max(self.queries)


def timed(call, runs: int, warmup: int = 1, counter: QueryCounter | None = None) -> Timing:
    """Time `runs` calls of `call` after `warmup` untimed ones.

    The CPU time is this process's: it hardly moves when other work shares the machine, and on
    SQLite it includes the database's own work (on PostgreSQL the server's share is only in the wall time).
    """
    for _ in range(warmup):
        call()
    timing = Timing()
    for _ in range(runs):
        before = counter.count if counter else 0
        started, started_cpu = time.perf_counter(), time.process_time()
        timing.result = call()
        timing.wall.append(time.perf_counter() - started)
        timing.cpu.append(time.process_time() - started_cpu)
        timing.queries.append(counter.count - before if counter else 0)
    return timing


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def reset_database(url: str) -> None:
    """Start from an empty database: delete the SQLite file, or drop the PostgreSQL `public` schema."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def write_rows(session, model, rows, chunk: int = 5000, deferred: tuple[str, ...] = ()) -> int:
    """Write `rows` (dicts keyed by column, every row with the first row's keys) into `model`'s table, in the
    session's transaction; the rows written.

    On PostgreSQL through COPY on the session's own psycopg connection, several times faster than
    `insert(Model)`: what the national size needs. COPY bypasses SQLAlchemy, so a column the rows leave out
    gets its Python-side default here (`created_at`..., computed once), as `insert(Model)` would have given
    it; a column without one is left to the database (NULL or its server default). Elsewhere (SQLite)
    `session.execute(insert(Model), rows)`, `chunk` rows a statement, as before.

    `deferred` (PostgreSQL only) names what is dropped before the COPY and made again after it from its own
    catalog definition, so the schema ends exactly as the migrations made it: "foreign_keys" (each is then
    checked once over the whole table, which is faster than one trigger call a row) and "indexes" (those
    that back no constraint).
    """
    from itertools import chain, islice

    from sqlalchemy import insert

    rows = iter(rows)
    if session.get_bind().dialect.name != "postgresql":
        written = 0
        while batch := list(islice(rows, chunk)):
            session.execute(insert(model), batch)
            written += len(batch)
        return written
    from psycopg import sql
    from psycopg.copy import QueuedLibpqWriter

    first = next(rows, None)
    if first is None:
        return 0
    table = model.__table__
    given = list(first)
    defaults = [(column.key, column.default.arg(None) if column.default.is_callable else column.default.arg)
                for column in table.columns
                if column.key not in first and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(table.c[key].name) for key in given + [key for key, _ in defaults]))
    filled = [value for _, value in defaults]
    written = 0
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        remade = []  # statements that make again what was dropped
        if "foreign_keys" in deferred:
            for name, definition in cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
                    " AND contype = 'f' ORDER BY conname", (table.name,)).fetchall():
                cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table.name), sql.Identifier(name)))
                remade.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(table.name), sql.Identifier(name), sql.SQL(definition)))
        if "indexes" in deferred:
            for name, definition in cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                    " WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                    " WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid) ORDER BY i.relname",
                    (table.name,)).fetchall():
                cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
                remade.append(sql.SQL(definition))
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            for row in chain((first,), rows):
                copy.write_row([row[key] for key in given] + filled)
                written += 1
        for remake in remade:
            cursor.execute(remake)
    return written
