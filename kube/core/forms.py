"""What every form shares: Indonesian WTForms messages, no control characters, the Rupiah field, refused rules."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from kube.core.errors import DomainError
from kube.core.formatting import format_amount_input
from kube.core.money import parse_rupiah
from kube.core.text import CONTROL_MESSAGE, has_control_characters

#: WTForms ships no Indonesian catalogue; its own parsing messages are given ours instead.
WTFORMS_MESSAGES = {
    "Not a valid date value.": _l("Tanggal tidak valid."),
    "Not a valid integer value.": _l("Harus berupa angka bulat."),
    "Not a valid choice.": _l("Pilihan tidak valid."),
    "Invalid Choice: could not coerce.": _l("Pilihan tidak valid."),
    "This field is required.": _l("Wajib diisi."),
}


#: A field that must not be left empty (DataRequired for text, InputRequired where 0 or a date is valid input).
REQUIRED = DataRequired(message=_l("Wajib diisi."))
INPUT_REQUIRED = InputRequired(message=_l("Wajib diisi."))


def max_length(length: int) -> Length:
    """At most `length` characters, said in the reader's language."""
    return Length(max=length, message=_l("Paling banyak %(max)d karakter.", max=length))


class _KubeMessages:
    """A WTForms translations object that swaps the built-in messages for ours."""

    def gettext(self, string: str) -> str:
        message = WTFORMS_MESSAGES.get(string)
        return str(message) if message is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def _text_fields(form: FlaskForm):
    """The form's text fields, those in a list of fields included (a nested form checks its own)."""
    for field in form:
        for entry in field.entries if isinstance(field, FieldList) else [field]:
            if isinstance(entry, StringField):
                yield entry


class KubeForm(FlaskForm):
    """A FlaskForm (CSRF included) whose WTForms messages are Kube's, in the reader's language.

    Every text field refuses control characters, as the API does: checked after the field's own
    validators, and also when `Optional()` let a blank-looking value such as a lone vertical tab through.
    """

    class Meta:
        def get_translations(self, form):
            return _KubeMessages()

    def validate(self, extra_validators=None) -> bool:
        """The fields' own validators, then no control characters in any text field (a text area allows lines)."""
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            if not field.errors and isinstance(field.data, str) and \
                    has_control_characters(field.data, multiline=isinstance(field, TextAreaField)):
                field.errors = [str(CONTROL_MESSAGE)]
                valid = False
        return valid


def optional_int(value) -> int | None:
    """Coerce a select's value to an int; empty means None and junk means -1 (which no rule accepts)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class RupiahField(StringField):
    """A whole-Rupiah amount read by the one parser (`kube.core.money`); `data` is an int or None."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        """Parse the typed amount; a refused one keeps the raw text so the person can correct it."""
        self.data = None
        if valuelist:
            self.data = parse_rupiah(valuelist[0])  # AmountError (a ValueError) becomes this field's message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_amount_input(self.data)

#: Maps an error's field name the form does not have as such (`lines.2.unit_value`, `password`)
#: to the form field that shows it, or None to show the message on top of the form.
FieldResolver = Callable[[str], Field | None]


def show_domain_error(form: FlaskForm, error: DomainError, resolve: FieldResolver | None = None) -> None:
    """Put a refused rule's messages next to their fields, and its full message on top unless a field shows it."""
    for name, messages in error.fields.items():
        target = resolve(name) if resolve is not None else None
        if target is None and "." not in name:
            target = getattr(form, name, None)
        if isinstance(target, Field) and not isinstance(target, FieldList):
            target.errors = list(target.errors) + [m for m in messages if m not in target.errors]
        else:
            form.form_errors.extend(m for m in messages if m not in form.form_errors)
    if error.message not in _shown(form) and error.message not in form.form_errors:
        form.form_errors.append(error.message)


def _shown(form: FlaskForm) -> set[str]:
    """Every message already shown next to a field, rows of a FieldList included."""
    shown: set[str] = set()
    for field in form:
        if isinstance(field, FieldList):
            for row in field:
                shown |= _shown(row.form) if hasattr(row, "form") else set(row.errors)
        else:
            shown |= set(field.errors if isinstance(field.errors, list) else [])
    return shown
