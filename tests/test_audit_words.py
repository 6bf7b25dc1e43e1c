"""The audit log in words: every action the code records has a name, bare amounts read as Rupiah, the page fits a phone."""
from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest
from sqlalchemy import select

import kube
from kube.audit.labels import ACTION_LABELS, AMOUNT_PATTERNS, audit_action, audit_summary
from kube.audit.models import AuditEntry
from kube.audit.operations import record_audit
from kube.ledger import operations
from tests.factories import make_budget, make_grant, make_group

SOURCE = Path(kube.__file__).parent


def _strings_in(node) -> set[str]:
    """The strings an expression can evaluate to: a literal, or either branch of `a if test else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings_in(node.body) | _strings_in(node.orelse)
    return set()


def recorded_actions() -> dict[str, str]:
    """Every action passed to record_audit anywhere in kube/, read from the source: action -> where.

    A literal counts as it is; a name (`action`, `AUDIT_ACTION`) counts as every string assigned to it in
    the same module, so a new action cannot slip in without words behind a variable either.
    """
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None))
                    == "record_audit" and call.args):
                continue
            first, where = call.args[0], f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
            if isinstance(first, ast.Constant):
                values = {first.value}
            elif isinstance(first, ast.Name):
                values = set().union(*(_strings_in(node.value) for node in ast.walk(tree)
                                       if isinstance(node, ast.Assign)
                                       and any(getattr(t, "id", None) == first.id for t in node.targets)))
            else:
                values = set()
            assert values, f"{where}: record_audit's action is neither a string nor a name assigned strings"
            found.update(dict.fromkeys(values, where))
    return found


def test_the_source_reading_finds_the_actions_behind_variables_too():
    actions = recorded_actions()
    assert {"grant.approve", "user.password_reset", "user.password_change", "history.import"} <= set(actions)
    assert len(actions) >= 30


def test_every_action_recorded_in_the_code_has_words(app):
    missing = {action: where for action, where in recorded_actions().items() if action not in ACTION_LABELS}
    assert not missing, f"add these to kube.audit.labels.ACTION_LABELS: {missing}"
    with app.test_request_context("/"):
        for action in recorded_actions():
            words = audit_action(action)
            assert words and words != action and "." not in words, action


def test_actions_read_as_words(app):
    with app.test_request_context("/"):
        assert audit_action("grant.approve") == "Bantuan disetujui"
        assert audit_action("report.verify") == "Laporan pendapatan diverifikasi"
        assert audit_action("something.new") == "something.new"  # an unknown code is shown, not hidden


# -- amounts in Rupiah -----------------------------------------------------------------------------

@pytest.mark.parametrize("action, summary, shown", [
    ("grant.approve", "17500000", "Rp17.500.000"),
    ("grant.approve", "17500000; alasan bantuan kedua: tenda rusak 2025", "Rp17.500.000; alasan bantuan kedua: tenda rusak 2025"),
    ("grant.submit", "2500000", "Rp2.500.000"),
    ("grant.create", "KUBE 2026 KUBE-3673-0014: 17500000", "KUBE 2026 KUBE-3673-0014: Rp17.500.000"),
    ("budget.create", "KUBE 2026: 200000000 (APBD)", "KUBE 2026: Rp200.000.000 (APBD)"),
    ("budget.revise", "200000000 -> 250000000: tambahan APBD-P 2026", "Rp200.000.000 -> Rp250.000.000: tambahan APBD-P 2026"),
    ("grant.historical", "KUBE 2021 KUBE-3673-0003: 17500000; BAST 12/2021; disetujui 2021-05-01",
     "KUBE 2021 KUBE-3673-0003: Rp17.500.000; BAST 12/2021; disetujui 2021-05-01"),
    # Numbers that are not amounts stay as they are.
    ("report.verify", "KUBE-3673-0001 Juli 2025", "KUBE-3673-0001 Juli 2025"),
    ("grant.approve", "persetujuan 17500000", "persetujuan 17500000"),
    ("asset.check", "baik 2025-08-28", "baik 2025-08-28"),
    ("token.issue", "token 12", "token 12"),
    ("grant.submit", "", ""),
    (None, None, ""),
])
def test_bare_amounts_in_summaries_read_as_rupiah(app, action, summary, shown):
    with app.test_request_context("/"):
        assert audit_summary(action, summary) == shown


def test_the_summaries_the_operations_write_are_the_ones_turned_into_rupiah(app, db, staff):
    budget = make_budget(staff["maker"], year=2025)
    operations.revise_budget(budget, 250_000_000, "tambahan APBD perubahan", staff["admin"])
    group = make_group(staff["maker"], members=5, status="active")
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    make_grant(staff["maker"], staff["checker"], status="approved", group=group)  # a second one: with a reason
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(AMOUNT_PATTERNS))).all()
    assert {e.action for e in entries} >= {"budget.create", "budget.revise", "grant.create", "grant.submit",
                                           "grant.approve"}
    with app.test_request_context("/"):
        for entry in entries:
            shown = audit_summary(entry.action, entry.summary)
            assert "Rp" in shown and shown != entry.summary, (entry.action, entry.summary)
        reasoned = [e for e in entries if e.action == "grant.approve" and "alasan" in e.summary]
        assert reasoned and audit_summary("grant.approve", reasoned[0].summary).startswith("Rp17.500.000; alasan")


# -- the page --------------------------------------------------------------------------------------

def test_the_page_shows_words_and_rupiah_and_keeps_the_stored_text(app, db, users, login):
    long_reason = "kelompok pindah lokasi usaha dan tenda lama rusak berat " * 12
    record_audit("grant.approve", "grant", 7, f"17500000; alasan bantuan kedua: {long_reason}", actor=users["admin"])
    record_audit("report.verify", "income_report", 3, "KUBE-3673-0001 Juli 2025", actor=users["officer"])
    db.session.commit()
    page = html.unescape(login(users["admin"]).get("/admin/audit/").get_data(as_text=True))
    assert "Bantuan disetujui" in page and "Laporan pendapatan diverifikasi" in page
    assert "Rp17.500.000; alasan bantuan kedua: kelompok pindah" in page
    assert "<code>grant.approve</code>" in page  # the code stays visible (and filterable) beside the words
    # A long summary wraps in its cell; on a phone each row is a card of labelled lines (even without scripts).
    assert '<table class="stack audit-log">' in page
    assert '<td class="audit-summary" data-label="Ringkasan">' in page
    stored = db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "grant.approve"))
    assert stored.startswith("17500000; alasan")


def test_the_stylesheet_wraps_long_summaries_and_sets_no_width_on_a_phone():
    css = (SOURCE / "static" / "css" / "kube.css").read_text(encoding="utf-8")
    assert ".audit-log .audit-summary { overflow-wrap:anywhere; white-space:normal; }" in css
    assert "@media (min-width: 721px) { .trial-balance .account-name { min-width:14rem; } " \
           ".audit-log .audit-summary { min-width:16rem; } }" in css
