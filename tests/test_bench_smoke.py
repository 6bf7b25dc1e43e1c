"""The benchmark suite runs end to end at its small size, so its scripts never rot (timings printed, never asserted)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import scratch_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KUBE_TEST_DATABASE_URL")
#: The first words of every row bench/run.py prints, in order.
ROWS = [
    "GET /account",
    "GET /groups (group list",
    "GET /groups/",
    "GET /monitoring/dashboard",
    "GET /monitoring/flags",
    "GET /api/v1/flags",
    "bare flag queries",
    "compute_flags",
    "bare WeasyPrint",
    "letter render",
]
LOAD_ROWS = ["trivial endpoint under gunicorn", "report submissions under gunicorn", "peak RSS of one gunicorn worker"]


@pytest.fixture
def bench_database_url(tmp_path):
    """A database of the smoke run's own: a SQLite file, or a new PostgreSQL database next to the test one.

    run.py seeds with bulk inserts and may reset what it is given, so it never gets the tests' database.
    """
    yield from scratch_database(tmp_path, f"bench_smoke_{os.getpid()}")


def test_small_benchmark_prints_every_row(bench_database_url, tmp_path, capsys):
    """`bench/run.py --size small` exits 0 and prints a numeric median for every row, on the tests' database kind."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "small", "--database-url", bench_database_url,
         "--json", str(tmp_path / "run.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    with capsys.disabled():  # the table goes to the test run's own output (CI's log), captured or not
        print("\n" + result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    labels = [line.split(" | ")[0].removeprefix("| ") for line in rows[1:]]
    expected = ROWS + LOAD_ROWS if (ROOT / "bench" / "load.py").exists() else ROWS
    for prefix in expected:
        matching = [row for row, label in zip(rows[1:], labels) if label.startswith(prefix)]
        assert matching, f"no row {prefix!r} in:\n{result.stdout}"
        if prefix != "peak RSS of one gunicorn worker":
            median = matching[0].split(" | ")[1]
            assert re.fullmatch(r"[\d,]+\.\d", median), matching[0]
    if (ROOT / "bench" / "load.py").exists():
        rss = next(row for row in rows if row.startswith("| peak RSS"))
        assert re.search(r"\d+\.\d MB", rss), rss
    assert "Machine:" in result.stdout
    assert (tmp_path / "run.json").exists()


def test_import_benchmark_refuses_every_hostile_file(capsys):
    """`bench/imports.py` exits 0 (it stops when a hostile file is read) and prints every row."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "imports.py"), "--runs", "1", "--members", "50"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    with capsys.disabled():
        print("\n" + result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]
    for prefix in ("ordinary member list, 50 rows", "3 million empty rows", "50 MB shared string", "one name in row",
                   "billion laughs", "XXE entity", "broken sheet XML"):
        assert any(line.startswith(prefix) for line in result.stdout.splitlines()), result.stdout
