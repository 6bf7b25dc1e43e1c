"""API: groups, their status transitions and members."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import RAISE
from sqlalchemy import select

from kube.api.access import ApiBlueprint, api_access, current_actor, error_documenter
from kube.api.paging import PAGINATION_HEADER, one_page, pagination_header
from kube.api.group_schemas import (
    GroupCreateSchema,
    GroupListArgsSchema,
    GroupSchema,
    GroupUpdateSchema,
    MemberCreateSchema,
    MemberListArgsSchema,
    MemberSchema,
    MemberUpdateSchema,
    TransitionSchema,
)
from kube.audit.operations import record_access
from kube.auth.roles import can_edit_group_details, can_log_in, can_manage_groups, can_see_full_nik
from kube.core.transaction import committed_after_response, transactional
from kube.extensions import db
from kube.groups import operations
from kube.groups.access import get_group_or_404, get_member_or_404
from kube.groups.models import Group, Member
from kube.groups.queries import GroupFilters, current_member_count, group_count_query, group_list_query

blp = ApiBlueprint("api_groups", __name__, url_prefix="/api/v1", description="Groups and members")

_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON body",
    404: "No such group or member, or (for a leader) not their own group",
    409: "Refused: duplicate, or a status that does not allow it",
    422: "Invalid fields, with one message list per field",
}


_errors = error_documenter(blp, _ERROR_DESCRIPTIONS)



class CountedGroup:
    """A group together with its current member count, as GroupSchema dumps it."""

    def __init__(self, group: Group, member_count: int):
        self.group = group
        self.member_count = member_count

    def __getattr__(self, name):
        return getattr(self.group, name)


def _counted(group: Group) -> CountedGroup:
    """The group with its current member count (one COUNT query)."""
    return CountedGroup(group, current_member_count(group))


# -- groups -----------------------------------------------------------------------------------

@blp.route("/groups", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(GroupListArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, GroupSchema(many=True), headers={"X-Pagination": PAGINATION_HEADER},
              description="One page of groups (a leader sees only their own); page metadata in X-Pagination")
def list_groups(args):
    """List groups (paginated with `page` and `per_page`, at most 200), filtered as on the group page."""
    paging = {"page": args.pop("page"), "per_page": args.pop("per_page")}
    sort = args.pop("sort")
    args["q"] = args.get("q", "").strip()
    filters = GroupFilters(viewer=current_user, **args, sort=sort.lstrip("-"), descending=sort.startswith("-"))
    total = db.session.scalar(group_count_query(filters))
    rows = db.session.execute(one_page(group_list_query(filters), paging)).all()
    return [CountedGroup(group, count) for group, count in rows], pagination_header(blp, paging, total)


@blp.route("/groups", methods=["POST"])
@api_access(blp, can_manage_groups)
@transactional
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@_errors(400, 422)
def create_group(values):
    """Register a group (status `proposed`, generated code)."""
    group = operations.create_group(values, current_actor())
    return _counted(group)


@blp.route("/groups/<int:group_id>", methods=["GET"])
@api_access(blp, can_log_in)
@blp.response(200, GroupSchema)
@_errors(404)
def get_group(group_id):
    """One group; a leader may read only their own."""
    return _counted(get_group_or_404(group_id))


@blp.route("/groups/<int:group_id>", methods=["PATCH"])
@api_access(blp, can_edit_group_details)
@transactional
@blp.arguments(GroupUpdateSchema)
@blp.response(200, GroupSchema)
@_errors(400, 404, 422)
def update_group(values, group_id):
    """Change a group's details; a leader may change only their own group's address (other fields: 403)."""
    group = operations.update_group(get_group_or_404(group_id), values, current_actor())
    return _counted(group)


@blp.route("/groups/<int:group_id>/transitions", methods=["POST"])
@api_access(blp, can_manage_groups)
@transactional
@blp.arguments(TransitionSchema)
@blp.response(200, GroupSchema)
@_errors(400, 404, 409, 422, e409="invalid_transition: the state machine or the activation rules refuse it")
def transition_group(values, group_id):
    """Move a group to another status (proposed -> active/rejected, active -> graduated/dissolved)."""
    group = operations.transition_group(get_group_or_404(group_id), values["to"], current_actor(), values["note"])
    return _counted(group)


# -- members ----------------------------------------------------------------------------------

@blp.route("/groups/<int:group_id>/members", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(MemberListArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, MemberSchema(many=True), description="Members by id; NIK and KK masked for leader and viewer")
@_errors(404)
def list_members(args, group_id):
    """A group's current members, or every membership with `include_former=true`."""
    group = get_group_or_404(group_id)
    query = select(Member).where(Member.group_id == group.id)
    if not args["include_former"]:
        query = query.where(Member.left_on.is_(None))
    members = db.session.scalars(query.order_by(Member.id)).all()
    if members and can_see_full_nik(current_user):
        shown = [member.id for member in members]
        committed_after_response(lambda: _record_full_identities(shown))
    return members


def _record_full_identities(member_ids: list[int]) -> None:
    """Record that the answer shows these members' full NIK and No. KK (MemberSchema masks them for other roles)."""
    if can_see_full_nik(current_user):
        record_access("api_members", actor=current_actor(), member_ids=member_ids)


def _member_checks(values: dict) -> operations.MemberChecks:
    """Take the soft-rule confirmations out of the request values."""
    return operations.MemberChecks(confirm_age=values.pop("confirm_age", False),
                                   prior_kube_override=values.pop("prior_kube_override", None))


@blp.route("/groups/<int:group_id>/members", methods=["POST"])
@api_access(blp, can_manage_groups)
@transactional
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberSchema)
@_errors(400, 404, 409, 422,
         e409="NIK already active in a group, KK already in this group, office already held, group full or "
              "closed, or prior_kube_grant (needs prior_kube_override)",
         e422="Invalid fields (one message list per field), or needs_confirmation (age: send confirm_age)")
def add_member(values, group_id):
    """Register a member of a group after the identity, duplicate, prior-grant and age rules."""
    group = get_group_or_404(group_id)
    member = operations.add_member(group, values, current_actor(), _member_checks(values))
    _record_full_identities([member.id])
    return member


@blp.route("/members/<int:member_id>", methods=["PATCH"])
@api_access(blp, can_edit_group_details)
@transactional
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
@_errors(400, 404, 409, 422,
         e409="Duplicate NIK, KK or office, the member has left or the group is closed, or prior_kube_grant "
              "(a new NIK from a Kube that received a grant: send prior_kube_override)",
         e422="Invalid fields (one message list per field), or needs_confirmation (a new birth date outside "
              "the age range: send confirm_age)")
def update_member(values, member_id):
    """Change a member; a leader of the member's group may change only address, phone and household size
    (any other field: 403, nothing changed).

    A new NIK or birth date goes through the same prior-grant and age rules as a new member.
    """
    member = operations.update_member(get_member_or_404(member_id), values, current_actor(), _member_checks(values))
    _record_full_identities([member.id])
    return member
