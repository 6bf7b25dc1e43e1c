"""The follow-up form and the Indonesian names of flag kinds, follow-up actions and states.

The form only parses input; the rules (known kind, finished month, no future date) live in
`kube.monitoring.operations.record_follow_up` and come back as field errors.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from kube.groups.forms import KubeForm
from kube.monitoring.models import ACTIONS, STATES
from kube.monitoring.operations import NOTE_MAX_LENGTH
from kube.monitoring.trends import FLAG_KINDS

#: The same words as trends.FLAG_LABELS, written out here so the catalogue can translate them
#: (the pure trends module stays free of Flask-Babel).
KIND_LABELS = {
    "not_improving": _l("Pendapatan tidak membaik"),
    "no_gain_after_grant": _l("Tidak ada kenaikan setelah bantuan"),
    "below_extreme_poverty": _l("Di bawah garis kemiskinan ekstrem"),
    "missing_reports": _l("Laporan tidak masuk"),
}
ACTION_LABELS = {
    "kunjungan": _l("Kunjungan"),
    "pelatihan": _l("Pelatihan"),
    "pendampingan": _l("Pendampingan"),
    "catatan": _l("Catatan"),
}
STATE_LABELS = {
    "open": _l("Terbuka"),
    "in_progress": _l("Sedang ditangani"),
    "resolved": _l("Selesai"),
}
#: CSS badge class per follow-up state (see .badge in kube.css).
STATE_BADGES = {"open": "bad", "in_progress": "warn", "resolved": "ok"}

_input_required = InputRequired(message=_l("Wajib diisi."))


class FollowUpForm(KubeForm):
    """One follow-up on a group's flag: what was done, when, a note, and the flag's state after it."""

    flag_kind = SelectField(_l("Peringatan"), choices=[(kind, KIND_LABELS[kind]) for kind in FLAG_KINDS],
                            validate_choice=False)
    flag_period = StringField(_l("Bulan peringatan (YYYY-MM)"), validators=[_input_required])
    action = SelectField(_l("Tindakan"), choices=[(action, ACTION_LABELS[action]) for action in ACTIONS],
                         validate_choice=False)
    action_date = DateField(_l("Tanggal tindakan"), validators=[_input_required])
    state = SelectField(_l("Status setelah tindakan"), choices=[(state, STATE_LABELS[state]) for state in STATES],
                        validate_choice=False)
    note = TextAreaField(_l("Catatan"), validators=[
        Optional(), Length(max=NOTE_MAX_LENGTH, message=_l("Paling banyak %(max)d karakter.", max=NOTE_MAX_LENGTH)),
    ])
    submit = SubmitField(_l("Simpan tindak lanjut"))
