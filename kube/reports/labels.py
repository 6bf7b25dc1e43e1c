"""Words for reporting statuses: labels, badges and the one-character marks of the discipline grid."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kube.reports.schedule import LATE, MISSING, NOT_DUE, NOT_FORMED, ON_TIME

MONTH_STATUS_LABELS = {
    ON_TIME: _l("Tepat waktu"),
    LATE: _l("Terlambat"),
    MISSING: _l("Belum dilaporkan"),
    NOT_DUE: _l("Belum jatuh tempo"),
    NOT_FORMED: _l("Belum terbentuk"),
}
#: CSS badge class per status (see .badge in kube.css).
MONTH_STATUS_BADGES = {ON_TIME: "ok", LATE: "warn", MISSING: "bad", NOT_DUE: "muted", NOT_FORMED: "muted"}
#: One character per status for the dense discipline grid (with the label as its title).
MONTH_STATUS_SYMBOLS = {ON_TIME: "✓", LATE: "!", MISSING: "✗", NOT_DUE: "…", NOT_FORMED: "·"}
