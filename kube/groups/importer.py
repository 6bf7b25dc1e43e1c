"""Import members from a CSV or XLSX office list (P3KE/DTKS style): all rows or nothing.

Three steps, usable apart (the web page and the CLI call them in order):
`read_table` turns the uploaded bytes into header + rows, `import_table` parses each
row and runs it through the same `add_member` operation as the form, inside one
savepoint, collecting every error with its spreadsheet row number; when any row
failed the savepoint is rolled back and nothing stays in the session.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from kube.audit.operations import record_audit
from kube.core.clock import office_today
from kube.core.errors import DomainError, NeedsConfirmation
from kube.core.formatting import format_number
from kube.core.identity import IdentityError, normalize_number, parse_kk, parse_nik
from kube.core.spreadsheet import TEXT_FORMAT, unescaped_text, xlsx_row
from kube.core.text import CONTROL_MESSAGE, has_control_characters
from kube.extensions import db
from kube.groups.models import SINGLE_ROLES, Group, Region
from kube.groups.operations import PriorKubeGrant, add_member, identity_message

#: Refuse bigger uploads before parsing them.
MAX_BYTES = 5 * 1024 * 1024
#: Data rows per file from the command line; bigger lists are split by the office.
MAX_ROWS = 5000
#: Data rows per upload on the web page. Every row runs the full member rules (about ten
#: statements), measured at 6 ms a row on SQLite and 11 ms on PostgreSQL on a small server:
#: 1,000 rows stay well inside a worker's 30-second timeout, 5,000 would not.
WEB_MAX_ROWS = 1000
#: A title block above the header is common in office lists; look this far for the header row.
HEADER_SEARCH_ROWS = 10
#: An XLSX is a zip of XML parts. Refused before parsing when they unpack to more than this, plus
#: XLSX_BYTES_PER_ROW for every row allowed: a list of 1,000 rows of 40 columns unpacks to about 2 MB,
#: while the parser needs about a second per MB of the densest XML (empty cells), so the web's limit
#: (6 MB) keeps any upload to seconds and a zip of 89 KB that unpacks to 45 MB never reaches it.
XLSX_BASE_BYTES = 2 * 1024 * 1024
XLSX_BYTES_PER_ROW = 4 * 1024
#: Parts of a zip: a workbook saved by Excel has about ten.
MAX_XLSX_ENTRIES = 500

#: Canonical column labels (the header written in our template and export), by member field.
COLUMN_LABELS = {
    "nik": "NIK",
    "kk": "No KK",
    "name": "Nama",
    "sex": "Jenis Kelamin",
    "birth_date": "Tanggal Lahir",
    "address": "Alamat",
    "kelurahan": "Kelurahan",
    "decile": "Desil",
    "decile_as_of": "Tanggal Desil",
    "group": "Kode Kelompok",
    "role": "Peran",
    "phone": "Telepon",
    "household_size": "Jumlah Anggota Keluarga",
    "extreme_poor": "Miskin Ekstrem",
    "joined_on": "Tanggal Bergabung",
}
REQUIRED_COLUMNS = ("nik", "kk", "name", "group")

#: Header spellings seen in office lists, compared after `_header_key` (lower case, no punctuation).
_HEADER_ALIASES = {
    "nik": ["nik", "no nik", "nomor nik", "nik anggota", "nomor induk kependudukan"],
    "kk": ["no kk", "nokk", "nomor kk", "kk", "no kartu keluarga", "nomor kartu keluarga"],
    "name": ["nama", "nama lengkap", "nama anggota", "nama kepala keluarga"],
    "sex": ["jenis kelamin", "jk", "l p", "kelamin"],
    "birth_date": ["tanggal lahir", "tgl lahir", "tanggal lhr"],
    "address": ["alamat", "alamat lengkap", "alamat rumah"],
    # Lists often carry both the code and the name: the earlier spelling here wins, codes first.
    "kelurahan": ["kode kelurahan", "kode kel", "kelurahan", "kelurahan desa", "desa kelurahan", "kel",
                  "nama kelurahan"],
    "decile": ["desil", "desil dtks", "desil dtsen", "desil kesejahteraan", "peringkat desil"],
    "decile_as_of": ["tanggal desil", "desil per", "tanggal data desil", "tgl desil"],
    "group": ["kode kelompok", "kode kube", "kelompok", "kode kelompok kube"],
    "role": ["peran", "jabatan", "peran dalam kelompok", "jabatan dalam kelompok", "kedudukan"],
    "phone": ["telepon", "no telepon", "nomor telepon", "telp", "no telp", "hp", "no hp", "nomor hp"],
    "household_size": ["jumlah anggota keluarga", "jml anggota keluarga", "jumlah art",
                       "jumlah anggota rumah tangga", "jumlah tanggungan"],
    "extreme_poor": ["miskin ekstrem", "miskin ekstrim", "status miskin ekstrem", "kemiskinan ekstrem"],
    "joined_on": ["tanggal bergabung", "tgl bergabung", "tanggal masuk"],
}

_SEX_VALUES = {"l": "L", "lk": "L", "laki laki": "L", "lakilaki": "L", "laki": "L", "lelaki": "L", "pria": "L",
               "p": "P", "pr": "P", "perempuan": "P", "wanita": "P"}
_ROLE_VALUES = {"ketua": "ketua", "sekretaris": "sekretaris", "sekertaris": "sekretaris",
                "bendahara": "bendahara", "anggota": "anggota"}
_YES = {"ya", "y", "yes", "1", "true", "benar"}
_NO = {"tidak", "tdk", "t", "no", "n", "0", "false", "bukan"}
_KELURAHAN_CODE = re.compile(r"^(\d{2})\.?(\d{2})\.?(\d{2})\.?(\d{4})$")
_DATE_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), ("d", "m", "y")),
)


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = 1; None for the whole file), column and message."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = _("Baris %(n)d", n=self.row) if self.row else _("Berkas")
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class Table:
    """A read file: header cells, its row number, and the non-empty data rows with their numbers."""

    filename: str
    header: list
    header_row: int
    rows: list[tuple[int, list]]


@dataclass
class ImportReport:
    """What an import did: every error, or the members created per group code."""

    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    @property
    def ok(self) -> bool:
        """True when the file was valid and its members are in the session."""
        return not self.errors

    @property
    def total(self) -> int:
        """Members created in all groups."""
        return sum(self.created.values())


class ImportFileError(DomainError):
    """The file as a whole cannot be read (size, format, rows, header)."""

    code = "import_file"
    status = 422


# -- reading --------------------------------------------------------------------------------

def _check_upload(data: bytes) -> None:
    """Refuse, before any parsing, a file that is too big, empty or in the old binary Excel format."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Berkas lebih besar dari %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    if not data.strip():
        raise ImportFileError(_("Berkas kosong."))
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(_("Format Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV."))


def read_table(data: bytes, filename: str = "", max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX upload into a Table; raise ImportFileError when it cannot be used."""
    max_rows = max_rows or MAX_ROWS
    _check_upload(data)
    rows = _xlsx_rows(data, max_rows) if data[:2] == b"PK" else _csv_rows(data)
    return _table(rows, filename, max_rows)


def read_sheets(data: bytes, filename: str, max_rows: int,
                header_finders: dict[str, Callable[[list], bool]]) -> dict[str, Table | None]:
    """The named sheets of an XLSX workbook as Tables (None for a sheet it lacks), with every check of `read_table`.

    `header_finders[name]` tells the sheet's header row among its first rows; a sheet without one is a Table
    without header or rows. Each sheet may hold `max_rows` rows below its header; the caller limits the total.
    """
    _check_upload(data)
    if data[:2] != b"PK":
        raise ImportFileError(_("Berkas harus buku kerja Excel (.xlsx) dengan lembar-lembarnya."))
    tables: dict[str, Table | None] = {}
    with _opened_xlsx(data, max_rows) as workbook:
        titles = {_header_key(title): title for title in workbook.sheetnames}
        for name, is_header in header_finders.items():
            title = titles.get(_header_key(name))
            if title is None:
                tables[name] = None
                continue
            try:
                tables[name] = _table(_sheet_rows(workbook[title]), filename, max_rows, is_header,
                                      header_required=False)
            except ImportFileError as error:
                raise ImportFileError(f"{name}: {error.message}") from error
    return tables


def _csv_rows(data: bytes) -> Iterable[tuple[int, list]]:
    """Rows of a UTF-8 (with or without BOM) CSV, delimiter `,` `;` or tab taken from the header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page unless told to use UTF-8.
        text = data.decode("cp1252", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row
    except csv.Error as error:
        raise ImportFileError(_("Berkas CSV tidak dapat dibaca: %(e)s", e=str(error))) from error


def _unreadable_xlsx() -> ImportFileError:
    return ImportFileError(_("Berkas XLSX tidak dapat dibaca. Simpan ulang dari Excel sebagai .xlsx."))


def _check_xlsx_archive(data: bytes, max_rows: int) -> None:
    """Refuse, before any XML is parsed, a zip that unpacks to far more than a member list (a decompression bomb).

    The sizes are the ones the zip declares; Python's zipfile never unpacks more than an entry declares.
    """
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception as error:  # a damaged zip fails in many ways; each one means the same to the person
        raise _unreadable_xlsx() from error
    if len(entries) > MAX_XLSX_ENTRIES:
        raise ImportFileError(_("Berkas XLSX berisi terlalu banyak bagian (%(n)s). Simpan ulang dari Excel "
                                "sebagai .xlsx hanya dengan daftar anggota.", n=format_number(len(entries))))
    limit = XLSX_BASE_BYTES + max_rows * XLSX_BYTES_PER_ROW
    if sum(entry.file_size for entry in entries) > limit:
        raise ImportFileError(_("Isi berkas XLSX lebih besar dari %(n)s MB setelah dibuka. Hapus lembar, kolom "
                                "atau baris yang tidak perlu, atau bagi menjadi beberapa berkas.",
                                n=format_number(limit // (1024 * 1024))))


@contextmanager
def _opened_xlsx(data: bytes, max_rows: int) -> Iterator:
    """The workbook of an XLSX upload after the zip checks: read-only, formulas' stored values only, closed after.

    Whatever the parser refuses (broken XML, a DTD or entity that defusedxml forbids, a missing part)
    is a file that cannot be read, said as such, never a server error.
    """
    from openpyxl import load_workbook

    _check_xlsx_archive(data, max_rows)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:
        raise _unreadable_xlsx() from error
    try:
        yield workbook
    finally:
        workbook.close()


def _sheet_rows(sheet) -> Iterable[tuple[int, list]]:
    """Every row of a read-only sheet with its number, blank ones as well, streamed."""
    try:
        sheet.reset_dimensions()  # trust the cells, not a declared range such as A1:XFD1048576
        # Read-only sheets yield an empty row for each row missing from the file, so numbers stay the sheet's.
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells = [cell for cell in row if getattr(cell, "row", None) is not None]
            values = [None] * max((cell.column for cell in cells), default=0)
            for cell in cells:
                values[cell.column - 1] = cell.value
            yield number, values
    except Exception as error:
        raise _unreadable_xlsx() from error


def _xlsx_rows(data: bytes, max_rows: int) -> Iterable[tuple[int, list]]:
    """Every row of the first sheet of an XLSX workbook with its number, blank ones as well, streamed."""
    with _opened_xlsx(data, max_rows) as workbook:
        try:
            sheet = workbook.worksheets[0]
        except Exception as error:
            raise _unreadable_xlsx() from error
        yield from _sheet_rows(sheet)


def _has_nik_column(cells: list) -> bool:
    return any(_header_key(cell) in _HEADER_ALIASES["nik"] for cell in cells)


def _table(rows: Iterable[tuple[int, list]], filename: str, max_rows: int,
           is_header: Callable[[list], bool] = _has_nik_column, header_required: bool = True) -> Table:
    """Find the header row and keep the non-empty data rows below it; at most `max_rows` rows below it.

    Without a header row: ImportFileError, or (`header_required=False`) a Table with no header and no rows
    whose `header_row` is the first row that holds anything (0 for a blank sheet).
    """
    header, header_row, data_rows, first_filled = None, 0, [], 0
    for number, cells in rows:
        if header is None:
            if is_header(cells):
                header, header_row = list(cells), number
            elif number >= HEADER_SEARCH_ROWS:
                break
            elif not first_filled and not all(_blank(cell) for cell in cells):
                first_filled = number
            continue
        # Blank rows count too: a sheet of millions of empty rows is refused here, not read to its end.
        if number - header_row > max_rows:
            raise ImportFileError(_("Berkas berisi lebih dari %(n)s baris di bawah judul kolom (baris kosong ikut "
                                    "dihitung). Hapus baris kosong atau bagi menjadi beberapa berkas.",
                                    n=format_number(max_rows)))
        if all(_blank(cell) for cell in cells):
            continue
        data_rows.append((number, list(cells)))
    if header is None and not header_required:
        return Table(filename=filename, header=[], header_row=first_filled, rows=[])
    if header is None:
        raise ImportFileError(_("Baris judul kolom tidak ditemukan: baris pertama harus memuat kolom NIK, "
                                "No KK, Nama dan Kode Kelompok."))
    return Table(filename=filename, header=header, header_row=header_row, rows=data_rows)


def _header_key(value) -> str:
    """`No. KK`, `NO_KK` and `no kk` all become `no kk`."""
    if value is None:
        return ""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(value).lower()).split())


_ALIAS_TO_FIELD = {alias: name for name, aliases in _HEADER_ALIASES.items() for alias in aliases}


def map_columns(header: list) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Field -> column index and field -> header text as written; errors for missing or doubled columns."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    errors = []
    priority: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        name = _ALIAS_TO_FIELD.get(key)
        if name is None:
            continue  # office lists carry many other columns; they are ignored
        rank = _HEADER_ALIASES[name].index(key)
        if name == "kelurahan" and name in columns:
            if rank < priority[name]:
                columns[name], labels[name], priority[name] = index, str(cell).strip(), rank
            continue
        if name in columns:
            errors.append(RowError(None, str(cell).strip(), _("Kolom untuk %(c)s muncul lebih dari sekali.",
                                                              c=COLUMN_LABELS[name])))
            continue
        columns[name], labels[name], priority[name] = index, str(cell).strip(), rank
    missing = [COLUMN_LABELS[name] for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        errors.append(RowError(None, "", _("Kolom wajib tidak ada: %(c)s.", c=", ".join(missing))))
    return columns, labels, errors


# -- parsing cells --------------------------------------------------------------------------

def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """A cell as text; whole numbers without a trailing `.0`, and without the `'` our exports put before a formula."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return unescaped_text(str(value).strip())


class _CellError(ValueError):
    """A cell that cannot be read; the message is for the user."""


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 100000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()  # an Excel date serial in a cell without date format
    text = _text(value)
    for pattern, order in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, map(int, match.groups())))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise _CellError(_("Tanggal %(v)s tidak dikenali; tulis TTTT-BB-HH, HH-BB-TTTT atau HH/BB/TTTT.", v=text))


def _parse_int(value, label: str) -> int:
    if isinstance(value, bool):
        raise _CellError(_("%(c)s harus angka.", c=label))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise _CellError(_("%(c)s harus angka bulat, bukan %(v)s.", c=label, v=text))


def _parse_sex(value) -> str:
    key = _header_key(value)
    if key not in _SEX_VALUES:
        raise _CellError(_("Jenis kelamin %(v)s tidak dikenal; tulis L atau P.", v=_text(value)))
    return _SEX_VALUES[key]


def _parse_role(value) -> str:
    key = _header_key(value)
    if key not in _ROLE_VALUES:
        raise _CellError(_("Peran %(v)s tidak dikenal; tulis ketua, sekretaris, bendahara atau anggota.",
                           v=_text(value)))
    return _ROLE_VALUES[key]


def _parse_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    key = _header_key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _CellError(_("Tulis ya atau tidak, bukan %(v)s.", v=_text(value)))


class KelurahanIndex:
    """Kota Serang's kelurahan by code and by name; one query per import."""

    def __init__(self) -> None:
        regions = db.session.scalars(select(Region)).all()
        self.by_code = {r.code: r for r in regions if r.level == "kelurahan"}
        kecamatan = {r.code: r.name for r in regions if r.level == "kecamatan"}
        self.kecamatan_name = kecamatan
        self.by_name: dict[str, list[Region]] = {}
        for region in self.by_code.values():
            self.by_name.setdefault(self._key(region.name), []).append(region)

    @staticmethod
    def _key(name: str) -> str:
        """Compare names without case, spaces or punctuation: `Kota Baru` = `kotabaru`."""
        text = re.sub(r"^(kel(urahan)?|desa)\b\.?", "", str(name).strip().lower()).strip()
        return re.sub(r"[^0-9a-z]", "", text)

    def resolve(self, value) -> str:
        """The kelurahan code for a code (36.73.04.1002 or 3673041002) or an unambiguous name."""
        text = _text(value)
        match = _KELURAHAN_CODE.match(text)
        if match:
            code = ".".join(match.groups())
            if code not in self.by_code:
                raise _CellError(_("Kode kelurahan %(v)s tidak dikenal (harus kelurahan di Kota Serang).", v=text))
            return code
        named = re.match(r"^(.*?)\s*\((.*)\)\s*$", text)
        name, kecamatan = (named.group(1), named.group(2)) if named else (text, None)
        candidates = self.by_name.get(self._key(name), [])
        if kecamatan is not None:
            wanted = re.sub(r"[^0-9a-z]", "", re.sub(r"^kec(amatan)?\b\.?", "", kecamatan.strip().lower()))
            candidates = [r for r in candidates if self._key(self.kecamatan_name[r.parent_code]) == wanted]
        if not candidates:
            raise _CellError(_("Kelurahan %(v)s tidak dikenal di Kota Serang; pakai nama atau kode kelurahan "
                               "(mis. 36.73.04.1002).", v=text))
        if len(candidates) > 1:
            options = ", ".join(f"{r.name} ({self.kecamatan_name[r.parent_code]}) = {r.code}"
                                for r in sorted(candidates, key=lambda r: r.code))
            raise _CellError(_("Nama kelurahan %(v)s ada di lebih dari satu kecamatan. Tulis salah satu: %(o)s.",
                               v=text, o=options))
        return candidates[0].code


# -- importing ------------------------------------------------------------------------------

@dataclass
class _Row:
    number: int
    group: Group | None
    values: dict
    errors: list[RowError]


def _parse_row(number: int, cells: list, columns: dict[str, int], labels: dict[str, str],
               groups: dict[str, Group], kelurahan: KelurahanIndex, today: date) -> _Row:
    """Turn one row's cells into add_member values; every unreadable cell is an error."""
    def cell(name):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    errors: list[RowError] = []
    values: dict = {}

    def fail(name: str, message: str) -> None:
        errors.append(RowError(number, labels.get(name, COLUMN_LABELS[name]), message))

    for name in columns:  # what the forms and the API refuse, an upload does not bring in either
        if isinstance(cell(name), str) and has_control_characters(_text(cell(name))):
            fail(name, str(CONTROL_MESSAGE))
    for name, parse in (("nik", parse_nik), ("kk", parse_kk)):
        raw = cell(name)
        if _blank(raw):
            fail(name, _("Wajib diisi."))
            continue
        values[name] = _text(raw)
        # Excel keeps 15 significant digits: a 16-digit number typed into a number cell has its last
        # digit replaced by 0. A last digit other than 0 proves the number was stored whole.
        numeric = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        hint = _("Sel ini berformat angka; Excel hanya menyimpan 15 digit. Format kolom sebagai Teks lalu "
                 "ketik ulang nomornya.")
        try:  # checked here too, so a row with an unknown group still reports a wrong NIK
            parse(values[name], today=today)
        except IdentityError as error:
            message = identity_message(error)
            fail(name, f"{message} ({hint})" if numeric else message)
        else:
            if numeric and values[name].endswith("0"):
                fail(name, _("Angka ini mungkin terpotong oleh Excel.") + " " + hint)
    name_value = _text(cell("name"))
    if not name_value:
        fail("name", _("Wajib diisi."))
    elif len(name_value) > 120:
        fail("name", _("Nama paling banyak 120 karakter."))
    else:
        values["name"] = name_value

    group = None
    code = _text(cell("group")).upper()
    if not code:
        fail("group", _("Wajib diisi."))
    else:
        group = groups.get(code)
        if group is None:
            fail("group", _("Kelompok dengan kode %(c)s tidak ditemukan.", c=code))

    readers: dict[str, Callable] = {
        "sex": _parse_sex,
        "birth_date": _parse_date,
        "kelurahan": kelurahan.resolve,
        "decile": lambda v: _parse_int(v, COLUMN_LABELS["decile"]),
        "decile_as_of": _parse_date,
        "role": _parse_role,
        "household_size": lambda v: _parse_int(v, COLUMN_LABELS["household_size"]),
        "extreme_poor": _parse_yes_no,
        "joined_on": _parse_date,
    }
    for name, reader in readers.items():
        raw = cell(name)
        if _blank(raw):
            continue
        try:
            values["kelurahan_code" if name == "kelurahan" else name] = reader(raw)
        except _CellError as error:
            fail(name, str(error))

    address = _text(cell("address"))
    if len(address) > 255:
        fail("address", _("Alamat paling banyak 255 karakter."))
    elif address:
        values["address"] = address
    phone = cell("phone")
    if not _blank(phone):
        text = _text(phone)
        # A number cell drops the leading 0 of a mobile number (0812... becomes 812...).
        if isinstance(phone, (int, float)) and text.startswith("8"):
            text = "0" + text
        values["phone"] = text
    values.setdefault("role", "anggota")
    return _Row(number, group, values, errors)


def _field_column(error: DomainError, labels: dict[str, str]) -> str:
    """The file column a domain error points at (errors without a field concern the group)."""
    names = {"kelurahan_code": "kelurahan"}
    for name in error.fields:
        name = names.get(name, name)
        if name in COLUMN_LABELS:
            return labels.get(name, COLUMN_LABELS[name])
    return labels.get("group", COLUMN_LABELS["group"])


def _row_message(error: DomainError) -> str:
    if isinstance(error, NeedsConfirmation):
        return error.message + " " + _("Anggota dengan umur di luar rentang tidak dapat diimpor; "
                                       "tambahkan lewat formulir anggota dengan konfirmasi petugas.")
    if isinstance(error, PriorKubeGrant):
        return error.message + " " + _("Impor tidak dapat memberi pengecualian; pakai formulir anggota.")
    return error.message


def _within_file_duplicates(row: _Row, seen: dict, labels: dict[str, str]) -> list[RowError]:
    """Same NIK twice, the same KK twice in one group, or two holders of one office in one group."""
    errors = []
    nik = normalize_number(row.values.get("nik"))
    if nik:
        first = seen.setdefault(("nik", nik), row.number)
        if first != row.number:
            errors.append(RowError(row.number, labels.get("nik", "NIK"),
                                   _("NIK sama dengan baris %(n)d dalam berkas ini.", n=first)))
    if row.group is not None:
        kk = normalize_number(row.values.get("kk"))
        if kk:
            first = seen.setdefault(("kk", row.group.id, kk), row.number)
            if first != row.number:
                errors.append(RowError(row.number, labels.get("kk", "No KK"),
                                       _("No. KK sama dengan baris %(n)d untuk kelompok yang sama "
                                         "(satu KK satu anggota).", n=first)))
        role = row.values.get("role")
        if role in SINGLE_ROLES:
            first = seen.setdefault(("role", row.group.id, role), row.number)
            if first != row.number:
                errors.append(RowError(row.number, labels.get("role", "Peran"),
                                       _("Kelompok %(c)s sudah mendapat %(r)s di baris %(n)d; satu kelompok "
                                         "hanya punya satu %(r)s.", c=row.group.code, r=role, n=first)))
    return errors


def import_table(table: Table, actor, today: date | None = None,
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate and add every row; keep them all only when no row failed (nothing stays otherwise)."""
    today = today or office_today()
    report = ImportReport(rows=len(table.rows))
    columns, labels, header_errors = map_columns(table.header)
    if header_errors:
        report.errors = [RowError(table.header_row, e.column, e.message) for e in header_errors]
        return report
    if not table.rows:
        report.errors = [RowError(None, "", _("Berkas tidak berisi baris data."))]
        return report

    codes = {_text(cells[columns["group"]]).upper() for _n, cells in table.rows if columns["group"] < len(cells)}
    groups = {g.code.upper(): g for g in db.session.scalars(select(Group).where(func.upper(Group.code).in_(codes)))}
    kelurahan = KelurahanIndex()
    seen: dict = {}
    created: Counter = Counter()
    savepoint = db.session.begin_nested()
    try:
        for number, cells in table.rows:
            row = _parse_row(number, cells, columns, labels, groups, kelurahan, today)
            row.errors.extend(_within_file_duplicates(row, seen, labels))
            if not row.errors:
                row.errors.extend(_add(row, actor, today, labels))
            if not row.errors:
                created[row.group.code] += 1
            report.errors.extend(row.errors)
            if progress is not None:
                progress(1)
    except BaseException:
        savepoint.rollback()
        raise
    if report.errors:
        savepoint.rollback()
        return report
    summary = ", ".join(f"{code}: {n}" for code, n in sorted(created.items()))
    record_audit("member.import", "import", None,
                 f"{table.filename or 'berkas'}: {sum(created.values())} anggota ({summary})", actor=actor)
    savepoint.commit()
    report.created = dict(sorted(created.items()))
    return report


def _add(row: _Row, actor, today: date, labels: dict[str, str]) -> list[RowError]:
    """Run add_member for one row in its own savepoint; a refused rule becomes the row's error."""
    try:
        with db.session.begin_nested():
            add_member(row.group, dict(row.values), actor, today=today)
    except DomainError as error:
        return [RowError(row.number, _field_column(error, labels), _row_message(error))]
    except SQLAlchemyError as error:
        return [RowError(row.number, "", _("Data tidak dapat disimpan: %(e)s", e=type(error).__name__))]
    return []


def import_members(data: bytes, filename: str, actor, today: date | None = None,
                   progress: Callable[[int], None] | None = None, max_rows: int | None = None) -> ImportReport:
    """Read and import a file in one go; a file that cannot be read is reported like a row error."""
    try:
        table = read_table(data, filename, max_rows)
    except ImportFileError as error:
        return ImportReport(errors=[RowError(None, "", error.message)])
    return import_table(table, actor, today=today, progress=progress)


# -- the template offered for download ------------------------------------------------------

def _column_help() -> list[tuple[str, str, str, str]]:
    """Column rules for the template's instruction sheet: column, required, what to write, example."""
    return [
        ("NIK", _("wajib"), _("16 digit, sel berformat Teks"), "3673041506850001"),
        ("No KK", _("wajib"), _("16 digit, sel berformat Teks"), "3673041003150001"),
        ("Nama", _("wajib"), _("nama lengkap sesuai KTP"), "Ujang Suryana"),
        ("Jenis Kelamin", _("boleh kosong"), _("L atau P (Laki-laki/Perempuan); kosong = dari NIK"), "L"),
        ("Tanggal Lahir", _("boleh kosong"), _("TTTT-BB-HH, HH-BB-TTTT, HH/BB/TTTT atau sel tanggal; "
                                               "kosong = dari NIK"), "15-06-1985"),
        ("Alamat", _("boleh kosong"), _("kampung, RT/RW"), "Kp. Tinggar RT 01/02"),
        ("Kelurahan", _("boleh kosong"), _("kode (lihat lembar Kode Kelurahan) atau nama; nama ganda seperti "
                                           "Sukawana ditulis Sukawana (Curug); kosong = kelurahan kelompok"),
         "36.73.04.1002"),
        ("Desil", _("boleh kosong"), _("desil DTKS/DTSEN 1 sampai 10"), "1"),
        ("Tanggal Desil", _("boleh kosong"), _("tanggal data desil"), "2024-01-01"),
        ("Kode Kelompok", _("wajib"), _("kode Kube yang sudah terdaftar"), "KUBE-3673-0001"),
        ("Peran", _("boleh kosong"), _("ketua, sekretaris, bendahara atau anggota (kosong = anggota)"), "anggota"),
        ("Telepon", _("boleh kosong"), _("8 sampai 15 angka, sel berformat Teks"), "081234567890"),
        ("Jumlah Anggota Keluarga", _("boleh kosong"), _("1 sampai 30 (kosong = 1)"), "4"),
        ("Miskin Ekstrem", _("boleh kosong"), _("ya atau tidak (kosong = tidak)"), "ya"),
        ("Tanggal Bergabung", _("boleh kosong"), _("kosong = tanggal impor"), "2024-01-15"),
    ]


def template_xlsx(group_code: str = "KUBE-3673-0001") -> bytes:
    """An empty member list with our headers, plus example, instruction and kelurahan-code sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from kube.core.identity import compose_kk, compose_nik

    headers = list(COLUMN_LABELS.values())
    bold = Font(bold=True)
    text_columns = [headers.index(label) for label in ("NIK", "No KK", "Telepon")]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Anggota"
    sheet.append(xlsx_row(sheet, headers, font=bold))
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(14, len(header) + 4)
        if index in text_columns:
            for row in range(2, 502):  # Excel would otherwise cut 16-digit numbers to 15 digits
                sheet.cell(row=row, column=index + 1).number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"

    examples = workbook.create_sheet("Contoh")
    examples.append(xlsx_row(examples, headers, font=bold))
    birth_dates = [(date(1985, 6, 15), "L", "Ujang Suryana", "ketua"),
                   (date(1990, 2, 3), "P", "Siti Maesaroh", "sekretaris"),
                   (date(1978, 11, 21), "P", "Euis Kurniasih", "bendahara"),
                   (date(1982, 8, 30), "L", "Asep Saepudin", "anggota")]
    for serial, (birth, sex, person, role) in enumerate(birth_dates, start=1):
        values = {"nik": compose_nik("367304", birth, sex, serial),
                  "kk": compose_kk("367304", date(2015, 3, 10), serial), "name": person, "sex": sex,
                  "birth_date": birth.strftime("%d-%m-%Y"), "address": f"Kp. Tinggar RT 0{serial}/02",
                  "kelurahan": "36.73.04.1002" if serial != 4 else "Sukawana (Curug)", "decile": 1,
                  "decile_as_of": "2024-01-01", "group": group_code, "role": role,
                  "phone": f"08123456789{serial}", "household_size": 3 + serial,
                  "extreme_poor": "ya" if serial % 2 else "tidak", "joined_on": "2024-01-15"}
        examples.append(xlsx_row(examples, [values[key] for key in COLUMN_LABELS], text_columns))

    guide = workbook.create_sheet("Petunjuk")
    guide.append(xlsx_row(guide, [_("Isi lembar pertama (Anggota), satu baris per anggota. Baris judul harus tetap "
                                    "di baris 1. Bila ada satu baris yang salah, tidak ada yang diimpor dan semua "
                                    "kesalahan ditampilkan dengan nomor barisnya.")]))
    guide.append(xlsx_row(guide, [_("Umur di luar 18-60 tahun dan pengecualian penerima Kube sebelumnya tidak "
                                    "dapat diimpor; tambahkan anggota seperti itu lewat formulir.")]))
    guide.append([])
    guide.append(xlsx_row(guide, [_("Kolom"), _("Keterangan"), _("Isi"), _("Contoh")], font=bold))
    for row in _column_help():
        guide.append(xlsx_row(guide, row))
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 20

    codes = workbook.create_sheet("Kode Kelurahan")
    codes.append(xlsx_row(codes, [_("Kode"), _("Kelurahan"), _("Kecamatan")], font=bold))
    index = KelurahanIndex()
    for code, region in sorted(index.by_code.items()):
        codes.append(xlsx_row(codes, [code, region.name, index.kecamatan_name[region.parent_code]]))
    codes.column_dimensions["A"].width = 16
    codes.column_dimensions["B"].width = 24
    codes.column_dimensions["C"].width = 16

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
