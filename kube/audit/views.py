"""The administrators' audit log page with filters."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template, request
from sqlalchemy import select

from kube.audit import bp, labels
from kube.audit.models import AuditEntry
from kube.auth.permissions import allowed
from kube.auth.roles import can_read_audit_log
from kube.core.clock import office_midnight
from kube.core.pagination import paginate
from kube.extensions import db

for _name, _filter in labels.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


def _parse_day(text: str | None):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None


@bp.route("/")
@allowed(can_read_audit_log)
def index():
    """Audit entries, newest first, filtered by user, action, object and date range."""
    filters = {key: (request.args.get(key) or "").strip() for key in ("user", "action", "object_type", "object_id", "start", "end")}
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters["user"]:
        query = query.where(AuditEntry.username == filters["user"].lower())
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["object_type"]:
        query = query.where(AuditEntry.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEntry.object_id == filters["object_id"])
    # The days are the office's: an entry at 20:00 UTC belongs to the next day in Serang.
    start, end = _parse_day(filters["start"]), _parse_day(filters["end"])
    if start:
        query = query.where(AuditEntry.at >= office_midnight(start))
    if end:
        query = query.where(AuditEntry.at < office_midnight(end + timedelta(days=1)))
    page = paginate(query, current_app.config["PER_PAGE"] * 2)
    object_types = db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("audit/index.html", page=page, filters=filters, object_types=object_types)
