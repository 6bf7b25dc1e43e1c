"""Pages for personal data: the public privacy notice, and the administrators' person report with its PDF."""
from __future__ import annotations

import io

from flask import current_app, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user

from kube.auth.permissions import allowed, public
from kube.auth.roles import can_read_audit_log
from kube.core.clock import office_today
from kube.core.pdf import render_pdf
from kube.core.transaction import committed
from kube.privacy import bp
from kube.privacy.forms import PersonReportForm
from kube.privacy.report import person_report, record_person_report


@bp.route("/privacy")
@public
def notice():
    """What Kube stores about people, why, who sees it, for how long, and how to ask for it or correct it."""
    return render_template("privacy/notice.html")


def _page(form: PersonReportForm, report=None):
    return render_template("privacy/person_report.html", form=form, report=report)


def _look_up(form: PersonReportForm, channel: str):
    """The report for the form's NIK; when nothing is held, the request is audited here and the NIK field says so."""
    report = person_report(form.nik.data)
    if report is None:
        with committed():
            record_person_report(form.nik.data, None, channel, actor=current_user)
        message = _("Kube tidak menyimpan data apa pun untuk NIK ini: NIK tersebut tidak tercatat sebagai anggota "
                    "kelompok mana pun, baik yang masih aktif maupun yang sudah keluar.")
        form.nik.errors = [message, *([form.nik_problem] if form.nik_problem else [])]
    return report


# The NIK is posted, never put in the URL: URLs end up in server logs, browser history and referrers.
@bp.route("/admin/people", methods=["GET", "POST"])
@allowed(can_read_audit_log)
def person_report_page():
    """Enter a NIK and see everything Kube holds about that person (a data subject's request under UU PDP)."""
    form = PersonReportForm()
    if not form.validate_on_submit():
        return _page(form)
    report = _look_up(form, "page")
    if report is not None:
        with committed():
            record_person_report(form.nik.data, report, "page", actor=current_user)
    return _page(form, report)


@bp.route("/admin/people/pdf", methods=["POST"])
@allowed(can_read_audit_log)
def person_report_pdf():
    """The same report as an A4 PDF to hand to the person who asked."""
    form = PersonReportForm()
    if not form.validate_on_submit():
        return _page(form)
    report = _look_up(form, "pdf")
    if report is None:
        return _page(form)
    html = render_template("privacy/person_report_pdf.html", report=report, logo=current_app.config.get("OFFICE_LOGO"))
    pdf = render_pdf(html)
    # Recorded once the PDF exists: a rendering that failed showed nobody anything.
    with committed():
        record_person_report(form.nik.data, report, "pdf", actor=current_user)
    # The file name carries no NIK: downloads folders outlive the request.
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"laporan-data-pribadi-{office_today().isoformat()}.pdf", max_age=0)
