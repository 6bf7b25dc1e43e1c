"""Marshmallow schemas for the ledger API: budgets, grants, the trial balance, statements and equipment."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from kube.api.group_schemas import MAX_ID
from kube.ledger.models import CONDITIONS, FUNDING_SOURCES, GRANT_STATUSES, LINE_KINDS, PROGRAMS
from kube.ledger.operations import MAX_AMOUNT

#: Messages every input field shares; marshmallow's own are English, clients of this office read Indonesian.
_FIELD_MESSAGES = {
    "required": _l("Wajib diisi."),
    "null": _l("Tidak boleh kosong (null)."),
    "validator_failed": _l("Nilai tidak valid."),
}


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error=_l("Harus salah satu dari: {choices}."))


def _length(minimum: int | None = None, maximum: int | None = None) -> validate.Length:
    if minimum:
        message = _l("Panjang harus {min} sampai {max} karakter.")
    else:
        message = _l("Paling banyak {max} karakter.")
    return validate.Length(min=minimum, max=maximum, error=message)


def _range(minimum: int, maximum: int) -> validate.Range:
    return validate.Range(min=minimum, max=maximum, error=_l("Harus antara {min} dan {max}."))


_ID = _range(1, MAX_ID)
_RUPIAH = _range(1, MAX_AMOUNT)
_YEAR = _range(2000, 2100)


# -- fields -----------------------------------------------------------------------------------

class WholeNumber(fields.Integer):
    """A JSON integer and nothing else: 1.5, "100" and true are refused, so money stays whole Rupiah.

    `in_query=True` accepts the digits of a query string ("3"), which is all text.
    """

    default_error_messages = _FIELD_MESSAGES | {
        "invalid": _l("Harus bilangan bulat (tanpa desimal, bukan teks)."),
        "too_large": _l("Angka terlalu besar."),
    }

    def __init__(self, *, in_query: bool = False, **kwargs):
        super().__init__(strict=not in_query, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # bool is an int in Python; `true` is never a quantity or an amount.
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Day(fields.Date):
    """A calendar date written YYYY-MM-DD."""

    default_error_messages = _FIELD_MESSAGES | {
        "invalid": _l("Tanggal tidak valid; tulis dengan format YYYY-MM-DD."),
        "format": _l("Tanggal tidak valid; tulis dengan format YYYY-MM-DD."),
    }


_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
#: Notes and reasons may span lines; other control characters (NUL above all, which PostgreSQL refuses) may not.
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(fields.String):
    """An input string without control characters; `multiline=True` allows tabs and line breaks."""

    default_error_messages = _FIELD_MESSAGES | {
        "invalid": _l("Harus berupa teks."),
        "invalid_utf8": _l("Teks tidak valid."),
        "control": _l("Tidak boleh berisi karakter kendali (misalnya NUL)."),
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.forbidden = _MULTI_LINE if multiline else _ONE_LINE
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$" if multiline else \
            "^[^\\u0000-\\u001f\\u007f]*$"
        kwargs["metadata"] = {"pattern": pattern} | kwargs.get("metadata", {})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.forbidden.search(text):
            raise self.make_error("control")
        return text


# -- input bases ------------------------------------------------------------------------------

def dotted_messages(messages, prefix: str = "") -> dict[str, list]:
    """Nested errors as one flat dict with dotted names (`lines.0.unit_value`), as the operations name fields."""
    if not isinstance(messages, dict):
        return {prefix or "_schema": messages if isinstance(messages, list) else [messages]}
    flat: dict[str, list] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(dotted_messages(value, name))
        else:
            flat[name] = value if isinstance(value, list) else [value]
    return flat


class ArgsSchema(Schema):
    """Input read by the API: Indonesian schema messages and flat, dotted field names in errors."""

    error_messages = {
        "unknown": _l("Isian tidak dikenal."),
        "type": _l("Isi permintaan harus berupa objek JSON."),
    }

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs):
        """Re-raise with dotted field names so a line's error reads `lines.0.item`, like the operations'."""
        raise ValidationError(dotted_messages(error.messages), data=error.data, valid_data=error.valid_data)


class InputSchema(ArgsSchema):
    """A request body: fields it does not know are refused, so a typo is never silently ignored."""

    class Meta:
        unknown = RAISE


class PageArgsSchema(ArgsSchema):
    """Page and page size of a list."""

    page = WholeNumber(in_query=True, load_default=1, validate=_range(1, 1_000_000))
    per_page = WholeNumber(in_query=True, load_default=50, validate=_range(1, 200),
                           metadata={"description": "At most 200"})


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

    program = Text(validate=_one_of(PROGRAMS))
    year = WholeNumber(in_query=True, validate=_YEAR)


class BudgetCreateSchema(InputSchema):
    """A new budget; its appropriation is posted to the ledger."""

    program = Text(required=True, validate=_one_of(PROGRAMS))
    year = WholeNumber(required=True, validate=_YEAR, metadata={"example": 2025})
    amount = WholeNumber(required=True, validate=_RUPIAH,
                         metadata={"description": "Pagu in whole Rupiah", "example": 200_000_000})
    source = Text(required=True, validate=_one_of(FUNDING_SOURCES))
    note = Text(load_default="", validate=_length(maximum=255))


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


class GrantListArgsSchema(PageArgsSchema):
    """Query string of the grant list."""

    program = Text(validate=_one_of(PROGRAMS))
    year = WholeNumber(in_query=True, validate=_YEAR)
    status = Text(validate=_one_of(GRANT_STATUSES))
    group_id = WholeNumber(in_query=True, validate=_ID)


class GrantLineInputSchema(InputSchema):
    """A line of a new grant; the operation fills defaults (cash lines: item `Uang tunai`, unit `paket`)."""

    error_messages = {"type": _l("Setiap baris harus berupa objek JSON.")}

    kind = Text(load_default="equipment", validate=_one_of(LINE_KINDS))
    item = Text(validate=_length(1, 120), metadata={"description": "Required for equipment"})
    specification = Text(load_default="", validate=_length(maximum=255))
    quantity = WholeNumber(load_default=1, validate=_range(1, 100_000), metadata={"description": "1 for cash"})
    unit = Text(validate=_length(1, 20), metadata={"example": "unit"})
    unit_value = WholeNumber(required=True, validate=_RUPIAH, metadata={"description": "Whole Rupiah"})


class GrantCreateSchema(InputSchema):
    """A new draft grant to a group (KUBE) or one of its members (UEP)."""

    program = Text(required=True, validate=_one_of(PROGRAMS))
    year = WholeNumber(required=True, validate=_YEAR, metadata={"description": "Fiscal year of the budget"})
    group_id = WholeNumber(required=True, validate=_ID)
    member_id = WholeNumber(load_default=None, allow_none=True, validate=_ID,
                            metadata={"description": "UEP only: the member who receives it"})
    lines = fields.List(
        fields.Nested(GrantLineInputSchema),
        required=True, validate=validate.Length(min=1, max=100, error=_l("Harus ada 1 sampai 100 baris.")),
        error_messages=_FIELD_MESSAGES | {"invalid": _l("Harus berupa daftar baris.")},
    )
    note = Text(multiline=True, load_default="", validate=_length(maximum=2000))


class HandoverSchema(InputSchema):
    """The handover of an approved grant."""

    date = Day(required=True, metadata={"description": "Not in the future, not before the approval"})
    received_by_member_id = WholeNumber(required=True, validate=_ID,
                                        metadata={"description": "The group's ketua (KUBE) or the UEP member"})


class CancelSchema(InputSchema):
    """Why a grant is cancelled."""

    reason = Text(multiline=True, required=True, validate=_length(1, 500))


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
    condition = Text(required=True, validate=_one_of(CONDITIONS))
    note = Text(multiline=True, load_default="", validate=_length(maximum=500))
