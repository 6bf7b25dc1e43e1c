"""On PostgreSQL, two handovers at once to a group that has no ledger account yet both go through (no 500).

Found by bench/load.py: handovers from two different budgets lock different budget rows, so
both transactions looked for the group's equipment account, found none, and both inserted it;
the second insert hit the unique account code and the request answered 500.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from kube.ledger.models import Account, Letter
from tests.factories import make_budget, make_grant, make_group, make_user
from tests.test_api_ledger_concurrency import assert_ledger_balanced, bearer, fire_together

pytestmark = [
    pytest.mark.postgres,
]

GROUPS = 3


@pytest.fixture
def app_overrides():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2 * GROUPS + 4, "max_overflow": 0}}


def test_handovers_from_two_budgets_to_one_new_group_at_once_both_succeed(app, db):
    maker, checker = make_user("officer"), make_user("officer")
    make_budget(maker, year=2025)
    make_budget(maker, year=2024)
    calls, group_ids = [], []
    for _ in range(GROUPS):
        # A group that never received anything: its equipment account is created by whichever handover comes first.
        group = make_group(maker, members=5, status="active")
        group_ids.append(group.id)
        for year in (2025, 2024):
            grant = make_grant(maker, checker, status="approved", group=group, year=year)
            grant.approved_at = datetime(2025, 8, 1, 2, tzinfo=timezone.utc)
            calls.append((f"/api/v1/grants/{grant.id}/handover", bearer(maker),
                          {"date": date(2025, 8, 28).isoformat(), "received_by_member_id": group.ketua.id}))
    db.session.commit()

    results = fire_together(app, calls)

    assert [status for status, _, _ in results] == [200] * len(calls), [body for _, body, _ in results]
    accounts = db.session.scalars(sa.select(Account.code).where(Account.group_id.in_(group_ids))).all()
    assert sorted(accounts) == sorted(f"group:{group_id}:equipment" for group_id in group_ids)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Letter)) == len(calls)
    assert_ledger_balanced(db)
