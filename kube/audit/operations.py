"""The audit trail: the record every state-changing operation leaves, and every showing of a full NIK."""
from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, request
from sqlalchemy import ColumnElement, Select, select

from kube.audit.models import AuditEntry, PersonalDataAccess, PersonalDataAccessSubject
from kube.extensions import db
from kube.groups.models import Member


def record_audit(action: str, object_type: str, object_id, summary: str = "", *, actor) -> AuditEntry:
    """Add an audit entry for `action` on an object by `actor` (None for the system itself, e.g. a command)."""
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        username=getattr(actor, "username", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:2000],
    )
    db.session.add(entry)
    return entry


def describe_changes(before: dict, after: dict) -> str:
    """A short `field: old -> new` summary of the values that differ."""
    parts = [
        f"{key}: {before.get(key)!s} -> {after.get(key)!s}"
        for key in after
        if before.get(key) != after.get(key)
    ]
    return "; ".join(parts)


def record_access(kind: str, *, actor, member_ids: Iterable[int] = (), export: str = "") -> PersonalDataAccess:
    """Record that `actor` was shown the full NIK or No. KK of the members `member_ids` (or the export `export`).

    Called once per request that shows them; masked views call nothing. It takes ids, not members:
    pages record after their answer is built, when the objects they showed have expired.
    """
    route = f"{request.method} {request.full_path.rstrip('?')}" if has_request_context() else "flask command"
    access = PersonalDataAccess(user_id=getattr(actor, "id", None), username=getattr(actor, "username", None),
                                kind=kind, route=route[:300], export=export[:500])
    # One subject per membership, however often a page lists it (a member's old and new role, say).
    access.subjects = [PersonalDataAccessSubject(member_id=member_id) for member_id in sorted(set(member_ids))]
    db.session.add(access)
    return access


def showed_person(nik) -> ColumnElement[bool]:
    """The condition on PersonalDataAccess: it showed any membership of the person with this NIK (a value or
    a scalar subquery), a person who moved groups being one person."""
    shown = (select(PersonalDataAccessSubject.access_id)
             .join(Member, Member.id == PersonalDataAccessSubject.member_id).where(Member.nik == nik))
    return PersonalDataAccess.id.in_(shown)


def accesses_to_person(nik: str) -> Select:
    """Accesses that showed any membership of the person with this NIK, newest first."""
    return (select(PersonalDataAccess).where(showed_person(nik))
            .order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc()))
