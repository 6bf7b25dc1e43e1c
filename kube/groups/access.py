"""Looking up what the current user may see: 404 for what does not exist or is not theirs to see.

The rule itself (a leader sees only their own group) is `kube.auth.roles.can_see_group`; this
module applies it to the request's user, for pages and the API alike, and never says which of
the two it was.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from flask_login import current_user

from kube.auth.roles import can_see_group
from kube.extensions import db
from kube.groups.models import Group, Member

Found = TypeVar("Found")


def visible_or_404(found: Found | None, group_id_of: Callable[[Found], int] = lambda found: found.group_id) -> Found:
    """`found` when it exists and the current user may see its group (`group_id_of(found)`); else 404."""
    if found is None or not can_see_group(current_user, group_id_of(found)):
        abort(404)
    return found


def get_group_or_404(group_id: int) -> Group:
    """The group, or 404 when it does not exist or the current user may not see it."""
    return visible_or_404(db.session.get(Group, group_id), lambda group: group.id)


def get_member_or_404(member_id: int) -> Member:
    """The member, or 404 when it does not exist or belongs to a group the current user may not see."""
    return visible_or_404(db.session.get(Member, member_id))
