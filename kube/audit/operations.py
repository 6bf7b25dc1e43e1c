"""The one helper every state-changing operation calls to leave an audit record."""
from __future__ import annotations

from kube.audit.models import AuditEntry
from kube.extensions import db


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
