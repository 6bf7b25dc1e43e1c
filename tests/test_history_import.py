"""The history workbook: template, import through the live rules, all or nothing, every error, dry run, idempotency, page, command."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from flask import g
from openpyxl import load_workbook
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.core.periods import month_index
from kube.extensions import db as _db
from kube.groups.models import Group, Member
from kube.history import importer, workbook
from kube.ledger.models import Asset, Budget, Grant, JournalEntry
from kube.monitoring import operations as monitoring
from kube.reports.models import IncomeReport
from tests.conftest import scratch_database
from tests.factories import jakarta, make_budget, make_group, valid_kk, valid_nik
from tests.history_workbooks import history_rows, history_xlsx
from tests.workbooks import empty_rows_bomb

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KUBE_TEST_DATABASE_URL")
GO_LIVE = date(2025, 6, 1)
#: The tests stand after go-live, entering the years before it.
TODAY = jakarta(2025, 7, 15)
A, B = "KUBE-2019-001", "KUBE-2019-002"
LETTER = "460/001/BAST-Dinsos/VI/2020"
MODELS = (Group, Member, Budget, Grant, IncomeReport, JournalEntry, Asset)


@pytest.fixture
def app_overrides():
    return {"GO_LIVE_DATE": GO_LIVE}


@pytest.fixture(autouse=True)
def standing(frozen):
    frozen(TODAY)


@pytest.fixture
def admin(users):
    return users["admin"]


def counts() -> dict[str, int]:
    """Rows of every table an import writes to (the audit log too)."""
    result = {model.__name__: _db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}
    result["AuditEntry"] = _db.session.scalar(select(func.count()).select_from(AuditEntry))
    return result


def person(code: str, role: str = "anggota", **changes) -> dict:
    return {"group": code, "nik": valid_nik(), "kk": valid_kk(), "name": f"Warga {role}", "role": role, **changes}


def base_rows() -> dict[str, list[dict]]:
    """Two groups (Curug, Serang) of five, a KUBE grant of two lines, a UEP grant, budgets and nine reports.

    Rows: Kelompok A=2, B=3; Anggota A 2-6, B 7-11; Anggaran 2-3; Bantuan A 2-3, B 4; Laporan A 2-7, B 8-10.
    """
    members_a = [person(A, role) for role in ("ketua", "sekretaris", "bendahara", "anggota", "anggota")]
    members_b = [person(B, role) for role in ("ketua", "sekretaris", "bendahara", "anggota", "anggota")]
    return {
        "Kelompok": [
            {"code": A, "name": "Kube Mekar Sari", "business_type": "Sewa tenda dan kursi", "kelurahan": "36.73.04.1002",
             "formed_on": date(2020, 1, 15), "status": "aktif", "active_on": date(2020, 2, 1)},
            {"code": B, "name": "Kube Sauyunan", "business_type": "warung", "kelurahan": "Cipare",
             "formed_on": "01-03-2020", "status": "Aktif"},
        ],
        "Anggota": members_a + members_b,
        "Anggaran": [{"program": "KUBE", "year": 2020, "amount": 100_000_000, "source": "APBD"},
                     {"program": "uep", "year": 2020, "amount": "Rp 50.000.000", "source": "apbd"}],
        "Bantuan": [
            {"letter": LETTER, "program": "KUBE", "year": 2020, "group": A, "approved_on": date(2020, 6, 1),
             "handover_date": date(2020, 6, 20), "kind": "peralatan", "item": "Tenda dekorasi", "quantity": 2,
             "unit": "unit", "unit_value": 6_500_000},
            {"letter": LETTER, "program": "KUBE", "year": 2020, "group": A, "approved_on": date(2020, 6, 1),
             "handover_date": date(2020, 6, 20), "kind": "peralatan", "item": "Kursi lipat", "quantity": 50,
             "unit": "buah", "unit_value": "90.000"},
            {"letter": "460/002/BAST-Dinsos/VII/2020", "program": "UEP", "year": 2020, "group": B,
             "uep_nik": members_b[4]["nik"], "approved_on": date(2020, 7, 1), "handover_date": date(2020, 7, 10),
             "kind": "uang", "unit_value": 2_500_000},
        ],
        "Laporan": [{"group": A, "period": f"2020-{month:02d}", "revenue": 3_000_000, "expenses": 1_000_000}
                    for month in range(2, 8)]
        + [{"group": B, "period": f"2020-{month:02d}", "revenue": 2_000_000, "expenses": 500_000} for month in (3, 4, 5)],
    }


def where(report) -> set[tuple]:
    return {(error.sheet, error.row, error.column) for error in report.errors}


# -- the template ---------------------------------------------------------------------------------

def test_template_has_five_sheets_instructions_and_imports_cleanly_into_an_empty_database(db, admin):
    data = workbook.template_xlsx()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Kelompok", "Anggota", "Anggaran", "Bantuan", "Laporan", "Petunjuk", "Kode Kelurahan"]
    guide = " ".join(str(cell) for row in book["Petunjuk"].iter_rows(values_only=True) for cell in row if cell)
    for sheet in workbook.SHEETS:
        assert [cell.value for cell in book[sheet.name][1]] == [column.label for column in sheet.columns]
        assert book[sheet.name].max_row >= 2  # an example row under the header
        for column in sheet.columns:
            assert column.label in guide and str(column.help) in guide
    before = counts()

    report = importer.import_history(data, "templat.xlsx", admin)
    db.session.commit()

    assert report.ok, [str(error) for error in report.errors]
    assert dict(report.created) == {"Kelompok": 1, "Anggota": 5, "Anggaran": 1, "Bantuan": 1, "Laporan": 1}
    group = db.session.scalar(select(Group).where(Group.code == workbook.EXAMPLE_GROUP))
    assert group.status == "active" and group.kube_grant_received_on == date(2021, 8, 28)
    assert [(change.to_status, change.at.date()) for change in group.status_changes] == [
        ("proposed", date(2021, 2, 28)), ("active", date(2021, 2, 28))]  # midnight in Jakarta, stored in UTC
    grant = db.session.scalar(select(Grant))
    assert grant.historical and grant.status == "handed_over" and grant.received_by.role == "ketua"
    assert db.session.scalar(select(IncomeReport.historical)) is True
    assert counts()["Member"] == before["Member"] + 5


# -- a realistic workbook, twice ----------------------------------------------------------------

def test_a_realistic_workbook_imports_and_a_second_import_creates_nothing_and_says_so(db, admin):
    rows = history_rows(groups=12, members=120, grants=18, reports=420, today=date(2025, 5, 1))
    data = history_xlsx(rows)

    first = importer.import_history(data, "riwayat-2019-2024.xlsx", admin)
    db.session.commit()

    assert first.ok, [str(error) for error in first.errors[:10]]
    assert dict(first.created) == {"Kelompok": 12, "Anggota": 120, "Anggaran": 4, "Bantuan": 18, "Laporan": 420}
    statuses = dict(db.session.execute(select(Group.code, Group.status)).all())
    assert statuses["KUBE-H0008"] == "graduated" and statuses["KUBE-H0001"] == "active"
    assert db.session.scalar(select(func.count()).select_from(Member).where(Member.left_on.is_not(None))) == 1
    assert db.session.scalar(select(func.count()).select_from(IncomeReport).where(IncomeReport.historical)) == 420
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.historical)) == 18
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "history.import"))
    assert entry.user_id == admin.id and entry.object_id == first.sha256
    [past] = importer.past_imports()
    assert past.filename == "riwayat-2019-2024.xlsx" and past.sha256 == first.sha256
    assert past.counts == {"Kelompok": 12, "Anggota": 120, "Anggaran": 4, "Bantuan": 18, "Laporan": 420}
    after_first = counts()

    second = importer.import_history(data, "riwayat-2019-2024.xlsx", admin)
    db.session.commit()

    assert second.ok and second.nothing_new and second.total_created == 0
    assert dict(second.existing) == {"Kelompok": 12, "Anggota": 120, "Anggaran": 4, "Bantuan": 18, "Laporan": 420}
    assert second.earlier is not None and second.earlier[1] == admin.username
    assert counts() == after_first  # not even an audit entry: nothing changed


def test_existing_groups_take_new_members_and_months_but_codes_of_kubes_own_pattern_must_exist(db, admin, officer):
    live = make_group(officer, members=5, status="active", formed_on=date(2021, 1, 10))
    db.session.commit()
    rows = {"Anggota": [person(live.code, joined_on=date(2021, 2, 1))],
            "Laporan": [{"group": live.code.lower(), "period": "2021-03", "revenue": 1_000_000, "expenses": 0}],
            "Kelompok": [{"code": "KUBE-3673-9999", "name": "Baru", "business_type": "warung",
                          "kelurahan": "36.73.04.1002", "formed_on": date(2021, 1, 1)}]}

    refused = importer.import_history(history_xlsx(rows), "x.xlsx", admin)
    assert where(refused) == {("Kelompok", 2, "Kode Kelompok")}
    assert "catatan kantor" in refused.errors[0].message

    del rows["Kelompok"]
    report = importer.import_history(history_xlsx(rows), "x.xlsx", admin)
    db.session.commit()
    assert report.ok, [str(error) for error in report.errors]
    assert dict(report.created) == {"Anggota": 1, "Laporan": 1}
    assert len(db.session.get(Group, live.id).current_members) == 6


# -- broken workbooks: nothing imported, every error named ----------------------------------------

def _wrong_headers(rows, headers):
    headers["Anggaran"] = ["Program", "Thn Anggrn", "Pagu", "Sumber Dana", "Catatan"]


def _nik_twice(rows, headers):
    rows["Anggota"].append(person(A, nik=rows["Anggota"][0]["nik"]))  # row 12, the NIK of row 2


def _letter_twice(rows, headers):
    rows["Bantuan"][2]["letter"] = LETTER  # B's UEP grant (row 4) takes A's number (rows 2-3)


def _report_before_formed(rows, headers):
    rows["Laporan"].append({"group": A, "period": "2019-12", "revenue": 1_000_000, "expenses": 0})  # row 11


def _unknown_kelurahan(rows, headers):
    rows["Kelompok"][1]["kelurahan"] = "Cipare Baru"


def _text_in_amount(rows, headers):
    rows["Laporan"][0]["revenue"] = "tiga juta"


CASES = {
    "wrong headers": (_wrong_headers, {("Anggaran", 1, "Tahun")}),
    "NIK twice": (_nik_twice, {("Anggota", 12, "NIK")}),
    "letter number twice": (_letter_twice, {("Bantuan", 4, "Nomor BAST")}),
    "report before the group formed": (_report_before_formed, {("Laporan", 11, "Bulan")}),
    "unknown kelurahan": (_unknown_kelurahan, {("Kelompok", 3, "Kelurahan")}),
    "text in an amount": (_text_in_amount, {("Laporan", 2, "Omzet")}),
}


@pytest.mark.parametrize("case", [*CASES, "all at once"])
def test_a_broken_workbook_imports_nothing_and_lists_every_error_with_sheet_row_and_column(db, admin, case):
    rows, headers = base_rows(), {}
    breaks = list(CASES.values()) if case == "all at once" else [CASES[case]]
    for breaker, _expected in breaks:
        breaker(rows, headers)
    before = counts()

    report = importer.import_history(history_xlsx(rows, headers), "rusak.xlsx", admin)
    db.session.commit()

    assert not report.ok
    assert where(report) == set().union(*(expected for _breaker, expected in breaks))
    assert counts() == before
    messages = {(error.sheet, error.row): str(error) for error in report.errors}
    expected_text = {
        "NIK twice": (("Anggota", 12), "Anggota, baris 12, kolom NIK: NIK sudah tercatat di baris 2."),
        "letter number twice": (("Bantuan", 4), f"Nomor BAST {LETTER} sudah tercatat di baris 2 untuk bantuan lain"),
        "report before the group formed": (("Laporan", 11), "sebelum itu tidak dapat dilaporkan"),
        "unknown kelurahan": (("Kelompok", 3), "Kelurahan Cipare Baru tidak dikenal"),
        "text in an amount": (("Laporan", 2), "Tulis jumlah Rupiah dengan angka bulat"),
        "wrong headers": (("Anggaran", 1), "Kolom wajib Tahun tidak ada. Judul yang tidak dikenal: Thn Anggrn."),
    }
    for name in (CASES if case == "all at once" else [case]):
        key, text = expected_text[name]
        assert text in messages[key], messages


def test_rules_of_live_entry_hold_across_time(db, admin):
    rows = base_rows()
    # The ketua of A leaves in 2021 and a new ketua joins: one ketua at a time, so this is fine.
    rows["Anggota"][0]["left_on"] = date(2021, 1, 31)
    rows["Anggota"].append(person(A, "ketua", joined_on=date(2021, 2, 1)))  # row 12
    # The same person may join B after leaving A (one current membership at a time), but A received a Kube
    # grant in 2020: as on the member form, an officer's written reason is needed ...
    rows["Anggota"].append(person(B, nik=rows["Anggota"][0]["nik"], joined_on=date(2021, 3, 1)))  # row 13
    # ... but not a third group while still in B, and an age outside 18-60 when joining needs a confirmation.
    rows["Anggota"].append(person(A, nik=rows["Anggota"][6]["nik"]))  # row 14: B's ketua, also in A
    rows["Anggota"].append(person(A, nik=valid_nik(birth=date(1955, 1, 2)), joined_on=date(2020, 2, 1)))  # row 15

    report = importer.import_history(history_xlsx(rows), "x.xlsx", admin)

    assert where(report) == {("Anggota", 13, "Alasan Pengecualian"), ("Anggota", 14, "NIK"),
                             ("Anggota", 15, "Konfirmasi Umur")}
    messages = {error.row: error.message for error in report.errors}
    assert "sudah menerima bantuan" in messages[13] and "pada waktu yang sama" in messages[14]
    assert "Umur 65 tahun saat bergabung" in messages[15]
    rows["Anggota"].pop(12)
    rows["Anggota"][11]["override"] = "Pindah ke kelompok istri; disetujui Kabid Linjamsos"
    rows["Anggota"][-1]["confirm_age"] = "ya"
    report = importer.import_history(history_xlsx(rows), "x.xlsx", admin)
    db.session.commit()
    assert report.ok, [str(error) for error in report.errors]
    moved = db.session.scalars(select(Member).where(Member.nik == rows["Anggota"][0]["nik"]).order_by(Member.id)).all()
    assert [(m.group.code, m.left_on) for m in moved] == [(A, date(2021, 1, 31)), (B, None)]
    # The grant of June 2020 went to the ketua of that day, who has left since.
    assert db.session.scalar(select(Grant).where(Grant.letter_number == LETTER)).received_by.nik == moved[0].nik


# -- the dry run ----------------------------------------------------------------------------------

def test_the_dry_run_changes_nothing_and_counts_per_sheet_and_per_kecamatan(db, admin):
    before = counts()

    report = importer.import_history(history_xlsx(base_rows()), "uji.xlsx", admin, dry_run=True)
    db.session.commit()

    assert report.ok and report.dry_run, [str(error) for error in report.errors]
    assert report.sheet_counts() == [("Kelompok", 2, 2, 0), ("Anggota", 10, 10, 0), ("Anggaran", 2, 2, 0),
                                     ("Bantuan", 3, 2, 0), ("Laporan", 9, 9, 0)]
    assert report.kecamatan_counts() == [("Curug", [1, 5, 0, 1, 6]), ("Serang", [1, 5, 0, 1, 3]), ("", [0, 0, 2, 0, 0])]
    assert counts() == before


# -- flags: as if Kube had been used all along --------------------------------------------------

def _flat_months(first: date, last: date):
    month = first
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def test_after_importing_a_2024_grant_and_flat_income_the_group_is_flagged_as_if_kube_had_been_used(
        db, staff, frozen):
    """The imported group's flags for February 2025 equal those of its twin entered live month by month."""
    from kube.ledger import operations as ledger
    from kube.reports.operations import submit_report
    from tests.factories import TENT_LINES

    frozen(jakarta(2024, 1, 20))  # the factory's members join on 15 January 2024
    twin = make_group(staff["maker"], members=5, status="active", formed_on=date(2023, 6, 1), name="Kube Kembar")
    make_budget(staff["admin"], year=2024, amount=100_000_000)
    db.session.commit()
    months = list(_flat_months(date(2023, 7, 1), date(2025, 1, 1)))
    for month in months:  # each month reported early in the next, by an officer for the leader
        frozen(jakarta(month.year + month.month // 12, month.month % 12 + 1, 3))
        submit_report(twin, month, {"revenue": 4_000_000, "expenses": 1_000_000}, staff["maker"])
        if month == date(2024, 6, 1):
            frozen(jakarta(2024, 6, 20))
            grant = ledger.create_grant("KUBE", 2024, twin, TENT_LINES, staff["maker"])
            ledger.submit_grant(grant, staff["maker"])
            ledger.approve_grant(grant, staff["checker"], override_reason="Tambahan setelah riwayat impor")
            ledger.handover_grant(grant, date(2024, 6, 20), twin.ketua, staff["maker"])
        db.session.commit()

    frozen(jakarta(2025, 2, 5))
    rows = {"Kelompok": [{"code": "KUBE-2023-007", "name": "Kube Datar", "business_type": "sewa_tenda",
                          "kelurahan": "36.73.04.1002", "formed_on": date(2023, 6, 1)}],
            "Anggota": [person("KUBE-2023-007", role) for role in ("ketua", "anggota", "anggota", "anggota", "anggota")],
            "Bantuan": [{"letter": "460/020/BAST-Dinsos/VI/2024", "program": "KUBE", "year": 2024,
                         "group": "KUBE-2023-007", "approved_on": date(2024, 6, 20), "handover_date": date(2024, 6, 20),
                         "item": line["item"], "specification": line["specification"], "quantity": line["quantity"],
                         "unit": line["unit"], "unit_value": line["unit_value"]} for line in TENT_LINES],
            "Laporan": [{"group": "KUBE-2023-007", "period": f"{month:%Y-%m}", "revenue": 4_000_000,
                         "expenses": 1_000_000} for month in months]}
    report = importer.import_history(history_xlsx(rows), "datar.xlsx", staff["admin"])
    db.session.commit()
    assert report.ok, [str(error) for error in report.errors]
    imported = db.session.scalar(select(Group).where(Group.code == "KUBE-2023-007"))

    flags = monitoring.compute_flags(month_index(date(2025, 1, 1)), date(2025, 2, 5)).flags

    def of(group):
        return {(flag.kind, tuple(sorted((k, v) for k, v in flag.details.items() if k != "grant_id")))
                for flag in flags if flag.group_id == group.id}

    # Flat income is no gain after the grant (and, with a slope of zero, not improving either).
    assert "no_gain_after_grant" in {kind for kind, _details in of(imported)}
    assert of(imported) == of(twin)


# -- the page -------------------------------------------------------------------------------------

def upload(client, data: bytes, name: str = "riwayat.xlsx", dry_run: bool = False):
    form = {"file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/admin/history/", data=form, content_type="multipart/form-data")


def test_the_page_checks_then_imports_and_lists_the_imports_from_the_audit_log(client, login, db, admin):
    login(admin)
    page = client.get("/admin/history/").get_data(as_text=True)
    assert "Impor riwayat" in page and "Belum ada impor riwayat" in page
    data = history_xlsx(base_rows())

    checked = upload(client, data, dry_run=True).get_data(as_text=True)
    assert "Uji coba berhasil" in checked and "Curug" in checked and "Serang" in checked
    assert counts()["Group"] == 0

    imported = upload(client, data).get_data(as_text=True)
    assert "Impor berhasil: 25 data dibuat" in imported
    assert "riwayat.xlsx" in imported and importer.past_imports()[0].sha256 in imported

    again = upload(client, data).get_data(as_text=True)
    assert "Tidak ada yang baru" in again and "sudah pernah diimpor" in again


def test_the_page_lists_every_error_and_imports_nothing(client, login, db, admin):
    login(admin)
    rows = base_rows()
    _nik_twice(rows, {})
    _unknown_kelurahan(rows, {})
    page = upload(client, history_xlsx(rows)).get_data(as_text=True)
    assert "Tidak ada yang diimpor" in page and "NIK sudah tercatat di baris 2." in page
    assert "Cipare Baru" in page and "<strong>Kelompok</strong><br>baris 3<br>Kelurahan</td>" in page
    assert counts()["Group"] == 0


def test_the_upload_bounds_hold(client, login, db, admin, monkeypatch):
    login(admin)
    bomb = upload(client, empty_rows_bomb()).get_data(as_text=True)
    assert "Tidak ada yang diimpor" in bomb and "setelah dibuka" in bomb
    monkeypatch.setattr(workbook, "WEB_MAX_ROWS", 5)
    many = upload(client, history_xlsx(base_rows())).get_data(as_text=True)
    assert "lebih dari 5" in many
    monkeypatch.setattr(importer.cells, "MAX_BYTES", 100)
    big = upload(client, history_xlsx(base_rows())).get_data(as_text=True)
    assert "Berkas lebih besar dari" in big
    other = upload(client, b"NIK,Nama\n", "riwayat.csv").get_data(as_text=True)
    assert "Hanya berkas .xlsx" in other
    assert counts()["Group"] == 0


def test_a_formula_is_never_evaluated(db, admin):
    rows = base_rows()
    rows["Laporan"][0]["revenue"] = "=1000000*3"  # openpyxl writes a formula without a stored value
    report = importer.import_history(history_xlsx(rows), "rumus.xlsx", admin)
    assert where(report) == {("Laporan", 2, "Omzet")}


@pytest.mark.parametrize("role", ["officer", "viewer", "leader"])
def test_only_administrators_open_the_page_and_the_template(client, login, users, role):
    login(users[role])
    assert client.get("/admin/history/").status_code == 403
    assert client.post("/admin/history/", data={}).status_code == 403
    assert client.get("/admin/history/template.xlsx").status_code == 403


def test_the_template_download(client, login, admin):
    login(admin)
    response = client.get("/admin/history/template.xlsx")
    assert response.status_code == 200 and "kube-templat-impor-riwayat.xlsx" in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data)).sheetnames[:5] == list(workbook.SHEET_NAMES)


@pytest.mark.parametrize("app_overrides", [{"GO_LIVE_DATE": GO_LIVE, "WTF_CSRF_ENABLED": True}])
def test_the_upload_form_checks_its_csrf_token(client, login, db, admin, app_overrides):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": admin.username, "password": "correct horse battery", "csrf_token": token})
    # Test requests share the fixture's app context: forget the login page's token cached in `g`.
    g.pop("csrf_token", None)
    page = client.get("/admin/history/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = history_xlsx(base_rows())
    assert client.post("/admin/history/", data={"file": (io.BytesIO(data), "r.xlsx")},
                       content_type="multipart/form-data").status_code == 400
    response = client.post("/admin/history/", data={"file": (io.BytesIO(data), "r.xlsx"), "csrf_token": token},
                           content_type="multipart/form-data")
    assert "Impor berhasil" in response.get_data(as_text=True)


# -- the command ----------------------------------------------------------------------------------

def test_the_command_writes_the_template_and_never_overwrites(runner, tmp_path):
    path = tmp_path / "templat.xlsx"
    result = runner.invoke(args=["import-history", "--template", str(path)])
    assert result.exit_code == 0, result.output
    assert load_workbook(path).sheetnames[:6] == [*workbook.SHEET_NAMES, "Petunjuk"]
    again = runner.invoke(args=["import-history", "--template", str(path)])
    assert again.exit_code != 0 and "sudah ada" in again.output


def test_the_command_checks_with_dry_run_then_imports_once(runner, db, admin, tmp_path):
    path = tmp_path / "riwayat.xlsx"
    path.write_bytes(history_xlsx(base_rows()))
    before = counts()

    dry = runner.invoke(args=["import-history", str(path), "--dry-run", "--actor", admin.username])
    assert dry.exit_code == 0, dry.output
    assert "Uji coba: 25 data akan dibuat" in dry.output and "Curug" in dry.output
    assert re.search(r"Laporan\s+9\s+9\s+0", dry.output)
    db.session.expire_all()
    assert counts() == before

    done = runner.invoke(args=["import-history", str(path), "--actor", admin.username])
    assert done.exit_code == 0 and "Impor selesai: 25 data dibuat" in done.output
    again = runner.invoke(args=["import-history", str(path), "--actor", admin.username])
    assert again.exit_code == 0 and "Tidak ada yang baru" in again.output and "sudah diimpor" in again.output


def test_the_command_prints_every_error_and_saves_nothing(runner, db, admin, tmp_path):
    rows = base_rows()
    _nik_twice(rows, {})
    _text_in_amount(rows, {})
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(history_xlsx(rows))
    result = runner.invoke(args=["import-history", str(path), "--actor", admin.username])
    assert result.exit_code != 0
    assert "Anggota, baris 12, kolom NIK: NIK sudah tercatat di baris 2." in result.output
    assert "Laporan, baris 2, kolom Omzet" in result.output and "2 kesalahan; tidak ada yang diimpor" in result.output
    db.session.expire_all()
    assert counts()["Group"] == 0


def test_the_command_needs_an_active_administrator(runner, users, tmp_path):
    path = tmp_path / "riwayat.xlsx"
    path.write_bytes(history_xlsx(base_rows()))
    assert runner.invoke(args=["import-history", str(path)]).exit_code != 0
    refused = runner.invoke(args=["import-history", str(path), "--actor", users["officer"].username])
    assert refused.exit_code != 0 and "administrator" in refused.output


# -- the benchmark at a small size --------------------------------------------------------------

@pytest.fixture
def bench_database_url(tmp_path):
    """A database of the bench's own (it resets what it is given): a SQLite file, or a new PostgreSQL database."""
    yield from scratch_database(tmp_path, f"history_smoke_{os.getpid()}")


@pytest.mark.slow
def test_the_history_benchmark_runs_at_a_small_size(bench_database_url, capsys):
    """`bench/history.py` with 20 groups exits 0 and prints every row with its seconds (printed, never asserted)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "history.py"), "--database-url", bench_database_url, "--groups", "20",
         "--members", "200", "--grants", "30", "--reports", "700", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    with capsys.disabled():
        print("\n" + result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]
    for prefix in ("| reading the workbook alone", "| dry run", "| import (committed once)",
                   "| second import of the same file"):
        row = next(line for line in result.stdout.splitlines() if line.startswith(prefix))
        assert re.search(r"\| \d+\.\d\d \|", row), row
    assert "nothing new" in result.stdout and "PASS" in result.stdout
