"""HTML pages for monthly income reports: the leader's months, the report form, verification, discipline."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from kube.auth.permissions import allowed, login_required
from kube.auth.roles import (
    can_report,
    can_report_for,
    can_see_all_groups,
    can_use_leader_pages,
    can_verify_reports,
)
from kube.core.clock import office_today
from kube.core.database import MAX_ID
from kube.core.errors import DomainError, NeedsConfirmation
from kube.core.formatting import format_month, format_rupiah
from kube.core.forms import show_domain_error
from kube.core.pagination import page_arg, paginate
from kube.core.periods import (
    first_of_month,
    last_complete_month,
    months_ending,
    parse_period,
)
from kube.core.phones import whatsapp_link
from kube.core.transaction import attempt, committed
from kube.extensions import db
from kube.groups.access import get_group_or_404
from kube.groups.models import Group, Member
from kube.groups.queries import RegionCatalogue, current_ketuas, current_member_count, officer_choices
from kube.monitoring import operations as monitoring_operations
from kube.monitoring.views import income_chart_for
from kube.pwa import form_posts
from kube.reports import bp, operations, queries
from kube.reports.forms import (
    EntryGridForm, EntryGridRowForm, ReportForm, VerifyForm, VerifyManyForm, posted_row_ids,
)
from kube.reports.labels import (
    LEADER_STATUS_LABELS, MONTH_STATUS_LABELS, MONTH_STATUS_SYMBOLS, due_sentence, improvement_sentence,
    next_report_sentence,
)
from kube.reports.schedule import MISSING, month_to_report, reminder_message

#: How far back the month chooser goes.
MONTHS_OFFERED = 24
#: Months on the small income chart of the leader's home.
LEADER_CHART_MONTHS = 12


def _requested_period(today: date) -> date:
    """The month in `?period=YYYY-MM`, or last month; a malformed month is a page that does not exist."""
    text = request.args.get("period", "")
    if not text:
        return last_complete_month(today)
    try:
        return parse_period(text)
    except ValueError:
        abort(404)


def _offered_months(group: Group, today: date) -> list[date]:
    """Months a person may pick for a report: from the group's first month (at most 24 back) to last month, newest first."""
    formed = first_of_month(group.formed_on)
    return [month for month in reversed(months_ending(last_complete_month(today), MONTHS_OFFERED)) if month >= formed]


def _after_saving(group: Group) -> str:
    if can_use_leader_pages(current_user):
        return url_for("reports.mine")
    return url_for("reports.group", group_id=group.id)


def group_panel(group: Group) -> dict:
    """Template values for the group page's report section (`reports/_group_reports.html`): the last 12 months."""
    months = queries.group_months(group, queries.DISCIPLINE_MONTHS)
    return {
        "report_group": group,
        "report_months": months,
        "report_due_day": queries.due_day(),
        "can_submit_report": group.status == "active" and can_report_for(current_user, group.id),
        "can_verify_report": can_verify_reports(current_user),
        "report_reminder": _reminder_link(group, months, group.ketua) if can_verify_reports(current_user) else None,
    }


def _reminder_link(group: Group, months, ketua: Member | None) -> str | None:
    """A WhatsApp link reminding the ketua of the newest missing month (`months` newest first); None without
    one or without a mobile number. The ketua is passed in so that a list can load all of its ketuas at once."""
    missing = next((cell.period for cell in months if cell.status == MISSING), None)
    if missing is None or ketua is None or group.status != "active":
        return None
    message = reminder_message(ketua.name, group.name, missing, queries.due_day(), current_app.config["OFFICE_NAME"])
    return whatsapp_link(ketua.phone, message)


# -- the leader's pages -----------------------------------------------------------------------

def _improvement(group: Group, today: date) -> tuple[str, Markup]:
    """Is the group's income going up? The sentence and a small chart, both from the monitoring trend."""
    current = monitoring_operations.group_trend(group, monitoring_operations.default_as_of(today), today)
    sentence = improvement_sentence(current.trend, monitoring_operations.flag_settings().min_reports)
    # No extreme-poverty line on a leader's own home: nothing there labels the group's welfare.
    return sentence, Markup(income_chart_for(current, LEADER_CHART_MONTHS, with_poverty_line=False))


@bp.route("/reports")
@allowed(can_use_leader_pages)
def mine():
    """The leader's home: what is due and by when, the last 6 months, a big button, and whether income goes up."""
    group = db.session.get(Group, current_user.group_id) if current_user.group_id else None
    if group is None:
        return render_template("reports/mine.html", group=None)
    today = office_today()
    home = queries.leader_home(group, today)
    improvement, chart = _improvement(group, today)
    return render_template("reports/mine.html", group=group, home=home, can_report=group.status == "active",
                           due_text=due_sentence(home.next_month, queries.due_day(), today),
                           improvement=improvement, chart=chart, leader_labels=LEADER_STATUS_LABELS)


def _saved_message(group: Group, period: date, report, created: bool) -> str:
    """What the person is told after sending; a leader is thanked and told when the next report is due."""
    month = format_month(period)
    saved = (_("Laporan %(m)s tersimpan: pendapatan bersih %(n)s.", m=month, n=format_rupiah(report.net))
             if created else _("Laporan %(m)s diperbarui.", m=month))
    if not can_use_leader_pages(current_user):
        return saved
    today = office_today()
    upcoming = month_to_report(today, queries.reported_periods(group), group.formed_on)
    return " ".join([_("Terima kasih."), saved, next_report_sentence(upcoming, queries.due_day())])


@bp.route("/groups/<int:group_id>/reports/form", methods=["GET", "POST"])
@allowed(can_report)
def form(group_id: int):
    """The report for one month (`?period=YYYY-MM`, default last month): new, corrected or entered for the leader."""
    group = get_group_or_404(group_id)
    today = office_today()
    period = _requested_period(today)
    existing = queries.get_report(group, period)
    report_form = ReportForm()
    if request.method == "GET":
        if existing is not None:
            report_form.revenue.data, report_form.expenses.data = existing.revenue, existing.expenses
            report_form.active_members.data, report_form.note.data = existing.active_members, existing.note
        else:
            report_form.active_members.data = current_member_count(group)
    unusual: dict[str, list[str]] = {}
    if report_form.validate_on_submit():
        with attempt(show=False) as outcome:
            # A phone resending a report kept offline repeats its Idempotency-Key: stored once, replayed after.
            post = form_posts.claim(current_user.id, form_posts.submitted_key(request.headers, request.form),
                                    form_posts.report_fingerprint(group.id, period, {
                                        **report_form.values(), "reason": report_form.reason.data}))
            if not post.replayed:
                report, created = operations.submit_report(group, period, report_form.values(), current_user,
                                                           confirmed=report_form.confirmed.data,
                                                           reason=report_form.reason.data)
                form_posts.done(post, _after_saving(group))
        if outcome.ok and post.replayed:
            return redirect(post.replay_to)  # the first post's answer said what was saved
        if outcome.ok:
            flash(_saved_message(group, period, report, created), "success")
            return redirect(_after_saving(group))
        if isinstance(outcome.error, NeedsConfirmation):
            # The question stands above the figures; each reason next to the figure it names, as a warning
            # rather than an error (the figure may be right).
            unusual = {name: messages for name, messages in outcome.error.fields.items() if name != "confirmed"}
        else:
            show_domain_error(report_form, outcome.error)
        existing = queries.get_report(group, period)
    locked = operations.is_locked_for(existing, current_user)
    problem = operations.reportable_problem(group, period, today)
    return render_template(
        "reports/form.html", form=report_form, group=group, period=period, report=existing, locked=locked,
        problem=problem[1] if problem else None, unusual=unusual,
        ask_reason=existing is not None and existing.verified_at is not None and not locked,
        on_behalf=can_verify_reports(current_user), months=_offered_months(group, today),
        back_url=_after_saving(group), due_text=None if problem else due_sentence(period, queries.due_day(), today),
    )


# -- staff pages ------------------------------------------------------------------------------

@bp.route("/groups/<int:group_id>/reports/<period>/verify", methods=["GET", "POST"])
@allowed(can_verify_reports)
def verify(group_id: int, period: str):
    """Confirm, then verify a report; afterwards the leader can no longer change it."""
    group = get_group_or_404(group_id)
    try:
        month = parse_period(period)
    except ValueError:
        abort(404)
    report = queries.get_report(group, month)
    if report is None:
        abort(404)
    back = url_for("reports.group", group_id=group.id)
    if report.verified_at is not None:
        flash(_("Laporan %(m)s sudah diverifikasi.", m=format_month(month)), "warning")
        return redirect(back)
    verify_form = VerifyForm()
    if verify_form.validate_on_submit():
        with attempt() as outcome:
            operations.verify_report(group, month, current_user)
        if outcome.ok:
            flash(_("Laporan %(m)s %(g)s diverifikasi.", m=format_month(month), g=group.name), "success")
        return redirect(back)
    question = _(
        "Verifikasi laporan %(m)s %(g)s: omzet %(r)s, biaya %(e)s, pendapatan bersih %(n)s, %(a)d anggota aktif? "
        "Setelah diverifikasi, ketua tidak dapat mengubahnya lagi; perubahan oleh petugas harus disertai alasan.",
        m=format_month(month), g=group.name, r=format_rupiah(report.revenue), e=format_rupiah(report.expenses),
        n=format_rupiah(report.net), a=report.active_members)
    return render_template("confirm.html", form=verify_form, title=_("Verifikasi laporan"), question=question,
                           cancel_url=back)


#: How a checkbox of the verification list names its report: "<group id>/<YYYY-MM>".
_ITEM_SEPARATOR = "/"


def _checked_items(values: list[str]) -> list[tuple[int, str]]:
    """The (group id, period) of each checked report; a value that names no group gets id 0 (not found)."""
    items = []
    for value in values:
        group_text, _separator, period = value.partition(_ITEM_SEPARATOR)
        group_id = int(group_text) if group_text.isdigit() and int(group_text) <= MAX_ID else 0
        items.append((group_id, period))
    return items


def _verification_filters() -> queries.VerificationFilters:
    """The list's filters from the URL; a value that means nothing (a junk month or id) is no filter."""
    officer = request.args.get("officer", "").strip()
    try:
        period = parse_period(request.args.get("period", ""))
    except ValueError:
        period = None
    return queries.VerificationFilters(
        kecamatan=request.args.get("kecamatan", "").strip(),
        officer_id=int(officer) if officer.isdigit() and int(officer) <= MAX_ID else None,
        period=period, viewer=current_user)


def _refusal_message(refusal: operations.BatchRefusal) -> str:
    """One refused item in words, naming the group and the month when they are known."""
    try:
        month = format_month(parse_period(refusal.period))
    except ValueError:
        month = refusal.period
    group_name = refusal.group_name or _("Kelompok #%(id)d", id=refusal.group_id)
    return _("%(g)s, %(m)s: %(e)s", g=group_name, m=month, e=refusal.message)


def _flash_batch(result: operations.BatchVerification) -> None:
    if result.verified:
        flash(ngettext("%(num)d laporan diverifikasi.", "%(num)d laporan diverifikasi.", len(result.verified)),
              "success")
    if result.refused:
        flash(ngettext("%(num)d laporan tidak dapat diverifikasi:", "%(num)d laporan tidak dapat diverifikasi:",
                       len(result.refused)), "warning")
        for refusal in result.refused:
            flash(_refusal_message(refusal), "error")


@bp.route("/reports/verify", methods=["GET", "POST"])
@allowed(can_verify_reports)
def verify_many():
    """Reports awaiting verification (filtered by kecamatan, pendamping and month); the checked ones are verified."""
    verify_form = VerifyManyForm()
    if verify_form.validate_on_submit():
        items = _checked_items(request.form.getlist("report"))
        if not items:
            flash(_("Belum ada laporan yang dipilih. Centang laporan yang sudah diperiksa, lalu tekan "
                    "\"Verifikasi yang dipilih\"."), "warning")
        else:
            with attempt() as outcome:
                result = operations.verify_reports(items, current_user)
            if outcome.ok:
                _flash_batch(result)
        return redirect(url_for("reports.verify_many", **request.args))
    filters = _verification_filters()
    page = paginate(queries.reports_to_verify(filters))
    regions = RegionCatalogue.load()
    months = list(reversed(months_ending(last_complete_month(office_today()), MONTHS_OFFERED)))
    return render_template("reports/verify_many.html", form=verify_form, page=page, filters=filters,
                           regions=regions, officers=officer_choices(), months=months,
                           item_separator=_ITEM_SEPARATOR)


# -- the entry grid: one month's reports of many groups ---------------------------------------

#: Rows on one page of the entry grid.
GRID_PER_PAGE = 25
#: The most rows one POST of the grid saves (a page has GRID_PER_PAGE; rows posted from a page that has
#: since shifted are kept too, so nothing typed is lost).
GRID_MAX_ROWS = 100
#: A row's result after a POST.
SAVED, CONFIRM, REFUSED = "saved", "confirm", "refused"


@dataclass
class GridRow:
    """One group's row of the entry grid: its inputs, the month's stored report and what a POST did with it."""

    group: Group
    form: EntryGridRowForm
    report: object = None
    #: Why this group cannot report the month (`reportable_problem`), or None.
    problem: str | None = None
    #: SAVED, CONFIRM, REFUSED, or "" (not sent, empty or unchanged).
    result: str = ""
    message: str = ""
    #: Unusual figures by field ("revenue", "expenses"), shown as warnings on their inputs.
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """Whether the month's report is verified (the row shows it, read-only, unless a refused POST named it)."""
        return self.report is not None and self.report.verified_at is not None

    @property
    def read_only(self) -> bool:
        """Whether the row shows figures instead of inputs."""
        return self.problem is not None or (self.verified and self.result != REFUSED)


def _grid_filters() -> queries.GridFilters:
    """The grid's filters from the URL; a value that means nothing (a junk id) is no filter."""
    officer = request.args.get("officer", "").strip()
    return queries.GridFilters(kecamatan=request.args.get("kecamatan", "").strip()[:13],
                               officer_id=int(officer) if officer.isdigit() and int(officer) <= MAX_ID else None)


def _row_form(group: Group, report, posted: bool) -> EntryGridRowForm:
    """A row's inputs: what was posted for it, else the month's stored figures (empty without a report)."""
    prefix = EntryGridRowForm.prefix_for(group.id)
    if posted:
        return EntryGridRowForm(prefix=prefix)
    if report is None:
        return EntryGridRowForm(formdata=None, prefix=prefix)
    return EntryGridRowForm(formdata=None, prefix=prefix, revenue=report.revenue, expenses=report.expenses,
                            active_members=report.active_members)


def _unchanged(form: EntryGridRowForm, report) -> bool:
    """Whether a row repeats the stored report (a prefilled row sent back as it was): nothing to save."""
    values = form.values()
    return report is not None and values["revenue"] == report.revenue and values["expenses"] == report.expenses \
        and values["active_members"] in (None, report.active_members)


def _save_row(row: GridRow, period: date) -> None:
    """Save one typed row through `submit_report` in a savepoint of its own, and note its result on the row.

    A refused row rolls back only its savepoint: the rows saved before and after it stay.
    """
    form = row.form
    if not form.validate():
        row.result, row.message = REFUSED, _("Perbaiki angka yang ditandai.")
        return
    if _unchanged(form, row.report):
        return
    try:
        with db.session.begin_nested():
            report, created = operations.submit_report(row.group, period, form.values(), current_user,
                                                       confirmed=form.confirmed.data)
    except NeedsConfirmation as error:
        row.result = CONFIRM
        row.message = _("Angka tidak biasa: periksa, centang \"Ya, angka ini sudah benar\", lalu simpan lagi.")
        row.warnings = {name: messages for name, messages in error.fields.items() if name != "confirmed"}
        return
    except DomainError as error:
        show_domain_error(form, error)
        # Messages about a figure stand next to its input; the result cell says the rest once.
        on_fields = any(f.errors for f in (form.revenue, form.expenses, form.active_members))
        rest = [message for message in form.form_errors if message != error.message]
        row.result = REFUSED
        row.message = (" ".join(rest) or _("Perbaiki angka yang ditandai.")) if on_fields else error.message
        return
    row.result = SAVED
    net = format_rupiah(report.net)
    row.message = (_("Tersimpan: pendapatan bersih %(n)s.", n=net) if created
                   else _("Diperbarui: pendapatan bersih %(n)s.", n=net))


@bp.route("/reports/grid", methods=["GET", "POST"])
@allowed(can_verify_reports)
def entry_grid():
    """One month's reports of many groups on one page (`?period=`, `?kecamatan=`, `?officer=`, `?page=`).

    Each typed row is saved on its own (see `_save_row`), its result shown on the row; every typed
    value comes back in its input, so nothing is lost when a row is refused.
    """
    today = office_today()
    months = list(reversed(months_ending(last_complete_month(today), MONTHS_OFFERED)))
    period = _requested_period(today)
    if period not in months:
        abort(404)
    filters = _grid_filters()
    grid_form = EntryGridForm()
    page = paginate(queries.entry_grid_groups(filters), GRID_PER_PAGE)
    groups = list(page.items)
    posted: set[int] = set()
    if grid_form.validate_on_submit():
        posted = {group_id for group_id in posted_row_ids(request.form.keys(), GRID_MAX_ROWS) if group_id <= MAX_ID}
        # Rows posted from a page that has shifted since (a group added or closed) still get their answer.
        shown = {group.id for group in groups}
        groups += queries.groups_with_ids(sorted(posted - shown))
    reports = queries.month_reports([group.id for group in groups], period)
    rows = [GridRow(group, _row_form(group, reports.get(group.id), group.id in posted), reports.get(group.id),
                    (operations.reportable_problem(group, period, today) or (None, None))[1])
            for group in groups]
    if posted:
        with committed():
            # In group order, so that two officers' grids sharing groups lock them in the same order.
            for row in sorted(rows, key=lambda row: row.group.id):
                if row.group.id in posted and row.form.typed():
                    _save_row(row, period)
        fresh = queries.month_reports([row.group.id for row in rows], period)
        for row in rows:
            row.report = fresh.get(row.group.id)
            if row.result == SAVED:  # the figures as stored: active members left empty show the count used
                row.form = _row_form(row.group, row.report, posted=False)
    counts = {result: sum(row.result == result for row in rows) for result in (SAVED, CONFIRM, REFUSED)}
    return render_template("reports/entry_grid.html", form=grid_form, rows=rows, page=page, period=period,
                           months=months, filters=filters, regions=RegionCatalogue.load(),
                           officers=officer_choices(), counts=counts, sent=bool(posted))


@bp.route("/groups/<int:group_id>/reports")
@login_required
def group(group_id: int):
    """A group's report history (paginated) with the status of its last 12 months."""
    shown = get_group_or_404(group_id)
    history = paginate(queries.report_history(shown))
    return render_template("reports/group.html", group=shown, history=history, **group_panel(shown))


def _discipline_reminders(rows) -> dict[int, str]:
    """WhatsApp reminders for the groups on a page of the discipline grid, by group id (none for a group
    without a missing month or a ketua's mobile number); the page's ketuas come in one query, not one per row."""
    ketuas = current_ketuas([row.group.id for row in rows])
    links = {row.group.id: _reminder_link(row.group, list(reversed(row.cells)), ketuas.get(row.group.id))
             for row in rows}
    return {group_id: link for group_id, link in links.items() if link}


@bp.route("/reports/discipline")
@allowed(can_see_all_groups)
def discipline():
    """Reporting discipline: active groups by the last 12 months, with rates per kecamatan."""
    kecamatan = request.args.get("kecamatan", "").strip()
    try:
        missing = parse_period(request.args.get("missing", ""))
    except ValueError:
        missing = None  # no such month: the whole list, as for any filter value that means nothing
    summary = queries.discipline(page_arg(), current_app.config["PER_PAGE"], kecamatan_code=kecamatan,
                                 missing=missing, viewer=current_user)
    kecamatan_codes = {rates.code for rates in summary.rates}
    reminders = _discipline_reminders(summary.rows) if can_verify_reports(current_user) else {}
    return render_template("reports/discipline.html", summary=summary, reminders=reminders, missing=missing,
                           kecamatan=kecamatan if kecamatan in kecamatan_codes else "",
                           due_day=queries.due_day(), symbols=MONTH_STATUS_SYMBOLS, labels=MONTH_STATUS_LABELS)
