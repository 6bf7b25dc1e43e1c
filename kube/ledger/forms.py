"""Forms for budgets, grants, their actions and equipment checks, with a whole-Rupiah money field.

Forms only parse input (types, lengths, required fields); the ledger rules themselves (budget
left, maker-checker, who may receive, positive amounts) live in `kube.ledger.operations` and come
back as field errors.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField, FieldList, FormField, IntegerField, SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import TextInput

from kube.core.clock import office_today
from kube.core.forms import INPUT_REQUIRED, REQUIRED, KubeForm, RupiahField, max_length, optional_int
from kube.ledger.labels import CONDITION_LABELS, PROGRAM_LABELS, SOURCE_LABELS
from kube.ledger.photos import ACCEPT as PHOTO_ACCEPT
from kube.ledger.photos import MAX_PHOTOS, PHOTO_MAX_BYTES

#: Empty equipment rows the grant form offers; a browser without JavaScript cannot add rows itself.
LINE_ROWS = 6
#: Rows the "add rows" button appends, and the most a form accepts.
MORE_ROWS, MAX_ROWS = 3, 30




# -- money and counts as people type them -----------------------------------------------------

_GROUPED_DIGITS = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")


class WholeNumberField(IntegerField):
    """A count (quantity) that may be left empty and says in Indonesian when it is not a whole number."""

    widget = TextInput()  # a number input would let the browser drop what was typed before we can explain

    def process_formdata(self, valuelist):
        """Parse digits (dots as thousands allowed); empty gives None."""
        self.data = None
        text = re.sub(r"\s", "", valuelist[0]) if valuelist else ""
        if not text:
            return
        if re.fullmatch(r"-?[0-9]+", text):  # ASCII digits only: "٣".isdigit() is true
            self.data = int(text)
        elif _GROUPED_DIGITS.fullmatch(text):
            self.data = int(text.replace(".", ""))
        else:
            raise ValueError(str(_l("Jumlah barang harus bilangan bulat, misalnya 2.")))


# -- budgets ----------------------------------------------------------------------------------

PROGRAM_CHOICES = list(PROGRAM_LABELS.items())
SOURCE_CHOICES = list(SOURCE_LABELS.items())


class BudgetForm(KubeForm):
    """Open a program's budget (pagu) for a fiscal year."""

    program = SelectField(_l("Program"), choices=PROGRAM_CHOICES, validate_choice=False)
    year = IntegerField(_l("Tahun anggaran"), validators=[INPUT_REQUIRED], default=lambda: office_today().year)
    amount = RupiahField(_l("Pagu (Rp)"), validators=[INPUT_REQUIRED],
                         description=_l("Rupiah bulat, misalnya 200.000.000."))
    source = SelectField(_l("Sumber dana"), choices=SOURCE_CHOICES, validate_choice=False)
    note = StringField(_l("Catatan (opsional)"), validators=[Optional(), max_length(255)])
    submit = SubmitField(_l("Simpan anggaran"))


class BudgetRevisionForm(KubeForm):
    """Change a pagu: the new amount and why."""

    amount = RupiahField(_l("Pagu baru (Rp)"), validators=[INPUT_REQUIRED])
    reason = TextAreaField(_l("Alasan revisi"), validators=[Optional(), max_length(200)],
                           description=_l("Misalnya nomor DPA perubahan. Wajib diisi."))
    submit = SubmitField(_l("Ya, ubah pagu"))


# -- grants -----------------------------------------------------------------------------------

class GrantLineForm(KubeForm):
    """One equipment row of a grant; a row left entirely empty is ignored."""

    class Meta:
        csrf = False  # a row lives inside the grant form, which carries the token

    item = StringField(_l("Barang"), validators=[Optional(), max_length(120)])
    specification = StringField(_l("Spesifikasi"), validators=[Optional(), max_length(255)])
    quantity = WholeNumberField(_l("Jumlah"), render_kw={"inputmode": "numeric"})
    unit = StringField(_l("Satuan"), validators=[Optional(), max_length(20)], render_kw={"placeholder": "unit"})
    unit_value = RupiahField(_l("Harga satuan (Rp)"))

    def is_empty(self) -> bool:
        """Nothing typed in any cell of the row."""
        return not any((value or "").strip() for field in self for value in (field.raw_data or []))

    def values(self) -> dict:
        """The row as a line for `create_grant`."""
        return {"kind": "equipment", "item": (self.item.data or "").strip(),
                "specification": (self.specification.data or "").strip(), "quantity": self.quantity.data,
                "unit": (self.unit.data or "").strip(), "unit_value": self.unit_value.data}


class GrantForm(KubeForm):
    """A new draft grant: program, fiscal year, recipient, equipment rows and/or one cash amount."""

    program = SelectField(_l("Program"), choices=PROGRAM_CHOICES, validate_choice=False)
    year = SelectField(_l("Tahun anggaran"), coerce=optional_int, validate_choice=False)
    group_id = SelectField(_l("Kelompok"), coerce=optional_int, validate_choice=False)
    group_code = StringField(_l("atau ketik kode kelompok"), validators=[Optional(), max_length(32)],
                             render_kw={"placeholder": "KUBE-3673-0001", "autocapitalize": "characters"})
    member_id = SelectField(_l("Anggota penerima (khusus UEP)"), coerce=optional_int, validate_choice=False)
    note = TextAreaField(_l("Catatan (opsional)"), validators=[Optional(), max_length(2000)])
    lines = FieldList(FormField(GrantLineForm), min_entries=LINE_ROWS, max_entries=MAX_ROWS)
    cash_amount = RupiahField(_l("Uang tunai (Rp, opsional)"),
                              description=_l("Isi bila bantuan (juga) berupa uang; satu baris uang tunai."))
    cash_specification = StringField(_l("Keterangan uang tunai"), validators=[Optional(), max_length(255)])
    show_members = SubmitField(_l("Tampilkan anggota kelompok"))
    add_rows = SubmitField(_l("Tambah baris barang"))
    submit = SubmitField(_l("Simpan sebagai draf"))

    def line_values(self) -> tuple[list[dict], list[str]]:
        """The lines for `create_grant` and, for each, the form field prefix it came from.

        Empty equipment rows are skipped; the cash amount, when given, is the last line.
        """
        lines, sources = [], []
        for index, row in enumerate(self.lines):
            if not row.form.is_empty():
                lines.append(row.form.values())
                sources.append(f"row:{index}")
        if self.cash_amount.raw_data and (self.cash_amount.raw_data[0] or "").strip():
            lines.append({"kind": "cash", "item": "Uang tunai", "quantity": 1, "unit": "paket",
                          "specification": (self.cash_specification.data or "").strip(),
                          "unit_value": self.cash_amount.data})
            sources.append("cash")
        return lines, sources


class ConfirmActionForm(KubeForm):
    """Confirm submitting or approving a grant (the form carries the CSRF token)."""

    submit = SubmitField(_l("Ya, lanjutkan"))


class ApproveForm(ConfirmActionForm):
    """Approve a grant; a reason is needed when the recipient had another grant within a year (the rule's own)."""

    override_reason = TextAreaField(_l("Alasan menyetujui bantuan kedua"), validators=[Optional(), max_length(500)],
                                    description=_l("Wajib diisi, paling sedikit 10 karakter, bila penerima mendapat "
                                                   "bantuan lain dalam 12 bulan terakhir; tercatat di log audit."))


def photos_field(label) -> MultipleFileField:
    """Optional photos (JPEG, PNG or WebP); their content, size and number are checked by kube.ledger.photos."""
    return MultipleFileField(label, render_kw={"accept": PHOTO_ACCEPT}, description=_l(
        "JPEG, PNG atau WebP, paling besar %(mb)d MB per foto, paling banyak %(n)d foto. Lokasi GPS dan data "
        "kamera tidak disimpan. Bila ada yang ditolak, pilih lagi fotonya.",
        mb=PHOTO_MAX_BYTES // (1024 * 1024), n=MAX_PHOTOS))


class HandoverForm(KubeForm):
    """The handover: when, which member signs for it, and its photos (dokumentasi penyerahan)."""

    handover_date = DateField(_l("Tanggal serah terima"), validators=[INPUT_REQUIRED], default=office_today)
    received_by_member_id = SelectField(_l("Diterima oleh"), coerce=optional_int, validate_choice=False)
    photos = photos_field(_l("Foto serah terima (opsional)"))
    submit = SubmitField(_l("Ya, catat serah terima"))


class CancelGrantForm(KubeForm):
    """Cancel a grant, with the reason (required by the ledger rules)."""

    reason = TextAreaField(_l("Alasan pembatalan"), validators=[Optional(), max_length(500)],
                           description=_l("Wajib diisi; tercatat di riwayat dan jurnal."))
    submit = SubmitField(_l("Ya, batalkan bantuan"))


# -- equipment --------------------------------------------------------------------------------

CONDITION_CHOICES = list(CONDITION_LABELS.items())


class AssetCheckForm(KubeForm):
    """What a monitoring visit found about one piece of equipment."""

    condition = SelectField(_l("Kondisi"), choices=CONDITION_CHOICES, validate_choice=False)
    checked_on = DateField(_l("Tanggal pemeriksaan"), validators=[INPUT_REQUIRED], default=office_today)
    note = TextAreaField(_l("Catatan"), validators=[Optional(), max_length(500)],
                         description=_l("Misalnya berapa kali disewakan bulan ini, atau kerusakan yang terlihat."))
    photos = photos_field(_l("Foto (opsional)"))
    submit = SubmitField(_l("Simpan pemeriksaan"))


# -- letters ----------------------------------------------------------------------------------

class ReplaceLetterForm(KubeForm):
    """Why the letter is wrong; the corrected letter gets a new number and names the old one."""

    reason = TextAreaField(_l("Alasan penggantian"), validators=[
        REQUIRED,
        max_length(500),
    ])
    submit = SubmitField(_l("Terbitkan surat pengganti"))


class LetterScanForm(KubeForm):
    """The scan of a historical grant's paper letter (PDF); its content is checked by the ledger rules."""

    scan = FileField(_l("Pindaian berita acara (PDF, paling besar 10 MB)"), validators=[
        FileRequired(message=_l("Pilih berkas PDF hasil pindaian.")),
        FileAllowed(["pdf"], message=_l("Hanya berkas .pdf.")),
    ])
    submit = SubmitField(_l("Unggah pindaian"))
