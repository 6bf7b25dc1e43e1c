"""The ledger pages: budgets, grants through maker-checker to handover, ledger reports, equipment, access."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from kube.core import clock
from kube.ledger import operations
from kube.ledger.forms import LINE_ROWS
from kube.ledger.labels import (
    ACCOUNT_KIND_LABELS, CONDITION_LABELS, ENTRY_KIND_LABELS, GRANT_STATUS_LABELS, PROGRAM_LABELS, SOURCE_LABELS,
)
from kube.ledger.models import (
    ACCOUNT_KINDS, CONDITIONS, ENTRY_KINDS, FUNDING_SOURCES, GRANT_STATUSES, PROGRAMS, Account, Asset, AssetCheck,
    Budget, Grant, JournalEntry,
)
from kube.ledger.views import group_panel as ledger_panel
from tests.factories import office_today, TENT_LINES, make_budget, make_grant, make_group, make_user
from tests.statements import page_statement_count, recorded_statements

THIS_YEAR = office_today().year

#: Every ledger page that changes something (GET shows the form or confirmation, POST does it).
POST_ENDPOINTS = ("ledger.budget_new", "ledger.budget_revise", "ledger.grant_new", "ledger.grant_submit",
                  "ledger.grant_approve", "ledger.grant_handover", "ledger.grant_cancel", "ledger.asset_check")


def text(response) -> str:
    return response.get_data(as_text=True)


def rp(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


def grant_form(group, program: str = "KUBE", year: int = THIS_YEAR, rows=(), **extra) -> dict:
    """What a browser posts from the grant form: six rows, filled from `rows`, the rest empty."""
    data = {"program": program, "year": str(year), "group_id": str(group.id), "group_code": "", "member_id": "",
            "note": "", "cash_amount": "", "cash_specification": "", "submit": "y"}
    for index in range(LINE_ROWS):
        row = rows[index] if index < len(rows) else {}
        for name in ("item", "specification", "quantity", "unit", "unit_value"):
            data[f"lines-{index}-{name}"] = str(row.get(name, ""))
    data.update(extra)
    return data


TENT_ROWS = [
    {"item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": "2", "unit": "unit",
     "unit_value": "Rp6.500.000"},
    {"item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": "50", "unit": "buah",
     "unit_value": "90.000"},
]  # Rp17.500.000


@pytest.fixture
def people(app, db, users, login):
    """Two officers (maker A, checker B), an admin, a viewer and a leader, each with a logged-in client."""
    officer_b = make_user("officer")
    db.session.commit()
    accounts = {"a": users["officer"], "b": officer_b, "admin": users["admin"], "viewer": users["viewer"]}
    clients = {}
    for name, user in accounts.items():
        clients[name] = login(user, test_client=app.test_client())
    return accounts, clients


def figures(db, budget_id: int) -> operations.BudgetFigures:
    db.session.expire_all()
    budget = db.session.get(Budget, budget_id)
    return operations.budget_figures([budget])[budget_id]


def budget_row(response, year: int, program: str = "KUBE") -> str:
    """The budgets table row of one program and year."""
    for row in re.findall(r"<tr>(.*?)</tr>", text(response), re.S):
        if f"<td>{year}</td>" in row and program in row:
            return row
    raise AssertionError(f"no row for {program} {year}")


# -- the whole flow ---------------------------------------------------------------------------

def test_tent_grant_from_form_to_handover(app, db, people, group):
    accounts, clients = people
    a, b = clients["a"], clients["b"]

    response = a.post("/budgets/new", data={"program": "KUBE", "year": str(THIS_YEAR), "amount": "Rp 200.000.000",
                                            "source": "APBD", "note": "DPA Dinsos"})
    assert response.status_code == 302, text(response)
    budget = db.session.scalar(select(Budget))
    assert budget.amount == 200_000_000
    assert rp(200_000_000) in budget_row(a.get("/budgets"), THIS_YEAR)

    page = text(a.get(f"/grants/new?group_id={group.id}"))
    assert page.count('name="lines-') == LINE_ROWS * 5
    assert f'<option selected value="{group.id}">' in page or f'value="{group.id}" selected' in page

    response = a.post("/grants/new", data=grant_form(group, rows=TENT_ROWS))
    assert response.status_code == 302, text(response)
    grant = db.session.scalar(select(Grant))
    assert (grant.status, grant.total, len(grant.lines)) == ("draft", 17_500_000, 2)
    assert [line.unit_value for line in grant.lines] == [6_500_000, 90_000]
    detail = text(a.get(response.headers["Location"]))
    assert f"dicatat sebagai draf. Total: {rp(17_500_000)}." in detail  # the computed total, after saving
    assert "Tenda dekorasi" in detail and "Draf" in detail

    assert a.post(f"/grants/{grant.id}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "submitted"

    # The maker is warned before and refused on submit; nothing changes.
    assert "petugas lain" in text(a.get(f"/grants/{grant.id}/approve"))
    refused = a.post(f"/grants/{grant.id}/approve")
    assert refused.status_code == 200
    assert "Bantuan harus disetujui oleh petugas lain dari yang mencatatnya." in text(refused)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "submitted"
    assert figures(db, budget.id).committed == 0

    approve_page = text(b.get(f"/grants/{grant.id}/approve"))
    assert rp(200_000_000) in approve_page and rp(182_500_000) in approve_page
    assert b.post(f"/grants/{grant.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).approved_by_id == accounts["b"].id
    assert figures(db, budget.id) == operations.BudgetFigures(200_000_000, 17_500_000, 0, 182_500_000)
    row = budget_row(a.get("/budgets"), THIS_YEAR)
    assert rp(17_500_000) in row and rp(182_500_000) in row

    handover_page = text(a.get(f"/grants/{grant.id}/handover"))
    ketua = group.ketua
    assert re.search(rf'<option selected value="{ketua.id}">|<option value="{ketua.id}" selected', handover_page)
    assert office_today().isoformat() in handover_page
    assert accounts["a"].full_name in handover_page
    response = a.post(f"/grants/{grant.id}/handover",
                      data={"handover_date": office_today().isoformat(), "received_by_member_id": str(ketua.id)})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    grant = db.session.get(Grant, grant.id)
    assert (grant.status, grant.handed_over_by_id, grant.received_by_member_id) == (
        "handed_over", accounts["a"].id, ketua.id)
    assert figures(db, budget.id) == operations.BudgetFigures(200_000_000, 0, 17_500_000, 182_500_000)
    row = budget_row(a.get("/budgets"), THIS_YEAR)
    assert rp(0) in row and rp(17_500_000) in row and rp(182_500_000) in row

    capital = text(a.get(f"/groups/{group.id}/capital"))
    assert rp(17_500_000) in capital and f"#{grant.id}" in capital
    assert grant.letter_number and grant.letter_number in capital  # numbered at handover by the letters feature
    equipment = text(a.get(f"/groups/{group.id}/equipment"))
    assert "Tenda dekorasi" in equipment and "Kursi lipat" in equipment and "Belum diperiksa" in equipment
    history = text(a.get(f"/grants/{grant.id}"))
    assert "Sudah diserahkan" in history and ketua.name in history and accounts["b"].full_name in history


def test_grant_can_be_chosen_by_typed_group_code_and_cash_line(app, db, people, group):
    accounts, clients = people
    make_budget(accounts["a"], year=THIS_YEAR)
    db.session.commit()
    data = grant_form(group, rows=TENT_ROWS[:1], group_id="", group_code=group.code.lower(),
                      cash_amount="2.500.000", cash_specification="modal kerja")
    response = clients["a"].post("/grants/new", data=data)
    assert response.status_code == 302, text(response)
    grant = db.session.scalar(select(Grant))
    assert grant.group_id == group.id and grant.total == 13_000_000 + 2_500_000
    assert [(line.kind, line.item, line.total) for line in grant.lines] == [
        ("equipment", "Tenda dekorasi", 13_000_000), ("cash", "Uang tunai", 2_500_000)]

    unknown = clients["a"].post("/grants/new", data=grant_form(group, rows=TENT_ROWS, group_code="KUBE-0000-9999"))
    assert "Tidak ada kelompok dengan kode KUBE-0000-9999." in text(unknown)
    assert db.session.scalar(select(func.count(Grant.id))) == 1


def test_budget_exceeded_is_shown_and_nothing_changes(app, db, people, group):
    accounts, clients = people
    budget = make_budget(accounts["a"], year=2025, amount=10_000_000)
    grant = make_grant(accounts["a"], status="submitted", group=group)
    db.session.commit()
    page = text(clients["b"].get(f"/grants/{grant.id}/approve"))
    assert "Sisa pagu tidak cukup" in page
    response = clients["b"].post(f"/grants/{grant.id}/approve")
    assert response.status_code == 200
    assert "Sisa pagu KUBE 2025 tidak cukup: sisa Rp10.000.000, bantuan Rp17.500.000." in text(response)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "submitted"
    assert figures(db, budget.id) == operations.BudgetFigures(10_000_000, 0, 0, 10_000_000)
    assert db.session.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.kind == "commitment")) == 0


# -- bad input is re-shown, nothing saved -----------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"rows": []}, "Bantuan harus punya paling sedikit satu baris barang atau uang."),
    # The one Rupiah parser (kube.core.money) refuses every malformed amount with the same message.
    ({"rows": [TENT_ROWS[0] | {"unit_value": "6.500.000,50"}]}, "tanpa koma, desimal atau tanda minus"),
    ({"rows": [TENT_ROWS[0] | {"unit_value": "6500000.5"}]}, "tanpa koma, desimal atau tanda minus"),
    ({"rows": [TENT_ROWS[0] | {"unit_value": "-6.500.000"}]}, "tanpa koma, desimal atau tanda minus"),
    ({"rows": [TENT_ROWS[0] | {"unit_value": "enam juta"}]}, "tanpa koma, desimal atau tanda minus"),
    ({"rows": [TENT_ROWS[0] | {"unit_value": "٦٥٠٠٠٠٠"}]}, "tanpa koma, desimal atau tanda minus"),
    ({"rows": [TENT_ROWS[0] | {"quantity": "1,5"}]}, "Jumlah barang harus bilangan bulat"),
    ({"rows": [TENT_ROWS[0] | {"quantity": ""}]}, "Jumlah barang harus bilangan bulat positif."),
    ({"rows": [TENT_ROWS[0] | {"item": ""}]}, "Nama barang wajib diisi."),
    ({"rows": TENT_ROWS, "program": "UEP"}, "Bantuan UEP harus untuk anggota aktif kelompok ini."),
    ({"rows": TENT_ROWS, "group_id": ""}, "Pilih kelompok atau ketik kodenya."),
    ({"rows": TENT_ROWS, "year": "2031"}, "Belum ada anggaran KUBE untuk tahun 2031."),
])
def test_invalid_grant_form_is_reshown_and_saves_nothing(app, db, people, group, change, message):
    accounts, clients = people
    make_budget(accounts["a"], year=THIS_YEAR)
    make_budget(accounts["a"], program="UEP", year=THIS_YEAR)
    db.session.commit()
    change = dict(change)
    data = grant_form(group, rows=change.pop("rows"), **change)
    response = clients["a"].post("/grants/new", data=data)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    if data["lines-0-item"]:
        assert f'value="{data["lines-0-item"]}"' in page  # what was typed is kept
    if data["lines-0-unit_value"]:
        assert f'value="{data["lines-0-unit_value"]}"' in page
    assert db.session.scalar(select(func.count(Grant.id))) == 0


def test_uep_grant_with_member_is_saved(app, db, people, group):
    accounts, clients = people
    make_budget(accounts["a"], program="UEP", year=THIS_YEAR)
    db.session.commit()
    member = group.current_members[-1]
    # Without JavaScript the member list follows the group after "show members"; nothing is saved then.
    shown = clients["a"].post("/grants/new", data=grant_form(group, program="UEP", submit="",
                                                             show_members="y"))
    assert member.name in text(shown) and db.session.scalar(select(func.count(Grant.id))) == 0
    data = grant_form(group, program="UEP", member_id=str(member.id),
                      cash_amount="Rp2.500.000")
    response = clients["a"].post("/grants/new", data=data)
    assert response.status_code == 302, text(response)
    grant = db.session.scalar(select(Grant))
    assert (grant.program, grant.member_id, grant.total) == ("UEP", member.id, 2_500_000)


def test_add_rows_button_adds_empty_rows_and_saves_nothing(app, db, people, group):
    _, clients = people
    data = grant_form(group, rows=TENT_ROWS, submit="", add_rows="y")
    page = text(clients["a"].post("/grants/new", data=data))
    assert 'name="lines-8-item"' in page and 'value="Tenda dekorasi"' in page
    assert db.session.scalar(select(func.count(Grant.id))) == 0


@pytest.mark.parametrize("amount, message", [
    ("1,5", "tanpa koma, desimal atau tanda minus"), ("", "Wajib diisi."), ("0", "Jumlah harus lebih dari nol."),
    ("-1.000", "tanpa koma, desimal atau tanda minus"), ("²", "tanpa koma, desimal atau tanda minus"),
])
def test_invalid_budget_form_saves_nothing(app, db, people, amount, message):
    _, clients = people
    response = clients["a"].post("/budgets/new", data={"program": "KUBE", "year": "2025", "amount": amount,
                                                       "source": "APBD"})
    assert response.status_code == 200 and message in text(response)
    assert db.session.scalar(select(func.count(Budget.id))) == 0


def test_duplicate_budget_is_refused_on_the_year_field(app, db, people):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    db.session.commit()
    response = clients["a"].post("/budgets/new", data={"program": "KUBE", "year": "2025", "amount": "1.000.000",
                                                       "source": "APBN"})
    assert "Anggaran KUBE tahun 2025 sudah ada." in text(response)
    assert db.session.scalar(select(func.count(Budget.id))) == 1


def test_budget_revision_refuses_less_than_used_and_marks_the_reversal(app, db, people, group):
    accounts, clients = people
    budget = make_budget(accounts["a"], year=2025, amount=50_000_000)
    make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    db.session.commit()
    admin = clients["admin"]
    assert clients["a"].get(f"/budgets/{budget.id}/revise").status_code == 403
    page = text(admin.get(f"/budgets/{budget.id}/revise"))
    assert 'value="50.000.000"' in page and rp(17_500_000) in page

    refused = text(admin.post(f"/budgets/{budget.id}/revise", data={"amount": "10.000.000", "reason": "DPA-P"}))
    assert "Pagu baru lebih kecil dari dana yang sudah terikat dan tersalurkan." in refused
    assert "Pagu baru Rp10.000.000 tidak disimpan" in refused
    no_reason = text(admin.post(f"/budgets/{budget.id}/revise", data={"amount": "60.000.000", "reason": ""}))
    assert "Alasan koreksi wajib diisi." in no_reason
    assert figures(db, budget.id).pagu == 50_000_000

    response = admin.post(f"/budgets/{budget.id}/revise", data={"amount": "60.000.000", "reason": "DPA perubahan"})
    assert response.status_code == 302
    assert figures(db, budget.id) == operations.BudgetFigures(60_000_000, 17_500_000, 0, 42_500_000)
    available = db.session.scalar(select(Account).where(Account.code == f"budget:{budget.id}:available"))
    statement = text(admin.get(f"/ledger/accounts/{available.id}"))
    first = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == "appropriation")
                              .order_by(JournalEntry.id))
    reversal = db.session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == first.id))
    assert f"koreksi atas #{first.id}" in statement and f"dibalik oleh #{reversal.id}" in statement
    assert rp(42_500_000) in statement


# -- cancel -----------------------------------------------------------------------------------

def test_cancelling_an_approved_grant_needs_a_reason_and_releases_the_commitment(app, db, people, group):
    accounts, clients = people
    budget = make_budget(accounts["a"], year=2025, amount=100_000_000)
    grant = make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    db.session.commit()
    assert figures(db, budget.id).committed == 17_500_000
    page = text(clients["a"].get(f"/grants/{grant.id}/cancel"))
    assert "dikembalikan ke sisa pagu" in page

    response = clients["a"].post(f"/grants/{grant.id}/cancel", data={"reason": "  "})
    assert response.status_code == 200 and "Alasan pembatalan wajib diisi." in text(response)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "approved"

    response = clients["a"].post(f"/grants/{grant.id}/cancel", data={"reason": "Kelompok pindah usaha"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "cancelled"
    assert figures(db, budget.id) == operations.BudgetFigures(100_000_000, 0, 0, 100_000_000)
    assert "Kelompok pindah usaha" in text(clients["viewer"].get(f"/grants/{grant.id}"))
    # A cancelled grant offers no further action, and its pages say so.
    assert "tidak dapat dibatalkan" in text(clients["a"].get(f"/grants/{grant.id}/cancel"))
    again = clients["a"].post(f"/grants/{grant.id}/cancel", data={"reason": "lagi"})
    assert again.status_code == 200 and "Status bantuan tidak dapat diubah" in text(again)


@pytest.mark.parametrize("status, action, message", [
    ("cancelled", "approve", "Status bantuan tidak dapat diubah dari Dibatalkan ke Disetujui."),
    ("handed_over", "cancel", "Status bantuan tidak dapat diubah dari Sudah diserahkan ke Dibatalkan."),
    ("submitted", "submit", "Status bantuan tidak dapat diubah dari Diajukan ke Diajukan."),
])
def test_a_refused_grant_transition_names_the_statuses_in_words(app, db, people, group, status, action, message):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    grant = make_grant(accounts["a"], accounts["b"], status=status, group=group)
    db.session.commit()
    refused = clients["b"].post(f"/grants/{grant.id}/{action}", data={"reason": "salah input"})
    assert refused.status_code == 200 and message in text(refused)
    assert f"dari {status}" not in text(refused)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == status


def test_a_closed_group_is_named_by_its_status_in_words(app, db, people, users):
    accounts, clients = people
    make_budget(accounts["a"], year=THIS_YEAR)
    dissolved = make_group(users["officer"], members=5, status="dissolved")
    db.session.commit()
    refused = clients["a"].post("/grants/new", data=grant_form(dissolved, rows=TENT_ROWS))
    assert "Kelompok berstatus Dibubarkan tidak dapat menerima bantuan baru." in text(refused)
    assert db.session.scalar(select(func.count(Grant.id))) == 0


def test_a_refused_grant_transition_names_the_statuses_in_english_too(app, db, people, group):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    grant = make_grant(accounts["a"], accounts["b"], status="cancelled", group=group)
    db.session.commit()
    clients["b"].post("/language/en", data={"next": "/"})
    refused = text(clients["b"].post(f"/grants/{grant.id}/approve"))
    assert "Grant status cannot be changed from Cancelled to Approved." in refused


def test_handover_refuses_a_wrong_receiver_and_a_future_date(app, db, people, group):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    grant = make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    db.session.commit()
    not_ketua = group.current_members[-1]
    wrong = clients["a"].post(f"/grants/{grant.id}/handover", data={
        "handover_date": office_today().isoformat(), "received_by_member_id": str(not_ketua.id)})
    assert "diterima oleh ketua kelompok" in text(wrong)
    future = clients["a"].post(f"/grants/{grant.id}/handover", data={
        "handover_date": (office_today() + timedelta(days=2)).isoformat(), "received_by_member_id": str(group.ketua.id)})
    assert "tidak boleh di masa depan" in text(future)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "approved"
    assert db.session.scalar(select(func.count(Asset.id))) == 0


def test_handover_counts_today_in_jakarta_not_on_the_servers_utc_clock(app, db, people, group, frozen):
    """At 20:00 UTC it is already 03:00 the next day in Serang: that day is the default and is not "future"."""
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    grant = make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    db.session.commit()
    utc_day = clock.utc_now().date()
    frozen(datetime.combine(utc_day, time(20, 0), tzinfo=timezone.utc))
    jakarta_day = utc_day + timedelta(days=1)

    assert f'value="{jakarta_day.isoformat()}"' in text(clients["a"].get(f"/grants/{grant.id}/handover"))
    too_late = clients["a"].post(f"/grants/{grant.id}/handover", data={
        "handover_date": (jakarta_day + timedelta(days=1)).isoformat(), "received_by_member_id": str(group.ketua.id)})
    assert "tidak boleh di masa depan" in text(too_late)
    handed = clients["a"].post(f"/grants/{grant.id}/handover", data={
        "handover_date": jakarta_day.isoformat(), "received_by_member_id": str(group.ketua.id)})
    assert handed.status_code == 302, text(handed)
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).handover_date == jakarta_day

# -- ledger reports ---------------------------------------------------------------------------

def test_trial_balance_totals_are_equal(app, db, people):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    make_budget(accounts["a"], program="UEP", year=2025, amount=30_000_000, source="APBN")
    group = make_group(accounts["a"], members=5, status="active")
    make_grant(accounts["a"], accounts["b"], status="handed_over", group=group)
    make_grant(accounts["a"], accounts["b"], status="approved", group=group, program="UEP",
               lines=[{"kind": "cash", "unit_value": 2_500_000}])
    cancelled = make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    operations.cancel_grant(cancelled, "salah input", accounts["a"])
    db.session.commit()
    page = text(clients["viewer"].get("/ledger/trial-balance"))
    debit = re.search(r'id="total-debit">([^<]+)<', page).group(1)
    credit = re.search(r'id="total-credit">([^<]+)<', page).group(1)
    assert debit == credit and debit != "Rp0"
    assert re.search(r'id="total-balance">Rp0<', page)
    assert "Seimbang" in page
    for row in operations.trial_balance():
        assert row["account"].code in page


def test_account_statement_has_running_balance_and_grant_links(app, db, people, group):
    accounts, clients = people
    budget = make_budget(accounts["a"], year=2025, amount=50_000_000)
    grant = make_grant(accounts["a"], accounts["b"], status="handed_over", group=group)
    db.session.commit()
    committed = db.session.scalar(select(Account).where(Account.code == f"budget:{budget.id}:committed"))
    page = text(clients["viewer"].get(f"/ledger/accounts/{committed.id}"))
    assert f'href="/grants/{grant.id}"' in page
    balances = re.findall(r'<td class="num">(-?Rp[\d.]+)</td>\s*</tr>', page)
    assert balances == [rp(17_500_000), rp(0)]
    assert clients["viewer"].get("/ledger/accounts/999999").status_code == 404


# -- equipment --------------------------------------------------------------------------------

def test_asset_checks_are_recorded_and_shown(app, db, people, group):
    accounts, clients = people
    make_budget(accounts["a"], year=2025)
    make_grant(accounts["a"], accounts["b"], status="handed_over", group=group)
    db.session.commit()
    tent = db.session.scalar(select(Asset).where(Asset.item == "Tenda dekorasi"))
    url = f"/equipment/{tent.id}/checks/new"
    assert "Belum pernah diperiksa." in text(clients["a"].get(url))

    future = clients["a"].post(url, data={"condition": "baik", "checked_on": (office_today() + timedelta(days=1))
                                          .isoformat(), "note": ""})
    assert "tidak boleh di masa depan" in text(future)
    unknown = clients["a"].post(url, data={"condition": "bagus", "checked_on": office_today().isoformat()})
    assert "Kondisi harus baik, rusak, hilang atau dijual." in text(unknown)
    assert db.session.scalar(select(func.count(AssetCheck.id))) == 0

    first = clients["a"].post(url, data={"condition": "baik", "checked_on": "2026-01-10",
                                         "note": "Disewakan 4 kali"})
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/groups/{group.id}/equipment")
    clients["b"].post(url, data={"condition": "rusak", "checked_on": office_today().isoformat(),
                                 "note": "Rangka bengkok"})
    checks = db.session.scalars(select(AssetCheck).order_by(AssetCheck.id)).all()
    assert [(c.condition, c.officer_id) for c in checks] == [("baik", accounts["a"].id), ("rusak", accounts["b"].id)]
    register = text(clients["viewer"].get(f"/groups/{group.id}/equipment"))
    tent_row = next(row for row in re.findall(r"<tr>(.*?)</tr>", register, re.S) if "Tenda dekorasi" in row)
    assert "Rusak" in tent_row and "Rangka bengkok" in tent_row and "Disewakan" not in tent_row
    history = text(clients["a"].get(url))
    assert "Disewakan 4 kali" in history and accounts["b"].full_name in history


# -- access -----------------------------------------------------------------------------------

@pytest.fixture
def ledger_world(db, people, group):
    """A handed-over grant to `group`, another group with its own grant, and the sample ids of every page."""
    accounts, _ = people
    budget = make_budget(accounts["a"], year=2025)
    grant = make_grant(accounts["a"], accounts["b"], status="handed_over", group=group)
    other_group = make_group(accounts["a"], members=5, status="active")
    other_grant = make_grant(accounts["a"], accounts["b"], status="handed_over", group=other_group)
    draft = make_grant(accounts["a"], status="draft", group=group)
    db.session.commit()
    asset = db.session.scalar(select(Asset).where(Asset.grant_id == grant.id))
    account = db.session.scalar(select(Account).where(Account.code == f"group:{group.id}:equipment"))
    return {"budget": budget, "grant": grant, "draft": draft, "other_group": other_group,
            "other_grant": other_grant, "asset": asset, "account": account}


def page_urls(world, group) -> dict[str, str]:
    return {
        "ledger.budgets": "/budgets",
        "ledger.budget_new": "/budgets/new",
        "ledger.budget_revise": f"/budgets/{world['budget'].id}/revise",
        "ledger.grants": "/grants",
        "ledger.grant_new": "/grants/new",
        "ledger.grant_detail": f"/grants/{world['grant'].id}",
        "ledger.grant_submit": f"/grants/{world['draft'].id}/submit",
        "ledger.grant_approve": f"/grants/{world['draft'].id}/approve",
        "ledger.grant_handover": f"/grants/{world['draft'].id}/handover",
        "ledger.grant_cancel": f"/grants/{world['draft'].id}/cancel",
        "ledger.trial_balance": "/ledger/trial-balance",
        "ledger.trial_balance_export": "/ledger/trial-balance.csv",
        "ledger.account_statement": f"/ledger/accounts/{world['account'].id}",
        "ledger.group_statement": f"/groups/{group.id}/capital",
        "ledger.group_assets": f"/groups/{group.id}/equipment",
        "ledger.asset_check": f"/equipment/{world['asset'].id}/checks/new",
        "ledger.equipment_register": "/equipment",
        "ledger.equipment_register_export": "/equipment.csv",
    }


def test_every_ledger_page_is_in_the_list_above(app, ledger_world, group):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("ledger.")}
    listed = set(page_urls(ledger_world, group))
    assert listed <= endpoints
    # Pages added later by other features (letters; photos, tested in test_photos.py) are not ledger pages of this module.
    assert {e for e in endpoints - listed if "letter" not in e and "verify" not in e and e != "ledger.photo"} == set()


def test_viewer_reads_every_page_but_every_post_is_refused(app, db, people, group, ledger_world):
    _, clients = people
    viewer = clients["viewer"]
    urls = page_urls(ledger_world, group)
    for endpoint, url in urls.items():
        expected = 403 if endpoint in POST_ENDPOINTS else 200
        assert viewer.get(url).status_code == expected, (endpoint, url)
    before = db.session.scalar(select(func.count(JournalEntry.id)))
    for endpoint in POST_ENDPOINTS:
        assert viewer.post(urls[endpoint], data={"reason": "x", "amount": "1"}).status_code == 403, endpoint
    assert db.session.scalar(select(func.count(JournalEntry.id))) == before
    detail = text(viewer.get(urls["ledger.grant_detail"]))
    assert "/cancel" not in detail and "/handover" not in detail


def test_leader_reads_only_their_own_group(app, db, people, group, ledger_world, login):
    leader = make_user("leader", group_id=group.id)
    db.session.commit()
    client = login(leader, test_client=app.test_client())
    other = ledger_world["other_group"]
    assert client.get(f"/groups/{group.id}/capital").status_code == 200
    assert client.get(f"/groups/{group.id}/equipment").status_code == 200
    own = client.get(f"/grants/{ledger_world['grant'].id}")
    assert own.status_code == 200 and "Jurnal" not in text(own) and "/approve" not in text(own)
    assert "Catat pemeriksaan" not in text(client.get(f"/groups/{group.id}/equipment"))
    assert client.get(f"/groups/{other.id}/capital").status_code == 404
    assert client.get(f"/groups/{other.id}/equipment").status_code == 404
    assert client.get(f"/grants/{ledger_world['other_grant'].id}").status_code == 404
    urls = page_urls(ledger_world, group)
    for endpoint in ("ledger.budgets", "ledger.grants", "ledger.trial_balance", "ledger.account_statement",
                     *POST_ENDPOINTS):
        assert client.get(urls[endpoint]).status_code == 403, endpoint
    for endpoint in POST_ENDPOINTS:
        assert client.post(urls[endpoint]).status_code == 403, endpoint


def test_officer_sees_actions_for_the_grant_status(app, db, people, group, ledger_world):
    _, clients = people
    draft_page = text(clients["a"].get(f"/grants/{ledger_world['draft'].id}"))
    assert f"/grants/{ledger_world['draft'].id}/submit" in draft_page
    assert f"/grants/{ledger_world['draft'].id}/cancel" in draft_page
    assert f"/grants/{ledger_world['draft'].id}/approve" not in draft_page
    done = text(clients["a"].get(f"/grants/{ledger_world['grant'].id}"))
    assert "/cancel" not in done and "/handover" not in done and "Jurnal" in done
    refused = clients["a"].get(f"/grants/{ledger_world['draft'].id}/handover")
    assert refused.status_code == 200 and "hanya bantuan yang sudah disetujui" in text(refused)


# -- lists load in a fixed number of queries --------------------------------------------------

def _many_grants(db, maker, checker, count: int) -> None:
    groups = [make_group(maker, members=5, status="active") for _ in range(3)]
    statuses = ("draft", "submitted", "approved", "handed_over", "cancelled")
    for index in range(count):
        group = groups[index % 3]
        program = "UEP" if index % 4 == 0 else "KUBE"
        lines = [{"kind": "cash", "unit_value": 1_000_000}] if program == "UEP" else [TENT_LINES[1]]
        make_grant(maker, checker, status=statuses[index % 5], group=group, program=program, lines=lines,
                   member=group.current_members[index % 5] if program == "UEP" else None)
    db.session.commit()


def test_list_pages_use_a_fixed_number_of_queries(app, db, people):
    accounts, clients = people
    make_budget(accounts["a"], year=2025, amount=900_000_000)
    make_budget(accounts["a"], program="UEP", year=2025, amount=900_000_000)
    db.session.commit()
    _many_grants(db, accounts["a"], accounts["b"], 5)
    first_group = db.session.scalar(select(Grant.group_id).order_by(Grant.id))
    urls = ["/grants", "/grants?program=KUBE&status=approved&kecamatan=36.73.04&q=kube", "/budgets",
            "/ledger/trial-balance", f"/groups/{first_group}/capital", f"/groups/{first_group}/equipment",
            f"/grants/{db.session.scalar(select(func.max(Grant.id)))}"]
    client = clients["viewer"]
    before = [page_statement_count(app, db, client, url) for url in urls]
    _many_grants(db, accounts["a"], accounts["b"], 30)
    assert [page_statement_count(app, db, client, url) for url in urls] == before
    listed = text(client.get("/grants"))
    assert listed.count('href="/grants/') == app.config["PER_PAGE"]
    assert "Halaman 1 dari 2" in listed


def test_grant_list_filters_and_totals(app, db, people):
    accounts, clients = people
    make_budget(accounts["a"], year=2025, amount=900_000_000)
    make_budget(accounts["a"], program="UEP", year=2025, amount=900_000_000)
    db.session.commit()
    _many_grants(db, accounts["a"], accounts["b"], 10)
    client = clients["viewer"]
    page = text(client.get("/grants?status=handed_over"))
    handed_over = db.session.scalars(select(Grant).where(Grant.status == "handed_over")).all()
    assert page.count('href="/grants/') == len(handed_over) == 2
    assert rp(sum(g.total for g in handed_over)) in page
    uep = text(client.get("/grants?program=UEP"))
    assert uep.count('href="/grants/') == db.session.scalar(select(func.count(Grant.id)).where(Grant.program == "UEP"))
    some_group = db.session.scalar(select(Grant).order_by(Grant.id)).group
    by_code = text(client.get(f"/grants?q={some_group.code}"))
    assert by_code.count('href="/grants/') == db.session.scalar(
        select(func.count(Grant.id)).where(Grant.group_id == some_group.id))
    assert text(client.get("/grants?kecamatan=36.73.01")).count('href="/grants/') == 0
    assert client.get("/grants?year=abc&status=nope&page=99").status_code == 200


# -- the group page's ledger section ----------------------------------------------------------

def _render_group_ledger(app, db, group_id: int, user_id: int) -> tuple[str, int]:
    """The group page's ledger section as HTML, and the statements it took, from a fresh session."""
    from kube.auth.models import User
    from kube.groups.models import Group

    with app.app_context(), app.test_request_context():
        login_user(db.session.get(User, user_id))
        group = db.session.get(Group, group_id)
        with recorded_statements(db.engine) as statements:
            html = render_template("ledger/_group_ledger.html", **ledger_panel(group))
    return html, len(statements)


def test_group_ledger_partial_renders_from_its_context_in_fixed_queries(app, db, people, group, ledger_world):
    accounts, _ = people
    html, before = _render_group_ledger(app, db, group.id, accounts["a"].id)
    assert rp(17_500_000) in html and "Tenda dekorasi" in html and f"/grants/new?group_id={group.id}" in html
    assert f"/grants/{ledger_world['grant'].id}" in html and f"/grants/{ledger_world['draft'].id}" in html
    assert before <= 3
    make_budget(accounts["a"], program="UEP", year=2025)
    for _ in range(3):
        make_grant(accounts["a"], accounts["b"], status="handed_over", group=group)
        make_grant(accounts["a"], accounts["b"], status="handed_over", group=group, program="UEP",
                   member=group.current_members[-1], lines=[TENT_LINES[0], {"kind": "cash", "unit_value": 500_000}])
    db.session.commit()
    operations.record_asset_check(db.session.scalar(select(Asset)), office_today(), "rusak", "", accounts["a"])
    db.session.commit()
    html, after = _render_group_ledger(app, db, group.id, accounts["a"].id)
    assert after == before and "Rusak" in html
    viewer_html, _ = _render_group_ledger(app, db, group.id, accounts["viewer"].id)
    assert "/grants/new" not in viewer_html and "Catat pemeriksaan" not in viewer_html


@pytest.mark.parametrize("app_overrides", [{"PER_PAGE": 2}])
def test_account_statement_pages_carry_the_balance_forward(app, db, people, group):
    accounts, clients = people
    budget = make_budget(accounts["a"], year=2025, amount=900_000_000)
    for _ in range(3):
        make_grant(accounts["a"], accounts["b"], status="approved", group=group)
    db.session.commit()
    available = db.session.scalar(select(Account).where(Account.code == f"budget:{budget.id}:available"))
    first = text(clients["viewer"].get(f"/ledger/accounts/{available.id}"))
    assert "Halaman 1 dari 2" in first and "Saldo dari halaman sebelumnya" not in first
    second = text(clients["viewer"].get(f"/ledger/accounts/{available.id}?page=2"))
    assert f"Saldo dari halaman sebelumnya</td><td class=\"num\">{rp(900_000_000 - 17_500_000)}" in second
    assert rp(900_000_000 - 3 * 17_500_000) in second


def test_every_code_has_an_indonesian_label():
    assert set(PROGRAM_LABELS) == set(PROGRAMS) and set(SOURCE_LABELS) == set(FUNDING_SOURCES)
    assert set(GRANT_STATUS_LABELS) == set(GRANT_STATUSES) and set(CONDITION_LABELS) == set(CONDITIONS)
    assert set(ACCOUNT_KIND_LABELS) == set(ACCOUNT_KINDS) and set(ENTRY_KIND_LABELS) == set(ENTRY_KINDS)
