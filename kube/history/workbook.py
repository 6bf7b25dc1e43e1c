"""The history workbook: its five sheets and their columns, the template offered for download, and reading an upload.

One workbook brings the office's years of records in at once: `Kelompok` (groups), `Anggota` (members),
`Anggaran` (budgets), `Bantuan` (grants, one row per item line, grouped by the letter number) and
`Laporan` (monthly income reports). Reading reuses the member import's reader (`read_sheets`): the same
size, zip-bomb and row limits, defused XML, and stored values only (formulas are never evaluated).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kube.core.formatting import format_number
from kube.core.spreadsheet import TEXT_FORMAT, xlsx_row
from kube.groups import importer as member_import
from kube.groups.importer import COLUMN_LABELS as MEMBER_LABELS
from kube.groups.importer import ImportFileError, KelurahanIndex, Table

#: Data rows in one workbook from the command line (the bench workbook has about 10,000).
MAX_ROWS = 20_000
#: Data rows in one upload on the admin page. Every row runs the live rules: bench/history.py imports its
#: 9,706 rows in about 13 s on SQLite and 21-24 s on PostgreSQL here; a member, the dearest kind of row
#: (about ten statements), costs some 6 ms on PostgreSQL, so 2,000 rows of any kind stay well inside a
#: worker's 30-second timeout. Bigger workbooks go through the command.
WEB_MAX_ROWS = 2_000


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its key, the header the template writes, other spellings accepted, and its help."""

    key: str
    label: str
    required: bool
    help: object
    example: object = None
    aliases: tuple[str, ...] = ()
    #: Written as a text cell (Excel keeps all 16 digits of a NIK, and 2021-09 stays a month).
    text: bool = False


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: its name, what one row is, its columns and the template's example rows."""

    name: str
    purpose: object
    columns: tuple[Column, ...]
    examples: tuple[dict, ...] = field(default=())

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(column for column in self.columns if column.key == key)

    def label(self, key: str) -> str:
        """The header of the column with this key, as the template writes it."""
        return self.column(key).label


def _member_column(key: str, required: bool, help_text, example=None, text: bool = False) -> Column:
    """A member column read exactly as the member import reads it (same header spellings)."""
    return Column(key, MEMBER_LABELS[key], required, help_text, example,
                  tuple(member_import._HEADER_ALIASES[key]), text)


EXAMPLE_GROUP = "KUBE-2021-001"
_MEMBERS = (  # (NIK, No KK, name, sex, birth date, role): five, the fewest an active group has
    ("3673041506850001", "3673041003150001", "Ujang Suryana", "L", date(1985, 6, 15), "ketua"),
    ("3673044302900002", "3673041003150002", "Siti Maesaroh", "P", date(1990, 2, 3), "sekretaris"),
    ("3673046111780003", "3673041003150003", "Euis Kurniasih", "P", date(1978, 11, 21), "bendahara"),
    ("3673043008820004", "3673041003150004", "Asep Saepudin", "L", date(1982, 8, 30), "anggota"),
    ("3673040101800005", "3673041003150005", "Dedi Kurniawan", "L", date(1980, 1, 1), "anggota"),
)

GROUPS = Sheet("Kelompok", _l("Satu baris per kelompok Kube."), (
    Column("code", "Kode Kelompok", True,
           _l("kode kelompok dari catatan kantor; lembar lain merujuk kelompok dengan kode ini. Kode berpola "
              "kode buatan Kube (KUBE-3673-0001) hanya untuk kelompok yang sudah ada di Kube"),
           EXAMPLE_GROUP, ("kode kelompok", "kode kube", "kode")),
    Column("name", "Nama Kelompok", True, _l("nama kelompok"), "Kube Mekar Sari",
           ("nama kelompok", "nama kube", "nama")),
    Column("business_type", "Jenis Usaha", True, _l("salah satu jenis usaha Kube (lihat di bawah), nama atau kodenya"),
           "Sewa tenda dan kursi", ("jenis usaha", "bidang usaha", "usaha")),
    Column("kelurahan", "Kelurahan", True,
           _l("kode kelurahan (lembar Kode Kelurahan) atau nama; nama ganda seperti Sukawana ditulis "
              "Sukawana (Curug)"), "36.73.04.1002", ("kelurahan", "kode kelurahan", "kel", "kelurahan desa")),
    Column("address", "Alamat", False, _l("alamat sekretariat kelompok"), "Kp. Tinggar RT 01/02", ("alamat",)),
    Column("formed_on", "Tanggal Dibentuk", True, _l("TTTT-BB-HH, HH-BB-TTTT, HH/BB/TTTT atau sel tanggal"),
           date(2021, 3, 1), ("tanggal dibentuk", "tanggal terbentuk", "tgl dibentuk", "tanggal berdiri")),
    Column("status", "Status", False,
           _l("diusulkan, aktif, lulus (mandiri), bubar atau ditolak; kosong = aktif. Kelompok yang punya "
              "bantuan atau laporan harus aktif, lulus atau bubar"), "aktif", ("status", "status kelompok")),
    Column("active_on", "Tanggal Aktif", False, _l("tanggal kelompok diaktifkan; kosong = tanggal dibentuk"),
           date(2021, 3, 1), ("tanggal aktif", "tgl aktif", "tanggal diaktifkan")),
    Column("ended_on", "Tanggal Selesai", False,
           _l("tanggal kelompok lulus, bubar atau ditolak; wajib untuk status itu"), None,
           ("tanggal selesai", "tgl selesai", "tanggal lulus", "tanggal bubar")),
    Column("officer", "Pendamping", False, _l("nama pengguna (username) petugas program di Kube; boleh kosong"),
           None, ("pendamping", "username pendamping", "nama pengguna pendamping")),
    Column("bank_name", "Nama Bank", False, _l("bank rekening kelompok; boleh kosong"), None, ("nama bank", "bank")),
    Column("bank_account", "No. Rekening", False, _l("nomor rekening kelompok; boleh kosong"), None,
           ("no rekening", "nomor rekening", "rekening"), text=True),
), ({"code": EXAMPLE_GROUP, "name": "Kube Mekar Sari", "business_type": "Sewa tenda dan kursi",
     "kelurahan": "36.73.04.1002", "address": "Kp. Tinggar RT 01/02", "formed_on": date(2021, 3, 1),
     "status": "aktif", "active_on": date(2021, 3, 1)},))

MEMBERS = Sheet("Anggota", _l("Satu baris per keanggotaan: orang yang pernah keluar lalu masuk kelompok lain "
                              "ditulis dua baris."), (
    _member_column("group", True, _l("kode kelompok dari lembar Kelompok, atau kelompok yang sudah ada di Kube"),
                   EXAMPLE_GROUP),
    _member_column("nik", True, _l("16 digit, sel berformat Teks"), _MEMBERS[0][0], text=True),
    _member_column("kk", True, _l("16 digit, sel berformat Teks; satu KK satu anggota dalam satu kelompok"),
                   _MEMBERS[0][1], text=True),
    _member_column("name", True, _l("nama lengkap sesuai KTP"), _MEMBERS[0][2]),
    _member_column("sex", False, _l("L atau P; kosong = dari NIK"), "L"),
    _member_column("birth_date", False, _l("kosong = dari NIK"), _MEMBERS[0][4]),
    _member_column("address", False, _l("kampung, RT/RW"), "Kp. Tinggar RT 01/02"),
    _member_column("kelurahan", False, _l("kode atau nama; kosong = kelurahan kelompok"), "36.73.04.1002"),
    _member_column("phone", False, _l("8 sampai 15 angka, sel berformat Teks"), "081234567890", text=True),
    _member_column("household_size", False, _l("1 sampai 30 (kosong = 1)"), 4),
    _member_column("decile", False, _l("desil DTKS/DTSEN 1 sampai 10"), 1),
    _member_column("decile_as_of", False, _l("tanggal data desil"), date(2021, 1, 1)),
    _member_column("extreme_poor", False, _l("ya atau tidak (kosong = tidak)"), "ya"),
    _member_column("role", False, _l("ketua, sekretaris, bendahara atau anggota (kosong = anggota)"), "ketua"),
    _member_column("joined_on", False, _l("kosong = tanggal kelompok dibentuk"), date(2021, 3, 1)),
    Column("left_on", "Tanggal Keluar", False, _l("tanggal keluar dari kelompok; kosong = masih anggota"), None,
           ("tanggal keluar", "tgl keluar")),
    Column("confirm_age", "Konfirmasi Umur", False,
           _l("ya bila umur saat bergabung di luar 18-60 tahun memang benar (dikonfirmasi petugas)"), None,
           ("konfirmasi umur", "umur dikonfirmasi")),
    Column("override", "Alasan Pengecualian", False,
           _l("alasan tertulis petugas bila orang ini pernah menjadi anggota Kube lain yang sudah menerima "
              "bantuan"), None, ("alasan pengecualian", "pengecualian")),
), tuple({"group": EXAMPLE_GROUP, "nik": nik, "kk": kk, "name": name, "sex": sex, "birth_date": born,
          "address": "Kp. Tinggar RT 01/02", "kelurahan": "36.73.04.1002", "household_size": 4, "decile": 1,
          "decile_as_of": date(2021, 1, 1), "extreme_poor": "ya", "role": role, "joined_on": date(2021, 3, 1)}
         for nik, kk, name, sex, born, role in _MEMBERS))

BUDGETS = Sheet("Anggaran", _l("Satu baris per program dan tahun anggaran (pagu)."), (
    Column("program", "Program", True, _l("KUBE atau UEP"), "KUBE", ("program",)),
    Column("year", "Tahun", True, _l("tahun anggaran, mis. 2021"), 2021, ("tahun", "tahun anggaran")),
    Column("amount", "Pagu", True, _l("rupiah bulat, mis. 200000000 atau 200.000.000"), 200_000_000,
           ("pagu", "pagu anggaran", "jumlah pagu")),
    Column("source", "Sumber Dana", True, _l("APBD, APBN atau lainnya"), "APBD", ("sumber dana", "sumber")),
    Column("note", "Catatan", False, _l("boleh kosong"), "DPA Dinas Sosial 2021", ("catatan", "keterangan")),
), ({"program": "KUBE", "year": 2021, "amount": 200_000_000, "source": "APBD", "note": "DPA Dinas Sosial 2021"},))

GRANTS = Sheet("Bantuan", _l("Satu baris per barang atau uang; baris dengan Nomor BAST yang sama adalah satu "
                             "bantuan dan harus sama program, tahun, kelompok, penerima dan tanggalnya."), (
    Column("letter", "Nomor BAST", True, _l("nomor berita acara serah terima pada surat kertasnya"),
           "460/017/BAST-Dinsos/VIII/2021", ("nomor bast", "no bast", "nomor berita acara", "nomor surat")),
    Column("program", "Program", True, _l("KUBE (untuk kelompok) atau UEP (untuk satu anggota)"), "KUBE",
           ("program",)),
    Column("year", "Tahun Anggaran", True, _l("tahun anggaran yang dipakai; anggarannya di lembar Anggaran atau "
                                              "sudah ada di Kube"), 2021, ("tahun anggaran", "tahun")),
    Column("group", "Kode Kelompok", True, _l("kode kelompok penerima"), EXAMPLE_GROUP,
           ("kode kelompok", "kode kube", "kelompok")),
    Column("uep_nik", "NIK Penerima UEP", False, _l("wajib untuk UEP: NIK anggota penerimanya"), None,
           ("nik penerima uep", "nik uep"), text=True),
    Column("approved_on", "Tanggal Disetujui", True, _l("tanggal bantuan disetujui"), date(2021, 8, 2),
           ("tanggal disetujui", "tanggal persetujuan", "tgl disetujui")),
    Column("handover_date", "Tanggal Serah Terima", True, _l("tanggal pada berita acara"), date(2021, 8, 28),
           ("tanggal serah terima", "tgl serah terima", "tanggal bast")),
    Column("receiver_nik", "NIK Yang Menerima", False,
           _l("NIK yang menandatangani penerimaan; kosong = ketua kelompok saat itu (KUBE) atau penerima UEP"),
           None, ("nik yang menerima", "nik penerima", "nik penerima barang"), text=True),
    Column("kind", "Jenis", False, _l("peralatan atau uang (kosong = peralatan)"), "peralatan",
           ("jenis", "jenis bantuan")),
    Column("item", "Barang", False, _l("nama barang; wajib untuk peralatan"), "Tenda dekorasi",
           ("barang", "nama barang", "uraian")),
    Column("specification", "Spesifikasi", False, _l("boleh kosong"), "4 x 6 m, rangka besi",
           ("spesifikasi", "spek")),
    Column("quantity", "Jumlah", False, _l("banyaknya barang (kosong = 1; uang selalu 1)"), 2,
           ("jumlah", "jumlah barang", "banyaknya", "volume")),
    Column("unit", "Satuan", False, _l("unit, buah, paket... (kosong = unit)"), "unit", ("satuan",)),
    Column("unit_value", "Harga Satuan", True, _l("rupiah bulat per satuan"), 6_500_000,
           ("harga satuan", "nilai satuan", "harga")),
    Column("note", "Catatan", False, _l("boleh kosong"), None, ("catatan", "keterangan")),
), ({"letter": "460/017/BAST-Dinsos/VIII/2021", "program": "KUBE", "year": 2021, "group": EXAMPLE_GROUP,
     "approved_on": date(2021, 8, 2), "handover_date": date(2021, 8, 28), "kind": "peralatan",
     "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": 2, "unit": "unit",
     "unit_value": 6_500_000},))

REPORTS = Sheet("Laporan", _l("Satu baris per kelompok dan bulan."), (
    Column("group", "Kode Kelompok", True, _l("kode kelompok yang melapor"), EXAMPLE_GROUP,
           ("kode kelompok", "kode kube", "kelompok")),
    Column("period", "Bulan", True, _l("TTTT-BB, mis. 2021-09 (sel berformat Teks)"), "2021-09",
           ("bulan", "periode", "bulan laporan"), text=True),
    Column("revenue", "Omzet", True, _l("rupiah bulat"), 3_500_000, ("omzet", "omset", "pendapatan kotor")),
    Column("expenses", "Biaya", True, _l("rupiah bulat"), 1_200_000, ("biaya", "pengeluaran")),
    Column("active_members", "Anggota Aktif", False, _l("anggota yang bekerja bulan itu (kosong = anggota saat itu)"),
           5, ("anggota aktif", "jumlah anggota aktif")),
    Column("note", "Catatan", False, _l("boleh kosong"), None, ("catatan", "keterangan")),
), ({"group": EXAMPLE_GROUP, "period": "2021-09", "revenue": 3_500_000, "expenses": 1_200_000,
     "active_members": 5},))

#: The sheets in the order they are read and created (budgets before grants, groups before everything).
SHEETS = (GROUPS, MEMBERS, BUDGETS, GRANTS, REPORTS)
SHEET_NAMES = tuple(sheet.name for sheet in SHEETS)


def _keys(sheet: Sheet) -> dict[str, str]:
    """Header spelling (as `_header_key` compares it) -> column key."""
    keys = {}
    for column in sheet.columns:
        for spelling in (column.label, *column.aliases):
            keys.setdefault(member_import._header_key(spelling), column.key)
    return keys


# -- reading ------------------------------------------------------------------------------------

@dataclass
class Workbook:
    """An uploaded workbook: its file name and SHA-256, and each sheet as a Table (None for a missing sheet)."""

    filename: str
    sha256: str
    tables: dict[str, Table | None]

    @property
    def rows(self) -> int:
        """Data rows in all sheets."""
        return sum(len(table.rows) for table in self.tables.values() if table is not None)


def read_workbook(data: bytes, filename: str, sha256: str, max_rows: int = MAX_ROWS) -> Workbook:
    """Read the five sheets of an upload; raise ImportFileError when the file cannot be used at all."""
    finders = {}
    for sheet in SHEETS:
        keys = _keys(sheet)
        finders[sheet.name] = lambda cells, keys=keys: any(member_import._header_key(c) in keys for c in cells)
    tables = member_import.read_sheets(data, filename, max_rows, finders)
    if all(table is None for table in tables.values()):
        raise ImportFileError(_("Buku kerja tidak memuat satu pun lembar %(s)s. Pakai templat impor riwayat.",
                                s=", ".join(SHEET_NAMES)))
    book = Workbook(filename, sha256, tables)
    if book.rows > max_rows:
        raise ImportFileError(_("Buku kerja berisi %(n)s baris data, lebih dari %(max)s. Bagi menjadi beberapa "
                                "berkas (kelompok dan anggotanya lebih dulu).",
                                n=format_number(book.rows), max=format_number(max_rows)))
    return book


@dataclass
class HeaderProblem:
    """A header cell, or a missing column, that makes a sheet unreadable."""

    column: str
    message: str


def map_header(sheet: Sheet, header: list) -> tuple[dict[str, int], dict[str, str], list[HeaderProblem]]:
    """Column key -> index and key -> header as written; problems for doubled and missing required columns."""
    keys = _keys(sheet)
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    problems: list[HeaderProblem] = []
    unknown = []
    for index, cell in enumerate(header):
        written = "" if cell is None else str(cell).strip()
        key = keys.get(member_import._header_key(cell))
        if key is None:
            if written:
                unknown.append(written)
            continue
        if key in columns:
            problems.append(HeaderProblem(written, _("Kolom %(c)s muncul lebih dari sekali.",
                                                     c=sheet.label(key))))
            continue
        columns[key], labels[key] = index, written
    for column in sheet.columns:
        if column.required and column.key not in columns:
            hint = (" " + _("Judul yang tidak dikenal: %(u)s.", u=", ".join(unknown))) if unknown else ""
            problems.append(HeaderProblem(column.label, _("Kolom wajib %(c)s tidak ada.", c=column.label) + hint))
    return columns, labels, problems


# -- the template -------------------------------------------------------------------------------

def _guide_rows() -> list[list]:
    """The instruction sheet's rows: what the workbook is for, then every column of every sheet."""
    business = ", ".join(_(label) for _code, label in current_app.config["BUSINESS_TYPES"])
    low, high = current_app.config["MEMBER_AGE_RANGE"]
    lines = [
        [_("Impor riwayat Kube: kelompok, anggota, anggaran, bantuan dan laporan bulanan dari catatan kantor.")],
        [_("Isi lembar Kelompok, Anggota, Anggaran, Bantuan dan Laporan; lembar yang tidak perlu boleh dikosongkan "
           "atau dihapus. Judul kolom tetap di baris 1; satu baris contoh boleh ditimpa.")],
        [_("Semua baris diperiksa dengan aturan yang sama seperti isian di Kube. Bila ada satu kesalahan, tidak ada "
           "yang diimpor dan semua kesalahan ditampilkan dengan lembar, baris dan kolomnya.")],
        [_("Coba dulu dengan Periksa saja (uji coba): hasilnya menunjukkan apa yang akan dibuat per lembar dan per "
           "kecamatan tanpa menyimpan apa pun.")],
        [_("Mengimpor berkas yang sama lagi tidak membuat apa pun: kelompok dikenali dari kodenya, anggota dari NIK "
           "dan kelompoknya, anggaran dari program dan tahunnya, bantuan dari Nomor BAST, laporan dari kelompok "
           "dan bulannya.")],
        [_("Umur anggota diperiksa pada tanggal bergabung: di luar %(low)d-%(high)d tahun perlu Konfirmasi Umur "
           "= ya. Umur yang baru keluar dari rentang itu setelah bergabung dikonfirmasi otomatis dan disebutkan "
           "dalam hasil. Angka laporan yang tidak biasa juga dikonfirmasi otomatis dan disebutkan dalam hasil.",
           low=low, high=high)],
        [_("Jenis usaha: %(b)s.", b=business)],
        [],
        [_("Lembar"), _("Kolom"), _("Wajib"), _("Isi"), _("Contoh")],
    ]
    for sheet in SHEETS:
        lines.append([sheet.name, "", "", str(sheet.purpose), ""])
        for column in sheet.columns:
            example = column.example.strftime("%d-%m-%Y") if isinstance(column.example, date) else column.example
            lines.append(["", column.label, _("wajib") if column.required else _("boleh kosong"), str(column.help),
                          example])
    return lines


def template_xlsx() -> bytes:
    """An empty history workbook: the five sheets with Indonesian headers and example rows, instructions, codes."""
    from openpyxl import Workbook as OpenpyxlWorkbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    workbook = OpenpyxlWorkbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        target = workbook.create_sheet(sheet.name)
        target.append(xlsx_row(target, [column.label for column in sheet.columns], font=bold))
        text_columns = [index for index, column in enumerate(sheet.columns) if column.text]
        for example in sheet.examples:
            target.append(xlsx_row(target, [example.get(column.key) for column in sheet.columns], text_columns))
        for index, column in enumerate(sheet.columns, start=1):
            dimension = target.column_dimensions[get_column_letter(index)]
            dimension.width = max(14, len(column.label) + 4)
            if column.text:
                # A column style, not a style on thousands of empty cells: every row typed later is text.
                dimension.number_format = TEXT_FORMAT
        target.freeze_panes = "A2"

    guide = workbook.create_sheet("Petunjuk")
    for number, row in enumerate(_guide_rows(), start=1):
        guide.append(xlsx_row(guide, row, font=bold if number == 9 else None))
    for letter, width in zip("ABCDE", (12, 24, 14, 80, 28)):
        guide.column_dimensions[letter].width = width

    codes = workbook.create_sheet("Kode Kelurahan")
    codes.append(xlsx_row(codes, [_("Kode"), _("Kelurahan"), _("Kecamatan")], font=bold))
    index = KelurahanIndex()
    for code, region in sorted(index.by_code.items()):
        codes.append(xlsx_row(codes, [code, region.name, index.kecamatan_name[region.parent_code]]))
    for letter, width in zip("ABC", (16, 24, 16)):
        codes.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
