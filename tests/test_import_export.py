"""Importing members from CSV/XLSX (all rows or none, every error with its row) and exporting groups and members."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.core.identity import mask_nik
from kube.groups import exporter, importer
from kube.groups.models import Member
from tests.factories import make_group, valid_kk, valid_nik
from tests.statements import statement_count

HEADER = ["NIK", "No KK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Alamat", "Kelurahan", "Desil",
          "Kode Kelompok", "Peran", "Telepon", "Jumlah Anggota Keluarga", "Miskin Ekstrem"]


def person(group_code: str, role: str = "anggota", sex: str = "L", birth: date = date(1985, 6, 15), **changes):
    """One valid row for HEADER."""
    row = {"NIK": valid_nik(sex, birth), "No KK": valid_kk(), "Nama": "Ujang Suryana", "Jenis Kelamin": sex,
           "Tanggal Lahir": birth.strftime("%d-%m-%Y"), "Alamat": "Kp. Tinggar RT 01/02",
           "Kelurahan": "36.73.04.1002", "Desil": "1", "Kode Kelompok": group_code, "Peran": role,
           "Telepon": "081234567890", "Jumlah Anggota Keluarga": "4", "Miskin Ekstrem": "ya"}
    row.update(changes)
    return row


def csv_file(rows: list[dict], header: list[str] = HEADER, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_file(rows: list[list], header: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Member))


@pytest.fixture
def groups(db, officer):
    """An open group without members, and an active group of five (its ketua at the first row)."""
    empty = make_group(officer, name="Kube Mekar Sari", kelurahan_code="36.73.04.1002")
    full = make_group(officer, members=5, status="active", name="Kube Sauyunan", kelurahan_code="36.73.01.1007")
    db.session.commit()
    return empty, full


# -- import: valid files --------------------------------------------------------------------

def test_valid_csv_with_office_headers_imports_every_row(db, officer, groups):
    empty, full = groups
    header = ["NIK", "NO_KK", "Nama Lengkap", "JENIS KELAMIN", "Tgl. Lahir", "Alamat", "Kelurahan/Desa", "Desil",
              "kode kelompok", "Jabatan", "No. HP", "Jumlah ART", "Miskin Ekstrim"]
    rows = [person(empty.code, "ketua", "P", date(1980, 2, 29), **{"Jenis Kelamin": "Perempuan",
                                                                   "Tanggal Lahir": "29/02/1980"}),
            person(empty.code, "sekretaris", Kelurahan="Tinggar", **{"Tanggal Lahir": "1985-06-15"}),
            person(empty.code, "bendahara", Kelurahan="Sukawana (Curug)", **{"Miskin Ekstrem": "tidak"}),
            person(empty.code, "", **{"Jenis Kelamin": "", "Tanggal Lahir": "", "Kelurahan": ""}),
            person(full.code, "anggota", Kelurahan="kotabaru")]
    data = csv_file(rows, header=header, delimiter=";", bom=True)
    before = member_count(db)

    report = importer.import_members(data, "p3ke.csv", officer, today=date(2026, 1, 5))

    assert report.ok, [str(e) for e in report.errors]
    assert report.created == {empty.code: 4, full.code: 1} and report.total == 5 and report.rows == 5
    db.session.commit()
    assert member_count(db) == before + 5
    ketua = db.session.scalar(select(Member).where(Member.nik == rows[0]["NIK"]))
    assert (ketua.role, ketua.sex, ketua.birth_date, ketua.phone) == ("ketua", "P", date(1980, 2, 29), "081234567890")
    assert ketua.extreme_poor and ketua.decile == 1 and ketua.household_size == 4
    by_nik = {m.nik: m for m in db.session.scalars(select(Member))}
    assert by_nik[rows[1]["NIK"]].kelurahan_code == "36.73.04.1002"
    assert by_nik[rows[2]["NIK"]].kelurahan_code == "36.73.04.1007" and not by_nik[rows[2]["NIK"]].extreme_poor
    assert by_nik[rows[3]["NIK"]].role == "anggota" and by_nik[rows[3]["NIK"]].kelurahan_code == empty.kelurahan_code
    assert by_nik[rows[4]["NIK"]].kelurahan_code == "36.73.01.1004"  # Kota Baru
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.import"))
    assert "p3ke.csv" in audit.summary and audit.user_id == officer.id


def test_valid_xlsx_with_date_and_number_cells_imports(db, officer, groups):
    empty, _full = groups
    header = ["No", "NIK", "Nomor KK", "Nama", "L/P", "Tanggal Lahir", "Kelurahan", "Desil", "Kode Kelompok",
              "Peran", "Keterangan"]
    nik = valid_nik("L", date(1979, 12, 1))
    rows = [[1, nik, valid_kk(), "Asep Saepudin", "L", datetime(1979, 12, 1), "36.73.04.1002", 2, empty.code,
             "Ketua", "kader posyandu"],
            [2, valid_nik("P", date(1991, 7, 9)), valid_kk(), "Neneng Hasanah", "P", date(1991, 7, 9), 3673041007,
             3.0, empty.code.lower(), "anggota", None],
            [None] * 11,  # an empty row in the middle is skipped
            [4, valid_nik("P", date(1975, 3, 3)), valid_kk(), "Euis Kurniasih", "Perempuan", "03-03-1975",
             "Sukawana (Curug)", None, empty.code, None, None]]

    report = importer.import_members(xlsx_file(rows, header), "daftar.xlsx", officer)

    assert report.ok, [str(e) for e in report.errors]
    assert report.created == {empty.code: 3}
    db.session.commit()
    asep = db.session.scalar(select(Member).where(Member.nik == nik))
    assert asep.role == "ketua" and asep.decile == 2 and asep.birth_date == date(1979, 12, 1)
    neneng = db.session.scalar(select(Member).where(Member.name == "Neneng Hasanah"))
    assert neneng.kelurahan_code == "36.73.04.1007" and neneng.decile == 3


def test_a_title_block_above_the_header_keeps_spreadsheet_row_numbers(db, officer, groups):
    empty, _full = groups
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DAFTAR CALON ANGGOTA KUBE 2026"])
    sheet.append([])
    sheet.append(["NIK", "No KK", "Nama", "Kode Kelompok"])
    sheet.append([valid_nik(), valid_kk(), "Dedi Hidayat", empty.code])
    sheet.append(["123", valid_kk(), "Rohmat", empty.code])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = importer.import_members(buffer.getvalue(), "judul.xlsx", officer)

    assert [(e.row, e.column) for e in report.errors] == [(5, "NIK")]


# -- import: invalid files ------------------------------------------------------------------

def test_invalid_rows_import_nothing_and_every_error_is_reported_with_its_row(db, officer, groups, users):
    empty, full = groups
    other_active = full.current_members[1]
    duplicate = person(empty.code)
    rows = [
        person(empty.code, "ketua"),                                      # row 2: valid
        person(empty.code, NIK="3673041506850000"),                       # row 3: serial 0000
        person(empty.code, Kelurahan="Kelapa Dua"),                       # row 4: unknown kelurahan
        person(empty.code, Kelurahan="Sukawana"),                         # row 5: ambiguous name
        duplicate,                                                        # row 6: valid
        dict(duplicate, **{"No KK": valid_kk()}),                         # row 7: same NIK as row 6
        person(empty.code, NIK=other_active.nik, **{"Tanggal Lahir": ""}),  # row 8: active in another group
        person("KUBE-3673-9999"),                                         # row 9: unknown group
        person(empty.code, "ketua"),                                      # row 10: second ketua in file
        person(full.code, "ketua"),                                       # row 11: group already has a ketua
        person(empty.code, birth=date(1950, 1, 1)),                       # row 12: age over 60
        person(empty.code, **{"Jenis Kelamin": "P"}),                     # row 13: sex contradicts NIK
        person(empty.code, **{"Tanggal Lahir": "31-02-1985", "Desil": "tinggi"}),  # row 14: two bad cells
    ]
    before = member_count(db)

    report = importer.import_members(csv_file(rows), "salah.csv", officer)

    assert not report.ok and report.created == {}
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "NIK"), (4, "Kelurahan"), (5, "Kelurahan"), (7, "NIK"), (8, "NIK"), (9, "Kode Kelompok"),
                     (10, "Peran"), (11, "Peran"), (12, "Tanggal Lahir"), (13, "Jenis Kelamin"),
                     (14, "Tanggal Lahir"), (14, "Desil")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "0000" in messages[(3, "NIK")]
    assert "Sukawana (Curug)" in messages[(5, "Kelurahan")] and "36.73.01.1008" in messages[(5, "Kelurahan")]
    assert "baris 6" in messages[(7, "NIK")]
    assert full.code in messages[(8, "NIK")]
    assert "KUBE-3673-9999" in messages[(9, "Kode Kelompok")]
    assert "baris 2" in messages[(10, "Peran")]
    assert "formulir" in messages[(12, "Tanggal Lahir")] and "18-60" in messages[(12, "Tanggal Lahir")]
    db.session.commit()  # even a commit afterwards keeps nothing of the failed file
    assert member_count(db) == before
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("member.%"))).all()
    assert actions == ["member.create"] * 5  # only the fixture's five members


def test_a_nik_that_excel_may_have_cut_to_15_digits_is_refused(db, officer, groups):
    empty, _full = groups
    whole = int(valid_nik()[:15] + "7")  # a last digit other than 0: the number was stored whole
    cut = 3673041506850120  # what Excel keeps of 3673041506850123 typed into a number cell
    rows = [[whole, valid_kk(), "Ujang", empty.code], [cut, valid_kk(), "Asep", empty.code]]
    report = importer.import_members(xlsx_file(rows, ["NIK", "No KK", "Nama", "Kode Kelompok"]), "x.xlsx", officer)
    assert [(e.row, e.column) for e in report.errors] == [(3, "NIK")]
    assert "Excel" in report.errors[0].message and "Teks" in report.errors[0].message


def test_file_problems_are_reported_without_rows(db, officer, groups, monkeypatch):
    empty, _full = groups

    def errors(data, name="x.csv"):
        return [(e.row, e.message) for e in importer.import_members(data, name, officer).errors]

    assert "Kode Kelompok" in errors(b"NIK,No KK,Nama\n1,2,3\n")[0][1]
    assert errors(b"NIK,No KK,Nama\n1,2,3\n")[0][0] == 1
    assert "tidak ditemukan" in errors(b"Nama;Alamat\nUjang;Serang\n")[0][1]
    assert "kosong" in errors(b"")[0][1]
    assert ".xls" in errors(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "lama.xls")[0][1]
    assert "XLSX" in errors(b"PK\x03\x04 not really a zip", "rusak.xlsx")[0][1]
    assert "tidak berisi baris" in errors(csv_file([]))[0][1]
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    assert "lebih dari 2 baris" in errors(csv_file([person(empty.code) for _ in range(3)]))[0][1]
    three = csv_file([person(empty.code) for _ in range(3)])
    assert "lebih dari 1 baris" in importer.import_members(three, "x.csv", officer, max_rows=1).errors[0].message
    monkeypatch.setattr(importer, "MAX_BYTES", 50)
    assert "lebih besar" in errors(csv_file([person(empty.code)]))[0][1]
    assert member_count(db) == 5


def test_template_headers_are_all_understood(app):
    workbook = load_workbook(io.BytesIO(importer.template_xlsx()))
    assert workbook.sheetnames[0] == "Anggota"
    header = [cell.value for cell in workbook["Anggota"][1]]
    columns, labels, errors = importer.map_columns(header)
    assert not errors and set(columns) == set(importer.COLUMN_LABELS)
    assert "Sukawana (Curug)" in [row[6] for row in workbook["Contoh"].iter_rows(values_only=True)]


# -- import: the page -----------------------------------------------------------------------

def test_import_page_imports_a_valid_file_and_says_what_it_created(client, login, db, officer, groups):
    empty, _full = groups
    login(officer)
    assert "Kode Kelompok" in client.get("/groups/import").get_data(as_text=True)
    rows = [person(empty.code, "ketua"), person(empty.code)]
    response = client.post("/groups/import", data={"file": (io.BytesIO(csv_file(rows)), "anggota.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 anggota" in page and empty.code in page
    db.session.expire_all()
    assert len(db.session.get(type(empty), empty.id).current_members) == 2


def test_import_page_shows_every_error_and_imports_nothing(client, login, db, officer, groups):
    empty, _full = groups
    login(officer)
    rows = [person(empty.code, "ketua"), person(empty.code, NIK="12345"), person("KUBE-0000-0000")]
    response = client.post("/groups/import", data={"file": (io.BytesIO(csv_file(rows)), "anggota.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tidak ada yang diimpor" in page and "KUBE-0000-0000" in page and "16 digit" in page
    assert "<td>3</td>" in page and "<td>4</td>" in page
    assert member_count(db) == 5


def test_import_page_takes_fewer_rows_than_the_command(client, login, db, officer, groups, monkeypatch):
    empty, _full = groups
    monkeypatch.setattr(importer, "WEB_MAX_ROWS", 2)
    login(officer)
    rows = [person(empty.code, "ketua"), person(empty.code), person(empty.code)]
    response = client.post("/groups/import", data={"file": (io.BytesIO(csv_file(rows)), "anggota.csv")},
                           content_type="multipart/form-data")
    assert "lebih dari 2 baris" in response.get_data(as_text=True)
    assert member_count(db) == 5


def test_import_page_refuses_other_file_types(client, login, officer, groups):
    login(officer)
    response = client.post("/groups/import", data={"file": (io.BytesIO(b"NIK"), "anggota.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Hanya berkas .csv atau .xlsx" in response.get_data(as_text=True)


def test_template_download(client, login, officer):
    login(officer)
    response = client.get("/groups/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "kube-templat-impor-anggota.xlsx" in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data)).sheetnames == ["Anggota", "Contoh", "Petunjuk", "Kode Kelurahan"]


@pytest.mark.parametrize("role", ["viewer", "leader"])
def test_import_and_template_are_for_officers_and_admins(client, login, users, role):
    login(users[role])
    assert client.get("/groups/import").status_code == 403
    assert client.post("/groups/import", data={}).status_code == 403
    assert client.get("/groups/import/template.xlsx").status_code == 403


# -- import: the command --------------------------------------------------------------------

def test_import_members_command_imports_a_valid_file(runner, db, officer, groups, tmp_path):
    empty, _full = groups
    path = tmp_path / "anggota.csv"
    path.write_bytes(csv_file([person(empty.code, "ketua"), person(empty.code), person(empty.code)]))
    result = runner.invoke(args=["import-members", str(path), "--actor", officer.username])
    assert result.exit_code == 0, result.output
    assert "3 anggota diimpor" in result.output and empty.code in result.output
    db.session.expire_all()
    assert member_count(db) == 8
    assert db.session.scalar(select(AuditEntry.user_id).where(AuditEntry.action == "member.import")) == officer.id


def test_import_members_command_prints_every_error_and_saves_nothing(runner, db, officer, groups, tmp_path):
    empty, _full = groups
    path = tmp_path / "anggota.xlsx"
    header = ["NIK", "No KK", "Nama", "Kode Kelompok", "Peran"]
    path.write_bytes(xlsx_file([[valid_nik(), valid_kk(), "Ujang", empty.code, "ketua"],
                                [valid_nik(), valid_kk(), "Asep", empty.code, "ketua"],
                                ["3673", valid_kk(), "Dedi", "KUBE-X", "anggota"]], header))
    result = runner.invoke(args=["import-members", str(path)])
    assert result.exit_code != 0
    assert "Baris 3, Peran" in result.output and "Baris 4, NIK" in result.output
    assert "Baris 4, Kode Kelompok" in result.output and "tidak ada anggota yang diimpor" in result.output
    db.session.expire_all()
    assert member_count(db) == 5


def test_import_members_command_refuses_an_actor_who_is_not_staff(runner, users, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_file([]))
    result = runner.invoke(args=["import-members", str(path), "--actor", users["leader"].username])
    assert result.exit_code != 0 and "petugas" in result.output


# -- export -----------------------------------------------------------------------------------

@pytest.fixture
def spread(db, users):
    """Groups in two kecamatan with different statuses and officers."""
    officer = users["officer"]
    curug = make_group(officer, members=5, status="active", name="Kube Barokah Tinggar",
                       kelurahan_code="36.73.04.1002", business_type="warung")
    kasemen = make_group(officer, members=6, status="active", name="Kube Bahari Kasemen",
                         kelurahan_code="36.73.02.1001", business_type="kuliner", officer_id=None)
    proposed = make_group(officer, members=2, name="Kube Saluyu", kelurahan_code="36.73.04.1005")
    db.session.commit()
    return curug, kasemen, proposed


def read_csv(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_group_export_csv_has_headers_rows_and_filters(client, login, users, spread):
    curug, kasemen, proposed = spread
    login(users["officer"])
    response = client.get("/groups/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="kube-kelompok-20')
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = read_csv(response)
    header = rows[0]
    assert header[:4] == ["Kode Kelompok", "Nama Kelompok", "Jenis Usaha", "Status"]
    by_code = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert set(by_code) == {curug.code, kasemen.code, proposed.code}
    row = by_code[curug.code]
    assert (row["Kecamatan"], row["Kelurahan"], row["Kode Kelurahan"]) == ("Curug", "Tinggar", "36.73.04.1002")
    assert row["Jumlah Anggota"] == "5" and row["Status"] == "Aktif" and row["Jenis Usaha"].startswith("Warung")
    assert row["Ketua"] == curug.ketua.name and row["NIK Ketua"] == curug.ketua.nik
    assert row["Tanggal Terbentuk"] == "2024-01-10" and row["Pendamping"] == users["officer"].full_name
    assert by_code[kasemen.code]["Pendamping"] == ""

    def codes(query):
        return {row[0] for row in read_csv(client.get("/groups/export.csv?" + query))[1:]}

    assert codes("kecamatan=36.73.04") == {curug.code, proposed.code}
    assert codes("kecamatan=36.73.04&status=active") == {curug.code}
    assert codes("kelurahan=36.73.02.1001") == {kasemen.code}
    assert codes("business_type=kuliner") == {kasemen.code}
    assert codes(f"officer={users['officer'].id}") == {curug.code, proposed.code}
    assert codes("officer=none") == {kasemen.code}
    assert codes("q=bahari") == {kasemen.code}
    assert codes("q=" + proposed.ketua.name) == {proposed.code}
    assert codes("q=" + curug.ketua.nik) == {curug.code}
    assert codes("q=100%25") == set()  # a literal %, not a wildcard


def test_member_export_xlsx_contents_and_full_nik_for_officer(client, login, users, spread):
    curug, kasemen, proposed = spread
    login(users["officer"])
    response = client.get("/members/export.xlsx?kecamatan=36.73.04")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="kube-anggota-20' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("Kode Kelompok", "Nama Kelompok", "NIK", "No KK", "Nama")
    members = [dict(zip(header, row)) for row in rows[1:]]
    assert len(members) == 7 and {m["Kode Kelompok"] for m in members} == {curug.code, proposed.code}
    first = members[0]
    ketua = curug.ketua
    assert (first["NIK"], first["No KK"], first["Peran"]) == (ketua.nik, ketua.kk, "ketua")
    assert isinstance(first["NIK"], str) and first["Tanggal Lahir"].date() == ketua.birth_date
    assert first["Kelurahan"] == "36.73.04.1002" and first["Miskin Ekstrem"] == "ya"
    # The export's headers are the importer's: a corrected export can be imported again.
    columns, _labels, errors = importer.map_columns(list(header))
    assert not errors and {"nik", "kk", "name", "group", "role", "kelurahan"} <= set(columns)


def test_viewer_gets_masked_nik_and_kk(client, login, users, spread):
    curug, _kasemen, _proposed = spread
    login(users["viewer"])
    members = read_csv(client.get("/members/export.csv"))
    header = members[0]
    nik_at, kk_at = header.index("NIK"), header.index("No KK")
    niks = {m.nik for m in curug.current_members}
    assert all("*" in row[nik_at] and "*" in row[kk_at] for row in members[1:])
    assert {row[nik_at] for row in members[1:] if row[0] == curug.code} == {mask_nik(nik) for nik in niks}
    groups = read_csv(client.get("/groups/export.csv"))
    nik_ketua = groups[0].index("NIK Ketua")
    assert all(row[nik_ketua].startswith("3673**********") for row in groups[1:])
    sheet = load_workbook(io.BytesIO(client.get("/members/export.xlsx").data)).active
    assert all("*" in row[nik_at] for row in list(sheet.iter_rows(values_only=True))[1:])
    body = client.get("/members/export.csv").get_data(as_text=True)
    assert not any(nik in body for nik in niks)


@pytest.mark.parametrize("url", ["/groups/export.csv", "/groups/export.xlsx", "/members/export.csv",
                                 "/members/export.xlsx"])
def test_export_refuses_leaders_and_anonymous(client, login, users, url):
    assert client.get(url).status_code == 302  # to the login page
    login(users["leader"])
    assert client.get(url).status_code == 403


def test_unknown_export_format_is_not_found(client, login, users):
    login(users["admin"])
    assert client.get("/groups/export.pdf").status_code == 404
    assert client.get("/members/export.json").status_code == 404


@pytest.mark.parametrize("url", ["/groups/export.csv", "/members/export.xlsx"])
def test_export_query_count_does_not_grow_with_the_number_of_groups(client, login, db, users, url):
    officer = users["officer"]
    login(officer)
    make_group(officer, members=2)
    db.session.commit()
    few = statement_count(db.engine, lambda: client.get(url).data)
    for _ in range(4):
        make_group(officer, members=3)
    db.session.commit()
    many = statement_count(db.engine, lambda: client.get(url).data)
    assert few == many


def test_export_filters_combine_and_ignore_unknown_values(client, login, users, spread):
    curug, kasemen, proposed = spread
    login(users["officer"])
    assert [row[0] for row in read_csv(client.get("/groups/export.csv?kecamatan=36.73.04&status=proposed"))[1:]] \
        == [proposed.code]
    for ignored in ("officer=abc", "status=unknown", "q=+", "business_type=unknown", "sort=-colour"):
        assert len(read_csv(client.get("/groups/export.csv?" + ignored))) == 4, ignored


def test_part_of_a_nik_filters_only_for_roles_that_see_nik(app, client, login, users, spread):
    curug, _kasemen, _proposed = spread
    part = curug.ketua.nik[4:12]
    login(users["officer"])
    assert curug.code in client.get("/groups/export.csv?q=" + part).get_data(as_text=True)
    viewer = login(users["viewer"], test_client=app.test_client())
    assert read_csv(viewer.get("/groups/export.csv?q=" + part)) == [exporter.GROUP_HEADERS]
    assert curug.code in viewer.get("/groups/export.csv?q=" + curug.ketua.nik).get_data(as_text=True)
