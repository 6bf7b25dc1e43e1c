"""API: flags and trends, over the same operations as the flags page and the group chart."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import RAISE, Schema, fields, validate

from kube.api.access import ApiBlueprint, api_access
from kube.api.fields import PageArgsSchema
from kube.api.paging import PAGINATION_HEADER, pagination_header
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_log_in, own_group_id
from kube.core.clock import office_today
from kube.core.database import MAX_ID
from kube.core.periods import format_month_index
from kube.groups.access import get_group_or_404
from kube.monitoring import operations, stored, trends
from kube.monitoring.labels import trend_status
from kube.monitoring.reasons import flag_reason

blp = ApiBlueprint("api_monitoring", __name__, url_prefix="/api/v1", description="Flags and trends")
_PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Bulan harus berformat YYYY-MM, misalnya 2025-06.")


class FlagQuerySchema(PageArgsSchema):
    """Query of GET /flags: the as-of month (default: the last complete month), filters and the page."""

    as_of = fields.String(validate=_PERIOD, metadata={"example": "2025-06"})
    kecamatan = fields.String(validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$", error="Kode kecamatan tidak dikenal."),
                              metadata={"example": "36.73.04"})
    kind = fields.String(validate=validate.OneOf(trends.FLAG_KINDS))
    officer = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "Officer's user id"})


class TrendQuerySchema(Schema):
    """Query of GET /groups/{id}/trend."""

    as_of = fields.String(validate=_PERIOD, metadata={"example": "2025-06"})


class FlagSchema(Schema):
    """One flag on one group."""

    group_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(trends.FLAG_KINDS))
    reason = fields.String(required=True, metadata={
        "example": "Pendapatan bersih turun rata-rata Rp45.000 per bulan (6 laporan, Januari–Juni 2025)."})
    details = fields.Dict(required=True, metadata={
        "description": "not_improving: slope_per_month, reports, window_start, window_end, yoy_median (null "
                       "when not used); no_gain_after_grant: grant_id, handover_month, baseline_mean, "
                       "baseline_reports, baseline_start, baseline_end, after_mean, after_reports, after_start, "
                       "after_end; missing_reports: missing_months, months_without_report, due_day; "
                       "below_extreme_poverty: per_capita_mean, line, reports, months"})


class ListedFlagSchema(FlagSchema):
    """One flag on one group in the flags list, with the month its current run began."""

    opened = fields.String(required=True, metadata={
        "example": "2025-03", "description": "First month of the current unbroken run of this flag on this group "
                                             "(as_of when it is new)"})


class FlagListSchema(Schema):
    """Flags at an as-of month, most serious first."""

    as_of = fields.String(required=True, metadata={"example": "2025-06"})
    flags = fields.List(fields.Nested(ListedFlagSchema), required=True)


class TrendPointSchema(Schema):
    """One month's net income."""

    month = fields.String(required=True, metadata={"example": "2025-06"})
    net = fields.Integer(required=True)


class TrendHandoverSchema(Schema):
    """A grant handed over to the group, by month."""

    month = fields.String(required=True)
    grant_id = fields.Integer(required=True)


class TrendWindowSchema(Schema):
    """The months the trend is computed over."""

    start = fields.String(required=True)
    end = fields.String(required=True)


class TrendSchema(Schema):
    """A group's Theil-Sen trend of net income over the window ending at the as-of month."""

    group_id = fields.Integer(required=True)
    as_of = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf((trends.TREND_OK, trends.TREND_INSUFFICIENT)))
    label = fields.String(required=True, metadata={"example": "data belum cukup"})
    slope_per_month = fields.Float(required=True, allow_none=True, metadata={"description": "Rupiah per month"})
    intercept = fields.Float(required=True, allow_none=True)
    reports = fields.Integer(required=True)
    window = fields.Nested(TrendWindowSchema, required=True)
    yoy_median = fields.Float(required=True, allow_none=True)
    typical_net = fields.Float(required=True, allow_none=True, metadata={"description": "Median net in the window"})
    points = fields.List(fields.Nested(TrendPointSchema), required=True)
    handovers = fields.List(fields.Nested(TrendHandoverSchema), required=True)
    flags = fields.List(fields.Nested(FlagSchema), required=True)


def _flag_json(flag: trends.Flag) -> dict:
    return {"group_id": flag.group_id, "kind": flag.kind, "reason": flag_reason(flag), "details": flag.details}


@blp.route("/flags", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(FlagQuerySchema, location="query", unknown=RAISE)
@blp.response(200, FlagListSchema, headers={"X-Pagination": PAGINATION_HEADER},
              description="One page of the flags (`page`, `per_page` at most 200); page metadata in X-Pagination")
@blp.alt_response(422, schema=ApiErrorSchema,
                  description="Invalid or unfinished as_of month, unknown kecamatan or kind, unknown parameter")
def list_flags(args):
    """Flags of active groups at an as-of month, most serious first, each with the month its current run began
    (`opened`), a page at a time. A leader gets only their own group's."""
    today = office_today()
    as_of = operations.parse_as_of(args.get("as_of"), today)
    # Leaders see their own group's flags, like the panel on their group page; an unlinked one sees none.
    group_id = own_group_id(current_user)
    filters = operations.check_filters(args.get("kecamatan"), args.get("kind"), args.get("officer"), group_id)
    # The current month is read a page at a time as stored when current; `opened` is the same either way.
    listing = stored.list_flags(as_of, today, filters, page=args["page"], per_page=args["per_page"])
    result = listing.result
    paging = {"page": listing.page, "per_page": listing.per_page}
    return ({"as_of": result.as_of_text,
             "flags": [{**_flag_json(flag), "opened": format_month_index(result.opened[(flag.group_id, flag.kind)])}
                       for flag in result.flags]},
            pagination_header(blp, paging, listing.total))


@blp.route("/groups/<int:group_id>/trend", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(TrendQuerySchema, location="query", unknown=RAISE)
@blp.response(200, TrendSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such group, or (for a leader) not their own group")
@blp.alt_response(422, schema=ApiErrorSchema, description="Invalid or unfinished as_of month, unknown parameter")
def group_trend(args, group_id):
    """A group's trend (status ok or insufficient), its window points, handovers and current flags."""
    group = get_group_or_404(group_id)
    today = office_today()
    as_of = operations.parse_as_of(args.get("as_of"), today)
    current = operations.group_trend(group, as_of, today)
    trend = current.trend
    return {
        "group_id": group.id,
        "as_of": format_month_index(as_of),
        "status": trend.status,
        "label": trend_status(trend.status),
        "slope_per_month": trend.slope_per_month,
        "intercept": trend.intercept,
        "reports": trend.reports,
        "window": {"start": format_month_index(trend.window_start), "end": format_month_index(trend.window_end)},
        "yoy_median": trend.yoy_median,
        "typical_net": trend.typical_net,
        "points": [{"month": format_month_index(month), "net": net} for month, net in trend.points],
        "handovers": [{"month": format_month_index(month), "grant_id": grant_id}
                      for month, grant_id in current.series.handovers],
        "flags": [_flag_json(flag) for flag in current.flags],
    }
