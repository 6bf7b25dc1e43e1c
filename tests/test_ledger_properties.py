"""Random sequences of budget, grant, approve, handover, cancel and revision keep the ledger's invariants."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.core.errors import DomainError
from kube.ledger import operations
from kube.ledger.models import Budget, Grant, JournalLine
from tests.factories import make_group, make_user

TODAY = date(2026, 11, 28)

amounts = st.integers(min_value=1, max_value=60_000_000)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("budget"), st.sampled_from(["KUBE", "UEP"]), st.sampled_from([2025, 2026]), amounts),
        st.tuples(st.just("grant"), st.sampled_from(["KUBE", "UEP"]), st.sampled_from([2025, 2026]), amounts),
        st.tuples(st.just("submit"), st.integers(0, 20)),
        st.tuples(st.just("approve"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("handover"), st.integers(0, 20)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("revise"), st.integers(0, 3), amounts),
    ),
    min_size=1, max_size=25,
)


def check_invariants(db):
    per_entry = db.session.execute(
        sa.select(sa.func.sum(JournalLine.debit), sa.func.sum(JournalLine.credit)).group_by(JournalLine.entry_id)
    ).all()
    assert all(debit == credit for debit, credit in per_entry)
    assert sum(row["balance"] for row in operations.trial_balance()) == 0
    budgets = db.session.scalars(sa.select(Budget)).all()
    figures = operations.budget_figures(budgets)
    for budget in budgets:
        f = figures[budget.id]
        grants = db.session.scalars(sa.select(Grant).where(Grant.budget_id == budget.id)).all()
        assert f.pagu == budget.amount
        assert f.remaining >= 0 and f.committed >= 0
        assert f.committed == sum(g.total for g in grants if g.status == "approved")
        assert f.disbursed == sum(g.total for g in grants if g.status == "handed_over")
        assert f.committed + f.disbursed <= f.pagu


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_operations_keep_the_ledger_sound(app, db, steps):
    savepoint = db.session.begin_nested()
    try:
        maker, checker = make_user("officer"), make_user("officer")
        groups = [make_group(maker, members=5, status="active") for _ in range(2)]
        budgets: list[Budget] = []
        grants: list[Grant] = []

        def pick(items, index):
            return items[index % len(items)] if items else None

        for step in steps:
            try:
                with db.session.begin_nested():
                    kind = step[0]
                    if kind == "budget":
                        budgets.append(operations.create_budget(step[1], step[2], step[3], "APBD", maker))
                    elif kind == "grant":
                        group = groups[step[3] % 2]
                        member = group.current_members[-1] if step[1] == "UEP" else None
                        grants.append(operations.create_grant(step[1], step[2], group,
                                                              [{"kind": "cash", "unit_value": step[3]}], maker, member=member))
                    elif kind == "submit" and grants:
                        operations.submit_grant(pick(grants, step[1]), maker)
                    elif kind == "approve" and grants:
                        operations.approve_grant(pick(grants, step[1]), maker if step[2] else checker, today=TODAY,
                                                 override_reason="Tambahan dalam uji sifat buku besar")
                    elif kind == "handover" and grants:
                        grant = pick(grants, step[1])
                        receiver = grant.member if grant.program == "UEP" else grant.group.ketua
                        operations.handover_grant(grant, TODAY, receiver, maker, today=TODAY)
                    elif kind == "cancel" and grants:
                        operations.cancel_grant(pick(grants, step[1]), "uji acak", maker)
                    elif kind == "revise" and budgets:
                        operations.revise_budget(pick(budgets, step[1]), step[2], "uji acak", checker)
            except DomainError:
                pass  # a refused step must leave everything as it was
            db.session.expire_all()
            check_invariants(db)
    finally:
        savepoint.rollback()
