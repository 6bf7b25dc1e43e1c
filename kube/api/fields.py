"""Input fields and schema bases every API route reads with: Indonesian messages, no control characters,
whole numbers, dates, and Rupiah amounts read by the one parser (`kube.core.money`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from kube.core.money import AMOUNT_MESSAGE, AmountError, parse_rupiah
from kube.core.text import (
    CONTROL_MESSAGE, MULTI_LINE_CONTROL_CHARACTERS, ONE_LINE_CONTROL_CHARACTERS, has_control_characters,
)

#: Messages every input field shares; marshmallow's own are English, clients of this office read Indonesian.
FIELD_MESSAGES = {
    "required": _l("Wajib diisi."),
    "null": _l("Tidak boleh kosong (null)."),
    "validator_failed": _l("Nilai tidak valid."),
}


def one_of(choices) -> validate.OneOf:
    """The value must be one of `choices` (said in Indonesian)."""
    return validate.OneOf(choices, error=_l("Harus salah satu dari: {choices}."))


def length(minimum: int | None = None, maximum: int | None = None) -> validate.Length:
    """A text length limit (said in Indonesian)."""
    if minimum:
        message = _l("Panjang harus {min} sampai {max} karakter.")
    else:
        message = _l("Paling banyak {max} karakter.")
    return validate.Length(min=minimum, max=maximum, error=message)


def number_range(minimum: int, maximum: int) -> validate.Range:
    """A number between `minimum` and `maximum` (said in Indonesian)."""
    return validate.Range(min=minimum, max=maximum, error=_l("Harus antara {min} dan {max}."))


# -- fields -----------------------------------------------------------------------------------

class WholeNumber(fields.Integer):
    """A JSON integer and nothing else: 1.5, "100" and true are refused, so money stays whole Rupiah.

    `in_query=True` accepts the digits of a query string ("3"), which is all text.
    """

    default_error_messages = FIELD_MESSAGES | {
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

    default_error_messages = FIELD_MESSAGES | {
        "invalid": _l("Tanggal tidak valid; tulis dengan format YYYY-MM-DD."),
        "format": _l("Tanggal tidak valid; tulis dengan format YYYY-MM-DD."),
    }


class Text(fields.String):
    """An input string without control characters; `multiline=True` allows tabs and line breaks."""

    default_error_messages = FIELD_MESSAGES | {
        "invalid": _l("Harus berupa teks."),
        "invalid_utf8": _l("Teks tidak valid."),
        "control": CONTROL_MESSAGE,
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        pattern = f"^[^{MULTI_LINE_CONTROL_CHARACTERS if multiline else ONE_LINE_CONTROL_CHARACTERS}]*$"
        kwargs["metadata"] = {"pattern": pattern} | kwargs.get("metadata", {})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(text, self.multiline):
            raise self.make_error("control")
        return text


class RupiahAmount(fields.Field):
    """A whole-Rupiah amount: a JSON integer, or text read by the one parser (`Rp 1.500.000`); never negative."""

    default_error_messages = FIELD_MESSAGES | {"null": _l("Wajib diisi."), "invalid": AMOUNT_MESSAGE}

    def __init__(self, **kwargs):
        metadata = {"type": "integer", "minimum": 0, "example": 1_500_000} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = parse_rupiah(value)
            except AmountError:
                raise self.make_error("invalid") from None
        # bool is an int in Python; `true` is never an amount.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.make_error("invalid")
        return value


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

    page = WholeNumber(in_query=True, load_default=1, validate=number_range(1, 1_000_000))
    per_page = WholeNumber(in_query=True, load_default=50, validate=number_range(1, 200),
                           metadata={"description": "At most 200"})


