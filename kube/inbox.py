"""The work inbox: what waits for an officer or administrator, each kind counted exactly as its list shows it.

Every count comes from the same query (or the same filter) as the list its link opens, so the number on the
home page and the rows behind it cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l

from kube.core.periods import format_period
from kube.ledger import equipment
from kube.ledger.queries import GrantFilters, count_grants
from kube.monitoring import operations as monitoring
from kube.monitoring import stored
from kube.reports import queries as reports

#: The inbox's kinds, in the order the home page and `GET /api/v1/inbox` list them.
INBOX_KINDS = ("grants_to_approve", "grants_to_hand_over", "reports_to_verify", "missing_reports",
               "flags_without_follow_up", "equipment_checks_due")

INBOX_LABELS = {
    "grants_to_approve": _l("Bantuan menunggu persetujuan Anda"),
    "grants_to_hand_over": _l("Bantuan disetujui, belum diserahkan"),
    "reports_to_verify": _l("Laporan menunggu verifikasi"),
    "missing_reports": _l("Kelompok belum melapor"),
    "flags_without_follow_up": _l("Peringatan tanpa tindak lanjut"),
    "equipment_checks_due": _l("Peralatan perlu diperiksa"),
}


@dataclass(frozen=True)
class InboxItem:
    """One kind of waiting work: how many, and the list (filters in its URL) that shows exactly those."""

    kind: str
    count: int
    url: str

    @property
    def label(self) -> str:
        """The kind in words."""
        return str(INBOX_LABELS[self.kind])


def inbox(user, today: date) -> list[InboxItem]:
    """The inbox of an officer or administrator on `today`, one item per kind in INBOX_KINDS."""
    to_approve = GrantFilters(viewer=user, to_approve=True)
    to_hand_over = GrantFilters(viewer=user, status="approved")
    overdue = reports.latest_overdue_month(today)
    flags_count = stored.count_without_recent_follow_up(today)
    if flags_count is None:  # the stored flags are not on today's basis yet (no refresh since the month turned)
        flags_count = len(monitoring.without_recent_follow_up(
            monitoring.compute_flags(monitoring.default_as_of(today), today), today).flags)
    return [
        InboxItem("grants_to_approve", count_grants(to_approve), url_for("ledger.grants", **to_approve.url_args())),
        InboxItem("grants_to_hand_over", count_grants(to_hand_over),
                  url_for("ledger.grants", **to_hand_over.url_args())),
        InboxItem("reports_to_verify", reports.count_reports_to_verify(), url_for("reports.verify_many")),
        InboxItem("missing_reports", reports.missing_report_count(overdue),
                  url_for("reports.discipline", missing=format_period(overdue))),
        InboxItem("flags_without_follow_up", flags_count, url_for("monitoring.flags", no_follow_up=1)),
        InboxItem("equipment_checks_due", equipment.checks_due_count(user, today),
                  url_for("ledger.equipment_register", due=1)),
    ]
