"""Monthly income reports: submitting, correcting and verifying them, and whether each month came in on time.

Rules, all enforced here so the pages and the API share them:

- A month can be reported once it has ended (in Asia/Jakarta): June from 1 July on. The month the
  group was formed counts (a group formed on 15 January reports January); earlier months do not.
  Only `active` groups report.
- Revenue (omzet) and expenses (biaya) are whole Rupiah from 0 to REPORT_MAX_AMOUNT; net = revenue -
  expenses and may be negative (a loss). Active members default to the group's current member count.
- One report per group and month. PUT semantics: a second submission for the month replaces the
  first, and the values it replaced stay in the audit log. Submissions for one group are serialised
  by a row lock on the group (PostgreSQL; SQLite write requests already begin IMMEDIATE), so two
  concurrent first submissions give one created report and one replacement, never a duplicate.
- The leader corrects their report until an officer verifies it; afterwards only an officer or an
  admin changes it, and must give a reason, which is kept in the audit log. The report stays
  verified after such a correction (it is now the officer's own figure).
- Questionable values need the person's confirmation ("Apakah angka ini sudah benar?"): expenses more
  than OUTLIER_FACTOR times revenue (with no revenue, any expenses), or net beyond OUTLIER_FACTOR times
  the absolute median net of the group's latest OUTLIER_HISTORY reports before this month (only when
  there is at least one such report and the median is not 0; the absolute value keeps the rule
  meaningful for a group whose usual month is a loss).
- A month's report is due by day REPORT_DUE_DAY of the next month: on time when it was first
  submitted on or before that day in Asia/Jakarta. Corrections do not move `submitted_at`;
  `submitted_by` and `entered_on_behalf` describe whoever entered the values now stored.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager

from kube.audit.operations import describe_changes, record_audit
from kube.auth.models import ADMIN, LEADER, OFFICER, User
from kube.core.clock import office_timezone
from kube.core.database import saved_or_conflict
from kube.core.errors import (
    Conflict, InvalidTransition, NeedsConfirmation, NotFound, PermissionDenied, ValidationFailed,
)
from kube.core.formatting import format_month, format_rupiah
from kube.core.periods import add_months, first_of_month, format_period
from kube.extensions import db
from kube.groups.models import Group, IncomeReport, Member, Region

# -- month statuses -----------------------------------------------------------------------------

ON_TIME, LATE, MISSING, NOT_DUE, NOT_FORMED = "on_time", "late", "missing", "not_due", "not_formed"
MONTH_STATUSES = (ON_TIME, LATE, MISSING, NOT_DUE, NOT_FORMED)
MONTH_STATUS_LABELS = {
    ON_TIME: _l("Tepat waktu"),
    LATE: _l("Terlambat"),
    MISSING: _l("Belum dilaporkan"),
    NOT_DUE: _l("Belum jatuh tempo"),
    NOT_FORMED: _l("Belum terbentuk"),
}
#: CSS badge class per status (see .badge in kube.css).
MONTH_STATUS_BADGES = {ON_TIME: "ok", LATE: "warn", MISSING: "bad", NOT_DUE: "muted", NOT_FORMED: "muted"}
#: One character per status for the dense discipline grid (with the label as its title).
MONTH_STATUS_SYMBOLS = {ON_TIME: "✓", LATE: "!", MISSING: "✗", NOT_DUE: "…", NOT_FORMED: "·"}

#: The fields a report carries, in the names the form, the API and the operations share.
REPORT_FIELDS = ("revenue", "expenses", "active_members", "note")
#: How many of the group's reports before the month give its usual net income.
OUTLIER_HISTORY = 12
#: Months in the reporting-discipline grid and the group page's status strip.
DISCIPLINE_MONTHS = 12
NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 500
#: Control characters other than tab and line breaks (PostgreSQL refuses NUL in text).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Roles that enter reports for any group (for a leader, "on behalf") and verify them.
REPORT_MANAGERS = (ADMIN, OFFICER)


class ReportLocked(Conflict):
    """An officer verified the report; its leader may no longer change it."""

    code = "report_verified"


def current_time() -> datetime:
    """The current moment in UTC (tests replace this to stand on a chosen day)."""
    return datetime.now(timezone.utc)


def office_today(now: datetime | None = None) -> date:
    """Today's date in the office's time zone."""
    return (now or current_time()).astimezone(office_timezone()).date()


def last_complete_month(today: date) -> date:
    """The latest month that has ended: the month before `today`'s."""
    return add_months(first_of_month(today), -1)


def due_date(period: date, due_day: int) -> date:
    """The last day on which the report for `period` is on time: `due_day` of the next month."""
    return add_months(period, 1).replace(day=due_day)


def _as_utc(moment: datetime) -> datetime:
    # Timestamps come back from the database without a zone; they are stored in UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def deadline_utc(period: date, due_day: int, tz: ZoneInfo) -> datetime:
    """The first moment (naive UTC, as stored) at which a report for `period` is late."""
    end_of_due_day = datetime.combine(due_date(period, due_day) + timedelta(days=1), time(0), tzinfo=tz)
    return end_of_due_day.astimezone(timezone.utc).replace(tzinfo=None)


def is_on_time(submitted_at: datetime, period: date, due_day: int, tz: ZoneInfo) -> bool:
    """Whether a report first submitted at `submitted_at` met the due date (counted in `tz`)."""
    return _as_utc(submitted_at).astimezone(tz).date() <= due_date(period, due_day)


def month_status(period: date, submitted_at: datetime | None, formed_on: date, today: date, due_day: int,
                 tz: ZoneInfo) -> str:
    """A month's reporting status for a group: on time, late, missing, not due yet or not yet formed."""
    if period < first_of_month(formed_on):
        return NOT_FORMED
    if submitted_at is not None:
        return ON_TIME if is_on_time(submitted_at, period, due_day, tz) else LATE
    return MISSING if today > due_date(period, due_day) else NOT_DUE


def month_text(period: date) -> str:
    """A month in words in the language of the request: `Juni 2025`."""
    locale = get_locale()
    return format_month(period, str(locale.language) if locale else "id")


def months_ending(last: date, count: int) -> list[date]:
    """`count` months up to and including `last`, oldest first."""
    return [add_months(last, offset) for offset in range(1 - count, 1)]


# -- amounts typed by people --------------------------------------------------------------------

_GROUPED_DIGITS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_amount(text: str | None) -> int | None:
    """Read a Rupiah amount typed as `1500000`, `1.500.000` or `Rp 1.500.000`; None when empty.

    Dots are thousands separators (the Indonesian way), so they must group digits by three;
    commas and decimals are refused, because Rupiah reports are whole. A leading minus is kept
    so the report rules can refuse it with their own message.
    """
    cleaned = re.sub(r"\s+", "", (text or "").replace("\u00a0", " "))
    if cleaned.lower().startswith(("-rp", "rp-")):
        cleaned = "-" + cleaned[3:]
    elif cleaned.lower().startswith("rp"):
        cleaned = cleaned[2:]
    if not cleaned:
        return None
    negative = cleaned.startswith("-")
    digits = cleaned[1:] if negative else cleaned
    if "," in digits:
        raise ValueError(_("Tulis angka bulat tanpa koma atau desimal, misalnya 1.500.000."))
    if "." in digits and not _GROUPED_DIGITS.match(digits):
        raise ValueError(_("Titik hanya untuk pemisah ribuan (tiap tiga angka), misalnya 1.500.000; "
                           "tanpa desimal."))
    digits = digits.replace(".", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(_("Isi dengan angka dalam Rupiah, misalnya 1.500.000."))
    if len(digits) > 15:  # far beyond any allowed amount; keeps the number small
        raise ValueError(_("Angka terlalu besar."))
    return -int(digits) if negative else int(digits)


def format_amount_input(amount: int | None) -> str:
    """An amount as it is shown back in a form field: `1.500.000`."""
    return "" if amount is None else f"{amount:,}".replace(",", ".")


# -- the rules ----------------------------------------------------------------------------------

def questionable_reasons(revenue: int, expenses: int, net: int, earlier_nets: list[int],
                         factor: int | float) -> list[str]:
    """Why these values look unusual and must be confirmed (empty when they look ordinary)."""
    reasons = []
    if expenses > factor * revenue:
        reasons.append(_("Biaya (%(e)s) lebih dari %(f)s kali omzet (%(r)s).",
                         e=format_rupiah(expenses), f=factor, r=format_rupiah(revenue)))
    if earlier_nets:
        usual = statistics.median(earlier_nets)
        limit = factor * abs(usual)
        if usual != 0 and abs(net) > limit:
            reasons.append(_("Pendapatan bersih %(n)s jauh dari biasanya: lebih dari %(f)s kali nilai tengah "
                             "%(k)d laporan sebelumnya (%(m)s).",
                             n=format_rupiah(net), f=factor, k=len(earlier_nets),
                             m=format_rupiah(round(usual))))
    return reasons


def _field_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _checked_amount(value, name: str, errors: dict[str, list[str]]) -> int | None:
    maximum = current_app.config["REPORT_MAX_AMOUNT"]
    if value is None or (isinstance(value, str) and not value.strip()):
        _field_error(errors, name, _("Wajib diisi."))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        _field_error(errors, name, _("Harus bilangan bulat dalam Rupiah, tanpa desimal."))
        return None
    if value < 0:
        _field_error(errors, name, _("Tidak boleh negatif."))
        return None
    if value > maximum:
        _field_error(errors, name, _("Paling banyak %(max)s.", max=format_rupiah(maximum)))
        return None
    return value


def _checked_members(value, group: Group, errors: dict[str, list[str]]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return current_member_count(group)
    maximum = current_app.config["GROUP_MAX_MEMBERS"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        _field_error(errors, "active_members", _("Harus berupa angka bulat."))
        return None
    if not 0 <= value <= maximum:
        _field_error(errors, "active_members", _("Harus 0 sampai %(max)d orang.", max=maximum))
        return None
    return value


def _checked_text(value, name: str, max_length: int, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        _field_error(errors, name, _("Harus berupa teks."))
        return ""
    text = value.strip()
    if len(text) > max_length:
        _field_error(errors, name, _("Paling banyak %(max)d karakter.", max=max_length))
    elif _CONTROL_CHARACTERS.search(text):
        _field_error(errors, name, _("Mengandung karakter yang tidak diizinkan."))
    return text


def reportable_problem(group: Group, period: date, today: date) -> tuple[str, str] | None:
    """Why `period` cannot be reported for `group` today, as (field, message); None when it can."""
    if group.status != "active":
        return "group", _("Hanya kelompok berstatus aktif yang dapat melapor; kelompok ini belum atau tidak "
                          "lagi aktif.")
    this_month = first_of_month(today)
    if period > this_month:
        return "period", _("Bulan %(m)s belum datang; laporan hanya untuk bulan yang sudah selesai.",
                           m=month_text(period))
    if period == this_month:
        return "period", _("Bulan %(m)s belum selesai; laporannya dapat dikirim mulai tanggal 1 bulan berikutnya.",
                           m=month_text(period))
    if period < first_of_month(group.formed_on):
        return "period", _("Kelompok baru terbentuk pada %(d)s; bulan %(m)s sebelum itu tidak dapat dilaporkan.",
                           d=group.formed_on.strftime("%d-%m-%Y"), m=month_text(period))
    return None


def may_submit_report(user: User, group: Group) -> bool:
    """Whether `user` may enter or correct `group`'s reports: managers, or the group's own leader."""
    return user.role in REPORT_MANAGERS or (user.role == LEADER and user.group_id == group.id)


def _check_submitter(actor: User, group: Group) -> None:
    if actor.role == LEADER and actor.group_id != group.id:
        # A leader never learns whether another group exists.
        raise NotFound(_("Kelompok tidak ditemukan."))
    if not may_submit_report(actor, group):
        raise PermissionDenied(_("Anda tidak berhak mengisi laporan pendapatan."))


def _lock_group(group: Group) -> None:
    """Serialise report changes for one group, so a read-then-write cannot race another request.

    FOR NO KEY UPDATE (not FOR UPDATE) still lets others insert rows that refer to the group.
    """
    db.session.execute(select(Group.id).where(Group.id == group.id).with_for_update(key_share=True))


def get_report(group: Group, period: date) -> IncomeReport | None:
    """The group's report for the month, freshly read, or None."""
    return db.session.scalar(
        select(IncomeReport).where(IncomeReport.group_id == group.id, IncomeReport.period == period)
        .execution_options(populate_existing=True)
    )


def _earlier_nets(group: Group, period: date) -> list[int]:
    return list(db.session.scalars(
        select(IncomeReport.net)
        .where(IncomeReport.group_id == group.id, IncomeReport.period < period)
        .order_by(IncomeReport.period.desc())
        .limit(OUTLIER_HISTORY)
    ))


def _checked_values(group: Group, values: dict, reason: str | None, existing: IncomeReport | None
                    ) -> tuple[dict, str]:
    """The report's values and the change reason, checked together so every bad field is named at once."""
    errors: dict[str, list[str]] = {}
    revenue = _checked_amount(values.get("revenue"), "revenue", errors)
    expenses = _checked_amount(values.get("expenses"), "expenses", errors)
    checked = {
        "revenue": revenue,
        "expenses": expenses,
        "net": None if revenue is None or expenses is None else revenue - expenses,
        "active_members": _checked_members(values.get("active_members"), group, errors),
        "note": _checked_text(values.get("note"), "note", NOTE_MAX_LENGTH, errors),
    }
    reason = _checked_text(reason, "reason", REASON_MAX_LENGTH, errors)
    if existing is not None and existing.verified_at is not None and not reason and "reason" not in errors:
        _field_error(errors, "reason", _("Laporan ini sudah diverifikasi; tuliskan alasan perubahannya."))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(_("Laporan belum dapat disimpan: %(e)s", e=first), fields=errors)
    return checked, reason


def submit_report(group: Group, period: date, values: dict, actor: User, *, confirmed: bool = False,
                  reason: str | None = None, now: datetime | None = None) -> tuple[IncomeReport, bool]:
    """Create or replace the group's report for `period`; returns (report, created).

    Raises ValidationFailed (field messages), NeedsConfirmation (unusual values without
    `confirmed`), ReportLocked (a leader changing a verified report) or NotFound/PermissionDenied.
    """
    now = now or current_time()
    _check_submitter(actor, group)
    problem = reportable_problem(group, period, office_today(now))
    if problem:
        raise ValidationFailed(problem[1], fields={problem[0]: [problem[1]]})

    _lock_group(group)
    existing = get_report(group, period)
    if existing is not None and existing.verified_at is not None and actor.role not in REPORT_MANAGERS:
        raise ReportLocked(_("Laporan %(m)s sudah diverifikasi petugas dan tidak dapat diubah lagi. "
                             "Hubungi pendamping bila ada yang salah.", m=month_text(period)))
    checked, reason = _checked_values(group, values, reason, existing)

    unusual = questionable_reasons(checked["revenue"], checked["expenses"], checked["net"],
                                   _earlier_nets(group, period), current_app.config["OUTLIER_FACTOR"])
    if unusual and not confirmed:
        question = _("Apakah angka ini sudah benar?")
        raise NeedsConfirmation(f"{question} {' '.join(unusual)}", fields={"confirmed": [question, *unusual]})

    notes = []
    if actor.role != LEADER:
        notes.append("diisi petugas atas nama ketua" if existing is None else "diubah petugas")
    if existing is not None and existing.verified_at is not None:
        notes.append("laporan sudah diverifikasi")
    if unusual:
        notes.append("angka tidak biasa sudah dikonfirmasi")
    if reason:
        notes.append(f"alasan: {reason}")
    label = f"{group.code} {format_period(period)}"
    if existing is None:
        report = IncomeReport(group_id=group.id, period=period, confirmed_unusual=bool(unusual),
                              submitted_by_id=actor.id, entered_on_behalf=actor.role != LEADER,
                              submitted_at=now, updated_at=now, **checked)
        with saved_or_conflict(_("Laporan bulan ini baru saja dikirim dari tempat lain. Muat ulang halaman, "
                                 "lalu periksa angkanya.")):
            db.session.add(report)
        summary = (f"{label}: omzet {format_rupiah(report.revenue)}, biaya {format_rupiah(report.expenses)}, "
                   f"bersih {format_rupiah(report.net)}, anggota aktif {report.active_members}")
        record_audit("report.create", "income_report", report.id, "; ".join([summary, *notes]), actor=actor)
        return report, True

    changes = describe_changes({name: getattr(existing, name) for name in checked}, checked)
    if changes:  # re-sending the same figures changes nothing and needs no audit entry
        for name, value in checked.items():
            setattr(existing, name, value)
        existing.confirmed_unusual = bool(unusual)
        existing.submitted_by_id = actor.id
        existing.entered_on_behalf = actor.role != LEADER
        existing.updated_at = now
        db.session.flush()
        record_audit("report.update", "income_report", existing.id, "; ".join([f"{label}: {changes}", *notes]),
                     actor=actor)
    return existing, False


def verify_report(group: Group, period: date, actor: User, now: datetime | None = None) -> IncomeReport:
    """An officer or admin confirms a report is right; from then on its leader can no longer change it."""
    if actor.role not in REPORT_MANAGERS:
        raise PermissionDenied(_("Hanya petugas program atau administrator yang dapat memverifikasi laporan."))
    _lock_group(group)
    report = get_report(group, period)
    if report is None:
        raise NotFound(_("Belum ada laporan %(m)s untuk kelompok ini.", m=month_text(period)))
    if report.verified_at is not None:
        raise InvalidTransition(_("Laporan %(m)s sudah diverifikasi.", m=month_text(period)))
    report.verified_by_id = actor.id
    report.verified_at = now or current_time()
    db.session.flush()
    record_audit("report.verify", "income_report", report.id, f"{group.code} {format_period(period)}",
                 actor=actor)
    return report


# -- the read side ------------------------------------------------------------------------------

@dataclass
class MonthCell:
    """One month of one group: its status and the report, if any."""

    period: date
    status: str
    report: IncomeReport | None = None

    @property
    def label(self) -> str:
        """The status in words."""
        return str(MONTH_STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        """The CSS badge class of the status."""
        return MONTH_STATUS_BADGES[self.status]

    @property
    def symbol(self) -> str:
        """The one-character mark of the status."""
        return MONTH_STATUS_SYMBOLS[self.status]


def _status_settings() -> tuple[int, ZoneInfo]:
    return current_app.config["REPORT_DUE_DAY"], office_timezone()


def month_cells(group: Group, months: list[date], reports: dict[date, IncomeReport], today: date
                ) -> list[MonthCell]:
    """Status cells for `months`, given the group's reports keyed by period."""
    due_day, tz = _status_settings()
    cells = []
    for period in months:
        report = reports.get(period)
        status = month_status(period, report.submitted_at if report else None, group.formed_on, today, due_day, tz)
        cells.append(MonthCell(period, status, report))
    return cells


def _reports_by_period(group_ids: list[int], first: date, last: date) -> dict[int, dict[date, IncomeReport]]:
    """The reports of these groups from `first` to `last`, by group and month, in one query."""
    query = select(IncomeReport).where(IncomeReport.group_id.in_(group_ids), IncomeReport.period >= first,
                                       IncomeReport.period <= last)
    found: dict[int, dict[date, IncomeReport]] = {group_id: {} for group_id in group_ids}
    for report in db.session.scalars(query):
        found[report.group_id][report.period] = report
    return found


def group_months(group: Group, count: int, now: datetime | None = None) -> list[MonthCell]:
    """The group's last `count` complete months, newest first, with their reports (one query)."""
    today = office_today(now)
    months = months_ending(last_complete_month(today), count)
    reports = _reports_by_period([group.id], months[0], months[-1])[group.id]
    return list(reversed(month_cells(group, months, reports, today)))


def group_reports_context(group: Group, user: User | None = None, now: datetime | None = None) -> dict:
    """Template values for the group page's report section (`reports/_group_reports.html`).

    Holds the status of the last 12 complete months (newest first) with their reports, in one query.
    """
    from flask_login import current_user

    user = user or current_user
    cells = group_months(group, DISCIPLINE_MONTHS, now)
    return {
        "report_group": group,
        "report_months": cells,
        "report_due_day": current_app.config["REPORT_DUE_DAY"],
        "can_submit_report": group.status == "active" and may_submit_report(user, group),
        "can_verify_report": user.role in REPORT_MANAGERS,
    }


@dataclass
class Rates:
    """Reporting discipline of a set of groups over the due months of the window."""

    code: str
    name: str
    groups: int = 0
    #: Group-months whose due date has passed (months before a group was formed excluded).
    expected: int = 0
    received: int = 0
    on_time: int = 0

    @property
    def completeness(self) -> float | None:
        """Share of due reports that came in (None when none were due)."""
        return self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """Share of due reports that came in by their due date (None when none were due)."""
        return self.on_time / self.expected if self.expected else None

    def add(self, other: Rates) -> None:
        """Add another set's counts to this one."""
        self.groups += other.groups
        self.expected += other.expected
        self.received += other.received
        self.on_time += other.on_time


@dataclass
class DisciplineRow:
    """One group's line in the discipline grid."""

    group: Group
    kecamatan: str
    cells: list[MonthCell]
    due_months: frozenset[date] = frozenset()

    @property
    def counts(self) -> Rates:
        """This group's own rates over the window's due months (as the kecamatan rates count them)."""
        rates = Rates(self.group.code, self.group.name, groups=1)
        for cell in self.cells:
            if cell.period in self.due_months and cell.status != NOT_FORMED:
                rates.expected += 1
                rates.received += cell.report is not None
                rates.on_time += cell.status == ON_TIME
        return rates


@dataclass
class Discipline:
    """The reporting-discipline page: months, a page of groups with their cells, rates per kecamatan."""

    months: list[date]
    due_months: list[date]
    today: date
    page: object
    rows: list[DisciplineRow]
    rates: list[Rates] = field(default_factory=list)
    total: Rates | None = None


def _count_when(months: list[date], condition_for) -> object:
    """1 for a report of one of `months` that meets `condition_for(month)`, else 0 (a CASE to sum)."""
    return case(*[(and_(IncomeReport.period == month, condition_for(month)), 1) for month in months], else_=0)


def _formed_by_end_of(month: date):
    """The group existed in `month` (a group formed during the month owes its report)."""
    return Group.formed_on < add_months(month, 1)


def discipline_rates(due_months: list[date], kecamatan: list[Region]) -> tuple[list[Rates], Rates]:
    """Completeness and on-time rates per kecamatan of active groups over `due_months` (two queries)."""
    due_day, tz = _status_settings()
    by_code = {region.code: Rates(region.code, region.name) for region in kecamatan}
    total = Rates("", _("Kota Serang"))
    if due_months:
        expected_columns = [func.coalesce(func.sum(case((_formed_by_end_of(month), 1), else_=0)), 0)
                            for month in due_months]
        rows = db.session.execute(
            select(Region.parent_code, func.count(Group.id), *expected_columns)
            .select_from(Group).join(Region, Group.kelurahan_code == Region.code)
            .where(Group.status == "active").group_by(Region.parent_code)
        ).all()
        for code, groups, *expected in rows:
            rates = by_code.setdefault(code, Rates(code, code))
            rates.groups, rates.expected = groups, sum(expected)
        received = _count_when(due_months, _formed_by_end_of)
        on_time = _count_when(due_months, lambda month: and_(
            _formed_by_end_of(month), IncomeReport.submitted_at < deadline_utc(month, due_day, tz)))
        rows = db.session.execute(
            select(Region.parent_code, func.coalesce(func.sum(received), 0), func.coalesce(func.sum(on_time), 0))
            .select_from(IncomeReport).join(Group, IncomeReport.group_id == Group.id)
            .join(Region, Group.kelurahan_code == Region.code)
            .where(Group.status == "active", IncomeReport.period.in_(due_months))
            .group_by(Region.parent_code)
        ).all()
        for code, count_received, count_on_time in rows:
            rates = by_code.setdefault(code, Rates(code, code))
            rates.received, rates.on_time = int(count_received), int(count_on_time)
    for rates in by_code.values():
        total.add(rates)
    return list(by_code.values()), total


def discipline(page: int, per_page: int, kecamatan_code: str = "", now: datetime | None = None) -> Discipline:
    """Active groups by the last 12 complete months, with rates per kecamatan, in a fixed number of queries."""
    today = office_today(now)
    months = months_ending(last_complete_month(today), DISCIPLINE_MONTHS)
    due_day, _tz = _status_settings()
    due_months = [month for month in months if today > due_date(month, due_day)]
    kecamatan = list(db.session.scalars(select(Region).where(Region.level == "kecamatan").order_by(Region.code)))
    names = {region.code: region.name for region in kecamatan}

    query = (select(Group).join(Group.kelurahan).options(contains_eager(Group.kelurahan))
             .where(Group.status == "active").order_by(Group.code))
    if kecamatan_code:
        query = query.where(Region.parent_code == kecamatan_code)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    groups = list(pagination.items)
    reports = _reports_by_period([g.id for g in groups], months[0], months[-1]) if groups else {}
    rows = [DisciplineRow(group, names.get(group.kelurahan.parent_code, group.kelurahan.parent_code),
                          month_cells(group, months, reports.get(group.id, {}), today), frozenset(due_months))
            for group in groups]
    rates, total = discipline_rates(due_months, kecamatan)
    return Discipline(months, due_months, today, pagination, rows, rates, total)


def current_member_count(group: Group) -> int:
    """The group's current members, counted in SQL (the default for active members)."""
    return db.session.scalar(
        select(func.count(Member.id)).where(Member.group_id == group.id, Member.left_on.is_(None))
    ) or 0
