"""Kube served as ./run.sh serves it (gunicorn with gunicorn.conf.py): one login limit for all workers, no version.

Issue 12: with `memory://` counters and two workers, and the form and the API counting apart,
36 guesses a minute got through per account instead of 10. gunicorn.conf.py shares the counters
through the local Redis when it answers, or serves with one worker; either way the configured
limit is the limit. The `Server` header names no version.
"""
from __future__ import annotations

import os
import re
import runpy
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
import requests

from bench.load import free_port

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3


def run_sh_gunicorn_arguments(port: int) -> list[str]:
    """The gunicorn command line of ./run.sh, bound to `port` instead of 5000."""
    (line,) = [line for line in (ROOT / "run.sh").read_text().splitlines() if line.startswith("exec ")]
    words = shlex.split(line)[1:]
    assert words[0] == ".venv/bin/gunicorn" and "--config" in words and "gunicorn.conf.py" in words
    arguments = words[1:]
    arguments[arguments.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", "gunicorn", *arguments]


@contextmanager
def served(database_url: str, tmp_path: Path, **env_extra: str):
    """Kube under gunicorn as run.sh starts it, with a login limit of LIMIT a minute; yields (base URL, process, log)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("RATELIMIT_STORAGE_URI", "KUBE_ENV", "SECRET_KEY")}
    env.update({
        "DATABASE_URL": database_url,
        "KUBE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": secrets.token_hex(32),  # both workers must sign alike (run.sh's db upgrade makes the file first)
        "KUBE_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        # Counters of this run only, even in a Redis that other runs (or ./run.sh) use.
        "KUBE_RATELIMIT_KEY_PREFIX": f"kube-test-{secrets.token_hex(6)}",
    })
    env.update(env_extra)
    log = tempfile.NamedTemporaryFile(prefix="kube-serving-", suffix=".log", delete=False)
    process = subprocess.Popen(run_sh_gunicorn_arguments(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    log_text = lambda: Path(log.name).read_text(errors="replace")  # noqa: E731
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log_text()[-3000:]}"
            try:
                if requests.get(f"{base_url}/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base_url, process, log_text
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def guesses_let_through(base_url: str, username: str, attempts: int = 3 * LIMIT) -> list[int]:
    """Wrong passwords for one account, alternately through the form and the API, each on a new connection."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    statuses = []
    for attempt in range(attempts):
        if attempt % 2 == 0:
            response = browser.post(f"{base_url}/login", timeout=10, headers={"Connection": "close"},
                                    data={"csrf_token": csrf, "username": username, "password": "tebak tebakan"})
        else:
            response = requests.post(f"{base_url}/api/v1/auth/token", timeout=10, headers={"Connection": "close"},
                                     json={"username": username, "password": "tebak tebakan"})
        statuses.append(response.status_code)
    return statuses


def assert_no_version_named(base_url: str) -> None:
    for path in ("/login", "/api/v1/openapi.json", "/no-such-page"):
        server = requests.get(f"{base_url}{path}", timeout=10).headers.get("Server", "")
        assert not re.search(r"\d", server), server  # `gunicorn`, never `gunicorn/23.0.0`


@pytest.mark.slow
def test_run_sh_holds_the_login_limit_across_workers_and_doors(database_url, tmp_path):
    conf = gunicorn_conf()
    redis_here = conf["redis_answers"](conf["LOCAL_REDIS"])
    with served(database_url, tmp_path) as (base_url, process, log_text):
        workers = psutil.Process(process.pid).children()
        if redis_here:  # CI's machine: the two workers of run.sh count in the local Redis
            assert len(workers) == 2, log_text()
            assert "shared by 2 workers through redis://127.0.0.1:6379/0" in log_text()
        else:
            assert len(workers) == 1 and "ONE worker" in log_text()
        statuses = guesses_let_through(base_url, f"korban{secrets.token_hex(3)}")
        assert statuses[:LIMIT] == [200, 401, 200] and set(statuses[LIMIT:]) == {429}, statuses
        assert_no_version_named(base_url)


@pytest.mark.slow
def test_run_sh_serves_one_worker_when_the_limits_are_counted_in_memory(database_url, tmp_path):
    with served(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://") as (base_url, process, log_text):
        assert len(psutil.Process(process.pid).children()) == 1
        assert "serving with ONE worker" in log_text() and "RATELIMIT_STORAGE_URI" in log_text()
        statuses = guesses_let_through(base_url, f"korban{secrets.token_hex(3)}")
        assert set(statuses[:LIMIT]) <= {200, 401} and set(statuses[LIMIT:]) == {429}, statuses
        assert_no_version_named(base_url)


def gunicorn_conf() -> dict:
    """gunicorn.conf.py's names, read without its start-up probe changing this process's environment."""
    saved = os.environ.get("KUBE_ENV")
    os.environ["KUBE_ENV"] = "production"  # the probe only runs outside production
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        if saved is None:
            del os.environ["KUBE_ENV"]
        else:
            os.environ["KUBE_ENV"] = saved


def test_the_redis_probe_says_no_when_nothing_answers():
    conf = gunicorn_conf()
    assert conf["redis_answers"]("redis://127.0.0.1:1/0", timeout_s=0.2) is False
    assert conf["per_process_storage"]("memory://") and not conf["per_process_storage"]("redis://127.0.0.1:6379/0")
    assert conf["without_credentials"]("redis://kube:rahasia@redis.local:6379/0") == "redis://redis.local:6379/0"
