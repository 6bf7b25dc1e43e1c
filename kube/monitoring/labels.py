"""Words for flag kinds, trend states, follow-up actions and states, in the reader's language.

Plain dictionaries and functions for forms, reasons and templates; the views register the
template filters.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kube.core.labels import labeller

from kube.monitoring.trends import (
    BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING, TREND_INSUFFICIENT, TREND_OK,
)

FLAG_LABELS = {
    NOT_IMPROVING: _l("Pendapatan tidak membaik"),
    NO_GAIN_AFTER_GRANT: _l("Tidak ada kenaikan setelah bantuan"),
    BELOW_EXTREME_POVERTY: _l("Di bawah garis kemiskinan ekstrem"),
    MISSING_REPORTS: _l("Laporan tidak masuk"),
}
TREND_LABELS = {TREND_OK: _l("data cukup"), TREND_INSUFFICIENT: _l("data belum cukup")}
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

flag_kind = labeller(FLAG_LABELS, "A flag kind in words: `not_improving` -> Pendapatan tidak membaik.")
trend_status = labeller(TREND_LABELS, "A trend's state in words: `insufficient` -> data belum cukup.")
follow_up_action = labeller(ACTION_LABELS, "A follow-up action in words: `kunjungan` -> Kunjungan.")
follow_up_state = labeller(STATE_LABELS, "A follow-up state in words: `in_progress` -> Sedang ditangani.")
follow_up_badge = labeller(STATE_BADGES, "The badge class for a follow-up state.", default="muted")


#: Template filters of this feature, registered by its views.
TEMPLATE_FILTERS = {"flag_kind": flag_kind, "follow_up_action": follow_up_action,
                    "follow_up_state": follow_up_state, "follow_up_badge": follow_up_badge}
