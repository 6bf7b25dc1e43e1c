"""Load and concurrency under gunicorn: leaders report, officers approve against one budget, letters render, at once.

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/kube_bench_load --reset \
        --workers 4 --leaders 60 --grants 24 --letters 12
    .venv/bin/python bench/load.py --reset --leaders 12         # SQLite, bench/out/kube-load.sqlite3, a quick look

The real app runs under gunicorn (several sync workers, production settings) as a subprocess.
Data is seeded beforehand through the app's own operations, then many HTTP clients (threads,
each with its own `requests.Session` and bearer token) fire together:

1. every leader submits last month's report at once; some leaders send two different
   submissions of the same month at the same moment, others give up on a slow answer and retry;
2. officers approve M submitted grants at once against one budget whose pagu fits only K of
   them, each call with an Idempotency-Key (some sent twice with the same key, at once);
3. L approved grants are handed over at once, each rendering its letter (some twice, at once).

Afterwards the database is read to check the invariants: no 5xx, every accepted report stored
once with the last accepted values, exactly floor(pagu / grant) approved and the budget never
exceeded, the ledger balanced, letter numbers unique and consecutive, one letter per handover.
The run exits non-zero when a check fails. `--reset` drops the database's `public` schema (or
deletes the SQLite file): point it only at a database made for this.
"""
from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402

from bench.common import BENCH_PASSWORD, OUT, make_app, percentile, reset_database  # noqa: E402

DEFAULT_DATABASE_URL = f"sqlite:///{OUT / 'kube-load.sqlite3'}"
#: The same grant for every group: Rp17.500.000 of tents and chairs, so "fits K" is plain arithmetic.
GRANT_PROGRAM = "KUBE"
#: Members of each seeded group (the configured minimum for an active group).
MEMBERS_PER_GROUP = 5
#: A client that gives up this early on a report submission retries it; the first request still runs.
IMPATIENT_TIMEOUT_S = 0.05
#: Generous: requests queue behind gunicorn's few sync workers; a 5xx, not a slow answer, is the failure.
REQUEST_TIMEOUT_S = 120
#: Throughput groups are formed this long ago, so each can report hundreds of months, one new month a request.
THROUGHPUT_FORMED_ON = date(2000, 1, 10)


# -- serving the app under gunicorn -------------------------------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: Where the served app counts login attempts (production refuses a per-worker memory:// store).
LIMITS_REDIS = os.environ.get("KUBE_BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")


class GunicornServer:
    """`gunicorn -w N wsgi:app` on a free port with production settings; a context manager that stops it cleanly.

    As in production (run.sh): sync workers, no preloading, KUBE_ENV=production with a random
    SECRET_KEY, the login limits in the local Redis (production refuses per-worker memory://) under
    a key prefix of this run, and a public https verification address for the letters. Only the
    login rate limit is raised, since every client logs in at once from one address.
    """

    def __init__(self, database_url: str, workers: int, *, log=print, extra_env: dict | None = None):
        self.database_url, self.workers, self.log = database_url, workers, log
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self._log_file = None

    def __enter__(self) -> GunicornServer:
        env = os.environ.copy()
        env.update({
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "KUBE_ENV": "production",
            "KUBE_LOGIN_RATE_LIMIT": "100000 per minute",
            "RATELIMIT_STORAGE_URI": LIMITS_REDIS,
            "KUBE_RATELIMIT_KEY_PREFIX": f"kube-load-{secrets.token_hex(4)}",
            "KUBE_PUBLIC_BASE_URL": "https://kube.serangkota.go.id",
        })
        env.update(self.extra_env)
        self._log_file = tempfile.NamedTemporaryFile(prefix="kube-load-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--error-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        self.log(f"  gunicorn pid {self.process.pid}: {self.workers} workers on {self.base_url}")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._log_file is not None:  # read log_tail() inside the block to keep what it says
            self._log_file.close()
            Path(self._log_file.name).unlink(missing_ok=True)
            self._log_file = None

    def _wait_until_answering(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.base_url}/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout_s:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """TERM (gunicorn finishes requests in flight and closes its workers' connections), KILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def worker_processes(self) -> list[psutil.Process]:
        """The worker processes running now."""
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's log (tracebacks of 5xx answers land here)."""
        if self._log_file is None:
            return ""
        text = Path(self._log_file.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


class RssSampler:
    """Samples the resident memory of every gunicorn worker every ~100 ms; `peak_mb` is the largest seen."""

    def __init__(self, server: GunicornServer, interval_s: float = 0.1):
        self.server, self.interval_s, self.peak_bytes = server, interval_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            for worker in self.server.worker_processes():
                try:
                    self.peak_bytes = max(self.peak_bytes, worker.memory_info().rss)
                except psutil.Error:
                    pass  # a worker that just exited
            self._stop.wait(self.interval_s)

    @property
    def peak_mb(self) -> float:
        return round(self.peak_bytes / 2**20, 1)


# -- HTTP clients -------------------------------------------------------------------------------

@dataclass
class Outcome:
    """One request as a client saw it: status (None when no answer), wall-clock ms, JSON body, headers."""

    scenario: str
    label: str
    status: int | None
    ms: float
    body: dict | list | None = None
    headers: dict = field(default_factory=dict)
    error: str | None = None


class Client:
    """One API client: its own `requests.Session` and bearer token, as one officer's or leader's app would be."""

    def __init__(self, base_url: str, username: str, password: str = BENCH_PASSWORD):
        self.base_url, self.username, self.password = base_url, username, password
        self.session = requests.Session()

    def login(self) -> Outcome:
        """POST /api/v1/auth/token and keep the token for the following calls."""
        outcome = self.call("POST", "/api/v1/auth/token", "login", json={"username": self.username,
                                                                         "password": self.password})
        if outcome.status == 201:
            self.session.headers["Authorization"] = f"Bearer {outcome.body['token']}"
        return outcome

    def call(self, method: str, path: str, scenario: str, *, label: str = "", json=None, headers=None,
             timeout: float = REQUEST_TIMEOUT_S) -> Outcome:
        """One request, timed; a transport error or timeout is an Outcome without status, never an exception."""
        start = time.perf_counter()
        try:
            response = self.session.request(method, self.base_url + path, json=json, headers=headers,
                                            timeout=timeout)
        except requests.RequestException as error:
            return Outcome(scenario, label, None, (time.perf_counter() - start) * 1000, error=type(error).__name__)
        elapsed = (time.perf_counter() - start) * 1000
        try:
            body = response.json()
        except ValueError:
            body = None
        return Outcome(scenario, label, response.status_code, elapsed, body, dict(response.headers))


def fire_together(jobs: list[Callable[[], list[Outcome]]]) -> tuple[list[Outcome], float]:
    """Run every job in its own thread, all released at once by a barrier; (outcomes, wall-clock seconds)."""
    barrier = threading.Barrier(len(jobs) + 1)
    results: list[list[Outcome]] = [[] for _ in jobs]
    failures: list[BaseException] = []

    def run(index: int, job) -> None:
        try:
            barrier.wait(timeout=300)
            results[index] = job()
        except BaseException as error:  # re-raised below: an exception in a thread would otherwise vanish
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index, job), daemon=True) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=300)
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    return [outcome for result in results for outcome in result], elapsed


def log_in_all(clients: list[Client]) -> tuple[list[Outcome], float]:
    """Every client logs in at once (the first scenario of a run); refuses to go on if one cannot."""
    outcomes, elapsed = fire_together([lambda client=client: [client.login()] for client in clients])
    refused = [o for o in outcomes if o.status != 201]
    if refused:
        raise RuntimeError(f"{len(refused)} logins failed, e.g. {refused[0]}")
    return outcomes, elapsed


# -- seeding through the operations ------------------------------------------------------------

def seed_app(database_url: str):
    """The bench app for seeding and checking, hashing passwords at production strength.

    The gunicorn workers verify with the production hasher; a fast test hash would make every
    first login re-hash and write the user row, which is not what a load run should measure.
    """
    app = make_app(database_url)
    app.config["PASSWORD_HASH_FAST"] = False
    return app


def run_tag() -> str:
    """A short tag that keeps this run's usernames and group names apart from earlier runs'."""
    return datetime.now().strftime("%m%d%H%M%S") + secrets.token_hex(2)


@dataclass
class Leader:
    """A leader account and its own active group."""

    username: str
    group_id: int
    ketua_id: int


def create_leaders(count: int, tag: str, actor, formed_on: date, rng: random.Random) -> list[Leader]:
    """`count` active groups of MEMBERS_PER_GROUP members, each with its leader account (operations only)."""
    from sqlalchemy import select

    from kube.demo import _member_values
    from kube.groups import operations as groups
    from kube.groups.models import Region
    from kube.groups.operations import PriorKubeGrant
    from kube.core.errors import Conflict
    from kube.extensions import db

    kelurahan = db.session.scalars(select(Region.code).where(Region.level == "kelurahan").order_by(Region.code)).all()
    serials = iter(lambda: rng.randint(1, 9999), None)
    today = date.today()
    leaders = []
    for index in range(count):
        place = kelurahan[index % len(kelurahan)]
        group = groups.create_group({"name": f"Kube Beban {tag} {index + 1:03d}", "business_type": "kuliner",
                                     "kelurahan_code": place, "address": "Kp. Beban RT 01/01",
                                     "formed_on": formed_on, "officer_id": actor.id}, actor)
        for position in range(MEMBERS_PER_GROUP):
            role = ("ketua", "sekretaris", "bendahara")[position] if position < 3 else "anggota"
            while True:
                values = _member_values(rng, place[:8].replace(".", ""), place, formed_on, role, serials, today)
                try:
                    groups.add_member(group, values, actor, today=today)
                    break
                except PriorKubeGrant:
                    continue  # the random NIK belonged to a granted Kube's member: draw another person
                except Conflict as error:
                    if "nik" not in error.fields:
                        raise
                    # the random NIK is already someone's in this database: draw another person
        groups.transition_group(group, "active", actor, note="Bench: siap melapor.")
        user = groups.create_leader_account(group, f"load-{tag}-ketua{index + 1:03d}", group.ketua.name,
                                            BENCH_PASSWORD, actor)
        leaders.append(Leader(user.username, group.id, group.ketua.id))
    return leaders


def free_budget_year(program: str, preferred: int) -> int:
    """The first year from `preferred` on (then before it) without a budget of `program`: one budget per year."""
    from sqlalchemy import select

    from kube.extensions import db
    from kube.ledger.models import Budget

    taken = set(db.session.scalars(select(Budget.year).where(Budget.program == program)))
    for year in itertools.chain(range(preferred, 2101), range(preferred - 1, 1999, -1)):
        if year not in taken:
            return year
    raise RuntimeError(f"every fiscal year already has a {program} budget")


@dataclass
class Seeded:
    """What a load run seeded: the people, the groups, the grants and the budgets."""

    tag: str
    maker: str
    checkers: list[str]
    leaders: list[Leader]
    period: date
    contended_budget_id: int
    pagu: int
    grant_total: int
    approval_grant_ids: list[int]
    handover_grant_ids: list[int]
    handover_budget_ids: list[int]
    handover_receivers: dict[int, int]
    handover_date: date


def seed_load(database_url: str, *, leaders: int, grants: int, fits: int, letters: int, checkers: int = 2,
              log=print) -> Seeded:
    """Migrate, then seed a load run through the operations and commit (gunicorn's workers must see it all)."""
    from flask_migrate import upgrade

    from kube.auth import operations as accounts
    from kube.extensions import db
    from kube.groups.models import Group
    from kube.core.clock import office_today
    from kube.core.periods import last_complete_month
    from kube.ledger import operations as ledger
    from kube.ledger.demo import TENTS_AND_CHAIRS

    if not 0 <= fits < grants:
        raise ValueError("the budget must fit fewer grants than are submitted (0 <= fits < grants)")
    started = time.perf_counter()
    tag = run_tag()
    rng = random.Random(tag)
    app = seed_app(database_url)
    with app.app_context():
        upgrade()
        maker = accounts.create_user(f"load-{tag}-petugas-a", "Petugas Pencatat", "officer", BENCH_PASSWORD,
                                     nip="198703152010012004", position="Pendamping Kube")
        checker_users = [accounts.create_user(f"load-{tag}-petugas-b{n}", f"Petugas Pemeriksa {n}", "officer",
                                              BENCH_PASSWORD) for n in range(1, checkers + 1)]
        seeded_leaders = create_leaders(leaders, tag, maker, date(2024, 1, 10), rng)
        db.session.commit()
        log(f"  {leaders} leaders with active groups of {MEMBERS_PER_GROUP} in {time.perf_counter() - started:.1f} s")

        grant_total = sum(line["quantity"] * line["unit_value"] for line in TENTS_AND_CHAIRS)
        pagu = fits * grant_total + grant_total // 2  # half a grant short of fitting one more
        year = free_budget_year(GRANT_PROGRAM, date.today().year)
        contended = ledger.create_budget(GRANT_PROGRAM, year, pagu, "APBD", checker_users[0], note="Bench: rebutan")
        approval_ids = []
        for index in range(grants):
            group = db.session.get(Group, seeded_leaders[index % leaders].group_id)
            grant = ledger.create_grant(GRANT_PROGRAM, year, group, TENTS_AND_CHAIRS, maker, note="Bench")
            ledger.submit_grant(grant, maker)
            approval_ids.append(grant.id)

        # Some groups get a second grant from another year's budget, handed over at the same moment: the two
        # handovers lock different budgets and both create the group's first equipment account.
        handover_budgets = []
        for note in ("Bench: serah terima", "Bench: serah terima, anggaran lain"):
            handover_year = free_budget_year(GRANT_PROGRAM, year)
            handover_budgets.append(ledger.create_budget(GRANT_PROGRAM, handover_year, max(1, letters) * grant_total,
                                                         "APBD", checker_users[0], note=note))
        handover_ids, receivers = [], {}
        for index in range(letters):
            leader = seeded_leaders[(grants + index) % leaders]
            group = db.session.get(Group, leader.group_id)
            for budget in handover_budgets[:2 if has_second_budget(index) else 1]:
                grant = ledger.create_grant(GRANT_PROGRAM, budget.year, group, TENTS_AND_CHAIRS, maker, note="Bench")
                ledger.submit_grant(grant, maker)
                ledger.approve_grant(grant, checker_users[0], override_reason="Bench: a second budget's grant")
                handover_ids.append(grant.id)
                receivers[grant.id] = leader.ketua_id
        db.session.commit()
        seeded = Seeded(tag=tag, maker=maker.username, checkers=[u.username for u in checker_users],
                        leaders=seeded_leaders, period=last_complete_month(office_today()),
                        contended_budget_id=contended.id, pagu=pagu, grant_total=grant_total,
                        approval_grant_ids=approval_ids, handover_grant_ids=handover_ids,
                        handover_budget_ids=[budget.id for budget in handover_budgets], handover_receivers=receivers,
                        # The office's date (Asia/Jakarta): the one handover checks against approval and "today".
                        handover_date=office_today())
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while gunicorn's workers run
    log(f"  {grants} submitted grants (budget {year} fits {fits}), {len(handover_ids)} approved grants to hand over; "
        f"seeded in {time.perf_counter() - started:.1f} s")
    return seeded


# -- the scenarios ---------------------------------------------------------------------------------

def report_values(leader_index: int, variant: int = 0) -> dict:
    """The figures a leader submits; a twin submission (variant 1) differs, so the stored row shows who won."""
    return {"revenue": 3_000_000 + 1_000 * leader_index + 500 * variant, "expenses": 1_800_000,
            "note": f"laporan beban {variant}"}


#: How leader i behaves in the report scenario: one submission, two at once, or a retry after giving up.
def report_behaviour(leader_index: int) -> str:
    """Every fourth leader (from the second) submits twice at once, every fourth (from the fourth) retries."""
    return {1: "twice at once", 3: "gives up and retries"}.get(leader_index % 4, "once")


def report_jobs(base_url: str, seeded: Seeded, clients: dict) -> list[Callable[[], list[Outcome]]]:
    """One job per report client: PUT last month's report (a twin for some leaders, an impatient retry for others)."""
    period = seeded.period.strftime("%Y-%m")
    jobs = []
    for index, leader in enumerate(seeded.leaders):
        path = f"/api/v1/groups/{leader.group_id}/income-reports/{period}"
        behaviour = report_behaviour(index)
        label = f"{leader.group_id}"

        def once(client=clients[(leader.username, 0)], path=path, label=label, values=report_values(index)):
            return [client.call("PUT", path, "reports", label=label, json=values)]

        def retry(client=clients[(leader.username, 0)], path=path, label=label, values=report_values(index)):
            # The first request reaches the server and runs there; only this client stops waiting for it.
            first = client.call("PUT", path, "reports", label=label, json=values, timeout=IMPATIENT_TIMEOUT_S)
            return [first, client.call("PUT", path, "reports", label=label, json=values)]

        jobs.append(retry if behaviour == "gives up and retries" else once)
        if behaviour == "twice at once":
            jobs.append(lambda client=clients[(leader.username, 1)], path=path, label=label,
                        values=report_values(index, 1): [client.call("PUT", path, "reports", label=label,
                                                                     json=values)])
    return jobs


def has_second_budget(index: int) -> bool:
    """Every fourth handover (from the third) has a twin grant to the same group from another budget."""
    return index % 4 == 2


def has_twin(index: int) -> bool:
    """Every fourth grant's call is sent twice at the same moment (approvals: same key; handovers: two officers)."""
    return index % 4 == 0


def approval_jobs(seeded: Seeded, clients: dict) -> list[Callable[[], list[Outcome]]]:
    """Approve every submitted grant at once; each call has an Idempotency-Key, a twin reuses its key."""
    jobs = []
    for index, grant_id in enumerate(seeded.approval_grant_ids):
        checker = seeded.checkers[index % len(seeded.checkers)]
        key = str(uuid.uuid4())
        copies = 2 if has_twin(index) else 1
        for copy in range(copies):
            jobs.append(lambda client=clients[(checker, index, copy)], grant_id=grant_id, key=key: [
                client.call("POST", f"/api/v1/grants/{grant_id}/approve", "approvals", label=str(grant_id),
                            headers={"Idempotency-Key": key})])
    return jobs


def handover_jobs(seeded: Seeded, clients: dict) -> list[Callable[[], list[Outcome]]]:
    """Hand every approved grant over at once (each renders its letter); a twin is a second officer's own call."""
    jobs = []
    for index, grant_id in enumerate(seeded.handover_grant_ids):
        body = {"date": seeded.handover_date.isoformat(), "received_by_member_id": seeded.handover_receivers[grant_id]}
        copies = 2 if has_twin(index) else 1
        for copy in range(copies):
            jobs.append(lambda client=clients[("handover", index, copy)], grant_id=grant_id, body=body: [
                client.call("POST", f"/api/v1/grants/{grant_id}/handover", "handovers", label=str(grant_id),
                            json=body, headers={"Idempotency-Key": str(uuid.uuid4())})])
    return jobs


def scenario_clients(base_url: str, seeded: Seeded) -> dict:
    """Every client of the three scenarios, by (user, purpose...): each its own session and token."""
    clients = {}
    for index, leader in enumerate(seeded.leaders):
        clients[(leader.username, 0)] = Client(base_url, leader.username)
        if report_behaviour(index) == "twice at once":
            clients[(leader.username, 1)] = Client(base_url, leader.username)
    for index, _grant_id in enumerate(seeded.approval_grant_ids):
        checker = seeded.checkers[index % len(seeded.checkers)]
        for copy in range(2 if has_twin(index) else 1):
            clients[(checker, index, copy)] = Client(base_url, checker)
    handover_officers = [seeded.maker, *seeded.checkers]
    for index, _grant_id in enumerate(seeded.handover_grant_ids):
        for copy in range(2 if has_twin(index) else 1):
            clients[("handover", index, copy)] = Client(base_url, handover_officers[copy % len(handover_officers)])
    return clients


@dataclass
class ScenarioStats:
    """One row of the table: what was fired, what came back, how fast."""

    name: str
    requests: int
    statuses: Counter
    seconds: float
    median_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def summarise(name: str, outcomes: list[Outcome], seconds: float) -> ScenarioStats:
    """Status counts ("no answer" for a transport error or a client that gave up) and latency of a scenario."""
    times = [o.ms for o in outcomes] or [0.0]
    statuses = Counter(str(o.status) if o.status is not None else f"no answer ({o.error})" for o in outcomes)
    return ScenarioStats(name, len(outcomes), statuses, seconds, statistics.median(times), percentile(times, 0.95))


# -- the checks -----------------------------------------------------------------------------------

@dataclass
class Check:
    """One invariant: its name, whether it held, and what was found."""

    name: str
    ok: bool
    detail: str


def refused_with(outcome: Outcome, code: str) -> bool:
    """Whether the answer is a 409 with this API error code."""
    body = outcome.body if isinstance(outcome.body, dict) else {}
    return outcome.status == 409 and body.get("error", {}).get("code") == code


def check_no_server_errors(outcomes: list[Outcome]) -> Check:
    """No 5xx, and every request answered except the ones a client deliberately gave up on."""
    errors = [o for o in outcomes if o.status is not None and o.status >= 500]
    lost = [o for o in outcomes if o.status is None and not (o.scenario == "reports" and o.error == "ReadTimeout")]
    ok = not errors and not lost
    detail = f"{len(outcomes)} requests, {len(errors)} 5xx, {len(lost)} without an answer"
    return Check("no 5xx, every request answered", ok, detail)


def check_reports(seeded: Seeded, outcomes: list[Outcome]) -> list[Check]:
    """Every submission accepted; one row per group and month, created once, holding the last accepted values."""
    from sqlalchemy import select

    from kube.extensions import db
    from kube.reports.models import IncomeReport

    reports = [o for o in outcomes if o.scenario == "reports"]
    answered = [o for o in reports if o.status is not None]
    refused = [o for o in answered if o.status not in (200, 201)]
    checks = [Check("every report submission accepted (200/201)", not refused,
                    f"{len(answered)} answered, {len(refused)} refused"
                    + (f", e.g. {refused[0].status} {refused[0].body}" if refused else ""))]
    rows = db.session.execute(
        select(IncomeReport.group_id, IncomeReport.revenue, IncomeReport.expenses)
        .where(IncomeReport.period == seeded.period,
               IncomeReport.group_id.in_([leader.group_id for leader in seeded.leaders]))
    ).all()
    stored: dict[int, list] = {}
    for group_id, revenue, expenses in rows:
        stored.setdefault(group_id, []).append((revenue, expenses))
    problems = []
    for index, leader in enumerate(seeded.leaders):
        mine = [o for o in answered if o.label == str(leader.group_id) and o.status in (200, 201)]
        created = sum(o.status == 201 for o in mine)
        behaviour = report_behaviour(index)
        if behaviour == "twice at once":
            # The 200 answer updated the row the 201 created, so it committed last: its values must be stored.
            later = [o for o in mine if o.status == 200]
            expected = (later[0].body["revenue"], later[0].body["expenses"]) if later else None
            complete = created == 1 and len(later) == 1
        else:
            values = report_values(index)
            expected = (values["revenue"], values["expenses"])
            # Whoever created the row (the abandoned request may have), it was created once and holds these values.
            complete = created <= 1 and (created == 1 or behaviour == "gives up and retries") and bool(mine)
        rows_here = stored.get(leader.group_id, [])
        if len(rows_here) != 1 or not complete or rows_here[0] != expected:
            problems.append(f"group {leader.group_id} ({behaviour}): rows {rows_here}, answers "
                            f"{[o.status for o in mine]}, expected {expected}")
    checks.append(Check("every accepted report stored exactly once with the last accepted values", not problems,
                        f"{len(seeded.leaders)} groups, {len(rows)} rows for {seeded.period:%Y-%m}"
                        + (f"; {len(problems)} wrong, e.g. {problems[0]}" if problems else "")))
    return checks


def check_approvals(seeded: Seeded, outcomes: list[Outcome]) -> list[Check]:
    """Exactly floor(pagu / grant) approved, the budget never exceeded, one commitment each, twins agree."""
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.ledger.models import Budget, Grant, JournalEntry
    from kube.ledger.operations import budget_figures

    budget = db.session.get(Budget, seeded.contended_budget_id)
    figures = budget_figures([budget])[budget.id]
    fits = seeded.pagu // seeded.grant_total
    approved = db.session.scalars(
        select(Grant).where(Grant.id.in_(seeded.approval_grant_ids), Grant.status == "approved")).all()
    approved_total = sum(grant.total for grant in approved)
    commitments = dict(db.session.execute(
        select(JournalEntry.grant_id, func.count()).where(JournalEntry.kind == "commitment",
                                                          JournalEntry.grant_id.in_(seeded.approval_grant_ids))
        .group_by(JournalEntry.grant_id)).all())
    calls = [o for o in outcomes if o.scenario == "approvals"]
    by_grant: dict[str, list[Outcome]] = {}
    for outcome in calls:
        by_grant.setdefault(outcome.label, []).append(outcome)
    wrong_answers = [o for o in calls if o.status != 200 and not refused_with(o, "budget_exceeded")]
    disagreeing = [label for label, pair in by_grant.items() if len({o.status for o in pair}) > 1]
    approved_answers = {label for label, pair in by_grant.items() if any(o.status == 200 for o in pair)}
    return [
        Check("exactly floor(pagu / grant) grants approved",
              len(approved) == fits and len(approved_answers) == fits,
              f"pagu Rp{seeded.pagu:,} fits {fits} of {len(seeded.approval_grant_ids)}; "
              f"{len(approved)} approved, {len(approved_answers)} answered 200"),
        Check("budget never exceeded", approved_total <= seeded.pagu and figures.remaining >= 0
              and figures.committed == approved_total,
              f"approved Rp{approved_total:,} <= pagu Rp{seeded.pagu:,}; ledger: committed Rp{figures.committed:,}, "
              f"remaining Rp{figures.remaining:,}"),
        Check("one commitment entry per approved grant, none for a refused one",
              set(commitments) == {g.id for g in approved} and all(n == 1 for n in commitments.values()),
              f"{sum(commitments.values())} commitment entries for {len(approved)} approved grants"),
        Check("approval answers are 200 or 409 budget_exceeded; twins with one key agree", not wrong_answers
              and not disagreeing,
              f"{len(calls)} calls, {sum(len(p) == 2 for p in by_grant.values())} twin pairs, "
              f"{sum(o.headers.get('Idempotent-Replayed') == 'true' for o in calls)} replayed; "
              f"{len(wrong_answers)} other answers, {len(disagreeing)} pairs disagreeing"),
    ]


def check_ledger() -> Check:
    """Every journal entry balances, and so does the whole ledger (trial balance)."""
    from sqlalchemy import func, select

    from kube.extensions import db
    from kube.ledger.models import JournalLine
    from kube.ledger.operations import trial_balance

    per_entry = db.session.execute(
        select(JournalLine.entry_id, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .group_by(JournalLine.entry_id)).all()
    unbalanced = [entry for entry, debit, credit in per_entry if debit != credit]
    rows = trial_balance()
    debit, credit = sum(row["debit"] for row in rows), sum(row["credit"] for row in rows)
    return Check("ledger balanced (each entry and the trial balance)", not unbalanced and debit == credit,
                 f"{len(per_entry)} entries, {len(unbalanced)} unbalanced; debits Rp{debit:,}, credits Rp{credit:,}")


def check_letters(seeded: Seeded, outcomes: list[Outcome]) -> list[Check]:
    """Letter numbers unique and consecutive for the year; each grant handed over once, with exactly one letter."""
    from sqlalchemy import select

    from kube.extensions import db
    from kube.ledger.models import Budget, Grant, Letter
    from kube.ledger.operations import budget_figures

    year = seeded.handover_date.year
    letters = db.session.execute(select(Letter.seq, Letter.number).where(Letter.year == year)).all()
    seqs = sorted(seq for seq, _number in letters)
    numbers = [number for _seq, number in letters]
    calls = [o for o in outcomes if o.scenario == "handovers"]
    problems = []
    for grant_id in seeded.handover_grant_ids:
        mine = [o for o in calls if o.label == str(grant_id)]
        ok_answers = [o for o in mine if o.status == 200]
        others = [o for o in mine if o.status != 200 and not refused_with(o, "invalid_transition")]
        grant = db.session.get(Grant, grant_id)
        issued = db.session.scalars(select(Letter).where(Letter.grant_id == grant_id)).all()
        number = issued[0].number if len(issued) == 1 else None
        if (len(ok_answers) != 1 or others or grant.status != "handed_over" or number is None
                or grant.letter_number != number or ok_answers[0].body.get("letter_number") != number):
            problems.append(f"grant {grant_id}: answers {[o.status for o in mine]}, status {grant.status}, "
                            f"{len(issued)} letters")
    budgets = db.session.scalars(select(Budget).where(Budget.id.in_(seeded.handover_budget_ids))).all()
    figures = budget_figures(budgets).values()
    return [
        Check("letter numbers unique and consecutive for the year",
              len(set(numbers)) == len(numbers) and seqs == list(range(1, len(seqs) + 1)),
              f"{len(letters)} letters in {year}, seq {seqs[0] if seqs else '-'}..{seqs[-1] if seqs else '-'}"),
        Check("each handover answered 200 once and has exactly one letter", not problems,
              f"{len(seeded.handover_grant_ids)} grants, {len(calls)} calls"
              + (f"; {len(problems)} wrong, e.g. {problems[0]}" if problems else "")),
        Check("handover budgets never exceeded", all(f.remaining >= 0 and f.committed >= 0 for f in figures),
              "; ".join(f"disbursed Rp{f.disbursed:,} of pagu Rp{f.pagu:,}" for f in figures)),
    ]


def check_invariants(database_url: str, seeded: Seeded, outcomes: list[Outcome]) -> list[Check]:
    """Every check, read from the database after the server has stopped."""
    from kube.extensions import db

    app = seed_app(database_url)
    with app.app_context():
        try:
            return [check_no_server_errors(outcomes), *check_reports(seeded, outcomes),
                    *check_approvals(seeded, outcomes), check_ledger(), *check_letters(seeded, outcomes)]
        finally:
            db.session.remove()
            db.engine.dispose()


# -- a whole run -----------------------------------------------------------------------------------

@dataclass
class LoadReport:
    """A load run's table rows, its checks and every request's outcome."""

    seeded: Seeded
    scenarios: list[ScenarioStats]
    checks: list[Check]
    outcomes: list[Outcome]
    server_log: str = ""

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def run_load(database_url: str, *, workers: int = 4, leaders: int = 60, grants: int = 24, fits: int | None = None,
             letters: int = 12, log=print) -> LoadReport:
    """Seed, serve under gunicorn, fire the three scenarios one after the other, stop, check the invariants."""
    fits = grants // 3 if fits is None else fits
    seeded = seed_load(database_url, leaders=leaders, grants=grants, fits=fits, letters=letters, log=log)
    scenarios, outcomes = [], []
    with GunicornServer(database_url, workers, log=log) as server:
        clients = scenario_clients(server.base_url, seeded)
        logins, seconds = log_in_all(list(clients.values()))
        scenarios.append(summarise(f"{len(logins)} logins at once (POST /api/v1/auth/token)", logins, seconds))
        for name, jobs in (
            (f"{len(seeded.leaders)} leaders report at once (PUT income-reports)",
             report_jobs(server.base_url, seeded, clients)),
            (f"{len(seeded.approval_grant_ids)} approvals at once, one budget (POST approve)",
             approval_jobs(seeded, clients)),
            (f"{len(seeded.handover_grant_ids)} handovers at once, letters rendered (POST handover)",
             handover_jobs(seeded, clients)),
        ):
            fired, seconds = fire_together(jobs)
            outcomes.extend(fired)
            scenarios.append(summarise(name, fired, seconds))
            log(f"  {name}: {len(fired)} requests in {seconds:.1f} s")
        server_log = server.log_tail(200)
    outcomes = [*logins, *outcomes]
    return LoadReport(seeded, scenarios, check_invariants(database_url, seeded, outcomes), outcomes, server_log)


# -- throughput for the benchmark table -----------------------------------------------------------

def _months_from(first: date) -> Iterator[date]:
    year, month = first.year, first.month
    while True:
        yield date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _hammer(clients: list[Client], duration_s: float, request_for) -> tuple[list[Outcome], float]:
    """Each client sends requests back to back for `duration_s`; request_for(client_index, n) makes the n-th."""
    def job(index: int, client: Client) -> list[Outcome]:
        deadline = time.perf_counter() + duration_s
        done = []
        for n in itertools.count():
            if time.perf_counter() >= deadline:
                return done
            outcome = request_for(index, n, client)
            if outcome is None:
                return done
            done.append(outcome)
        return done

    return fire_together([lambda index=index, client=client: job(index, client)
                          for index, client in enumerate(clients)])


def _throughput_row(outcomes: list[Outcome], seconds: float, ok_statuses: set[int]) -> dict:
    times = [o.ms for o in outcomes] or [0.0]
    return {"requests": len(outcomes), "per_second": round(len(outcomes) / seconds, 1) if seconds else 0.0,
            "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "errors": sum(o.status not in ok_statuses for o in outcomes)}


def measure_throughput(database_url: str, *, workers: int = 4, clients: int = 16, duration_s: float = 10.0,
                       log=print) -> dict:
    """Requests per second under gunicorn: a trivial API read, then report submissions, for `duration_s` each.

    Works on any migrated database (it migrates an empty one first), e.g. one seeded by
    bench/seed.py: it adds `clients` leaders of its own, each with an active group formed in
    January 2000, so every report request is a fresh INSERT of the next month of the client's
    own group (201; the first month is an untimed warm-up). The trivial endpoint is GET
    /api/v1/regions (the same bearer-token check, two small SELECTs, no writes). Both are served
    by the same `workers` sync workers and measured with `clients` threads sending back to back
    (after an untimed warm-up request each); worker RSS is sampled every 100 ms.
    """
    from flask_migrate import upgrade

    from kube.auth import operations as accounts
    from kube.extensions import db
    from kube.core.clock import office_today
    from kube.core.periods import last_complete_month

    tag = run_tag()
    app = seed_app(database_url)
    with app.app_context():
        upgrade()
        officer = accounts.create_user(f"load-{tag}-petugas", "Petugas Beban", "officer", BENCH_PASSWORD)
        leaders = create_leaders(clients, tag, officer, THROUGHPUT_FORMED_ON, random.Random(tag))
        db.session.commit()
        last_month = last_complete_month(office_today())
        db.session.remove()
        db.engine.dispose()
    months = list(itertools.takewhile(lambda month: month <= last_month, _months_from(THROUGHPUT_FORMED_ON)))
    log(f"  throughput: {clients} leaders seeded; {len(months)} reportable months each")

    def trivial(_index: int, _n: int, client: Client) -> Outcome:
        return client.call("GET", "/api/v1/regions", "trivial")

    def report(index: int, n: int, client: Client) -> Outcome | None:
        if n >= len(months):
            return None  # this group has reported every month there is
        path = f"/api/v1/groups/{leaders[index].group_id}/income-reports/{months[n]:%Y-%m}"
        return client.call("PUT", path, "reports", json=report_values(index))

    with GunicornServer(database_url, workers, log=log) as server, RssSampler(server) as rss:
        sessions = [Client(server.base_url, leader.username) for leader in leaders]
        log_in_all(sessions)
        # Untimed warm-up: every worker has served both kinds of request before the clock starts.
        fire_together([lambda index=index, client=client: [trivial(index, 0, client), report(index, 0, client)]
                       for index, client in enumerate(sessions)])
        trivial_outcomes, trivial_s = _hammer(sessions, duration_s, trivial)
        report_outcomes, report_s = _hammer(sessions, duration_s, lambda index, n, client: report(index, n + 1, client))
    result = {"trivial": _throughput_row(trivial_outcomes, trivial_s, {200}),
              "reports": _throughput_row(report_outcomes, report_s, {201}),
              "worker_peak_rss_mb": rss.peak_mb}
    log(f"  throughput: {result}")
    return result


# -- command line ----------------------------------------------------------------------------------

def print_report(report: LoadReport, args, out=print) -> None:
    """The scenario table and the checks, as Markdown."""
    out(f"\nMachine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; "
        f"{args.workers} gunicorn sync workers\n")
    out("| scenario | requests | statuses | per s | median ms | p95 ms |")
    out("| --- | ---: | --- | ---: | ---: | ---: |")
    for row in report.scenarios:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(row.statuses.items()))
        out(f"| {row.name} | {row.requests} | {statuses} | {row.per_second:.1f} | {row.median_ms:.0f} | "
            f"{row.p95_ms:.0f} |")
    out("\n| check | result | found |")
    out("| --- | --- | --- |")
    for check in report.checks:
        out(f"| {check.name} | {'PASS' if check.ok else 'FAIL'} | {check.detail} |")


def main(argv=None) -> int:
    """Command line: reset if asked, run the load, print the table and the checks; 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reset", action="store_true",
                        help="start from empty: delete the SQLite file or DROP the PostgreSQL public schema")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--leaders", type=int, default=60, help="leaders reporting at once")
    parser.add_argument("--grants", type=int, default=24, help="submitted grants approved at once")
    parser.add_argument("--fits", type=int, default=None, help="grants the budget fits (default: a third)")
    parser.add_argument("--letters", type=int, default=12, help="approved grants handed over at once")
    parser.add_argument("--throughput", action="store_true",
                        help="afterwards, also measure_throughput() (trivial read vs report submissions)")
    parser.add_argument("--clients", type=int, default=16, help="throughput: client threads")
    parser.add_argument("--duration", type=float, default=10.0, help="throughput: seconds per measurement")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.reset:
        reset_database(args.database_url)
    print(f"Load run on {args.database_url}")
    report = run_load(args.database_url, workers=args.workers, leaders=args.leaders, grants=args.grants,
                      fits=args.fits, letters=args.letters)
    print_report(report, args)
    if not report.ok:
        print("\nSome checks FAILED; the end of gunicorn's log:\n" + report.server_log[-4000:])
    if args.throughput:
        figures = measure_throughput(args.database_url, workers=args.workers, clients=args.clients,
                                     duration_s=args.duration)
        print("\n| throughput | requests | per s | median ms | p95 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name in ("trivial", "reports"):
            row = figures[name]
            print(f"| {name} | {row['requests']} | {row['per_second']} | {row['median_ms']} | {row['p95_ms']} | "
                  f"{row['errors']} |")
        print(f"\nPeak RSS of a gunicorn worker: {figures['worker_peak_rss_mb']} MB")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
