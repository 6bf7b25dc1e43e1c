"""Looking up a group or member for the current user: 404 for what does not exist or is not theirs to see.

The rule itself (a leader sees only their own group) is `kube.auth.roles.can_see_group`; this
module applies it to the request's user for pages and the API.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from kube.auth.roles import can_see_group
from kube.extensions import db
from kube.groups.models import Group, Member


def get_group_or_404(group_id: int) -> Group:
    """The group, or 404 when it does not exist or the current user may not see it."""
    group = db.session.get(Group, group_id)
    if group is None or not can_see_group(current_user, group.id):
        abort(404)
    return group


def get_member_or_404(member_id: int) -> Member:
    """The member, or 404 when it does not exist or belongs to a group the current user may not see."""
    member = db.session.get(Member, member_id)
    if member is None or not can_see_group(current_user, member.group_id):
        abort(404)
    return member
