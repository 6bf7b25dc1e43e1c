"""Rules of monthly income reports: who may report which month, checked values, unusual figures, verification.

All enforced here so the pages and the API share them:

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
  meaningful for a group whose usual month is a loss). The question names the field typed wrong
  (revenue, expenses or both) with its amount and its usual value (`unusual_figures`).
- Officers verify many reports at once (`verify_reports`): each item is verified or refused on its
  own (not found, already verified, a malformed month), and a report two officers verify at the same
  moment is verified once; the other is told it was already verified.
- A month's report is due by day REPORT_DUE_DAY of the next month (`kube.reports.schedule`).
  Corrections do not move `submitted_at`; `submitted_by` and `entered_on_behalf` describe whoever
  entered the values now stored.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from kube.audit.operations import describe_changes, record_audit
from kube.auth.models import User
from kube.auth.roles import can_report_for, can_see_group, can_verify_reports
from kube.core.clock import office_today, utc_now
from kube.core.database import saved_or_conflict
from kube.core.errors import Conflict, InvalidTransition, NeedsConfirmation, NotFound, PermissionDenied, ValidationFailed
from kube.core.formatting import format_long_date, format_month, format_rupiah
from kube.core.money import AMOUNT_MESSAGE
from kube.core.periods import add_months, first_of_month, format_period, parse_period
from kube.core.text import CONTROL_MESSAGE, has_control_characters
from kube.extensions import db
from kube.groups.models import Group
from kube.reports.models import IncomeReport
from kube.groups.queries import current_member_count
from kube.reports.queries import OUTLIER_HISTORY, earlier_figures, get_report

#: The fields a report carries, in the names the form, the API and the operations share.
REPORT_FIELDS = ("revenue", "expenses", "active_members", "note")
NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 500


#: The code of a batch item whose report an officer had already verified.
ALREADY_VERIFIED = "already_verified"


class ReportLocked(Conflict):
    """An officer verified the report; its leader may no longer change it."""

    code = "report_verified"


#: The fields an unusual figure can be named on, with the words each is named by.
_FIGURE_FIELDS = ("revenue", "expenses")


def _about(amount: float) -> int:
    """An amount rounded to two significant digits, as a usual value is quoted: "sekitar Rp21.000.000"."""
    whole = int(abs(amount) + 0.5)
    if whole < 100:
        return whole
    unit = 10 ** (len(str(whole)) - 2)
    return (whole + unit // 2) // unit * unit


def _deviation(value: int, usual: float) -> float:
    """How many times larger the larger of the two is than the smaller (0 when both are 0)."""
    return max(value, usual) / max(min(value, usual), 1)


def _far_message(name: str, value: int, usual: float) -> str:
    """The figure typed in `name` named with its usual value: "Omzet Rp210.770.000 jauh di atas biasanya, ..."."""
    shown, about = format_rupiah(value), format_rupiah(_about(usual))
    above = value > usual
    if name == "revenue":
        return (_("Omzet %(v)s jauh di atas biasanya, sekitar %(u)s.", v=shown, u=about) if above
                else _("Omzet %(v)s jauh di bawah biasanya, sekitar %(u)s.", v=shown, u=about))
    return (_("Biaya %(v)s jauh di atas biasanya, sekitar %(u)s.", v=shown, u=about) if above
            else _("Biaya %(v)s jauh di bawah biasanya, sekitar %(u)s.", v=shown, u=about))


def unusual_figures(revenue: int, expenses: int, earlier: list[tuple[int, int]], factor: int | float
                    ) -> dict[str, list[str]]:
    """Why these figures look unusual, per field typed wrong (`revenue`, `expenses` or both); empty when ordinary.

    `earlier` holds (revenue, expenses) of the group's latest reports before the month. Two rules
    ask (see the module's docstring): expenses beyond `factor` times revenue, and net beyond
    `factor` times the absolute median of the earlier nets. The message then names the field that
    is far (beyond `factor` times, either way) from its own usual value, the median of that field in
    the earlier reports, quoting both amounts; when neither is that far, the net rule names the
    field furthest from its usual value, and the expenses rule speaks of expenses against revenue.
    """
    net = revenue - expenses
    expenses_rule = expenses > factor * revenue
    net_rule = False
    usual: dict[str, float] = {}
    if earlier:
        usual_net = statistics.median(r - e for r, e in earlier)
        net_rule = usual_net != 0 and abs(net) > factor * abs(usual_net)
        usual = {"revenue": statistics.median(r for r, _e in earlier),
                 "expenses": statistics.median(e for _r, e in earlier)}
    if not (expenses_rule or net_rule):
        return {}
    typed = {"revenue": revenue, "expenses": expenses}
    deviation = {name: _deviation(typed[name], usual[name]) for name in usual}
    blamed = [name for name in _FIGURE_FIELDS if deviation.get(name, 0) > factor]
    if net_rule and not blamed:
        furthest = max(deviation.values())
        blamed = [name for name in _FIGURE_FIELDS if deviation[name] == furthest]
    found = {name: [_far_message(name, typed[name], usual[name])] for name in blamed}
    # Expenses beyond revenue are explained by revenue typed too low or expenses typed too high.
    explained = ("revenue" in found and revenue < usual["revenue"]) or \
                ("expenses" in found and expenses > usual["expenses"])
    if expenses_rule and not explained:
        found.setdefault("expenses", []).append(
            _("Biaya %(e)s lebih dari %(f)s kali omzet (%(r)s).", e=format_rupiah(expenses), f=factor,
              r=format_rupiah(revenue)))
    return found


def questionable_reasons(revenue: int, expenses: int, earlier: list[tuple[int, int]], factor: int | float
                         ) -> list[str]:
    """Every reason of `unusual_figures`, revenue first (empty when the figures look ordinary)."""
    found = unusual_figures(revenue, expenses, earlier, factor)
    return [message for name in _FIGURE_FIELDS for message in found.get(name, [])]


def _field_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _whole_number(value):
    """An int from an int or a float without fraction; anything else (bools too) is returned as is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _checked_amount(value, name: str, errors: dict[str, list[str]]) -> int | None:
    maximum = current_app.config["REPORT_MAX_AMOUNT"]
    if value is None or (isinstance(value, str) and not value.strip()):
        _field_error(errors, name, _("Wajib diisi."))
        return None
    value = _whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _field_error(errors, name, str(AMOUNT_MESSAGE))
        return None
    if value > maximum:
        _field_error(errors, name, _("Paling banyak %(max)s.", max=format_rupiah(maximum)))
        return None
    return value


def _checked_members(value, group: Group, errors: dict[str, list[str]]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return current_member_count(group)
    maximum = current_app.config["GROUP_MAX_MEMBERS"]
    value = _whole_number(value)
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
    elif has_control_characters(text, multiline=True):
        _field_error(errors, name, str(CONTROL_MESSAGE))
    return text


def reportable_problem(group: Group, period: date, today: date) -> tuple[str, str] | None:
    """Why `period` cannot be reported for `group` today, as (field, message); None when it can."""
    if group.status != "active":
        return "group", _("Hanya kelompok berstatus aktif yang dapat melapor; kelompok ini belum atau tidak "
                          "lagi aktif.")
    this_month = first_of_month(today)
    if period > this_month:
        return "period", _("Bulan %(m)s belum datang; laporan hanya untuk bulan yang sudah selesai.",
                           m=format_month(period))
    if period == this_month:
        return "period", _("Bulan %(m)s belum selesai; laporannya dapat dikirim mulai tanggal 1 bulan berikutnya.",
                           m=format_month(period))
    if period < first_of_month(group.formed_on):
        return "period", _("Kelompok baru terbentuk pada %(d)s; bulan %(m)s sebelum itu tidak dapat dilaporkan.",
                           d=format_long_date(group.formed_on), m=format_month(period))
    return None


def is_locked_for(report: IncomeReport | None, actor: User) -> bool:
    """Whether `actor` may no longer change `report`: once verified, it is closed to its leader."""
    return report is not None and report.verified_at is not None and not can_verify_reports(actor)


def _check_submitter(actor: User, group: Group) -> None:
    if not can_see_group(actor, group.id):
        # A leader never learns whether another group exists.
        raise NotFound(_("Kelompok tidak ditemukan."))
    if not can_report_for(actor, group.id):
        raise PermissionDenied(_("Anda tidak berhak mengisi laporan pendapatan."))


def _lock_group(group: Group) -> None:
    """Serialise report changes for one group, so a read-then-write cannot race another request.

    FOR NO KEY UPDATE (not FOR UPDATE) still lets others insert rows that refer to the group.
    """
    db.session.execute(select(Group.id).where(Group.id == group.id).with_for_update(key_share=True))


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
                  reason: str | None = None) -> tuple[IncomeReport, bool]:
    """Create or replace the group's report for `period`; returns (report, created).

    Raises ValidationFailed (field messages), NeedsConfirmation (unusual values without
    `confirmed`), ReportLocked (a leader changing a verified report) or NotFound/PermissionDenied.
    """
    now = utc_now()
    _check_submitter(actor, group)
    problem = reportable_problem(group, period, office_today())
    if problem:
        raise ValidationFailed(problem[1], fields={problem[0]: [problem[1]]})

    _lock_group(group)
    existing = get_report(group, period)
    if is_locked_for(existing, actor):
        raise ReportLocked(_("Laporan %(m)s sudah diverifikasi petugas dan tidak dapat diubah lagi. "
                             "Hubungi pendamping bila ada yang salah.", m=format_month(period)))
    checked, reason = _checked_values(group, values, reason, existing)

    by_field = unusual_figures(checked["revenue"], checked["expenses"], earlier_figures(group, period),
                               current_app.config["OUTLIER_FACTOR"])
    unusual = [message for name in _FIGURE_FIELDS for message in by_field.get(name, [])]
    if unusual and not confirmed:
        question = _("Apakah angka ini sudah benar?")
        # Each reason also stands on the field it names, so the form and the API point at the figure to check.
        raise NeedsConfirmation(f"{question} {' '.join(unusual)}",
                                fields={"confirmed": [question, *unusual], **by_field})

    on_behalf = can_verify_reports(actor)
    # The audit log is the office's record, kept in Indonesian whatever the reader's language.
    notes = []
    if on_behalf:
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
                              submitted_by_id=actor.id, entered_on_behalf=on_behalf,
                              submitted_at=now, updated_at=now, **checked)
        with saved_or_conflict(_("Laporan bulan ini baru saja dikirim dari tempat lain. Muat ulang halaman, "
                                 "lalu periksa angkanya.")):
            db.session.add(report)
        summary = (f"{label}: omzet {format_rupiah(report.revenue, 'id')}, biaya {format_rupiah(report.expenses, 'id')}, "
                   f"bersih {format_rupiah(report.net, 'id')}, anggota aktif {report.active_members}")
        record_audit("report.create", "income_report", report.id, "; ".join([summary, *notes]), actor=actor)
        return report, True

    changes = describe_changes({name: getattr(existing, name) for name in checked}, checked)
    if changes:  # re-sending the same figures changes nothing and needs no audit entry
        for name, value in checked.items():
            setattr(existing, name, value)
        existing.confirmed_unusual = bool(unusual)
        existing.submitted_by_id = actor.id
        existing.entered_on_behalf = on_behalf
        existing.updated_at = now
        db.session.flush()
        record_audit("report.update", "income_report", existing.id, "; ".join([f"{label}: {changes}", *notes]),
                     actor=actor)
    return existing, False


def _check_verifier(actor: User) -> None:
    if not can_verify_reports(actor):
        raise PermissionDenied(_("Hanya petugas program atau administrator yang dapat memverifikasi laporan."))


def _locked_report(group: Group, period: date) -> IncomeReport | None:
    """The group's report for the month, locked and read afresh once the lock is held (None without one).

    The group's lock comes first, as in `submit_report`, so a verification and a change of the
    same report always queue in the same order; the report row's own lock (FOR UPDATE) then keeps
    two verifiers apart, and reading after both are held sees a verification committed meanwhile.
    On SQLite both are no-ops: write requests already begin IMMEDIATE.
    """
    _lock_group(group)
    return db.session.scalar(
        select(IncomeReport).where(IncomeReport.group_id == group.id, IncomeReport.period == period)
        .with_for_update().execution_options(populate_existing=True)
    )


def _mark_verified(report: IncomeReport, group: Group, actor: User) -> None:
    report.verified_by_id = actor.id
    report.verified_at = utc_now()
    db.session.flush()
    record_audit("report.verify", "income_report", report.id, f"{group.code} {format_period(report.period)}",
                 actor=actor)


def verify_report(group: Group, period: date, actor: User) -> IncomeReport:
    """An officer or admin confirms a report is right; from then on its leader can no longer change it."""
    _check_verifier(actor)
    report = _locked_report(group, period)
    if report is None:
        raise NotFound(_("Belum ada laporan %(m)s untuk kelompok ini.", m=format_month(period)))
    if report.verified_at is not None:
        raise InvalidTransition(_("Laporan %(m)s sudah diverifikasi.", m=format_month(period)))
    _mark_verified(report, group, actor)
    return report


# -- verifying many at once -------------------------------------------------------------------

#: The most reports one batch verification takes (a page of the list is far fewer).
VERIFY_BATCH_MAX = 200


@dataclass(frozen=True)
class BatchRefusal:
    """One item of a batch that was not verified: the item as given, a code and a message in words.

    `code` is `not_found` (no such group, no report for the month, or a group the person may not
    see), `already_verified` or `validation_error` (a period that is not YYYY-MM). `group_name` is
    known only for a group the person may see, so a page can name it.
    """

    group_id: int
    period: str
    code: str
    message: str
    group_name: str | None = None


@dataclass
class BatchVerification:
    """What a batch verification did: the reports verified and the items refused, each in the order given."""

    verified: list[IncomeReport] = field(default_factory=list)
    refused: list[BatchRefusal] = field(default_factory=list)


def verify_reports(items: Sequence[tuple[int, str]], actor: User) -> BatchVerification:
    """Verify many reports at once; each (group id, "YYYY-MM") item is verified or refused on its own.

    Raises PermissionDenied for anyone who may not verify, and ValidationFailed for no items or more
    than VERIFY_BATCH_MAX; otherwise a refused item (see `BatchRefusal`) never stops the others.
    Every check of an item comes before its one write, so a refusal leaves nothing half done and
    needs no savepoint. The items are locked in (group, month) order, whatever order they came in,
    so that two batches sharing groups queue one behind the other instead of deadlocking; inside
    the locks a report verified meanwhile by someone else is `already_verified`. Each verification
    is audited as `verify_report` audits it.
    """
    _check_verifier(actor)
    if not items:
        message = _("Pilih paling sedikit satu laporan untuk diverifikasi.")
        raise ValidationFailed(message, fields={"items": [message]})
    if len(items) > VERIFY_BATCH_MAX:
        message = _("Paling banyak %(max)d laporan sekaligus (terkirim %(n)d); kirim sisanya dalam permintaan "
                    "berikutnya.", max=VERIFY_BATCH_MAX, n=len(items))
        raise ValidationFailed(message, fields={"items": [message]})
    group_ids = {group_id for group_id, _period in items}
    groups = {group.id: group for group in db.session.scalars(select(Group).where(Group.id.in_(group_ids)))
              if can_see_group(actor, group.id)}

    outcomes: dict[int, IncomeReport | BatchRefusal] = {}
    parsed: list[tuple[int, date, int]] = []
    for index, (group_id, period_text) in enumerate(items):
        group = groups.get(group_id)
        try:
            period = parse_period(period_text)
        except ValueError:
            outcomes[index] = BatchRefusal(group_id, period_text, ValidationFailed.code,
                                           _("Periode harus berbentuk YYYY-MM, misalnya 2025-06."),
                                           group.name if group else None)
            continue
        if group is None:
            outcomes[index] = BatchRefusal(group_id, period_text, NotFound.code, _("Kelompok tidak ditemukan."))
            continue
        parsed.append((group_id, period, index))

    for group_id, period, index in sorted(parsed):
        group, month = groups[group_id], format_month(period)
        report = _locked_report(group, period)
        if report is None:
            outcomes[index] = BatchRefusal(group_id, items[index][1], NotFound.code,
                                           _("Belum ada laporan %(m)s untuk kelompok ini.", m=month), group.name)
        elif report.verified_at is not None:
            outcomes[index] = BatchRefusal(group_id, items[index][1], ALREADY_VERIFIED,
                                           _("Laporan %(m)s sudah diverifikasi.", m=month), group.name)
        else:
            _mark_verified(report, group, actor)
            outcomes[index] = report

    result = BatchVerification()
    for index in range(len(items)):
        outcome = outcomes[index]
        if isinstance(outcome, BatchRefusal):
            result.refused.append(outcome)
        else:
            result.verified.append(outcome)
    return result


def record_historical_reports(group: Group, entries: list[dict], actor: User,
                              today: date | None = None) -> list[tuple[IncomeReport, list[str]]]:
    """Record months of a group's income from the office's books (before go-live), as `submit_report` checks each.

    The same rules as a live report: the submitter, an active group, a month that has ended and is not
    before the group formed, the checked values. `entries` hold `period` and the report fields; blank
    active members count the members on the group's roll at the end of that month (the count a report
    then would have defaulted to). Figures from the books are taken as confirmed when unusual (the
    reasons come back with each report, for the importer to show). A month already reported, or given
    twice, is refused: history never replaces a report.

    Every entry is checked before anything is written; all problems raise one ValidationFailed whose
    fields are `reports.N.<field>` (N the entry's index). Then the reports, marked historical, are written
    together with one audit entry each: a few statements per group instead of several per month.
    """
    today = today or office_today()
    now = utc_now()
    _check_submitter(actor, group)
    _lock_group(group)
    stored = {period: (revenue, expenses) for period, revenue, expenses in db.session.execute(
        select(IncomeReport.period, IncomeReport.revenue, IncomeReport.expenses)
        .where(IncomeReport.group_id == group.id))}
    factor = current_app.config["OUTLIER_FACTOR"]
    errors: dict[str, list[str]] = {}
    checked_entries = []
    seen: set[date] = set()
    for index, entry in sorted(enumerate(entries), key=lambda pair: pair[1]["period"]):
        period = entry["period"]
        prefix = f"reports.{index}."
        problem = reportable_problem(group, period, today)
        if problem is None and (period in stored or period in seen):
            problem = "period", _("Laporan %(m)s sudah ada.", m=format_month(period))
        if problem:
            errors.setdefault(prefix + problem[0], []).append(problem[1])
            continue
        seen.add(period)
        values = dict(entry)
        if values.get("active_members") is None or values.get("active_members") == "":
            month_end = add_months(period, 1)
            values["active_members"] = sum(1 for m in group.members
                                           if m.joined_on < month_end and (m.left_on is None or m.left_on >= month_end))
        try:
            checked, _reason = _checked_values(group, values, None, None)
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                errors.setdefault(prefix + name, []).extend(messages)
            continue
        checked_entries.append((period, checked))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(_("Laporan belum dapat disimpan: %(e)s", e=first), fields=errors)

    figures = sorted(stored.items())
    on_behalf = can_verify_reports(actor)
    created = []
    for period, checked in checked_entries:
        earlier = [pair for month, pair in reversed(figures) if month < period][:OUTLIER_HISTORY]
        unusual = questionable_reasons(checked["revenue"], checked["expenses"], earlier, factor)
        report = IncomeReport(group_id=group.id, period=period, confirmed_unusual=bool(unusual),
                              submitted_by_id=actor.id, entered_on_behalf=on_behalf, submitted_at=now,
                              updated_at=now, historical=True, **checked)
        created.append((report, unusual))
        figures.append((period, (checked["revenue"], checked["expenses"])))
        figures.sort()
    with saved_or_conflict(_("Laporan kelompok ini baru saja dikirim dari tempat lain. Ulangi impor.")):
        db.session.add_all(report for report, _unusual in created)
    for report, unusual in created:
        notes = ["riwayat dari catatan kantor"] + (["angka tidak biasa dikonfirmasi saat impor"] if unusual else [])
        summary = (f"{group.code} {format_period(report.period)}: omzet {format_rupiah(report.revenue, 'id')}, "
                   f"biaya {format_rupiah(report.expenses, 'id')}, bersih {format_rupiah(report.net, 'id')}, "
                   f"anggota aktif {report.active_members}")
        record_audit("report.create", "income_report", report.id, "; ".join([summary, *notes]), actor=actor)
    return created
