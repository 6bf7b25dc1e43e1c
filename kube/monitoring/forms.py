"""The follow-up form.

The form only parses input; the rules (known kind, finished month, no future date) live in
`kube.monitoring.operations.record_follow_up` and come back as field errors.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from kube.core.forms import INPUT_REQUIRED, KubeForm, max_length
from kube.monitoring.labels import ACTION_LABELS, FLAG_LABELS, STATE_LABELS
from kube.monitoring.models import ACTIONS, STATES
from kube.monitoring.operations import NOTE_MAX_LENGTH
from kube.monitoring.trends import FLAG_KINDS



class FollowUpForm(KubeForm):
    """One follow-up on a group's flag: what was done, when, a note, and the flag's state after it."""

    flag_kind = SelectField(_l("Peringatan"), choices=[(kind, FLAG_LABELS[kind]) for kind in FLAG_KINDS],
                            validate_choice=False)
    flag_period = StringField(_l("Bulan peringatan (YYYY-MM)"), validators=[INPUT_REQUIRED])
    action = SelectField(_l("Tindakan"), choices=[(action, ACTION_LABELS[action]) for action in ACTIONS],
                         validate_choice=False)
    action_date = DateField(_l("Tanggal tindakan"), validators=[INPUT_REQUIRED])
    state = SelectField(_l("Status setelah tindakan"), choices=[(state, STATE_LABELS[state]) for state in STATES],
                        validate_choice=False)
    note = TextAreaField(_l("Catatan"), validators=[
        Optional(), max_length(NOTE_MAX_LENGTH),
    ])
    submit = SubmitField(_l("Simpan tindak lanjut"))
