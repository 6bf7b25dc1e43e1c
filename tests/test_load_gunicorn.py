"""Under gunicorn with several workers on PostgreSQL, concurrent reports, approvals and handovers keep every invariant.

The short version of bench/load.py: the same seeding, scenarios and checks with small numbers
(3 workers, 12 leaders, 8 grants against a budget that fits 3, 4 groups getting 5 letters). The seed is committed
before gunicorn starts, the workers are separate processes on the test database, and every
connection (the bench's and the workers') is closed before the fixture truncates the tables.
"""
from __future__ import annotations

import pytest

from bench import load

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
]

WORKERS, LEADERS, GRANTS, FITS, LETTERS = 3, 12, 8, 3, 4


def test_concurrent_load_under_gunicorn_keeps_every_invariant(app, database_url):
    # One run only (starting gunicorn costs seconds); `app` empties the tables afterwards.
    report = load.run_load(database_url, workers=WORKERS, leaders=LEADERS, grants=GRANTS, fits=FITS,
                           letters=LETTERS, log=lambda *_: None)

    failed = [check for check in report.checks if not check.ok]
    assert not failed, f"{failed}\n{report.server_log[-3000:]}"
    assert {check.name for check in report.checks} >= {
        "no 5xx, every request answered",
        "every accepted report stored exactly once with the last accepted values",
        "exactly floor(pagu / grant) grants approved",
        "budget never exceeded",
        "ledger balanced (each entry and the trial balance)",
        "letter numbers unique and consecutive for the year",
        "each handover answered 200 once and has exactly one letter",
        "handover budgets never exceeded",
    }
    assert_the_scenarios_really_raced(report)


def assert_the_scenarios_really_raced(report) -> None:
    """The run fired what it claims: twins that updated, approvals refused for budget, twin handovers refused."""
    by_scenario: dict[str, list] = {}
    for outcome in report.outcomes:
        by_scenario.setdefault(outcome.scenario, []).append(outcome)
    reports = [o.status for o in by_scenario["reports"]]
    assert reports.count(201) >= LEADERS - LEADERS // 4  # a retrying leader's row may come from the abandoned call
    assert 200 in reports  # the second of two simultaneous submissions updated the first one's row
    approvals = by_scenario["approvals"]
    assert len({o.label for o in approvals if o.status == 200}) == FITS
    assert sum(o.status == 409 for o in approvals) >= GRANTS - FITS
    handovers = [o.status for o in by_scenario["handovers"]]
    # One grant in four has a second grant to the same group from another budget, handed over at the same time.
    assert len(report.seeded.handover_grant_ids) > LETTERS
    assert handovers.count(200) == len(report.seeded.handover_grant_ids) and 409 in handovers
    assert all(o.status == 201 for o in by_scenario["login"])
