"""HTML pages for monthly income reports and reporting discipline."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kube.auth.models import ADMIN, LEADER, OFFICER, VIEWER
from kube.auth.permissions import roles_required
from kube.core.errors import DomainError, NeedsConfirmation
from kube.core.forms import show_domain_error
from kube.core.formatting import format_rupiah
from kube.core.periods import add_months, first_of_month, parse_period
from kube.extensions import db
from kube.groups import bp, reports
from kube.groups.access import get_group_or_404
from kube.groups.models import Group, IncomeReport
from kube.groups.report_forms import ReportForm, VerifyForm

STAFF = (ADMIN, OFFICER, VIEWER)
#: How far back the month chooser and the leader's list go.
MONTHS_OFFERED = 24
#: Page numbers beyond any real list are clamped so they never reach the database as huge offsets.
MAX_PAGE = 100_000



def _requested_period(today: date) -> date:
    """The month in `?period=YYYY-MM`, or last month; a malformed month is a page that does not exist."""
    text = request.args.get("period", "")
    if not text:
        return reports.last_complete_month(today)
    try:
        return parse_period(text)
    except ValueError:
        abort(404)


def _page_arg() -> int:
    """`?page=N`, clamped to 1..MAX_PAGE (junk means 1)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _offered_months(group: Group, today: date) -> list[date]:
    """Months a person may pick for a report: from the group's first month (at most 24 back) to last month."""
    last = reports.last_complete_month(today)
    first = max(first_of_month(group.formed_on), add_months(last, 1 - MONTHS_OFFERED))
    months = []
    month = last
    while month >= first:
        months.append(month)
        month = add_months(month, -1)
    return months


def _after_saving(group: Group) -> str:
    if current_user.role == LEADER:
        return url_for("groups.my_reports")
    return url_for("groups.group_reports", group_id=group.id)


# -- the leader's pages -----------------------------------------------------------------------

@bp.route("/reports")
@roles_required(LEADER)
def my_reports():
    """The leader's landing page: their group's months with status, and a big button for last month."""
    group = db.session.get(Group, current_user.group_id) if current_user.group_id else None
    if group is None:
        return render_template("reports/mine.html", group=None, cells=[], last=None)
    now = reports.current_time()
    cells = [cell for cell in reports.group_months(group, MONTHS_OFFERED, now) if cell.status != reports.NOT_FORMED]
    return render_template("reports/mine.html", group=group, cells=cells, last=cells[0] if cells else None,
                           can_report=group.status == "active", due_day=current_app.config["REPORT_DUE_DAY"])


@bp.route("/groups/<int:group_id>/reports/form", methods=["GET", "POST"])
@roles_required(ADMIN, OFFICER, LEADER)
def report_form(group_id: int):
    """The report for one month (`?period=YYYY-MM`, default last month): new, corrected or entered for the leader."""
    group = get_group_or_404(group_id)
    now = reports.current_time()
    today = reports.office_today(now)
    period = _requested_period(today)
    existing = reports.get_report(group, period)
    form = ReportForm()
    if request.method == "GET":
        if existing is not None:
            form.revenue.data, form.expenses.data = existing.revenue, existing.expenses
            form.active_members.data, form.note.data = existing.active_members, existing.note
        else:
            form.active_members.data = reports.current_member_count(group)
    unusual: list[str] = []
    if form.validate_on_submit():
        try:
            report, created = reports.submit_report(group, period, form.values(), current_user,
                                                    confirmed=form.confirmed.data, reason=form.reason.data, now=now)
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, NeedsConfirmation):
                unusual = error.fields.get("confirmed", [])[1:]
            else:
                show_domain_error(form, error)
            existing = reports.get_report(group, period)
        else:
            db.session.commit()
            month = reports.month_text(period)
            flash(_("Laporan %(m)s tersimpan: pendapatan bersih %(n)s.", m=month, n=format_rupiah(report.net))
                  if created else _("Laporan %(m)s diperbarui.", m=month), "success")
            return redirect(_after_saving(group))
    locked = existing is not None and existing.verified_at is not None and current_user.role == LEADER
    problem = reports.reportable_problem(group, period, today)
    return render_template(
        "reports/form.html", form=form, group=group, period=period, report=existing, locked=locked,
        problem=problem[1] if problem else None, unusual=unusual,
        ask_reason=existing is not None and existing.verified_at is not None and not locked,
        on_behalf=current_user.role != LEADER, months=_offered_months(group, today),
        back_url=_after_saving(group),
    )


# -- staff pages ------------------------------------------------------------------------------

@bp.route("/groups/<int:group_id>/reports/<period>/verify", methods=["GET", "POST"])
@roles_required(ADMIN, OFFICER)
def report_verify(group_id: int, period: str):
    """Confirm, then verify a report; afterwards the leader can no longer change it."""
    group = get_group_or_404(group_id)
    try:
        month = parse_period(period)
    except ValueError:
        abort(404)
    report = reports.get_report(group, month)
    if report is None:
        abort(404)
    back = url_for("groups.group_reports", group_id=group.id)
    if report.verified_at is not None:
        flash(_("Laporan %(m)s sudah diverifikasi.", m=reports.month_text(month)), "warning")
        return redirect(back)
    form = VerifyForm()
    if form.validate_on_submit():
        try:
            reports.verify_report(group, month, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Laporan %(m)s %(g)s diverifikasi.", m=reports.month_text(month), g=group.name), "success")
        return redirect(back)
    question = _(
        "Verifikasi laporan %(m)s %(g)s: omzet %(r)s, biaya %(e)s, pendapatan bersih %(n)s, %(a)d anggota aktif? "
        "Setelah diverifikasi, ketua tidak dapat mengubahnya lagi; perubahan oleh petugas harus disertai alasan.",
        m=reports.month_text(month), g=group.name, r=format_rupiah(report.revenue), e=format_rupiah(report.expenses),
        n=format_rupiah(report.net), a=report.active_members)
    return render_template("confirm.html", form=form, title=_("Verifikasi laporan"), question=question,
                           cancel_url=back)


@bp.route("/groups/<int:group_id>/reports")
@roles_required(ADMIN, OFFICER, LEADER, VIEWER)
def group_reports(group_id: int):
    """A group's report history (paginated) with the status of its last 12 months."""
    group = get_group_or_404(group_id)
    context = reports.group_reports_context(group)
    history = db.paginate(
        select(IncomeReport).where(IncomeReport.group_id == group.id)
        .options(joinedload(IncomeReport.submitted_by), joinedload(IncomeReport.verified_by))
        .order_by(IncomeReport.period.desc()),
        page=_page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False,
    )
    return render_template("reports/group.html", group=group, history=history, **context)


@bp.route("/reports/discipline")
@roles_required(*STAFF)
def discipline():
    """Reporting discipline: active groups by the last 12 months, with rates per kecamatan."""
    kecamatan = request.args.get("kecamatan", "").strip()
    summary = reports.discipline(_page_arg(), current_app.config["PER_PAGE"], kecamatan_code=kecamatan)
    kecamatan_codes = {rates.code for rates in summary.rates}
    return render_template("reports/discipline.html", summary=summary,
                           kecamatan=kecamatan if kecamatan in kecamatan_codes else "",
                           due_day=current_app.config["REPORT_DUE_DAY"], symbols=reports.MONTH_STATUS_SYMBOLS,
                           labels=reports.MONTH_STATUS_LABELS)

