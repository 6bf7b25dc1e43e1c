"""Helpers shared by forms: showing a refused rule next to the field it concerns."""
from __future__ import annotations

from flask_wtf import FlaskForm

from kube.core.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Attach a domain error's field messages to the form, or to the form as a whole."""
    attached = False
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
            attached = True
    if not attached and default_field and hasattr(form, default_field):
        getattr(form, default_field).errors = list(getattr(form, default_field).errors) + [error.message]
        attached = True
    if not attached:
        form.form_errors.append(error.message)


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a refused rule next to its fields, and its full message on top unless a field shows it already."""
    apply_domain_error(form, error)
    shown = {message for field in form for message in field.errors}
    if error.message not in shown and error.message not in form.form_errors:
        form.form_errors.append(error.message)
