"""Marshmallow schemas for the ledger API: budgets, grants, the trial balance, statements and equipment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from kube.api.fields import (
    FIELD_MESSAGES, Day, InputSchema, PageArgsSchema, RupiahAmount, Text, WholeNumber, length, number_range, one_of,
)
from kube.core.database import MAX_ID
from kube.ledger.models import CONDITIONS, FUNDING_SOURCES, GRANT_STATUSES, LINE_KINDS, PROGRAMS
from kube.ledger.operations import MAX_AMOUNT

_ID = number_range(1, MAX_ID)
_RUPIAH = number_range(1, MAX_AMOUNT)
_YEAR = number_range(2000, 2100)


# -- budgets ----------------------------------------------------------------------------------

class BudgetSchema(Schema):
    """A program's budget (pagu) for one fiscal year with what is committed, disbursed and left, in Rupiah."""

    id = fields.Integer(required=True)
    program = fields.String(required=True, validate=validate.OneOf(PROGRAMS))
    year = fields.Integer(required=True, metadata={"description": "Fiscal year"})
    amount = fields.Integer(required=True, metadata={"description": "Pagu in whole Rupiah"})
    source = fields.String(required=True, validate=validate.OneOf(FUNDING_SOURCES))
    committed = fields.Integer(required=True, metadata={"description": "Approved, not yet handed over"})
    disbursed = fields.Integer(required=True, metadata={"description": "Handed over"})
    remaining = fields.Integer(required=True, metadata={"description": "Pagu minus committed and disbursed"})


class BudgetListArgsSchema(PageArgsSchema):
    """Query string of the budget list."""

    program = Text(validate=one_of(PROGRAMS))
    year = WholeNumber(in_query=True, validate=_YEAR)


class BudgetCreateSchema(InputSchema):
    """A new budget; its appropriation is posted to the ledger."""

    program = Text(required=True, validate=one_of(PROGRAMS))
    year = WholeNumber(required=True, validate=_YEAR, metadata={"example": 2025})
    amount = RupiahAmount(required=True, validate=_RUPIAH,
                         metadata={"description": "Pagu in whole Rupiah", "example": 200_000_000})
    source = Text(required=True, validate=one_of(FUNDING_SOURCES))
    note = Text(load_default="", validate=length(maximum=255))


# -- grants -----------------------------------------------------------------------------------

class GrantLineSchema(Schema):
    """One line of a grant: equipment (quantity x unit value) or cash."""

    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    item = fields.String(required=True)
    specification = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit = fields.String(required=True)
    unit_value = fields.Integer(required=True, metadata={"description": "Whole Rupiah"})
    total = fields.Integer(required=True, metadata={"description": "quantity x unit_value, whole Rupiah"})


class GrantSchema(Schema):
    """A grant as the API shows it; amounts in whole Rupiah, users by id."""

    id = fields.Integer(required=True)
    program = fields.String(required=True, validate=validate.OneOf(PROGRAMS))
    year = fields.Integer(required=True, metadata={"description": "The fiscal year whose budget it draws on"})
    group_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True, allow_none=True, metadata={"description": "UEP only: the recipient"})
    lines = fields.List(fields.Nested(GrantLineSchema), required=True)
    total = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(GRANT_STATUSES))
    recorded_by = fields.Integer(required=True, attribute="recorded_by_id", metadata={"description": "User id"})
    approved_by = fields.Integer(required=True, allow_none=True, attribute="approved_by_id",
                                 metadata={"description": "User id"})
    handover_date = fields.Date(required=True, allow_none=True)
    letter_number = fields.String(required=True, allow_none=True)
    historical = fields.Boolean(required=True, metadata={
        "description": "Handed over before Kube went live and recorded from the archive (riwayat); "
                       "its letter is the paper original, of which a scan may be kept"})
    override_reason = fields.String(required=True, allow_none=True, metadata={
        "description": "Why it was approved although the recipient had another grant within GRANT_RECENT_MONTHS"})


class PriorGrantSchema(Schema):
    """Another grant to the same group, UEP member or family card (KK), as the approver sees it."""

    id = fields.Integer(required=True)
    program = fields.String(required=True, validate=validate.OneOf(PROGRAMS))
    year = fields.Integer(required=True)
    total = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(GRANT_STATUSES))
    handover_date = fields.Date(required=True, allow_none=True)
    group_id = fields.Integer(required=True)
    group_name = fields.String(required=True, attribute="group.name")
    member_id = fields.Integer(required=True, allow_none=True, metadata={"description": "UEP only: the recipient"})
    member_name = fields.Function(lambda grant: grant.member.name if grant.member else None, required=True,
                                  allow_none=True, metadata={"type": "string"})


class GrantDetailSchema(GrantSchema):
    """One grant with the recipient's other grants (any program and year, any status but cancelled)."""

    prior_grants = fields.List(fields.Nested(PriorGrantSchema), required=True)


class ApproveSchema(InputSchema):
    """Approving a grant; the reason is required when the recipient had another grant within a year."""

    override_reason = Text(multiline=True, validate=length(maximum=500), metadata={
        "description": "At least 10 characters; needed when the group, UEP member or KK had another grant "
                       "approved or handed over within GRANT_RECENT_MONTHS (12), otherwise 409 recent_grant"})


class GrantListArgsSchema(PageArgsSchema):
    """Query string of the grant list."""

    program = Text(validate=one_of(PROGRAMS))
    year = WholeNumber(in_query=True, validate=_YEAR)
    status = Text(validate=one_of(GRANT_STATUSES))
    kecamatan = Text(validate=length(1, 13), metadata={"description": "Kecamatan code, e.g. 36.73.04"})
    group_id = WholeNumber(in_query=True, validate=_ID)
    q = Text(validate=length(1, 80), metadata={"description": "Part of the group's code or name"})


class GrantLineInputSchema(InputSchema):
    """A line of a new grant; the operation fills defaults (cash lines: item `Uang tunai`, unit `paket`)."""

    error_messages = {"type": _l("Setiap baris harus berupa objek JSON.")}

    kind = Text(load_default="equipment", validate=one_of(LINE_KINDS))
    item = Text(validate=length(1, 120), metadata={"description": "Required for equipment"})
    specification = Text(load_default="", validate=length(maximum=255))
    quantity = WholeNumber(load_default=1, validate=number_range(1, 100_000), metadata={"description": "1 for cash"})
    unit = Text(validate=length(1, 20), metadata={"example": "unit"})
    unit_value = RupiahAmount(required=True, validate=_RUPIAH, metadata={"description": "Whole Rupiah"})


class GrantCreateSchema(InputSchema):
    """A new draft grant to a group (KUBE) or one of its members (UEP)."""

    program = Text(required=True, validate=one_of(PROGRAMS))
    year = WholeNumber(required=True, validate=_YEAR, metadata={"description": "Fiscal year of the budget"})
    group_id = WholeNumber(required=True, validate=_ID)
    member_id = WholeNumber(load_default=None, allow_none=True, validate=_ID,
                            metadata={"description": "UEP only: the member who receives it"})
    lines = fields.List(
        fields.Nested(GrantLineInputSchema),
        required=True, validate=validate.Length(min=1, max=100, error=_l("Harus ada 1 sampai 100 baris.")),
        error_messages=FIELD_MESSAGES | {"invalid": _l("Harus berupa daftar baris.")},
    )
    note = Text(multiline=True, load_default="", validate=length(maximum=2000))


class HistoricalGrantCreateSchema(GrantCreateSchema):
    """A grant approved and handed over before go-live, recorded from the archive (administrators only)."""

    approved_on = Day(required=True, metadata={"description": "Approval day written in the archive; "
                                                              "not after handover_date, not before the group formed"})
    handover_date = Day(required=True, metadata={"description": "Handover day on the paper letter; before the "
                                                                "go-live day, not before the group formed"})
    letter_number = Text(required=True, validate=length(1, 80),
                         metadata={"description": "The number on the paper letter, as written",
                                   "example": "460/741/BAST-Dinsos/III/2025"})
    received_by_member_id = WholeNumber(required=True, validate=_ID, metadata={
        "description": "Who signed for it: a member of the group on the handover day (UEP: the recipient)"})


class HandoverSchema(InputSchema):
    """The handover of an approved grant."""

    date = Day(required=True, metadata={"description": "Not in the future, not before the approval"})
    received_by_member_id = WholeNumber(required=True, validate=_ID,
                                        metadata={"description": "The group's ketua (KUBE) or the UEP member"})


class CancelSchema(InputSchema):
    """Why a grant is cancelled."""

    reason = Text(multiline=True, required=True, validate=length(1, 500))


# -- ledger reports ---------------------------------------------------------------------------

class TrialBalanceLineSchema(Schema):
    """One account's debit and credit totals and its debit-minus-credit balance."""

    code = fields.String(required=True, metadata={"example": "budget:1:available"})
    name = fields.String(required=True)
    kind = fields.String(required=True)
    debit = fields.Integer(required=True)
    credit = fields.Integer(required=True)
    balance = fields.Integer(required=True)


class TrialBalanceSchema(Schema):
    """Every account; debit_total equals credit_total, so the balances sum to zero."""

    accounts = fields.List(fields.Nested(TrialBalanceLineSchema), required=True)
    debit_total = fields.Integer(required=True)
    credit_total = fields.Integer(required=True)


class StatementRowSchema(Schema):
    """One ledger entry touching a group's (or its UEP members') capital accounts."""

    entry_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    kind = fields.String(required=True, metadata={"example": "disbursement"})
    description = fields.String(required=True)
    grant_id = fields.Integer(required=True, allow_none=True)
    program = fields.String(required=True, allow_none=True)
    member_id = fields.Integer(required=True, allow_none=True, metadata={"description": "UEP recipient"})
    letter_number = fields.String(required=True, allow_none=True)
    equipment = fields.Integer(required=True, metadata={"description": "Equipment received, Rupiah"})
    cash = fields.Integer(required=True, metadata={"description": "Cash received, Rupiah"})


class StatementSchema(Schema):
    """What a group and its UEP members received: when, under which grant and letter, and the totals."""

    group_id = fields.Integer(required=True)
    rows = fields.List(fields.Nested(StatementRowSchema), required=True)
    equipment_total = fields.Integer(required=True)
    cash_total = fields.Integer(required=True)
    total = fields.Integer(required=True)


# -- equipment register -----------------------------------------------------------------------

class AssetCheckSchema(Schema):
    """A monitoring visit's finding about one piece of equipment."""

    id = fields.Integer(required=True)
    asset_id = fields.Integer(required=True)
    checked_on = fields.Date(required=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    note = fields.String(required=True)
    officer_id = fields.Integer(required=True, allow_none=True, metadata={"description": "User id"})


class AssetSchema(Schema):
    """Equipment a group holds, the grant and letter it came with, and its condition checks (oldest first)."""

    id = fields.Integer(required=True)
    grant_id = fields.Integer(required=True)
    letter_number = fields.String(required=True, allow_none=True, attribute="grant.letter_number")
    member_id = fields.Integer(required=True, allow_none=True, metadata={"description": "UEP recipient"})
    item = fields.String(required=True)
    specification = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit = fields.String(required=True)
    value = fields.Integer(required=True, metadata={"description": "Whole Rupiah"})
    received_on = fields.Date(required=True)
    checks = fields.List(fields.Nested(AssetCheckSchema), required=True)


class AssetCheckCreateSchema(InputSchema):
    """A condition check of one of the group's assets."""

    asset_id = WholeNumber(required=True, validate=_ID)
    checked_on = Day(required=True, metadata={"description": "Not in the future, not before the item arrived"})
    condition = Text(required=True, validate=one_of(CONDITIONS))
    note = Text(multiline=True, load_default="", validate=length(maximum=500))
