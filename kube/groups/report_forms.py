"""Forms for monthly income reports: the report itself and the officer's verification.

The forms only parse what was typed (an amount with dots, a whole number); every rule (ranges,
months, verification lock, unusual values) lives in `kube.groups.reports` and comes back as
field errors.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from kube.groups.forms import KubeForm
from kube.groups.reports import format_amount_input, parse_amount


class RupiahField(StringField):
    """A whole-Rupiah amount typed as `1500000`, `1.500.000` or `Rp 1.500.000`; `data` is an int or None."""

    def process_formdata(self, valuelist):
        """Parse the typed text; a refused text keeps what was typed and reports why."""
        if not valuelist:
            return
        self.data = None
        self.data = parse_amount(valuelist[0])  # ValueError becomes this field's error message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_amount_input(self.data)


class ReportForm(KubeForm):
    """A group's revenue, expenses, active members and note for one month."""

    revenue = RupiahField(_l("Omzet (pendapatan kotor) bulan ini"),
                          description=_l("Dalam Rupiah, tanpa desimal. Contoh: 1.500.000"))
    expenses = RupiahField(_l("Biaya (pengeluaran usaha) bulan ini"),
                           description=_l("Dalam Rupiah, tanpa desimal. Contoh: 400.000"))
    active_members = IntegerField(_l("Anggota yang aktif bekerja"), validators=[Optional()],
                                  description=_l("Kosongkan untuk memakai jumlah anggota sekarang."))
    note = TextAreaField(_l("Catatan (boleh kosong)"), validators=[Optional()])
    confirmed = BooleanField(_l("Ya, angka ini sudah benar"))
    reason = TextAreaField(_l("Alasan perubahan"), validators=[Optional()],
                           description=_l("Wajib untuk mengubah laporan yang sudah diverifikasi; "
                                          "disimpan di log audit."))
    submit = SubmitField(_l("Kirim laporan"))

    def values(self) -> dict:
        """The report values, as the operations take them."""
        return {"revenue": self.revenue.data, "expenses": self.expenses.data,
                "active_members": self.active_members.data, "note": self.note.data}


class VerifyForm(KubeForm):
    """The officer confirms a report is right (CSRF-protected button)."""

    submit = SubmitField(_l("Ya, verifikasi laporan"))
