"""The history workbook upload: the file, and whether to only check it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField

from kube.core.forms import KubeForm


class HistoryImportForm(KubeForm):
    """The workbook to import, and a dry run that changes nothing."""

    file = FileField(_l("Buku kerja riwayat (.xlsx)"), validators=[
        FileRequired(message=_l("Pilih berkas yang akan diimpor.")),
        FileAllowed(["xlsx"], message=_l("Hanya berkas .xlsx (buku kerja Excel).")),
    ])
    dry_run = BooleanField(_l("Periksa saja (uji coba): tunjukkan apa yang akan dibuat tanpa menyimpan"),
                           default=True)
    submit = SubmitField(_l("Periksa dan impor"))
