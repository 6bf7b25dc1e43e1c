"""Forms for monthly income reports: the report itself and the officer's verification, one or many at once.

The forms only parse what was typed (an amount with dots, a whole number); every rule (ranges,
months, verification lock, unusual values) lives in `kube.reports.operations` and comes back as
field errors.
"""
from __future__ import annotations

import re

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


# -- the entry grid: many groups' reports for one month on one page -------------------------------

class EntryGridForm(KubeForm):
    """The entry grid's own form: its CSRF token and the button. Each row is an `EntryGridRowForm`."""

    submit = SubmitField(_l("Simpan semua baris"))


class EntryGridRowForm(KubeForm):
    """One group's row of the entry grid, read with the report form's own fields (`1.500.000` is accepted).

    Built with the prefix `rows-<group id>`, so its inputs are named `rows-<group id>-revenue` and so on;
    the grid's one CSRF token covers every row (`csrf=False` here).
    """

    class Meta:
        csrf = False

    revenue = GroupedRupiahField(_l("Omzet"))
    expenses = GroupedRupiahField(_l("Biaya"))
    active_members = IntegerField(_l("Anggota aktif"), validators=[Optional()])
    confirmed = BooleanField(_l("Ya, angka ini sudah benar"))

    @staticmethod
    def prefix_for(group_id: int) -> str:
        """The prefix of a group's row: `rows-<group id>`."""
        return f"rows-{group_id}"

    def typed(self) -> bool:
        """Whether anything was typed in the row's figures (an empty row is skipped)."""
        return any((field.raw_data or [""])[0].strip() for field in (self.revenue, self.expenses, self.active_members))

    def values(self) -> dict:
        """The row's figures, as `submit_report` takes them (no note: the grid has none)."""
        return {"revenue": self.revenue.data, "expenses": self.expenses.data,
                "active_members": self.active_members.data}


#: What names a row's input: `rows-<group id>-<field>`.
GRID_ROW_NAME = re.compile(r"rows-([0-9]{1,10})-")


def posted_row_ids(names, limit: int) -> list[int]:
    """The group ids of the grid rows named in a POST (in order, each once, at most `limit`)."""
    found: list[int] = []
    for name in names:
        match = GRID_ROW_NAME.match(name)
        if match and int(match.group(1)) not in found:
            found.append(int(match.group(1)))
            if len(found) >= limit:
                break
    return found
