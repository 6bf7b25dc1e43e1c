"""On PostgreSQL, concurrent approvals never overcommit a budget (the budget row is locked)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from kube.auth.models import User
from kube.extensions import db as _db
from kube.ledger import operations
from kube.ledger.models import Budget, Grant, JournalLine
from kube.ledger.operations import BudgetExceeded
from tests.factories import make_budget, make_grant, make_group, make_user

pytestmark = pytest.mark.postgres  # concurrency is proven on PostgreSQL only

CONCURRENT = 24
GRANT_TOTAL = 17_500_000


@pytest.fixture
def app_overrides():
    # One connection per approving officer, all waiting at the barrier together.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CONCURRENT + 4, "max_overflow": 0}}


def test_concurrent_approvals_never_exceed_the_pagu(app, db):
    maker, checker = make_user("officer"), make_user("officer")
    budget = make_budget(maker, amount=GRANT_TOTAL * 7 + 5_000_000)  # room for exactly 7 grants
    group = make_group(maker, members=5, status="active")
    grant_ids = [make_grant(maker, status="submitted", group=group).id for _ in range(CONCURRENT)]
    db.session.commit()
    checker_id, budget_id = checker.id, budget.id
    barrier = threading.Barrier(CONCURRENT)
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()

    def approve(grant_id: int) -> None:
        with app.app_context():
            try:
                grant = _db.session.get(Grant, grant_id)
                actor = _db.session.get(User, checker_id)
                barrier.wait(timeout=30)
                operations.approve_grant(grant, actor, override_reason="Uji bersamaan: anggaran yang sama")
                _db.session.commit()
                result = ("approved", 200)
            except BudgetExceeded as refused:
                _db.session.rollback()
                result = ("refused", refused.status)
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(gid,)) for gid in grant_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == CONCURRENT
    assert sorted(outcomes).count(("approved", 200)) == 7
    assert sorted(outcomes).count(("refused", 409)) == CONCURRENT - 7
    db.session.expire_all()
    figures = operations.budget_figures([db.session.get(Budget, budget_id)])[budget_id]
    assert figures.committed == 7 * GRANT_TOTAL <= figures.pagu
    assert figures.remaining == 5_000_000
    debit, credit = db.session.execute(sa.select(sa.func.sum(JournalLine.debit), sa.func.sum(JournalLine.credit))).one()
    assert debit == credit
