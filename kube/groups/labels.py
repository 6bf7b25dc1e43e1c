"""Words for group statuses, member roles, sexes and business types, in the reader's language.

Plain dictionaries and functions: forms build their choices from them, operations name statuses
in their refusals, and the views register them as template filters.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from kube.core.labels import labeller

STATUS_LABELS = {
    "proposed": _l("Diusulkan"),
    "active": _l("Aktif"),
    "graduated": _l("Mandiri (lulus)"),
    "dissolved": _l("Dibubarkan"),
    "rejected": _l("Ditolak"),
}
#: CSS badge class per status (see .badge in kube.css).
STATUS_BADGES = {"proposed": "warn", "active": "ok", "graduated": "ok", "dissolved": "muted", "rejected": "bad"}
#: The button that moves a group to a status.
TRANSITION_ACTIONS = {
    "active": _l("Aktifkan"),
    "rejected": _l("Tolak usulan"),
    "graduated": _l("Nyatakan mandiri (lulus)"),
    "dissolved": _l("Bubarkan"),
}
ROLE_LABELS = {
    "ketua": _l("Ketua"),
    "sekretaris": _l("Sekretaris"),
    "bendahara": _l("Bendahara"),
    "anggota": lazy_pgettext("member role", "Anggota"),  # one member; plain "Anggota" heads lists of them
}
SEX_LABELS = {"L": _l("Laki-laki"), "P": _l("Perempuan")}

group_status = labeller(STATUS_LABELS, "A group status in words: `proposed` -> Diusulkan.")
status_badge = labeller(STATUS_BADGES, "The badge class for a group status.", default="")
member_role = labeller(ROLE_LABELS, "A member's role in words: `bendahara` -> Bendahara.")
sex_label = labeller(SEX_LABELS, "L -> Laki-laki, P -> Perempuan.")


def business_type_labels() -> dict[str, str]:
    """Configured business types, code -> label in the reader's language (the configuration holds Indonesian)."""
    return {code: _(label) for code, label in current_app.config["BUSINESS_TYPES"]}


def business_type(code: str | None) -> str:
    """A business type's label in words: `sewa_tenda` -> Sewa tenda dan kursi (only that one is translated)."""
    label = dict(current_app.config["BUSINESS_TYPES"]).get(code)
    return _(label) if label is not None else (code or "-")


#: Template filters of this feature, registered by its views.
TEMPLATE_FILTERS = {"group_status": group_status, "status_badge": status_badge, "member_role": member_role,
                    "sex_label": sex_label, "business_type": business_type}
