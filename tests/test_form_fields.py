"""The shared form macro (templates/_partials/_forms.html) ties each field to its help text and errors for screen readers."""
from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

FIELD = '{% from "_partials/_forms.html" import field %}{{ field(form[name], help=help, attrs=attrs) }}'


class _Form(FlaskForm):
    class Meta:
        csrf = False

    revenue = StringField("Omzet")
    confirmed = BooleanField("Angka sudah benar")


def _render(app, name: str, help=None, attrs=None, errors=()):
    with app.test_request_context():
        form = _Form()
        form[name].errors = list(errors)
        return render_template_string(FIELD, form=form, name=name, help=help, attrs=attrs or {})


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_field_points_at_its_help_and_each_error(app):
    html = _render(app, "revenue", help="Jumlah penjualan sebulan", errors=["Wajib diisi.", "Harus angka."])
    field = _input(html, "revenue")
    assert 'aria-describedby="revenue-help revenue-error-1 revenue-error-2"' in field
    assert 'aria-invalid="true"' in field
    assert '<small class="help" id="revenue-help">Jumlah penjualan sebulan</small>' in html
    assert 'id="revenue-error-1" role="alert">Wajib diisi.</p>' in html
    assert 'id="revenue-error-2" role="alert">Harus angka.</p>' in html


def test_a_field_without_help_or_errors_describes_nothing(app):
    field = _input(_render(app, "revenue"), "revenue")
    assert "aria-describedby" not in field and "aria-invalid" not in field


def test_a_description_given_by_the_template_is_kept_and_checkboxes_are_described_too(app):
    html = _render(app, "confirmed", help="Centang bila angka benar", attrs={"aria-describedby": "warning"})
    assert 'aria-describedby="warning confirmed-help"' in _input(html, "confirmed")
