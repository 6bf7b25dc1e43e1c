"""Forms for monthly income reports: the report itself and the officer's verification, one or many at once.

The forms only parse what was typed (an amount with dots, a whole number); every rule (ranges,
months, verification lock, unusual values) lives in `kube.reports.operations` and comes back as
field errors.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import Optional

from kube.core.formatting import format_amount_input
from kube.core.forms import KubeForm, RupiahField


class GroupedRupiahField(RupiahField):
    """A Rupiah amount that is shown back with its thousands grouped (`210.770.000`) once it was read.

    The leader checks the figure the form asks about; `210770000` is hard to read on a phone. A
    refused amount is shown as typed so it can be corrected.
    """

    def _value(self) -> str:
        if self.data is not None:
            return format_amount_input(self.data)
        return super()._value()


class ReportForm(KubeForm):
    """A group's revenue, expenses, active members and note for one month."""

    revenue = GroupedRupiahField(_l("Omzet (pendapatan kotor) bulan ini"),
                          description=_l("Dalam Rupiah, tanpa desimal. Contoh: 1.500.000"))
    expenses = GroupedRupiahField(_l("Biaya (pengeluaran usaha) bulan ini"),
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


class VerifyManyForm(KubeForm):
    """The officer verifies the reports checked on the verification list (CSRF-protected).

    The checkboxes themselves (`report`, valued `<group id>/<YYYY-MM>`) are plain inputs of the
    list's rows, read by the view: their number and values change with every page of the list.
    """

    submit = SubmitField(_l("Verifikasi yang dipilih"))
