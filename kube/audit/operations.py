"""The one helper every state-changing operation calls to leave an audit record."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from kube.audit.models import AuditEntry
from kube.extensions import db


def record_audit(action: str, object_type: str, object_id, summary: str = "", actor=None) -> AuditEntry:
    """Add an audit entry for `action` on an object; the actor defaults to the logged-in user."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
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
