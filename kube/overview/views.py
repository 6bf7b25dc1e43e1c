"""The head of office's overview as a page, an A4 landscape PDF and an XLSX: one gather, three renderings."""
from __future__ import annotations

import io

from flask import Response, current_app, render_template, send_file
from flask_babel import gettext as _
from markupsafe import Markup

from kube.auth.permissions import allowed
from kube.auth.roles import can_see_all_groups
from kube.core.clock import office_today
from kube.core.pdf import render_pdf
from kube.monitoring import charts
from kube.overview import bp, queries, workbook
from kube.overview.queries import FLAG_AGE_BUCKETS, Overview

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def income_chart(overview: Overview) -> Markup:
    """The median income per member month by month, with the extreme poverty line, from zero (an inline SVG)."""
    months = overview.income
    first, last = months[0].month, months[-1].month
    texts = charts.IncomeChartTexts(
        title=_("Median pendapatan bersih per anggota per bulan"), net=_("Median per anggota"),
        empty=_("Belum ada laporan pada periode ini."), reports=_("bulan dengan laporan"),
        poverty=_("Garis kemiskinan ekstrem"),
    )
    svg = charts.income_chart_svg(
        [(m.month, m.median_per_member) for m in months if m.median_per_member is not None], first, last,
        poverty_line=[(m.month, m.poverty_line) for m in months], texts=texts, svg_id="overview-income-chart",
    )
    return Markup(svg)


def _context(overview: Overview) -> dict:
    return {"overview": overview, "chart": income_chart(overview), "buckets": FLAG_AGE_BUCKETS}


@bp.route("/overview")
@allowed(can_see_all_groups)
def index():
    """Budget absorption, groups, last month's reporting, open flags by age and income against the poverty line."""
    return render_template("overview/index.html", **_context(queries.overview(office_today())))


#: The charts' type on screen, and the bundled font a PDF draws them in (kube/static/css/pdf.css), so the PDF
#: embeds only the app's own fonts whatever fonts the server has.
SCREEN_FONT, PDF_FONT = 'font-family="system-ui, sans-serif"', 'font-family="Kube Sans"'


@bp.route("/overview.pdf")
@allowed(can_see_all_groups)
def pdf():
    """The same overview as an A4 landscape PDF (WeasyPrint, fetching only the app's static files)."""
    overview = queries.overview(office_today())
    context = _context(overview)
    context["chart"] = Markup(str(context["chart"]).replace(SCREEN_FONT, PDF_FONT, 1))
    html = render_template("overview/pdf.html", logo=current_app.config.get("OFFICE_LOGO"), **context)
    return send_file(io.BytesIO(render_pdf(html)), mimetype="application/pdf", as_attachment=True,
                     download_name=f"ringkasan-{overview.today.isoformat()}.pdf", max_age=0)


@bp.route("/overview.xlsx")
@allowed(can_see_all_groups)
def xlsx():
    """The same overview as an XLSX workbook, one sheet per figure, Rupiah as whole numbers."""
    overview = queries.overview(office_today())
    filename = f"ringkasan-{overview.today.isoformat()}.xlsx"
    return Response(workbook.overview_xlsx(overview), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
