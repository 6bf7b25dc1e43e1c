"""The administrators' audit pages: the audit log, who was shown full NIKs, and both as one export."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, current_app, render_template, request
from sqlalchemy import Select, select

from kube.audit import bp, exporter, labels
from kube.audit.models import AuditEntry, PersonalDataAccess
from kube.audit.operations import showed_person
from kube.auth.permissions import allowed
from kube.auth.roles import can_read_audit_log
from kube.core.clock import office_midnight, office_today
from kube.core.database import MAX_ID
from kube.core.pagination import paginate
from kube.extensions import db
from kube.groups.models import Member

for _name, _filter in labels.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUDIT_FILTERS = ("user", "action", "object_type", "object_id", "start", "end")
ACCESS_FILTERS = ("user", "kind", "member", "start", "end")


def _parse_day(text: str | None):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None


def _member_id(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


def _filters(names: tuple[str, ...]) -> dict[str, str]:
    return {key: (request.args.get(key) or "").strip() for key in names}


def _in_days(query: Select, column, filters: dict[str, str]) -> Select:
    """Only rows within the filters' start and end days; the days are the office's (20:00 UTC is the next day)."""
    start, end = _parse_day(filters["start"]), _parse_day(filters["end"])
    if start:
        query = query.where(column >= office_midnight(start))
    if end:
        query = query.where(column < office_midnight(end + timedelta(days=1)))
    return query


def _audit_query(filters: dict[str, str]) -> Select:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters["user"]:
        query = query.where(AuditEntry.username == filters["user"].lower())
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["object_type"]:
        query = query.where(AuditEntry.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEntry.object_id == filters["object_id"])
    return _in_days(query, AuditEntry.at, filters)


def _access_query(filters: dict[str, str]) -> Select:
    query = select(PersonalDataAccess).order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc())
    if filters["user"]:
        query = query.where(PersonalDataAccess.username == filters["user"].lower())
    if filters["kind"]:
        query = query.where(PersonalDataAccess.kind == filters["kind"])
    if filters["member"]:
        same_person = select(Member.nik).where(Member.id == _member_id(filters["member"])).scalar_subquery()
        query = query.where(showed_person(same_person))
    return _in_days(query, PersonalDataAccess.at, filters)


@bp.route("/")
@allowed(can_read_audit_log)
def index():
    """Audit entries, newest first, filtered by user, action, object and date range."""
    filters = _filters(AUDIT_FILTERS)
    page = paginate(_audit_query(filters), current_app.config["PER_PAGE"] * 2)
    object_types = db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("audit/index.html", page=page, filters=filters, object_types=object_types)


@bp.route("/access")
@allowed(can_read_audit_log)
def access_log():
    """Who was shown full NIKs or No. KKs, newest first, per user, per person (`member`), kind and days."""
    filters = _filters(ACCESS_FILTERS)
    page = paginate(_access_query(filters), current_app.config["PER_PAGE"] * 2)
    member_id = _member_id(filters["member"])
    person = db.session.get(Member, member_id) if member_id else None
    return render_template("audit/access.html", page=page, filters=filters, person=person,
                           kinds=labels.ACCESS_KIND_LABELS)


@bp.route("/export.xlsx")
@allowed(can_read_audit_log)
def export():
    """The audit log and the access log within the page's filters (users and days) as one XLSX."""
    filters = {key: "" for key in AUDIT_FILTERS + ACCESS_FILTERS} | _filters(AUDIT_FILTERS)
    entries = db.session.scalars(_audit_query(filters))
    accesses = db.session.scalars(_access_query(filters))
    filename = f"kube-audit-{office_today().isoformat()}.xlsx"
    return Response(exporter.audit_workbook(entries, accesses), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
