"""The trial balance in words: accounts named by owner and kind, natural order, a period filter, CSV and XLSX exports."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from flask_login import login_user

from kube.groups.models import Group
from kube.ledger import operations
from kube.ledger.labels import account_label, natural_key
from kube.ledger.models import Account
from kube.ledger.operations import Posting, budget_account, get_account, post_entry, trial_balance_key
from kube.navigation import nav_items
from tests.factories import make_budget, make_grant, make_group

ROW_LABEL = re.compile(r'<td class="account-name"><a href="[^"]+">([^<]+)</a>')


def text(response) -> str:
    return response.get_data(as_text=True)


def page_labels(response) -> list[str]:
    """The account names of the page's rows, in the order shown."""
    return [html.unescape(label) for label in ROW_LABEL.findall(text(response))]


@pytest.fixture
def ledger(db, staff):
    """Kube Mekar Sari with a handed-over KUBE grant (equipment and cash) and a UEP cash grant to one member."""
    make_budget(staff["maker"], year=2025)
    make_budget(staff["maker"], program="UEP", year=2025, amount=30_000_000)
    group = make_group(staff["maker"], members=5, status="active", name="Kube Mekar Sari")
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group,
               lines=[{"kind": "equipment", "item": "Tenda", "quantity": 1, "unit": "unit", "unit_value": 6_500_000},
                      {"kind": "cash", "item": "Modal kerja", "unit_value": 1_000_000}])
    member = group.current_members[-1]
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group, program="UEP", member=member,
               lines=[{"kind": "cash", "item": "Modal usaha", "unit_value": 2_500_000}])
    db.session.commit()
    return {"group": group, "member": member}


@pytest.fixture
def viewer(app, staff, login):
    return login(staff["viewer"], test_client=app.test_client())


# -- names in words -------------------------------------------------------------------------------

def test_every_kind_of_account_has_a_name_in_words(app):
    with app.test_request_context("/"):
        assert account_label("appropriation", program="KUBE", year=2026) == "Pagu KUBE 2026: ditetapkan"
        assert account_label("available", program="KUBE", year=2026) == "Pagu KUBE 2026: tersedia"
        assert account_label("committed", program="UEP", year=2026) == "Pagu UEP 2026: terikat"
        assert account_label("equipment", group_name="Kube Mekar Sari") == "Kube Mekar Sari: peralatan"
        assert account_label("cash", group_name="Kube Mekar Sari") == "Kube Mekar Sari: kas"
        assert (account_label("cash", group_name="Kube Mekar Sari", member_name="Siti Rohmah")
                == "Siti Rohmah (UEP, Kube Mekar Sari): kas")
        assert account_label("cash", fallback="Akun lama") == "Akun lama"


def test_the_page_names_every_account_in_words_and_keeps_the_code_small(app, db, ledger, viewer):
    response = viewer.get("/ledger/trial-balance")
    assert response.status_code == 200
    labels = page_labels(response)
    member = ledger["member"].name
    for kind in ("ditetapkan", "tersedia", "terikat"):
        assert f"Pagu KUBE 2025: {kind}" in labels and f"Pagu UEP 2025: {kind}" in labels
    assert {"Kube Mekar Sari: peralatan", "Kube Mekar Sari: kas", f"{member} (UEP, Kube Mekar Sari): kas"} <= set(labels)
    assert len(labels) == len(operations.trial_balance()) == 9
    group_id = ledger["group"].id
    assert f'<small class="account-code muted"><code>group:{group_id}:equipment</code></small>' in text(response)
    assert "group:" not in "".join(labels)  # the codes are beside the words, never instead of them


def test_a_renamed_group_is_named_by_its_current_name(app, db, ledger, viewer):
    ledger["group"].name = "Kube Mekar Jaya"
    db.session.commit()
    assert "Kube Mekar Jaya: peralatan" in page_labels(viewer.get("/ledger/trial-balance"))


# -- natural order ---------------------------------------------------------------------------------

def test_codes_sort_naturally():
    assert natural_key("group:3:cash") < natural_key("group:14:cash")
    assert natural_key("group:2:cash") < natural_key("group:10:cash")
    assert sorted(["group:14:cash", "group:3:cash", "group:10:cash", "group:2:cash"], key=natural_key) == [
        "group:2:cash", "group:3:cash", "group:10:cash", "group:14:cash"]


def test_the_sort_key_orders_budgets_then_each_group_with_its_members():
    def key(code, kind, **owner):
        return trial_balance_key(Account(code=code, kind=kind, name="", **owner))

    assert key("group:3:cash", "cash", group_id=3) < key("group:14:equipment", "equipment", group_id=14)
    assert key("group:2:cash", "cash", group_id=2) < key("group:10:cash", "cash", group_id=10)
    assert key("group:3:equipment", "equipment", group_id=3) < key("group:3:cash", "cash", group_id=3)
    assert key("group:3:cash", "cash", group_id=3) < key("member:40:cash", "cash", group_id=3, member_id=40)
    assert key("member:40:cash", "cash", group_id=3, member_id=40) < key("group:14:cash", "cash", group_id=14)
    budget = trial_balance_key(Account(code="budget:10:available", kind="available", budget_id=10), 2025, "KUBE")
    later = trial_balance_key(Account(code="budget:2:available", kind="available", budget_id=2), 2026, "KUBE")
    assert budget < later < key("group:2:cash", "cash", group_id=2)


def test_groups_3_and_14_and_2_and_10_are_listed_in_number_order(app, db, staff, viewer):
    budget = make_budget(staff["maker"], year=2025)
    template = make_group(staff["maker"])
    # Groups with exactly these ids (the table is empty, and no group is added after them in this test).
    for group_id in (14, 3, 10, 2):
        db.session.add(Group(id=group_id, code=f"T-{group_id}", name=f"Kube Nomor {group_id}",
                             business_type=template.business_type, kelurahan_code=template.kelurahan_code,
                             formed_on=date(2024, 1, 1), status="active"))
    db.session.flush()
    for group_id in (14, 3, 10, 2):
        account = get_account(f"group:{group_id}:cash", "-", "cash", group_id=group_id)
        post_entry("disbursement", "uji", [Posting(account, debit=1_000),
                                           Posting(budget_account(budget, "available"), credit=1_000)],
                   staff["maker"], entry_date=date(2025, 3, 1))
    db.session.commit()
    labels = [label for label in page_labels(viewer.get("/ledger/trial-balance")) if label.startswith("Kube Nomor")]
    assert labels == ["Kube Nomor 2: kas", "Kube Nomor 3: kas", "Kube Nomor 10: kas", "Kube Nomor 14: kas"]


# -- the period ------------------------------------------------------------------------------------

def totals(response) -> tuple[str, str, str]:
    page = text(response)
    return tuple(re.search(rf'id="total-{name}">([^<]+)<', page).group(1)
                 for name in ("debit", "credit", "balance"))


def test_entries_outside_the_period_are_left_out_and_the_totals_still_balance(app, db, ledger, viewer):
    # The budgets' appropriations are dated 1 January; approvals 1 August; handovers 28 August 2025.
    everything = viewer.get("/ledger/trial-balance")
    debit, credit, balance = totals(everything)
    assert debit == credit == "Rp250.000.000" and balance == "Rp0"  # 230 million pagu, then 10 committed and handed over
    for query in ("from=2025-08-01&to=2025-08-31", "from=2025-08&to=2025-08", "from=2025-02"):
        august = viewer.get(f"/ledger/trial-balance?{query}")
        assert august.status_code == 200
        labels = page_labels(august)
        assert "Pagu KUBE 2025: ditetapkan" not in labels and "Pagu KUBE 2025: terikat" in labels
        debit, credit, balance = totals(august)
        assert debit == credit == "Rp20.000.000" and balance == "Rp0"  # (7.5 + 2.5 million) committed, then handed over
    handover_only = viewer.get("/ledger/trial-balance?from=2025-08-28&to=2025-08-28")
    assert totals(handover_only)[:2] == ("Rp10.000.000", "Rp10.000.000")
    assert "Pagu KUBE 2025: tersedia" not in page_labels(handover_only)
    january = viewer.get("/ledger/trial-balance?to=2025-01")
    assert page_labels(january) == ["Pagu KUBE 2025: ditetapkan", "Pagu KUBE 2025: tersedia",
                                    "Pagu UEP 2025: ditetapkan", "Pagu UEP 2025: tersedia"]
    empty = viewer.get("/ledger/trial-balance?from=2025-03-01&to=2025-03-31")
    assert page_labels(empty) == [] and "Tidak ada jurnal dalam periode ini." in text(empty)


def test_without_dates_the_page_covers_everything_up_to_today(app, db, ledger, viewer, frozen):
    frozen(date(2025, 8, 15))
    page = viewer.get("/ledger/trial-balance")
    assert "Semua jurnal sampai 15 Agustus 2025." in text(page)
    assert totals(page)[:2] == ("Rp240.000.000", "Rp240.000.000")  # the handovers of 28 August are not yet


@pytest.mark.parametrize("query, words", [
    ("from=2025-13-01", 'Tanggal "2025-13-01" tidak dapat dibaca'),
    ("to=kemarin", 'Tanggal "kemarin" tidak dapat dibaca'),
    ("from=2025-02-30", "TTTT-BB-HH"),
    ("from=2025-00", "TTTT-BB"),
    ("from=0000-01-01", "tidak dapat dibaca"),
    ("from=" + "9" * 500, "tidak dapat dibaca"),
    ("from=2025-09-01&to=2025-08-01", "Tanggal awal (1 September 2025) jatuh sesudah tanggal akhir (1 Agustus 2025)."),
])
def test_unreadable_dates_are_shown_back_with_a_message_never_a_500(app, db, ledger, viewer, query, words):
    for path in ("/ledger/trial-balance", "/ledger/trial-balance.csv", "/ledger/trial-balance.xlsx"):
        response = viewer.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.mimetype == "text/html"
        assert words in html.unescape(text(response)) and 'aria-invalid="true"' in text(response)
        assert page_labels(response) == []


# -- exports ---------------------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_rows(response) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("query", ["", "?from=2025-08&to=2025-08"])
def test_csv_and_xlsx_hold_exactly_the_rows_of_the_page(app, db, ledger, viewer, query):
    page = viewer.get(f"/ledger/trial-balance{query}")
    labels = page_labels(page)
    debit, credit, _ = totals(page)
    as_csv = viewer.get(f"/ledger/trial-balance.csv{query}")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = csv_rows(as_csv)
    assert rows[0] == ["Nama akun", "Kode akun", "Debit", "Kredit", "Saldo"]
    assert [row[0] for row in rows[1:-1]] == labels
    assert rows[-1][0] == "Jumlah" and rows[-1][2] == rows[-1][3] and rows[-1][4] == "0"
    assert f"Rp{int(rows[-1][2]):,}".replace(",", ".") == debit == credit
    as_xlsx = viewer.get(f"/ledger/trial-balance.xlsx{query}")
    assert as_xlsx.status_code == 200
    sheet = xlsx_rows(as_xlsx)
    assert [row[0] for row in sheet[1:-1]] == labels
    assert [["" if cell is None else str(cell) for cell in row] for row in sheet] == rows
    by_code = {row["account"].code: row for row in operations.trial_balance(
        *((date(2025, 8, 1), date(2025, 8, 31)) if query else (None, None)))}
    for name, code, row_debit, row_credit, row_balance in sheet[1:-1]:
        assert (by_code[code]["label"], by_code[code]["debit"], by_code[code]["credit"], by_code[code]["balance"]) \
            == (name, row_debit, row_credit, row_balance)


def test_an_exported_name_never_runs_as_a_formula(app, db, staff, viewer):
    make_budget(staff["maker"], year=2025)
    group = make_group(staff["maker"], members=5, status="active", name="=HYPERLINK(\"http://x\")")
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    db.session.commit()
    names = [row[0] for row in csv_rows(viewer.get("/ledger/trial-balance.csv"))]
    assert "'=HYPERLINK(\"http://x\"): peralatan" in names
    cells = [row[0] for row in xlsx_rows(viewer.get("/ledger/trial-balance.xlsx"))]
    assert not any(str(cell).startswith("=") for cell in cells)


def test_an_unknown_export_format_is_not_found(app, db, viewer):
    assert viewer.get("/ledger/trial-balance.pdf").status_code == 404


# -- the menu --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, shown", [("admin", True), ("officer", True), ("viewer", True), ("leader", False)])
def test_the_menu_offers_the_trial_balance_to_those_who_may_see_the_ledger(app, users, role, shown):
    with app.test_request_context("/"):
        login_user(users[role])
        items = {item["url"]: str(item["label"]) for item in nav_items()}
    assert ("/ledger/trial-balance" in items) is shown
    if shown:
        assert items["/ledger/trial-balance"] == "Neraca saldo"


def test_a_month_range_fills_the_date_fields_with_its_days(app, db, ledger, viewer):
    page = text(viewer.get("/ledger/trial-balance?from=2025-02&to=2025-02"))
    assert 'name="from" value="2025-02-01"' in page and 'name="to" value="2025-02-28"' in page
    assert "Jurnal tanggal 1 Februari 2025 sampai 28 Februari 2025." in page
    wrong = text(viewer.get("/ledger/trial-balance?from=2025-02-31"))
    assert 'name="from" value="2025-02-31"' in wrong  # what was typed is shown back with the message
