"""Import the office's history from one workbook: every row through the live rules, all of it or none of it.

Three passes, inside one savepoint of the caller's transaction:

1. **Read**: every cell of every sheet is parsed (the member import's cell readers, so both imports read
   cells alike), rows repeated inside the workbook are refused with the row they repeat, and rows whose
   natural key is already in the database are set aside as already recorded (group code, NIK with its
   group, budget program and year, letter number, group and month), all from a few preloading queries.
2. **Replay**: the rest is created through the live operations in the order it happened: budgets,
   groups, then every join, leave, activation and grant handover in date order (so one current
   membership per NIK, one KK and one ketua per group, former Kube recipients, the member count at
   activation and the grant's receiver are judged as they stood then); then each group's months through
   the reports' `record_historical_reports` (the rule functions of `submit_report`, a group's months
   checked one by one and written together, marked `historical`), and last each group's final status.
   Grants go through `record_historical_grant` (the maker-checker path does not apply to the past).
   Status changes carry the dates of the records.
3. **Decide**: with any error, or for a dry run, the savepoint is rolled back and nothing stays;
   otherwise one `history.import` audit entry is written and the caller's edge commits once.

Every error names its sheet, row and column; every one is listed, not only the first. A row depending on
one that failed (a member of a group that could not be created) is not tried, so one mistake is reported
once.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from kube.audit.models import AuditEntry
from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.core.clock import office_midnight, office_today
from kube.core.dates import check_recorded_date
from kube.core.errors import DomainError, ValidationFailed
from kube.core.formatting import format_long_date, format_month, format_rupiah
from kube.core.identity import IdentityError, age_on, normalize_number, parse_nik
from kube.core.money import AMOUNT_MESSAGE, AmountError, parse_rupiah
from kube.core.periods import first_of_month, format_period
from kube.core.text import CONTROL_MESSAGE, has_control_characters
from kube.extensions import db
from kube.groups import importer as cells
from kube.groups.importer import ImportFileError, KelurahanIndex, Table
from kube.groups.labels import group_status
from kube.groups.models import Group, Member
from kube.groups.operations import MemberChecks, add_member, create_group, member_leaves, transition_group
from kube.history.workbook import (
    BUDGETS, GRANTS, GROUPS, MAX_ROWS, MEMBERS, REPORTS, SHEET_NAMES, Sheet, Workbook, map_header, read_workbook,
)
from kube.ledger.history import go_live_date, record_historical_grant
from kube.ledger.models import FUNDING_SOURCES, PROGRAMS, Budget, Grant
from kube.ledger.operations import create_budget
from kube.reports.models import IncomeReport
from kube.reports.operations import record_historical_reports

AUDIT_ACTION = "history.import"
#: Serialises history imports on PostgreSQL (SQLite's write lock already does): a second import of the
#: same workbook waits, then finds everything recorded instead of colliding on the group codes.
_ADVISORY_LOCK = 0x4B554245  # "KUBE"
#: Values per IN (...) when preloading: far below SQLite's and PostgreSQL's limits on bound parameters.
_CHUNK = 2000
_NOTE = "Impor riwayat"

_STATUS_WORDS = {
    "diusulkan": "proposed", "usulan": "proposed", "proposed": "proposed",
    "aktif": "active", "active": "active",
    "lulus": "graduated", "mandiri": "graduated", "mandiri lulus": "graduated", "graduated": "graduated",
    "bubar": "dissolved", "dibubarkan": "dissolved", "dissolved": "dissolved",
    "ditolak": "rejected", "rejected": "rejected",
}
_KIND_WORDS = {"peralatan": "equipment", "barang": "equipment", "alat": "equipment", "equipment": "equipment",
               "uang": "cash", "tunai": "cash", "uang tunai": "cash", "cash": "cash"}
#: Group statuses a group reaches through activation, and those ending its history.
_ACTIVATED = ("active", "graduated", "dissolved")
_FINAL = ("graduated", "dissolved", "rejected")
_PERIOD_FORMATS = (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{1,2})[-/.](\d{4})$"))


# -- what an import reports -------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetError:
    """One problem (or notice) with its sheet, spreadsheet row and column; None/"" where it concerns more."""

    sheet: str | None
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        parts = [self.sheet or _("Berkas")]
        if self.row:
            parts.append(_("baris %(n)d", n=self.row))
        if self.column:
            parts.append(_("kolom %(c)s", c=self.column))
        return f"{', '.join(parts)}: {self.message}"


@dataclass
class HistoryReport:
    """What an import did (or, for a dry run, would do): errors, notices, and what was created or already there."""

    filename: str
    sha256: str
    dry_run: bool = False
    errors: list[SheetError] = field(default_factory=list)
    notices: list[SheetError] = field(default_factory=list)
    #: Data rows per sheet.
    rows: dict[str, int] = field(default_factory=dict)
    #: Created per sheet: groups, members, budgets, grants (one per letter number) and reports.
    created: Counter = field(default_factory=Counter)
    #: Rows whose natural key was already recorded, per sheet (grants: per letter number).
    existing: Counter = field(default_factory=Counter)
    #: Kecamatan name ("" for the city's budgets) -> sheet -> created.
    by_kecamatan: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: (when, who) of an earlier import of a file with the same SHA-256, if any.
    earlier: tuple[datetime, str | None] | None = None

    @property
    def ok(self) -> bool:
        """True when the workbook was valid (and, unless a dry run, its contents are in the session)."""
        return not self.errors

    @property
    def total_created(self) -> int:
        """Everything created, all sheets together."""
        return sum(self.created.values())

    @property
    def nothing_new(self) -> bool:
        """A valid workbook whose every row was already recorded."""
        return self.ok and not self.total_created

    def sheet_counts(self) -> list[tuple[str, int, int, int]]:
        """(sheet, data rows, created, already recorded) for each sheet, in workbook order."""
        return [(name, self.rows.get(name, 0), self.created.get(name, 0), self.existing.get(name, 0))
                for name in SHEET_NAMES]

    def kecamatan_counts(self) -> list[tuple[str, list[int]]]:
        """(kecamatan, created per sheet in workbook order), kecamatan by name, the city's budgets last."""
        names = sorted(self.by_kecamatan, key=lambda name: (name == "", name))
        return [(name, [self.by_kecamatan[name].get(sheet, 0) for sheet in SHEET_NAMES]) for name in names]


# -- cells ----------------------------------------------------------------------------------------

def _amount(value) -> int:
    """Whole Rupiah from a number cell or text such as `Rp 1.500.000`."""
    if isinstance(value, bool):
        raise cells._CellError(str(AMOUNT_MESSAGE))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise cells._CellError(str(AMOUNT_MESSAGE))
        return value
    try:
        amount = parse_rupiah(cells._text(value))
    except AmountError:
        raise cells._CellError(str(AMOUNT_MESSAGE)) from None
    if amount is None:
        raise cells._CellError(_("Wajib diisi."))
    return amount


def _period(value) -> date:
    """The first day of a month written `2024-05` (or `05-2024`), or of a date cell Excel made of it."""
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    written = cells._text(value)
    for number, pattern in enumerate(_PERIOD_FORMATS):
        match = pattern.match(written)
        if match:
            year, month = (int(part) for part in (match.groups() if number == 0 else reversed(match.groups())))
            if 1 <= month <= 12 and 1900 <= year <= 2100:
                return date(year, month, 1)
    raise cells._CellError(_("Bulan %(v)s tidak dikenali; tulis TTTT-BB, misalnya 2024-05.", v=written))


def _year(value) -> int:
    year = cells._parse_int(value, _("Tahun"))
    if not 2000 <= year <= 2100:
        raise cells._CellError(_("Tahun %(y)d tidak valid (2000 sampai 2100).", y=year))
    return year


def _choice(words: dict[str, str], message: str) -> Callable[[Any], str]:
    def read(value) -> str:
        found = words.get(cells._header_key(value))
        if found is None:
            raise cells._CellError(message % {"v": cells._text(value)})
        return found
    return read


def _short_text(limit: int) -> Callable[[Any], str]:
    def read(value) -> str:
        written = cells._text(value)
        if len(written) > limit:
            raise cells._CellError(_("Paling banyak %(max)d karakter.", max=limit))
        return written
    return read


def _nik(value) -> str:
    number = normalize_number(cells._text(value))
    try:
        parse_nik(number)
    except IdentityError as error:
        raise cells._CellError(_(error.message, **error.params)) from None
    return number


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


class _RowReader:
    """One data row of a sheet: its cells by column key, read with the given readers, errors collected."""

    def __init__(self, sheet: Sheet, number: int, row: list, columns: dict[str, int], labels: dict[str, str],
                 errors: list[SheetError]):
        self.sheet, self.number, self.row = sheet, number, row
        self.columns, self.labels, self.errors = columns, labels, errors
        self.failed = False

    def label(self, key: str) -> str:
        """The column's header as the workbook writes it."""
        return self.labels.get(key) or self.sheet.label(key)

    def raw(self, key: str):
        index = self.columns.get(key)
        return self.row[index] if index is not None and index < len(self.row) else None

    def fail(self, key: str, message: str) -> None:
        """Record an error in this row's column `key`."""
        self.failed = True
        self.errors.append(SheetError(self.sheet.name, self.number, self.label(key), message))

    def get(self, key: str, reader: Callable[[Any], Any] | None = None, default=None, check_control: bool = True):
        """The cell read by `reader` (text when None); `default` when blank, an error when blank and required."""
        value = self.raw(key)
        if cells._blank(value):
            if self.sheet.column(key).required:
                self.fail(key, _("Wajib diisi."))
            return default
        if check_control and isinstance(value, str) and has_control_characters(value.strip()):
            self.fail(key, str(CONTROL_MESSAGE))
            return default
        try:
            return (reader or _short_text(255))(value)
        except cells._CellError as error:
            self.fail(key, str(error))
            return default


# -- what was read ---------------------------------------------------------------------------------

@dataclass(eq=False)
class _GroupPlan:
    """A group the other sheets refer to: from the Kelompok sheet, or already in the database."""

    code: str
    formed_on: date | None
    kelurahan_code: str | None
    status: str
    row: int | None = None
    active_on: date | None = None
    ended_on: date | None = None
    values: dict = field(default_factory=dict)
    group: Group | None = None
    #: Already in the database (the row, if any, is skipped).
    exists: bool = False
    #: Could not be read, created or activated: rows depending on it are not tried.
    failed: bool = False
    has_history: bool = False


@dataclass(eq=False)
class _MemberPlan:
    row: int
    code: str
    nik: str
    kk: str
    values: dict
    joined_on: date | None
    left_on: date | None
    checks: MemberChecks
    member: Member | None = None
    failed: bool = False


@dataclass(eq=False)
class _GrantPlan:
    rows: list[int]
    letter: str
    program: str
    year: int
    code: str
    uep_nik: str | None
    approved_on: date
    handover_date: date
    receiver_nik: str | None
    lines: list[dict]
    notes: list[str]


@dataclass(eq=False)
class _ReportPlan:
    row: int
    code: str
    period: date
    values: dict


class _Import:
    """One run over a workbook; see the module docstring for its passes."""

    def __init__(self, book: Workbook, actor: User, today: date, dry_run: bool,
                 progress: Callable[[int], None] | None):
        self.book, self.actor, self.today, self.dry_run = book, actor, today, dry_run
        self.progress = progress or (lambda _n: None)
        self.done = 0
        self.report = HistoryReport(book.filename, book.sha256, dry_run)
        self.errors = self.report.errors
        self.kelurahan = KelurahanIndex()
        self.groups: dict[str, _GroupPlan] = {}
        self.members: list[_MemberPlan] = []
        self.budgets: list[tuple[int, dict]] = []
        self.grants: list[_GrantPlan] = []
        self.reports: list[_ReportPlan] = []
        #: Sheets whose header could not be read: what refers to their rows is not checked against them.
        self.unreadable: set[str] = set()
        #: Column key -> header as the workbook writes it, per sheet.
        self.sheet_labels: dict[str, dict[str, str]] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def _error(self, sheet: Sheet, row: int | None, column: str, message: str) -> None:
        self.errors.append(SheetError(sheet.name, row, column, message))

    def _notice(self, sheet: Sheet, row: int | None, column: str, message: str) -> None:
        self.report.notices.append(SheetError(sheet.name, row, column, message))

    def _advance(self, rows: int = 1) -> None:
        self.done += rows
        self.progress(rows)

    def _rows(self, sheet: Sheet) -> list[_RowReader]:
        """The sheet's data rows as readers, once its header is mapped (none when the header is unusable)."""
        table: Table | None = self.book.tables.get(sheet.name)
        self.report.rows[sheet.name] = len(table.rows) if table else 0
        if table is None or (not table.header and not table.header_row):
            return []  # no such sheet, or an empty one: nothing to import from it
        if not table.header:
            self.unreadable.add(sheet.name)
            self._error(sheet, table.header_row, "", _("Baris judul kolom tidak ditemukan (judul harus sama dengan "
                                                       "templat, mis. %(c)s).", c=sheet.columns[0].label))
            return []
        columns, labels, problems = map_header(sheet, table.header)
        for problem in problems:
            self._error(sheet, table.header_row, problem.column, problem.message)
        if problems:
            self.unreadable.add(sheet.name)
            return []
        self.sheet_labels[sheet.name] = labels
        return [_RowReader(sheet, number, row, columns, labels, self.errors) for number, row in table.rows]

    def _label(self, sheet: Sheet, key: str) -> str:
        """A column's header as the workbook writes it (the template's when the workbook lacks the column)."""
        return self.sheet_labels.get(sheet.name, {}).get(key) or sheet.label(key)

    def _kecamatan(self, kelurahan_code: str | None) -> str:
        region = self.kelurahan.by_code.get(kelurahan_code or "")
        return self.kelurahan.kecamatan_name.get(region.parent_code, "") if region else ""

    def _count(self, sheet: Sheet, plan: _GroupPlan | None) -> None:
        self.report.created[sheet.name] += 1
        # Budgets belong to the whole city: their kecamatan is "".
        self.report.by_kecamatan[self._kecamatan(plan.kelurahan_code) if plan else ""][sheet.name] += 1

    def _group_for(self, reader: _RowReader, key: str) -> _GroupPlan | None:
        """The group a row refers to by code; an error when the code is unknown (unless its sheet was unreadable)."""
        code = (reader.get(key, _short_text(32)) or "").upper()
        if not code:
            return None
        plan = self.groups.get(code)
        if plan is None and GROUPS.name not in self.unreadable:
            reader.fail(key, _("Kelompok dengan kode %(c)s tidak ada di lembar Kelompok maupun di Kube.", c=code))
        return plan

    # -- pass 1: read ------------------------------------------------------------------------------

    def preload_groups(self) -> None:
        """Every group any sheet names, from the database, in one query per chunk of codes."""
        codes = set()
        for sheet, key in ((GROUPS, "code"), (MEMBERS, "group"), (GRANTS, "group"), (REPORTS, "group")):
            table = self.book.tables.get(sheet.name)
            if not table or not table.header:
                continue
            columns, _labels, _problems = map_header(sheet, table.header)
            if key in columns:
                codes.update(cells._text(row[columns[key]]).upper() for _n, row in table.rows
                             if columns[key] < len(row) and not cells._blank(row[columns[key]]))
        for chunk in _chunks(codes):
            for group in db.session.scalars(select(Group).where(func.upper(Group.code).in_(chunk))):
                self.groups[group.code.upper()] = _GroupPlan(group.code, group.formed_on, group.kelurahan_code,
                                                             group.status, group=group, exists=True)

    def read_groups(self) -> None:
        """The Kelompok sheet: groups to create; codes of the generated pattern only for groups that exist."""
        generated = re.compile(rf"^{re.escape(current_app.config['GROUP_CODE_PREFIX'])}-\d+$", re.IGNORECASE)
        business = {cells._header_key(code): code for code, _label in current_app.config["BUSINESS_TYPES"]}
        business.update({cells._header_key(_(label)): code for code, label in current_app.config["BUSINESS_TYPES"]})
        business.update({cells._header_key(label): code for code, label in current_app.config["BUSINESS_TYPES"]})
        officers = self._officers()
        seen: dict[str, int] = {}
        for reader in self._rows(GROUPS):
            code = (reader.get("code", _short_text(32)) or "").upper()
            values = {
                "name": reader.get("name", _short_text(120)),
                "business_type": reader.get("business_type", _choice(business, _(
                    "Jenis usaha %(v)s tidak dikenal; lihat daftar jenis usaha di lembar Petunjuk.")), None),
                "kelurahan_code": reader.get("kelurahan", self.kelurahan.resolve),
                "address": reader.get("address", default=""),
                "formed_on": reader.get("formed_on", cells._parse_date),
                "bank_name": reader.get("bank_name", _short_text(60)) or None,
                "bank_account": reader.get("bank_account", _short_text(40)) or None,
            }
            status = reader.get("status", _choice(_STATUS_WORDS, _(
                "Status %(v)s tidak dikenal; tulis diusulkan, aktif, lulus, bubar atau ditolak.")), "active")
            active_on = reader.get("active_on", cells._parse_date)
            ended_on = reader.get("ended_on", cells._parse_date)
            username = reader.get("officer", _short_text(64))
            if username:
                officer = officers.get(username.strip().lower())
                if officer is None:
                    reader.fail("officer", _("Tidak ada petugas program aktif dengan nama pengguna %(u)s.", u=username))
                else:
                    values["officer_id"] = officer.id
            if not code:
                continue
            if code in seen:
                reader.fail("code", _("Kode kelompok %(c)s sudah tercatat di baris %(n)d.", c=code, n=seen[code]))
                continue
            seen[code] = reader.number
            existing = self.groups.get(code)
            if existing is not None:
                existing.row = reader.number
                self.report.existing[GROUPS.name] += 1
                continue
            if generated.match(code) or code.startswith("NEW-"):
                reader.fail("code", _("Kode %(c)s berpola kode yang dibuat Kube sendiri, tetapi kelompoknya tidak "
                                      "ada. Pakai kode dari catatan kantor (mis. KUBE-2019-001) agar tidak bentrok "
                                      "dengan kelompok baru.", c=code))
            formed = values["formed_on"]
            self._check_group_dates(reader, status, formed, active_on, ended_on)
            plan = _GroupPlan(code, formed, values["kelurahan_code"], status, row=reader.number,
                              active_on=(active_on or formed) if status in _ACTIVATED else None, ended_on=ended_on,
                              values=values, failed=reader.failed)
            self.groups[code] = plan

    def _officers(self) -> dict[str, User]:
        table = self.book.tables.get(GROUPS.name)
        if not table or not table.header:
            return {}
        columns, _labels, _problems = map_header(GROUPS, table.header)
        if "officer" not in columns:
            return {}
        names = {cells._text(row[columns["officer"]]).strip().lower() for _n, row in table.rows
                 if columns["officer"] < len(row) and not cells._blank(row[columns["officer"]])}
        found = {}
        for chunk in _chunks(names):
            for user in db.session.scalars(select(User).where(User.username.in_(chunk))):
                found[user.username] = user
        return found

    def _check_group_dates(self, reader: _RowReader, status: str, formed: date | None, active_on: date | None,
                           ended_on: date | None) -> None:
        for key, value in (("active_on", active_on), ("ended_on", ended_on)):
            if value is None:
                continue
            try:
                check_recorded_date(key, value, reader.label(key), self.today)
            except DomainError as error:
                reader.fail(key, error.message)
        if formed and active_on and active_on < formed:
            reader.fail("active_on", _("Tanggal aktif tidak boleh sebelum tanggal dibentuk."))
        if status in _FINAL and ended_on is None:
            reader.fail("ended_on", _("Wajib diisi untuk kelompok berstatus %(s)s.", s=group_status(status)))
        if status not in _FINAL and ended_on is not None:
            reader.fail("ended_on", _("Hanya untuk kelompok yang lulus, bubar atau ditolak; kosongkan."))
        start = (active_on or formed) if status != "rejected" else formed
        if ended_on and start and ended_on < start:
            reader.fail("ended_on", _("Tanggal selesai tidak boleh sebelum tanggal dibentuk atau diaktifkan."))

    def read_members(self) -> None:
        """The Anggota sheet through the member import's row parser, then history's columns and overlaps."""
        rows = self._rows(MEMBERS)
        existing = self._existing_memberships({normalize_number(cells._text(reader.raw("nik"))) for reader in rows})
        by_nik: dict[str, list[_MemberPlan]] = defaultdict(list)
        by_kk: dict[tuple[str, str], list[_MemberPlan]] = defaultdict(list)
        for reader in rows:
            labels = reader.labels
            parsed = cells._parse_row(reader.number, reader.row, reader.columns, labels, self.groups, self.kelurahan,
                                      self.today)
            for error in parsed.errors:
                if error.column == labels["group"] and GROUPS.name in self.unreadable:
                    continue  # the group's own sheet was unreadable: said once there
                reader.fail(next((key for key, label in labels.items() if label == error.column), "group"),
                            error.message)
            # The row parser already refused control characters in every column, these too.
            left_on = reader.get("left_on", cells._parse_date, check_control=False)
            confirm = reader.get("confirm_age", cells._parse_yes_no, False, check_control=False)
            override = reader.get("override", _short_text(500), check_control=False) or None
            plan: _GroupPlan | None = parsed.group
            values = parsed.values
            nik, kk = normalize_number(values.get("nik")), normalize_number(values.get("kk"))
            if plan is None or not nik:
                continue
            joined = values.get("joined_on") or plan.formed_on
            if joined is not None:
                values["joined_on"] = joined
            if left_on is not None:
                try:
                    check_recorded_date("left_on", left_on, reader.label("left_on"), self.today)
                except DomainError as error:
                    reader.fail("left_on", error.message)
                if joined and left_on < joined:
                    reader.fail("left_on", _("Tanggal keluar tidak boleh sebelum tanggal bergabung."))
            member = _MemberPlan(reader.number, plan.code.upper(), nik, kk, values, joined, left_on,
                                 MemberChecks(confirm_age=bool(confirm), prior_kube_override=override),
                                 failed=reader.failed)
            self._check_repeats(reader, member, by_nik[nik], by_kk[(member.code, kk)])
            member.failed = reader.failed
            by_nik[nik].append(member)
            by_kk[(member.code, kk)].append(member)
            found = existing.get((nik, plan.group.id)) if plan.exists else None
            if found is not None:
                member.member = found
                self.report.existing[MEMBERS.name] += 1
                continue
            self.members.append(member)

    @staticmethod
    def _existing_memberships(niks: set[str]) -> dict[tuple[str, int], Member]:
        """Memberships already recorded for these NIKs, by (NIK, group id); the latest one per pair."""
        found: dict[tuple[str, int], Member] = {}
        for chunk in _chunks(niks - {""}):
            for member in db.session.scalars(select(Member).where(Member.nik.in_(chunk)).order_by(Member.id)):
                found[(member.nik, member.group_id)] = member
        return found

    def _check_repeats(self, reader: _RowReader, member: _MemberPlan, same_nik: list[_MemberPlan],
                       same_kk: list[_MemberPlan]) -> None:
        """A NIK twice in one group, or in two groups at once; one KK twice in one group at once."""
        def overlaps(a: _MemberPlan, b: _MemberPlan) -> bool:
            if a.joined_on is None or b.joined_on is None:
                return True
            end_a, end_b = a.left_on or date.max, b.left_on or date.max
            return a.joined_on < end_b and b.joined_on < end_a

        for earlier in same_nik:
            if earlier.code == member.code:
                reader.fail("nik", _("NIK sudah tercatat di baris %(n)d.", n=earlier.row))
                return
            if overlaps(earlier, member):
                reader.fail("nik", _("NIK sudah tercatat di baris %(n)d sebagai anggota %(c)s pada waktu yang sama; "
                                     "satu orang hanya menjadi anggota satu kelompok pada satu waktu.",
                                     n=earlier.row, c=earlier.code))
                return
        for earlier in same_kk:
            if overlaps(earlier, member):
                reader.fail("kk", _("No. KK sudah tercatat di baris %(n)d untuk kelompok yang sama pada waktu yang "
                                    "sama (satu KK satu anggota).", n=earlier.row))
                return

    def read_budgets(self) -> None:
        """The Anggaran sheet: one budget per program and year."""
        existing = {(budget.program, budget.year): budget for budget in db.session.scalars(select(Budget))}
        self.budget_years = set(existing)
        seen: dict[tuple[str, int], int] = {}
        programs = {program.lower(): program for program in PROGRAMS}
        sources = {source.lower(): source for source in FUNDING_SOURCES}
        for reader in self._rows(BUDGETS):
            program = reader.get("program", _choice(programs, _("Program %(v)s tidak dikenal; tulis KUBE atau UEP.")))
            year = reader.get("year", _year)
            amount = reader.get("amount", _amount)
            source = reader.get("source", _choice(sources, _("Sumber dana %(v)s tidak dikenal; tulis APBD, APBN atau "
                                                             "lainnya.")))
            note = reader.get("note", default="")
            if program is None or year is None:
                continue
            key = (program, year)
            self.budget_years.add(key)
            if key in seen:
                reader.fail("year", _("Anggaran %(p)s %(y)d sudah tercatat di baris %(n)d.", p=program, y=year,
                                      n=seen[key]))
                continue
            seen[key] = reader.number
            if key in existing:
                self.report.existing[BUDGETS.name] += 1
                if amount is not None and existing[key].amount != amount:
                    self._notice(BUDGETS, reader.number, reader.label("amount"), _(
                        "Anggaran %(p)s %(y)d sudah ada di Kube dengan pagu %(a)s; baris ini dilewati.",
                        p=program, y=year, a=format_rupiah(existing[key].amount)))
                continue
            if not reader.failed:
                self.budgets.append((reader.number, {"program": program, "year": year, "amount": amount,
                                                     "source": source, "note": note}))

    def read_grants(self) -> None:
        """The Bantuan sheet: lines grouped by letter number into grants, each grant's own fields the same on every line."""
        programs = {program.lower(): program for program in PROGRAMS}
        kinds = _choice(_KIND_WORDS, _("Jenis %(v)s tidak dikenal; tulis peralatan atau uang."))
        readers = self._rows(GRANTS)
        letters = {cells._text(reader.raw("letter")).upper() for reader in readers} - {""}
        recorded: dict[str, str] = {}
        for chunk in _chunks(letters):
            for number, code in db.session.execute(
                    select(Grant.letter_number, Group.code).join(Group, Group.id == Grant.group_id)
                    .where(func.upper(Grant.letter_number).in_(chunk))):
                recorded[number.upper()] = code.upper()
        by_letter: dict[str, _GrantPlan] = {}
        first_row: dict[str, tuple[int, tuple]] = {}
        broken: set[str] = set()
        for reader in readers:
            letter = reader.get("letter", _short_text(80))
            program = reader.get("program", _choice(programs, _("Program %(v)s tidak dikenal; tulis KUBE atau UEP.")))
            year = reader.get("year", _year)
            plan = self._group_for(reader, "group")
            uep_nik = reader.get("uep_nik", _nik)
            approved_on = reader.get("approved_on", cells._parse_date)
            handover_date = reader.get("handover_date", cells._parse_date)
            receiver_nik = reader.get("receiver_nik", _nik)
            kind = reader.get("kind", kinds, "equipment")
            line = {"kind": kind, "item": reader.get("item", _short_text(120), ""),
                    "specification": reader.get("specification", _short_text(255), ""),
                    "quantity": reader.get("quantity", lambda v: cells._parse_int(v, reader.label("quantity")), 1),
                    "unit": reader.get("unit", _short_text(20), ""),
                    "unit_value": reader.get("unit_value", _amount)}
            note = reader.get("note", _short_text(500), "")
            if kind == "equipment" and not line["item"] and not reader.failed:
                reader.fail("item", _("Wajib diisi untuk peralatan."))
            if program == "UEP" and uep_nik is None and not reader.failed:
                reader.fail("uep_nik", _("Wajib diisi untuk bantuan UEP."))
            if not letter:
                continue
            key = letter.upper()
            code = plan.code.upper() if plan else None
            own = (program, year, code, uep_nik, approved_on, handover_date, receiver_nik)
            if key in first_row:
                number, fields = first_row[key]
                names = ("program", "year", "group", "uep_nik", "approved_on", "handover_date", "receiver_nik")
                different = [name for name, mine, theirs in zip(names, own, fields) if mine != theirs]
                if different:
                    reader.fail("letter", _("Nomor BAST %(l)s sudah tercatat di baris %(n)d untuk bantuan lain "
                                            "(%(c)s berbeda).", l=letter, n=number,
                                            c=", ".join(reader.label(name) for name in different)))
                    continue
            else:
                first_row[key] = (reader.number, own)
            if reader.failed or plan is None:
                broken.add(key)
            if key in recorded:
                if code and recorded[key] != code:
                    reader.fail("letter", _("Nomor BAST %(l)s sudah dipakai bantuan kelompok %(c)s di Kube.",
                                            l=letter, c=recorded[key]))
                elif key not in by_letter:
                    self.report.existing[GRANTS.name] += 1
                    by_letter[key] = None
                continue
            if plan is not None:
                plan.has_history = True
                if plan.ended_on and handover_date and handover_date > plan.ended_on:
                    reader.fail("handover_date", _("Kelompok %(c)s sudah %(s)s pada %(d)s; bantuan sesudahnya tidak "
                                                   "dapat dicatat.", c=plan.code, s=group_status(plan.status),
                                                   d=format_long_date(plan.ended_on)))
                    broken.add(key)
            if program and year and (program, year) not in self.budget_years:
                if BUDGETS.name in self.unreadable:
                    broken.add(key)  # its budget may be in the sheet that could not be read: said once there
                elif not reader.failed:
                    reader.fail("year", _("Belum ada anggaran %(p)s tahun %(y)d, di lembar Anggaran maupun di Kube.",
                                          p=program, y=year))
                    broken.add(key)
            grant = by_letter.get(key)
            if grant is None:
                grant = by_letter[key] = _GrantPlan([], letter, program, year, code, uep_nik, approved_on,
                                                    handover_date, receiver_nik, [], [])
                self.grants.append(grant)
            grant.rows.append(reader.number)
            grant.lines.append(line)
            if note and note not in grant.notes:
                grant.notes.append(note)
        self.grants = [grant for grant in self.grants if grant.letter.upper() not in broken]

    def read_reports(self) -> None:
        """The Laporan sheet: one report per group and month, within the group's life and before go-live."""
        readers = self._rows(REPORTS)
        existing_ids = {plan.group.id: plan for plan in self.groups.values() if plan.exists}
        recorded: set[tuple[int, date]] = set()
        for chunk in _chunks(existing_ids):
            recorded.update(tuple(row) for row in db.session.execute(
                select(IncomeReport.group_id, IncomeReport.period).where(IncomeReport.group_id.in_(chunk))))
        live_from = first_of_month(go_live_date())
        seen: dict[tuple[str, date], int] = {}
        for reader in readers:
            plan = self._group_for(reader, "group")
            period = reader.get("period", _period)
            values = {"revenue": reader.get("revenue", _amount), "expenses": reader.get("expenses", _amount),
                      "active_members": reader.get("active_members",
                                                   lambda v: cells._parse_int(v, reader.label("active_members"))),
                      "note": reader.get("note", _short_text(500), "")}
            if plan is None or period is None:
                continue
            key = (plan.code.upper(), period)
            if key in seen:
                reader.fail("period", _("Laporan %(c)s bulan %(m)s sudah tercatat di baris %(n)d.", c=plan.code,
                                        m=format_period(period), n=seen[key]))
                continue
            seen[key] = reader.number
            if plan.exists and (plan.group.id, period) in recorded:
                self.report.existing[REPORTS.name] += 1
                continue
            plan.has_history = True
            if period >= live_from:
                reader.fail("period", _("Bulan %(m)s bukan riwayat: Kube dipakai sejak %(d)s, jadi laporannya "
                                        "dikirim lewat Kube.", m=format_month(period), d=format_long_date(go_live_date())))
            elif plan.ended_on and period > first_of_month(plan.ended_on):
                reader.fail("period", _("Kelompok %(c)s sudah %(s)s pada %(d)s; laporan bulan %(m)s sesudahnya tidak "
                                        "dapat dicatat.", c=plan.code, s=group_status(plan.status),
                                        d=format_long_date(plan.ended_on), m=format_month(period)))
            if not reader.failed:
                self.reports.append(_ReportPlan(reader.number, key[0], period, values))

    def check_statuses(self) -> None:
        """Groups given grants or reports must have been active: a proposed or rejected one is an error."""
        for plan in self.groups.values():
            if plan.exists or plan.row is None or not plan.has_history or plan.status in _ACTIVATED:
                continue
            self._error(GROUPS, plan.row, self._label(GROUPS, "status"), _(
                "Kelompok %(c)s punya bantuan atau laporan, jadi statusnya harus aktif, lulus atau bubar (bukan "
                "%(s)s).", c=plan.code, s=group_status(plan.status)))
            plan.failed = True

    # -- pass 2: replay ----------------------------------------------------------------------------

    def _column(self, sheet: Sheet, error: DomainError, names: dict[str, str], default: str) -> str:
        """The workbook column a refused rule points at (its first field), else `default`'s."""
        for name in error.fields:
            key = names.get(name, name if any(c.key == name for c in sheet.columns) else None)
            if key is not None:
                return self._label(sheet, key)
        return self._label(sheet, default)

    def create_budgets(self) -> None:
        """The new budgets, first: grants of any year draw on them."""
        for number, values in self.budgets:
            try:
                create_budget(values["program"], values["year"], values["amount"], values["source"], self.actor,
                              note=values["note"])
            except DomainError as error:
                self._error(BUDGETS, number, self._column(BUDGETS, error, {}, "year"), error.message)
            else:
                self._count(BUDGETS, None)
            self._advance()

    def create_groups(self) -> None:
        """The new groups, proposed on the day the records say they were formed."""
        names = {"kelurahan_code": "kelurahan", "officer_id": "officer"}
        for plan in self.groups.values():
            if plan.exists or plan.row is None:
                continue
            if plan.failed:
                continue
            try:
                plan.group = create_group(plan.values, self.actor, code=plan.code,
                                          at=office_midnight(plan.formed_on))
            except DomainError as error:
                plan.failed = True
                self._error(GROUPS, plan.row, self._column(GROUPS, error, names, "code"), error.message)
            else:
                self._count(GROUPS, plan)
            self._advance()

    def events(self) -> list[tuple]:
        """Every dated step, in the order it happened: (date, kind order, workbook order, step, plan).

        On one day: leaves, joins, activations, handovers (so a ketua leaving and another joining that day
        never makes two, and a group activated that day has its members).
        """
        steps: list[tuple] = []
        for number, member in enumerate(self.members):
            if member.failed or member.joined_on is None:
                continue
            steps.append((member.joined_on, 1, number, self.join, member))
            if member.left_on is not None:
                # Leaving comes first on a day (someone leaves, another takes the office); one's own join precedes it.
                order = 5 if member.left_on == member.joined_on else 0
                steps.append((member.left_on, order, number, self.leave, member))
        for number, plan in enumerate(self.groups.values()):
            if not plan.exists and plan.row is not None and plan.active_on is not None:
                steps.append((plan.active_on, 2, number, self.activate, plan))
        for number, grant in enumerate(self.grants):
            steps.append((grant.handover_date, 3, number, self.hand_over, grant))
        steps.sort(key=lambda step: step[:3])
        return steps

    def replay(self) -> None:
        for _when, _order, _number, step, plan in self.events():
            step(plan)
        # Reports come once every group is as active as it ever was and every member joined and left,
        # each group's months together; then the groups that ended reach their last status.
        by_group: dict[str, list[_ReportPlan]] = defaultdict(list)
        for report in self.reports:
            by_group[report.code].append(report)
        for code, reports in by_group.items():
            self.submit(self.groups[code], reports)
        finals = [plan for plan in self.groups.values()
                  if not plan.exists and plan.row is not None and plan.status in _FINAL and plan.ended_on]
        for plan in sorted(finals, key=lambda plan: (plan.ended_on, plan.row)):
            self.finish(plan)

    def join(self, member: _MemberPlan) -> None:
        """A member joins through `add_member`, the age judged on the day they joined (confirmed as the row says)."""
        plan = self.groups[member.code]
        if plan.failed or plan.group is None:
            member.failed = True
            self._advance()
            return
        checks = member.checks
        birth = member.values.get("birth_date") or parse_nik(member.nik, today=self.today).birth_date
        low, high = current_app.config["MEMBER_AGE_RANGE"]
        joining, now = age_on(birth, member.joined_on), age_on(birth, self.today)
        if not low <= joining <= high and not checks.confirm_age:
            member.failed = True
            self._error(MEMBERS, member.row, self._label(MEMBERS, "confirm_age"), _(
                "Umur %(a)d tahun saat bergabung (%(d)s) di luar rentang %(low)d-%(high)d tahun. Tulis ya di kolom "
                "ini bila memang benar.", a=joining, d=format_long_date(member.joined_on), low=low, high=high))
            self._advance()
            return
        if not low <= now <= high and not checks.confirm_age:
            checks = MemberChecks(confirm_age=True, prior_kube_override=checks.prior_kube_override)
            self._notice(MEMBERS, member.row, self._label(MEMBERS, "birth_date"), _(
                "Umur kini %(a)d tahun, di luar rentang %(low)d-%(high)d; saat bergabung %(j)d tahun, jadi "
                "dikonfirmasi otomatis.", a=now, low=low, high=high, j=joining))
        try:
            member.member = add_member(plan.group, dict(member.values), self.actor, checks, today=self.today)
        except DomainError as error:
            member.failed = True
            column = cells._field_column(error, self.sheet_labels.get(MEMBERS.name, {}))
            if error.code == "prior_kube_grant":
                column = self._label(MEMBERS, "override")
            self._error(MEMBERS, member.row, column, error.message)
        else:
            self._count(MEMBERS, plan)
        self._advance()

    def leave(self, member: _MemberPlan) -> None:
        """A member leaves on the recorded day."""
        if member.failed or member.member is None:
            return
        try:
            member_leaves(member.member, member.left_on, self.actor, _NOTE)
        except DomainError as error:
            member.failed = True
            self._error(MEMBERS, member.row, self._label(MEMBERS, "left_on"), error.message)

    def activate(self, plan: _GroupPlan) -> None:
        """A group becomes active on its recorded day, with the members it had then (5-20 and a ketua)."""
        if plan.failed or plan.group is None:
            return
        try:
            transition_group(plan.group, "active", self.actor, f"{_NOTE}: {self.book.filename}",
                             at=office_midnight(plan.active_on))
        except DomainError as error:
            plan.failed = True
            self._error(GROUPS, plan.row, self._label(GROUPS, "active_on"),
                        _("Kelompok tidak dapat diaktifkan pada %(d)s: %(e)s", d=format_long_date(plan.active_on),
                          e=error.message))

    @staticmethod
    def _on_roll(plan: _GroupPlan, on: date, nik: str | None = None, role: str | None = None) -> Member | None:
        """The group's member with this NIK (or in this role) on the day `on`; with a NIK, any membership else."""
        candidates = [m for m in plan.group.members
                      if (nik is None or m.nik == nik) and (role is None or m.role == role)]
        on_roll = [m for m in candidates if m.joined_on <= on and (m.left_on is None or m.left_on > on)]
        if on_roll:
            return on_roll[-1]
        # Let the ledger's rule say why someone who was not on the roll that day cannot be the one.
        return candidates[-1] if candidates and nik is not None else None

    def hand_over(self, grant: _GrantPlan) -> None:
        """A grant recorded as handed over on its day, to the member who signed (by default the ketua of that day)."""
        plan = self.groups[grant.code]

        def column(key: str) -> str:
            return self._label(GRANTS, key)

        self._advance(len(grant.rows))
        if plan.failed or plan.group is None:
            return
        on = grant.handover_date
        member = self._on_roll(plan, on, nik=grant.uep_nik) if grant.uep_nik else None
        if grant.uep_nik and member is None:
            self._error(GRANTS, grant.rows[0], column("uep_nik"), _(
                "NIK ini bukan anggota kelompok %(c)s.", c=plan.code))
            return
        if grant.receiver_nik:
            receiver = self._on_roll(plan, on, nik=grant.receiver_nik)
        else:
            receiver = member if grant.program == "UEP" else self._on_roll(plan, on, role="ketua")
        if receiver is None:
            self._error(GRANTS, grant.rows[0], column("receiver_nik"), _(
                "Tidak ada anggota kelompok %(c)s dengan NIK ini (atau ketua) pada tanggal serah terima: isi NIK "
                "anggota yang menerima.", c=plan.code))
            return
        lines = [{**line, "unit": line["unit"] or None} for line in grant.lines]
        try:
            # The ledger's operation works in a savepoint of its own: a refusal leaves the session as it was.
            record_historical_grant(program=grant.program, year=grant.year, group=plan.group, lines=lines,
                                    approved_on=grant.approved_on, handover_date=grant.handover_date,
                                    letter_number=grant.letter, received_by=receiver, actor=self.actor,
                                    member=member if grant.program == "UEP" else None,
                                    note="; ".join(grant.notes))
        except DomainError as error:
            row, key = self._grant_field(grant, error)
            self._error(GRANTS, row, column(key), error.message)
        else:
            self._count(GRANTS, plan)

    @staticmethod
    def _grant_field(grant: _GrantPlan, error: DomainError) -> tuple[int, str]:
        """The row and column key a refused grant rule points at: a line's own row for `lines.N.field`."""
        fields = {"program": "program", "year": "year", "approved_on": "approved_on", "handover_date": "handover_date",
                  "date": "handover_date", "letter_number": "letter", "received_by": "receiver_nik",
                  "received_by_member_id": "receiver_nik", "member": "uep_nik", "member_id": "uep_nik",
                  "lines": "unit_value", "group": "group", "note": "note"}
        line_fields = {"kind": "kind", "item": "item", "quantity": "quantity", "unit": "unit",
                       "unit_value": "unit_value", "specification": "specification"}
        for name in error.fields:
            match = re.fullmatch(r"lines\.(\d+)\.(\w+)", name)
            if match and int(match.group(1)) < len(grant.rows):
                return grant.rows[int(match.group(1))], line_fields.get(match.group(2), "unit_value")
            if name in fields:
                return grant.rows[0], fields[name]
        codes = {"budget_exceeded": "year", "duplicate_letter_number": "letter"}
        return grant.rows[0], codes.get(error.code, "letter")

    def submit(self, plan: _GroupPlan, reports: list[_ReportPlan]) -> None:
        """A group's months through the reports' own rules for history, every refused month named by its row."""
        self._advance(len(reports))
        if plan.failed or plan.group is None:
            return
        entries = [{"period": report.period, **report.values} for report in reports]
        try:
            created = record_historical_reports(plan.group, entries, self.actor, today=self.today)
        except ValidationFailed as error:
            names = {"confirmed": "revenue", "reason": "note"}
            for name, messages in error.fields.items():
                match = re.fullmatch(r"reports\.(\d+)\.(\w+)", name)
                if match is None:
                    continue
                field_name = names.get(match.group(2), match.group(2))
                key = field_name if any(c.key == field_name for c in REPORTS.columns) else "period"
                for message in messages:
                    self._error(REPORTS, reports[int(match.group(1))].row, self._label(REPORTS, key), message)
        except DomainError as error:
            self._error(REPORTS, reports[0].row, self._label(REPORTS, "group"), error.message)
        else:
            rows = {report.period: report.row for report in reports}
            for stored, unusual in created:
                self._count(REPORTS, plan)
                if unusual:
                    # Figures from the office's books are confirmed by whoever imports them; the dry run lists them.
                    self._notice(REPORTS, rows[stored.period], self._label(REPORTS, "revenue"),
                                 _("Angka tidak biasa, dikonfirmasi otomatis: %(r)s", r=" ".join(unusual)))

    def finish(self, plan: _GroupPlan) -> None:
        """A group that ended reaches its last status (graduated, dissolved or rejected) on its recorded day."""
        if plan.failed or plan.group is None:
            return
        try:
            transition_group(plan.group, plan.status, self.actor, f"{_NOTE}: {self.book.filename}",
                             at=office_midnight(plan.ended_on))
        except DomainError as error:
            plan.failed = True
            self._error(GROUPS, plan.row, self._label(GROUPS, "status"), error.message)

    # -- the whole run -----------------------------------------------------------------------------

    def run(self) -> HistoryReport:
        """Read, replay inside a savepoint, then keep it (and audit it) or roll it back."""
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        earlier = db.session.execute(
            select(AuditEntry.at, AuditEntry.username).where(AuditEntry.action == AUDIT_ACTION,
                                                            AuditEntry.object_id == self.book.sha256)
            .order_by(AuditEntry.at.desc()).limit(1)).first()
        self.report.earlier = tuple(earlier) if earlier else None
        self.preload_groups()
        self.read_groups()
        self.read_budgets()
        self.read_members()
        self.read_grants()
        self.read_reports()
        self.check_statuses()

        known = set(db.session.identity_map.keys())
        savepoint = db.session.begin_nested()
        try:
            self.create_budgets()
            self.create_groups()
            self.replay()
        except BaseException:
            _roll_back(savepoint, known)
            raise
        self._advance(max(0, self.book.rows - self.done))
        self.errors.sort(key=lambda e: (SHEET_NAMES.index(e.sheet) if e.sheet in SHEET_NAMES else -1, e.row or 0))
        if self.errors or self.dry_run:
            _roll_back(savepoint, known)
            return self.report
        if self.report.total_created:
            record_audit(AUDIT_ACTION, "import", self.book.sha256, audit_summary(self.report), actor=self.actor)
        savepoint.commit()
        return self.report


def _roll_back(savepoint, known: set) -> None:
    """Undo the savepoint, and forget every object that entered the session since (`known`: the keys before).

    SQLAlchemy drops the objects it saw created, but keeps those loaded again inside the savepoint (a budget
    an operation re-read after its first copy was garbage-collected) as expired ones whose rows are gone;
    SQLite then hands their ids out again and the next flush would find them in the way.
    """
    savepoint.rollback()
    for key, instance in list(db.session.identity_map.items()):
        if key not in known:
            db.session.expunge(instance)


def audit_summary(report: HistoryReport) -> str:
    """The audit entry's summary: counts per sheet, then the file name (read back by `past_imports`)."""
    counts = ", ".join(f"{name} {report.created.get(name, 0)}" for name in SHEET_NAMES)
    return f"{counts}; berkas: {report.filename or 'berkas'}"


def import_workbook(book: Workbook, actor: User, *, dry_run: bool = False, today: date | None = None,
                    progress: Callable[[int], None] | None = None) -> HistoryReport:
    """Import a read workbook through the live rules; everything stays in the session only when all of it is valid."""
    return _Import(book, actor, today or office_today(), dry_run, progress).run()


def import_history(data: bytes, filename: str, actor: User, *, dry_run: bool = False, max_rows: int = MAX_ROWS,
                   today: date | None = None, progress: Callable[[int], None] | None = None) -> HistoryReport:
    """Read and import an upload in one go; a file that cannot be read is reported like any other error."""
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        book = read_workbook(data, filename, sha256, max_rows)
    except ImportFileError as error:
        return HistoryReport(filename, sha256, dry_run, errors=[SheetError(None, None, "", error.message)])
    return import_workbook(book, actor, dry_run=dry_run, today=today, progress=progress)


# -- the imports done so far -------------------------------------------------------------------------

@dataclass(frozen=True)
class PastImport:
    """One history import read back from the audit log."""

    at: datetime
    username: str | None
    filename: str
    sha256: str
    counts: dict[str, int]


def past_imports(limit: int = 50) -> list[PastImport]:
    """The latest history imports, newest first, from their `history.import` audit entries."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)
                                 .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    imports = []
    for entry in entries:
        counts_text, _sep, filename = entry.summary.partition("; berkas: ")
        counts = {name: int(number) for name, number in re.findall(r"(\w+) (\d+)", counts_text)}
        imports.append(PastImport(entry.at, entry.username, filename, entry.object_id or "", counts))
    return imports
