"""On PostgreSQL, concurrent API calls never overcommit a budget, approve a grant twice or replay a key twice.

Each thread is its own API client with its own bearer token, all released together by a
barrier against one app whose connection pool holds a connection for every thread.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kube.auth.operations import issue_token
from kube.ledger import operations
from kube.ledger.models import Budget, Grant, IdempotencyRecord, JournalEntry, JournalLine
from tests.factories import TENT_LINES, make_budget, make_grant, make_group, make_user

pytestmark = pytest.mark.postgres  # concurrency is proven on PostgreSQL only

CONCURRENT = 24
GRANT_TOTAL = 17_500_000
FITS = 7


@pytest.fixture
def app_overrides():
    # One connection per thread, all waiting at the barrier together, plus a few for the test itself.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CONCURRENT + 4, "max_overflow": 0}}


def bearer(user) -> dict:
    """A fresh token for `user` (flushed; the caller commits): each thread gets its own."""
    plain, _token = issue_token(user, timedelta(hours=1))
    return {"Authorization": f"Bearer {plain}"}


def fire_together(app, calls: list[tuple[str, dict, dict | None]]) -> list[tuple[int, dict, dict]]:
    """POST every (path, headers, body) from its own thread and client at once; (status, JSON, headers) each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[BaseException] = []

    def call(index: int, path: str, headers: dict, body: dict | None) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            response = client.post(path, headers=headers, json=body)
            results[index] = (response.status_code, response.get_json(), dict(response.headers))
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            failures.append(error)

    threads = [threading.Thread(target=call, args=(index, *details)) for index, details in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert all(result is not None for result in results)
    return results


def assert_ledger_balanced(db) -> None:
    """Every entry balances and so does the whole ledger."""
    per_entry = db.session.execute(
        sa.select(JournalLine.entry_id, sa.func.sum(JournalLine.debit), sa.func.sum(JournalLine.credit))
        .group_by(JournalLine.entry_id)
    ).all()
    assert per_entry and all(debit == credit for _, debit, credit in per_entry)
    assert sum(row["balance"] for row in operations.trial_balance()) == 0


def slowed(monkeypatch, name: str, seconds: float = 0.5) -> None:
    """Make an operation hold its transaction a little longer, so concurrent twins surely overlap it."""
    original = getattr(operations, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(operations, name, slow)


def test_concurrent_http_approvals_never_exceed_the_pagu(app, client, db):
    maker = make_user("officer")
    checkers = [make_user("officer") for _ in range(4)]
    budget = make_budget(maker, amount=GRANT_TOTAL * FITS + 5_000_000)  # room for exactly 7 grants
    group = make_group(maker, members=5, status="active")
    grant_ids = [make_grant(maker, status="submitted", group=group).id for _ in range(CONCURRENT)]
    calls = [(f"/api/v1/grants/{grant_id}/approve",
              bearer(checkers[index % len(checkers)]) | {"Idempotency-Key": f"approve-{grant_id}"}, None)
             for index, grant_id in enumerate(grant_ids)]
    reader = bearer(maker)
    db.session.commit()
    budget_id = budget.id

    results = fire_together(app, calls)

    approved = [body for status, body, _ in results if status == 200]
    refused = [body for status, body, _ in results if status == 409]
    assert len(approved) == FITS and len(refused) == CONCURRENT - FITS, [status for status, _, _ in results]
    assert all(body["status"] == "approved" for body in approved)
    assert all(body["error"]["code"] == "budget_exceeded" and body["error"]["message"] for body in refused)
    db.session.expire_all()
    figures = operations.budget_figures([db.session.get(Budget, budget_id)])[budget_id]
    assert figures.committed == FITS * GRANT_TOTAL <= figures.pagu
    assert figures.remaining == 5_000_000
    statuses = db.session.scalars(sa.select(Grant.status).where(Grant.id.in_(grant_ids))).all()
    assert sorted(statuses).count("approved") == FITS and sorted(statuses).count("submitted") == CONCURRENT - FITS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.kind == "commitment")) == FITS
    # Only the approvals that went through kept their key; the refused ones may be retried.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == FITS
    assert_ledger_balanced(db)
    trial = client.get("/api/v1/ledger/trial-balance", headers=reader)
    assert trial.status_code == 200
    assert trial.get_json()["debit_total"] == trial.get_json()["credit_total"]


def test_two_officers_approving_one_grant_at_once_approve_it_once(app, db, monkeypatch):
    maker, first, second = make_user("officer"), make_user("officer"), make_user("officer")
    make_budget(maker)
    grant = make_grant(maker, status="submitted")
    calls = [(f"/api/v1/grants/{grant.id}/approve", bearer(first), None),
             (f"/api/v1/grants/{grant.id}/approve", bearer(second), None)]
    db.session.commit()
    slowed(monkeypatch, "approve_grant")

    results = fire_together(app, calls)

    assert sorted(status for status, _, _ in results) == [200, 409]
    [refused] = [body for status, body, _ in results if status == 409]
    assert refused["error"]["code"] == "invalid_transition"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.kind == "commitment")) == 1
    assert_ledger_balanced(db)


def test_a_concurrent_retry_with_the_same_key_creates_one_grant(app, db, monkeypatch):
    maker = make_user("officer")
    make_budget(maker)
    group = make_group(maker, members=5, status="active")
    body = {"program": "KUBE", "year": 2025, "group_id": group.id, "lines": TENT_LINES}
    # The same officer's phone sends the request twice (a retry after a timeout), on two connections.
    calls = [("/api/v1/grants", bearer(maker) | {"Idempotency-Key": "a7c4e1d0-retry"}, body) for _ in range(2)]
    db.session.commit()
    slowed(monkeypatch, "create_grant")

    results = fire_together(app, calls)

    assert [status for status, _, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    assert sorted(headers.get("Idempotent-Replayed", "") for _, _, headers in results) == ["", "true"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 1
