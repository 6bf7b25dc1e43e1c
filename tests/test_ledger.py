"""The ledger: budgets, the grant state machine, maker-checker, balanced append-only postings, equipment."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from kube.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kube.ledger import operations
from kube.ledger.guards import LedgerIsAppendOnly
from kube.ledger.models import Account, Asset, JournalEntry, JournalLine
from kube.ledger.operations import BudgetExceeded, Posting, UnbalancedEntry
from tests.factories import TENT_LINES, make_budget, make_grant, make_group

TODAY = date(2026, 11, 28)


def assert_ledger_balanced(db):
    """Every entry balances and the trial balance sums to zero."""
    per_entry = db.session.execute(
        sa.select(JournalLine.entry_id, sa.func.sum(JournalLine.debit), sa.func.sum(JournalLine.credit))
        .group_by(JournalLine.entry_id)
    ).all()
    assert all(debit == credit for _, debit, credit in per_entry)
    assert sum(row["balance"] for row in operations.trial_balance()) == 0


def figures(budget):
    return operations.budget_figures([budget])[budget.id]


def test_budget_posts_its_appropriation(db, staff):
    budget = make_budget(staff["maker"], amount=150_000_000)
    assert figures(budget) == operations.BudgetFigures(150_000_000, 0, 0, 150_000_000)
    assert_ledger_balanced(db)
    with pytest.raises(Exception) as duplicate:
        make_budget(staff["maker"], amount=1)
    assert duplicate.value.status == 409


@pytest.mark.parametrize("field, values", [
    ("program", {"program": "BLT"}), ("source", {"source": "hibah"}), ("amount", {"amount": 0}),
    ("amount", {"amount": 10.5}), ("amount", {"amount": -5}), ("year", {"year": 1999}),
])
def test_budget_values_are_checked(db, staff, field, values):
    args = {"program": "KUBE", "year": 2025, "amount": 1_000_000, "source": "APBD"} | values
    with pytest.raises(ValidationFailed) as refused:
        operations.create_budget(args["program"], args["year"], args["amount"], args["source"], staff["maker"])
    assert field in refused.value.fields


def test_kube_grant_from_draft_to_handover(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    budget = make_budget(maker)
    grant = make_grant(maker, checker, status="handed_over")
    assert grant.total == 17_500_000 and grant.status == "handed_over"
    assert figures(budget) == operations.BudgetFigures(200_000_000, 0, 17_500_000, 182_500_000)
    equipment = db.session.scalar(sa.select(Account).where(Account.code == f"group:{grant.group_id}:equipment"))
    assert operations.balance(equipment) == 17_500_000
    assets = db.session.scalars(sa.select(Asset).where(Asset.grant_id == grant.id).order_by(Asset.id)).all()
    assert [(a.item, a.quantity, a.value) for a in assets] == [("Tenda dekorasi", 2, 13_000_000), ("Kursi lipat", 50, 4_500_000)]
    assert grant.group.kube_grant_received_on == date(2025, 8, 28)
    statement = operations.group_capital_statement(grant.group)
    assert [(row["grant"].id, row["equipment"], row["cash"]) for row in statement] == [(grant.id, 17_500_000, 0)]
    assert_ledger_balanced(db)


def test_maker_cannot_approve_their_own_grant(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    grant = make_grant(maker, status="submitted")
    with pytest.raises(PermissionDenied):
        operations.approve_grant(grant, maker)
    assert grant.status == "submitted"
    operations.approve_grant(grant, checker)
    assert grant.approved_by_id == checker.id


def test_approval_refused_when_budget_remaining_is_too_small(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    budget = make_budget(maker, amount=30_000_000)
    make_grant(maker, checker, status="approved")  # 17,5 juta committed, 12,5 juta left
    second = make_grant(maker, status="submitted")
    with pytest.raises(BudgetExceeded) as refused:
        operations.approve_grant(second, checker)
    assert refused.value.status == 409 and refused.value.code == "budget_exceeded"
    assert "Rp12.500.000" in refused.value.message
    assert second.status == "submitted"
    assert figures(budget).remaining == 12_500_000
    exact = make_grant(maker, status="submitted", lines=[{"kind": "cash", "item": "Modal usaha", "unit_value": 12_500_000}])
    operations.approve_grant(exact, checker)  # exactly what is left fits
    assert figures(budget).remaining == 0


def test_group_must_be_active_to_approve_and_receive(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    proposed = make_group(maker, members=5)
    grant = make_grant(maker, status="submitted", group=proposed)
    with pytest.raises(InvalidTransition):
        operations.approve_grant(grant, checker)
    approved = make_grant(maker, checker, status="approved")
    from kube.groups.operations import transition_group

    transition_group(approved.group, "dissolved", maker)
    with pytest.raises(InvalidTransition):
        operations.handover_grant(approved, date(2025, 9, 1), approved.group.ketua, maker, today=TODAY)


@pytest.mark.parametrize("status, action", [
    ("draft", "approve"), ("draft", "handover"), ("submitted", "submit"), ("submitted", "handover"),
    ("approved", "submit"), ("approved", "approve"), ("handed_over", "cancel"), ("handed_over", "approve"),
    ("cancelled", "submit"), ("cancelled", "cancel"),
])
def test_refused_transitions_change_nothing(db, staff, status, action):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    grant = make_grant(maker, checker, status=status)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    call = {
        "submit": lambda: operations.submit_grant(grant, maker),
        "approve": lambda: operations.approve_grant(grant, checker),
        "handover": lambda: operations.handover_grant(grant, date(2025, 9, 1), grant.group.ketua, maker, today=TODAY),
        "cancel": lambda: operations.cancel_grant(grant, "salah input", maker),
    }[action]
    with pytest.raises(InvalidTransition):
        call()
    assert grant.status == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == entries


def test_cancelling_an_approved_grant_releases_the_commitment(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    budget = make_budget(maker)
    grant = make_grant(maker, checker, status="approved")
    assert figures(budget).committed == 17_500_000
    with pytest.raises(ValidationFailed):
        operations.cancel_grant(grant, "  ", maker)
    operations.cancel_grant(grant, "Kelompok bubar sebelum serah terima", maker)
    assert figures(budget) == operations.BudgetFigures(200_000_000, 0, 0, 200_000_000)
    kinds = db.session.scalars(sa.select(JournalEntry.kind).where(JournalEntry.grant_id == grant.id).order_by(JournalEntry.id)).all()
    assert kinds == ["commitment", "release"]
    assert_ledger_balanced(db)


def test_handover_checks_receiver_and_date(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    grant = make_grant(maker, checker, status="approved")
    anggota = grant.group.current_members[3]
    with pytest.raises(ValidationFailed) as refused:
        operations.handover_grant(grant, TODAY, anggota, maker, today=TODAY)
    assert "received_by_member_id" in refused.value.fields
    with pytest.raises(ValidationFailed):
        operations.handover_grant(grant, date(2027, 1, 1), grant.group.ketua, maker, today=TODAY)
    with pytest.raises(ValidationFailed) as refused:  # before it was approved
        operations.handover_grant(grant, date(2020, 1, 1), grant.group.ketua, maker, today=TODAY)
    assert "date" in refused.value.fields
    assert grant.status == "approved"


def test_uep_grant_goes_to_one_member_in_cash(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    budget = make_budget(maker, program="UEP", amount=50_000_000)
    group = make_group(maker, members=5, status="active")
    with pytest.raises(ValidationFailed):
        operations.create_grant("UEP", 2025, group, [{"kind": "cash", "unit_value": 2_500_000}], maker)
    grant = make_grant(maker, checker, status="handed_over", group=group, program="UEP",
                       lines=[{"kind": "cash", "item": "Modal usaha warung", "unit_value": 2_500_000}])
    cash = db.session.scalar(sa.select(Account).where(Account.code == f"member:{grant.member_id}:cash"))
    assert operations.balance(cash) == 2_500_000 and cash.group_id == group.id
    assert figures(budget).disbursed == 2_500_000
    assert group.kube_grant_received_on is None  # UEP is not a Kube grant


@pytest.mark.parametrize("line, field", [
    ({"kind": "equipment", "item": "", "unit_value": 1000}, "lines.0.item"),
    ({"kind": "equipment", "item": "Tenda", "quantity": 0, "unit_value": 1000}, "lines.0.quantity"),
    ({"kind": "equipment", "item": "Tenda", "quantity": 1.5, "unit_value": 1000}, "lines.0.quantity"),
    ({"kind": "equipment", "item": "Tenda", "quantity": 1, "unit_value": 999.5}, "lines.0.unit_value"),
    ({"kind": "cash", "quantity": 2, "unit_value": 1000}, "lines.0.quantity"),
    ({"kind": "hibah", "item": "x", "unit_value": 1000}, "lines.0.kind"),
])
def test_grant_lines_are_whole_rupiah_and_positive(db, staff, line, field):
    make_budget(staff["maker"])
    group = make_group(staff["maker"], members=5, status="active")
    with pytest.raises(ValidationFailed) as refused:
        operations.create_grant("KUBE", 2025, group, [line], staff["maker"])
    assert field in refused.value.fields


def test_grant_needs_a_budget_for_its_year(db, staff):
    make_budget(staff["maker"], year=2025)
    group = make_group(staff["maker"], members=5, status="active")
    with pytest.raises(ValidationFailed) as refused:
        operations.create_grant("KUBE", 2026, group, TENT_LINES, staff["maker"])
    assert "year" in refused.value.fields


def test_unbalanced_or_empty_entries_are_refused(db, staff):
    budget = make_budget(staff["maker"])
    available = operations.budget_account(budget, "available")
    committed = operations.budget_account(budget, "committed")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    for postings in ([], [Posting(available, debit=100), Posting(committed, credit=99)],
                     [Posting(available, debit=-5), Posting(committed, credit=-5)],
                     [Posting(available, debit=10, credit=10)]):
        with pytest.raises(UnbalancedEntry):
            operations.post_entry("appropriation", "uji", postings, staff["maker"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == count


def test_balances_are_sums_of_lines(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    make_grant(maker, checker, status="handed_over")
    make_grant(maker, checker, status="approved")
    for row in operations.trial_balance():
        lines = db.session.scalars(sa.select(JournalLine).where(JournalLine.account_id == row["account"].id)).all()
        assert row["balance"] == sum(line.debit - line.credit for line in lines)
        statement = operations.account_statement(row["account"])
        assert (statement[-1]["balance"] if statement else 0) == row["balance"]
    assert_ledger_balanced(db)


def test_ledger_rows_cannot_be_updated_or_deleted(db, staff):
    make_budget(staff["maker"])
    db.session.commit()
    entry = db.session.scalars(sa.select(JournalEntry)).first()
    line = entry.lines[0]
    line.debit = line.debit + 1
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(JournalEntry, entry.id))
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(LedgerIsAppendOnly):
        db.session.execute(sa.update(JournalLine).values(debit=0))
    with pytest.raises(LedgerIsAppendOnly):
        db.session.execute(sa.delete(JournalEntry))
    db.session.rollback()
    # Below the ORM, the database's own triggers refuse too.
    for statement in ("UPDATE journal_lines SET credit = credit + 1", "DELETE FROM journal_lines",
                      "DELETE FROM journal_entries"):
        with db.engine.connect() as conn:
            with pytest.raises(DatabaseError):
                conn.execute(sa.text(statement))
    assert_ledger_balanced(db)


def test_budget_revision_is_a_reversal_and_a_new_appropriation(db, staff):
    maker, checker, admin = staff["maker"], staff["checker"], staff["admin"]
    budget = make_budget(maker, amount=100_000_000)
    make_grant(maker, checker, status="approved")
    with pytest.raises(BudgetExceeded):
        operations.revise_budget(budget, 10_000_000, "pemotongan", admin)
    operations.revise_budget(budget, 80_000_000, "Pergeseran anggaran APBD-P", admin)
    assert figures(budget) == operations.BudgetFigures(80_000_000, 17_500_000, 0, 62_500_000)
    original = db.session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == "appropriation").order_by(JournalEntry.id)).first()
    reversal = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.reverses_entry_id == original.id))
    assert reversal.kind == "reversal"
    with pytest.raises(InvalidTransition):
        operations.reverse_entry(original, "lagi", admin)
    operations.revise_budget(budget, 90_000_000, "revisi kedua", admin)
    assert figures(budget).pagu == 90_000_000
    assert_ledger_balanced(db)


def test_equipment_condition_checks(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    grant = make_grant(maker, checker, status="handed_over")
    tent = db.session.scalars(sa.select(Asset).where(Asset.grant_id == grant.id)).first()
    with pytest.raises(ValidationFailed):
        operations.record_asset_check(tent, date(2025, 10, 1), "hancur", "", checker, today=TODAY)
    with pytest.raises(ValidationFailed):
        operations.record_asset_check(tent, date(2025, 1, 1), "baik", "", checker, today=TODAY)
    operations.record_asset_check(tent, date(2025, 10, 1), "baik", "Disewakan 3x bulan ini", checker, today=TODAY)
    operations.record_asset_check(tent, date(2026, 2, 1), "rusak", "Terpal sobek", checker, today=TODAY)
    assert [c.condition for c in tent.checks] == ["baik", "rusak"]
