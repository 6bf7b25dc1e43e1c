"""Marshmallow schemas for the groups API: groups, transitions and members, in and out."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from kube.api.fields import InputSchema, PageArgsSchema, Text
from kube.auth.roles import can_see_full_nik
from kube.core.database import MAX_ID
from kube.core.identity import mask_nik
from kube.groups.models import GROUP_STATUSES, MEMBER_ROLES
from kube.groups.queries import GROUP_SORTS

_ID = validate.Range(min=1, max=MAX_ID)
#: NIK and No. KK arrive as typed (spaces, dots, dashes); the operations normalise and check them.
_IDENTITY_NUMBER = validate.Length(min=1, max=40)
_KELURAHAN_CODE = validate.Length(min=1, max=13)
_SEX = validate.OneOf(("L", "P"))
_ROLE = validate.OneOf(MEMBER_ROLES)


class MaskedIdentityNumber(fields.String):
    """A NIK or No. KK, shown in full only to roles that need it (admin, officer)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value if can_see_full_nik(current_user) else mask_nik(value)


# -- groups -----------------------------------------------------------------------------------

class GroupSchema(Schema):
    """A Kube group as the API shows it."""

    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"example": "KUBE-3673-0001"})
    name = fields.String(required=True)
    business_type = fields.String(required=True, metadata={"example": "sewa_tenda"})
    kelurahan_code = fields.String(required=True, metadata={"example": "36.73.04.1002"})
    kecamatan_code = fields.String(required=True, attribute="kelurahan.parent_code",
                                   metadata={"example": "36.73.04"})
    address = fields.String(required=True)
    formed_on = fields.Date(required=True)
    officer_id = fields.Integer(required=True, allow_none=True,
                                metadata={"description": "The pendamping (a user with role officer)"})
    status = fields.String(required=True, validate=validate.OneOf(GROUP_STATUSES))
    member_count = fields.Integer(required=True, metadata={"description": "Current members (not those who left)"})


class GroupListArgsSchema(PageArgsSchema):
    """Query string of the group list: page, page size, the group page's filters and sort order."""

    status = Text(validate=validate.OneOf(GROUP_STATUSES))
    kecamatan = Text(validate=validate.Length(min=1, max=13),
                     metadata={"description": "Kecamatan code, e.g. 36.73.04"})
    kelurahan = Text(validate=_KELURAHAN_CODE, metadata={"description": "Kelurahan code, e.g. 36.73.04.1002"})
    business_type = Text(validate=validate.Length(min=1, max=32))
    officer = Text(validate=validate.Regexp(r"^(none|[1-9][0-9]{0,8})\Z"),
                   metadata={"description": "The pendamping's user id, or `none` for groups without one",
                             "pattern": "^(none|[1-9][0-9]{0,8})$"})
    q = Text(validate=validate.Length(min=1, max=100),
             metadata={"description": "Group name or code, or a current member's name or whole NIK "
                                      "(part of a NIK, 4 digits or more, for admin and officer only)"})
    sort = Text(load_default="code", validate=validate.OneOf([f"{d}{k}" for k in GROUP_SORTS for d in ("", "-")]),
                metadata={"description": "code, name, formed_on or members; a leading - sorts descending"})


class GroupUpdateSchema(InputSchema):
    """Changes to a group; every field is optional. A leader may send only `address`."""

    name = Text(validate=validate.Length(min=1, max=120))
    business_type = Text(validate=validate.Length(min=1, max=32),
                                  metadata={"description": "One of the configured business type codes",
                                            "example": "sewa_tenda"})
    kelurahan_code = Text(validate=_KELURAHAN_CODE, metadata={"example": "36.73.04.1002"})
    address = Text(validate=validate.Length(max=255))
    formed_on = fields.Date(metadata={"description": "Not in the future"})
    officer_id = fields.Integer(allow_none=True, validate=_ID,
                                metadata={"description": "An active user with role officer"})


class GroupCreateSchema(GroupUpdateSchema):
    """A new group, registered in status `proposed`."""

    name = Text(required=True, validate=validate.Length(min=1, max=120))
    business_type = Text(required=True, validate=validate.Length(min=1, max=32),
                                  metadata={"description": "One of the configured business type codes",
                                            "example": "sewa_tenda"})
    kelurahan_code = Text(required=True, validate=_KELURAHAN_CODE, metadata={"example": "36.73.04.1002"})
    formed_on = fields.Date(required=True, metadata={"description": "Not in the future"})


class TransitionSchema(InputSchema):
    """A requested status change."""

    to = Text(required=True, validate=validate.OneOf(GROUP_STATUSES), metadata={"example": "active"})
    note = Text(load_default="", validate=validate.Length(max=500))


# -- members ----------------------------------------------------------------------------------

class MemberSchema(Schema):
    """A membership as the API shows it; NIK and No. KK are masked for leaders and viewers."""

    id = fields.Integer(required=True)
    group_id = fields.Integer(required=True)
    nik = MaskedIdentityNumber(required=True, metadata={"example": "3673045506850001",
                                                        "description": "Masked (3673**********01) for leader and viewer"})
    kk = MaskedIdentityNumber(required=True, metadata={"description": "Masked for leader and viewer"})
    name = fields.String(required=True)
    sex = fields.String(required=True, validate=_SEX)
    birth_date = fields.Date(required=True)
    address = fields.String(required=True)
    kelurahan_code = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    household_size = fields.Integer(required=True)
    decile = fields.Integer(required=True, allow_none=True)
    decile_as_of = fields.Date(required=True, allow_none=True)
    extreme_poor = fields.Boolean(required=True)
    role = fields.String(required=True, validate=_ROLE)
    joined_on = fields.Date(required=True)
    left_on = fields.Date(required=True, allow_none=True)


class MemberListArgsSchema(Schema):
    """Query string of a group's member list."""

    include_former = fields.Boolean(load_default=False, metadata={"description": "Also list members who left"})


class MemberUpdateSchema(InputSchema):
    """Changes to a member; every field is optional. A leader may change only address, phone and household size."""

    nik = Text(validate=_IDENTITY_NUMBER, metadata={"description": "16 digits; spaces, dots, dashes allowed"})
    kk = Text(validate=_IDENTITY_NUMBER, metadata={"description": "16 digits; spaces, dots, dashes allowed"})
    name = Text(validate=validate.Length(min=1, max=120))
    sex = Text(validate=_SEX, metadata={"description": "Must agree with the NIK"})
    birth_date = fields.Date(metadata={"description": "Must agree with the NIK"})
    address = Text(validate=validate.Length(max=255))
    kelurahan_code = Text(validate=_KELURAHAN_CODE)
    phone = Text(allow_none=True, validate=validate.Length(max=30))
    household_size = fields.Integer(validate=validate.Range(min=1, max=30))
    decile = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=10))
    decile_as_of = fields.Date(allow_none=True)
    extreme_poor = fields.Boolean()
    role = Text(validate=_ROLE)
    joined_on = fields.Date()
    # The confirmations of the soft rules, checked when a member is added or their NIK or birth date changes.
    confirm_age = fields.Boolean(load_default=False, metadata={"description": "Confirm an age outside 18-60"})
    prior_kube_override = Text(
        allow_none=True, validate=validate.Length(min=1, max=500),
        metadata={"description": "Reason for admitting someone from a Kube that received a grant"},
    )


class MemberCreateSchema(MemberUpdateSchema):
    """A new member; sex and birth date are read from the NIK when left out."""

    nik = Text(required=True, validate=_IDENTITY_NUMBER,
                        metadata={"description": "16 digits; spaces, dots, dashes allowed"})
    kk = Text(required=True, validate=_IDENTITY_NUMBER,
                       metadata={"description": "16 digits; spaces, dots, dashes allowed"})
    name = Text(required=True, validate=validate.Length(min=1, max=120))
