"""Object-level access: a leader sees only their own group; staff see every group."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from kube.extensions import db
from kube.groups.models import Group, Member


def visible_group_ids_filter(column):
    """A WHERE clause limiting `column` (a group id) to what the current user may see."""
    if current_user.is_staff:
        return True
    return column == (current_user.group_id or -1)


def get_group_or_404(group_id: int) -> Group:
    """The group, or 404 when it does not exist or is not the current leader's own group."""
    group = db.session.get(Group, group_id)
    if group is None or (not current_user.is_staff and current_user.group_id != group.id):
        abort(404)
    return group


def get_member_or_404(member_id: int) -> Member:
    """The member, or 404 when it does not exist or belongs to another leader's group."""
    member = db.session.get(Member, member_id)
    if member is None or (not current_user.is_staff and current_user.group_id != member.group_id):
        abort(404)
    return member


def may_see_full_nik() -> bool:
    """Only administrators and officers need full NIKs; everyone else sees them masked."""
    return current_user.is_authenticated and current_user.role in ("admin", "officer")
