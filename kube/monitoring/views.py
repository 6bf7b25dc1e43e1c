"""HTML pages for flags, follow-ups, the dashboard and a group's income chart."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from kube.auth.permissions import allowed, login_required
from kube.auth.roles import can_follow_up_flags, can_see_all_groups
from kube.core.clock import office_today
from kube.core.errors import ValidationFailed
from kube.core.pagination import ListPage, page_arg, paginate
from kube.core.periods import format_month_index
from kube.core.transaction import attempt
from kube.extensions import db
from kube.groups.access import get_group_or_404
from kube.groups.models import Group
from kube.groups.queries import RegionCatalogue, officer_choices
from kube.monitoring import bp, cases, charts, labels, operations, stored, trends
from kube.monitoring.forms import FollowUpForm
from kube.monitoring.labels import FLAG_LABELS
from kube.monitoring.reasons import flag_reason, trend_in_words

for _name, _filter in labels.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)
bp.add_app_template_filter(flag_reason, "flag_reason")


def _check_settings(state) -> None:
    """Refuse to start with thresholds that make no sense (e.g. a window shorter than its minimum)."""
    operations.flag_settings(state.app.config)


bp.record_once(_check_settings)


# -- flags ------------------------------------------------------------------------------------

#: The flags page's "open more than 3 months" filter: cases whose run is longer than this.
OPEN_OVER_MONTHS = 3


@bp.route("/monitoring/flags")
@allowed(can_see_all_groups)
def flags():
    """Flagged groups at an as-of month, most serious first, filtered by kecamatan, kind and officer."""
    today = office_today()
    errors: dict[str, list[str]] = {}
    as_of = filters = None
    try:
        as_of = operations.parse_as_of(request.args.get("as_of"), today)
    except ValidationFailed as error:
        errors.update(error.fields)
    officer_text = (request.args.get("officer") or "").strip()
    officer_id = None
    if officer_text:
        try:
            officer_id = int(officer_text)
        except ValueError:
            errors["officer"] = [_("Pendamping tidak dikenal.")]
    try:
        filters = operations.check_filters(request.args.get("kecamatan"), request.args.get("kind"), officer_id)
    except ValidationFailed as error:
        errors.update(error.fields)
    open_over = None
    if request.args.get("open_over"):
        open_over = request.args.get("open_over", type=int)
        if open_over is None or not 1 <= open_over <= 120:
            errors["open_over"] = [_("Lama terbuka harus 1 sampai 120 bulan.")]
    context = {
        "regions": RegionCatalogue.load(),
        "officers": officer_choices(),
        "kinds": FLAG_LABELS,
        "args": request.args,
        "default_as_of": format_month_index(operations.default_as_of(today)),
        "errors": errors,
        "can_follow_up": can_follow_up_flags(current_user),
        "refresh": stored.refresh_status(),
        "stale_hours": int(stored.STALE_AFTER.total_seconds() // 3600),
        "today": today,
        "open_over_months": OPEN_OVER_MONTHS,
    }
    if errors:
        # The filters stay in the form with their messages; nothing is listed for a bad question.
        return render_template("monitoring/flags.html", result=None, page=None, **context), 422
    # The current month's flags are read a page at a time as stored when current; any other month is computed.
    listing = stored.list_flags(as_of, today, filters, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                                viewer=current_user, no_follow_up=request.args.get("no_follow_up") == "1",
                                open_over=open_over)
    result = listing.result
    page = ListPage(result.flags, listing.page, listing.per_page, listing.total)
    latest = operations.latest_follow_ups(((flag.group_id, flag.kind) for flag in result.flags), as_of,
                                          opened=result.opened)
    return render_template("monitoring/flags.html", result=result, page=page, latest=latest, counts=listing.counts,
                           **context)


# -- follow-ups -------------------------------------------------------------------------------

@bp.route("/monitoring/groups/<int:group_id>/follow-ups/new", methods=["GET", "POST"])
@allowed(can_follow_up_flags)
def follow_up(group_id: int):
    """Record a follow-up (visit, training, mentoring or note) on one of a group's flags, with its state."""
    group = get_group_or_404(group_id)
    today = office_today()
    as_of = operations.default_as_of(today)
    form = FollowUpForm()
    if request.method == "GET":
        kind = request.args.get("kind")
        form.flag_kind.data = kind if kind in trends.FLAG_KINDS else None
        form.flag_period.data = request.args.get("as_of") or format_month_index(as_of)
        form.action_date.data = today
        form.state.data = "in_progress"
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.record_follow_up(
                group, form.flag_kind.data, form.flag_period.data, form.action.data, form.action_date.data,
                form.note.data, form.state.data, current_user, today=today,
            )
        if outcome.ok:
            flash(_("Tindak lanjut untuk %(g)s dicatat.", g=group.name), "success")
            return redirect(url_for("monitoring.group_follow_ups", group_id=group.id))
    current = operations.group_trend(group, as_of, today)
    recent = db.session.scalars(operations.follow_up_history_statement(group.id).limit(5)).all()
    return render_template("monitoring/follow_up.html", form=form, group=group, current=current, recent=recent,
                           trend_text=trend_in_words(current.trend))


@bp.route("/monitoring/groups/<int:group_id>/follow-ups")
@allowed(can_see_all_groups)
def group_follow_ups(group_id: int):
    """A group's follow-up history, newest first; every state change stays."""
    group = get_group_or_404(group_id)
    page = paginate(operations.follow_up_history_statement(group.id))
    today = office_today()
    current = operations.group_trend(group, operations.default_as_of(today), today)
    return render_template("monitoring/follow_ups.html", group=group, page=page, current=current,
                           can_follow_up=can_follow_up_flags(current_user) and operations.takes_follow_ups(group))


# -- dashboard --------------------------------------------------------------------------------

@bp.route("/monitoring/dashboard")
@allowed(can_see_all_groups)
def dashboard():
    """Active groups, members, this year's grants, reporting rates and flags, per kecamatan, with a chart."""
    today = office_today()
    figures = operations.dashboard_figures(today, stored=stored.dashboard(today))
    months = figures.months
    chart = charts.bar_chart_svg(
        [(m.month, m.median_net, m.reports) for m in months],
        title=_("Median pendapatan bersih per kelompok per bulan"),
        description=_("Median pendapatan bersih kelompok aktif yang melapor, %(a)s sampai %(b)s.",
                      a=charts.month_long(months[0].month), b=charts.month_long(months[-1].month)),
        count_label=_("laporan"), empty=_("Belum ada laporan."), svg_id="dashboard-chart",
    )
    return render_template("monitoring/dashboard.html", figures=figures, kinds=FLAG_LABELS, chart=Markup(chart),
                           effectiveness=cases.effectiveness(today), effect_within=cases.EFFECT_WITHIN)


# -- the group chart --------------------------------------------------------------------------

def income_chart_values(current: operations.GroupTrend, months: int, with_poverty_line: bool = True) -> dict:
    """What a group's income chart plots (the arguments of charts.income_chart_svg and income_chart_rows):
    the last `months` months, the trend line, handovers and, when the group carries the
    below-extreme-poverty flag, the line that flag compares with (times each month's active members).

    `with_poverty_line=False` leaves that line out: a leader's own chart carries no welfare label.
    """
    trend = current.trend
    first = current.as_of - months + 1
    trend_line = None
    if trend.status == trends.TREND_OK:
        trend_line = ((trend.window_start, trend.line_value(trend.window_start)),
                      (trend.window_end, trend.line_value(trend.window_end)))
    reports = current.series.reports_between(first, current.as_of)
    poverty = next((flag for flag in current.flags if flag.kind == trends.BELOW_EXTREME_POVERTY), None) \
        if with_poverty_line else None
    poverty_line = charts.poverty_line_by_month({report.month: report.active_members for report in reports},
                                                poverty.details["line"], first, current.as_of) if poverty else []
    return {"points": [(report.month, report.net) for report in reports], "first_month": first,
            "last_month": current.as_of, "trend_line": trend_line,
            "handovers": [month for month, _grant in current.series.handovers], "poverty_line": poverty_line}


def income_chart_for(current: operations.GroupTrend, months: int, with_poverty_line: bool = True) -> str:
    """The SVG income chart of a group's trend (see `income_chart_values`)."""
    trend = current.trend
    texts = charts.IncomeChartTexts(
        title=_("Pendapatan bersih %(g)s per bulan", g=current.group.name),
        net=_("Pendapatan bersih"), trend=_("Garis tren"), window=_("Jendela tren"),
        handover=_("Serah terima bantuan"), empty=_("Belum ada laporan pada periode ini."),
        insufficient=_("data belum cukup"), reports=_("laporan"), poverty=_("Garis kemiskinan ekstrem"),
    )
    return charts.income_chart_svg(**income_chart_values(current, months, with_poverty_line),
                                   window=(trend.window_start, trend.window_end), texts=texts)


@bp.route("/monitoring/groups/<int:group_id>/chart.svg")
@login_required
def group_chart(group_id: int):
    """A group's monthly net income as an SVG image (`?as_of=YYYY-MM`); staff and the group's own leader."""
    group = get_group_or_404(group_id)
    today = office_today()
    as_of = operations.parse_as_of(request.args.get("as_of"), today)
    current = operations.group_trend(group, as_of, today)
    # Staff see the extreme poverty line; the group's own leader gets the same chart without that label.
    svg = income_chart_for(current, current_app.config["MONITORING_CHART_MONTHS"],
                           with_poverty_line=can_see_all_groups(current_user))
    return Response(svg, mimetype="image/svg+xml")


# -- the panel on the group page --------------------------------------------------------------

def group_panel(group: Group) -> dict:
    """What templates/monitoring/_group_panel.html shows on a group's page: chart, flags, trend, follow-ups, cases.

    Leaders see their group's chart, trend and flags; follow-ups and the flags' cases are for staff only.
    """
    today = office_today()
    as_of = operations.default_as_of(today)
    current = operations.group_trend(group, as_of, today)
    staff = can_see_all_groups(current_user)
    follow_ups = db.session.scalars(operations.follow_up_history_statement(group.id).limit(5)).all() if staff else []
    # Past and present cases with their follow-ups are staff's, like the follow-ups themselves.
    flag_cases = cases.group_cases(group, today, series=current.series) if staff else []
    # The last follow-up of each flag is of its current case, as on the flags page.
    opened = {(group.id, case.kind): case.opened for case in flag_cases if case.closed is None}
    latest = operations.latest_follow_ups(((group.id, flag.kind) for flag in current.flags), as_of,
                                          opened=opened) if staff else {}
    chart = income_chart_values(current, current_app.config["MONITORING_CHART_MONTHS"])
    return {
        "as_of": as_of,
        "chart_url": url_for("monitoring.group_chart", group_id=group.id, as_of=format_month_index(as_of)),
        # The chart's values as a table, for screen readers and for phones, where nothing can be hovered.
        "chart_rows": charts.income_chart_rows(**chart),
        "chart_has_poverty_line": bool(chart["poverty_line"]),
        "trend": current.trend,
        "trend_label": trend_in_words(current.trend),
        "flags": current.flags,
        "latest_follow_ups": latest,
        "follow_ups": follow_ups,
        "cases": flag_cases,
        "history_url": url_for("monitoring.group_follow_ups", group_id=group.id) if staff else None,
        "can_follow_up": can_follow_up_flags(current_user) and operations.takes_follow_ups(group),
    }
