"""Indonesian names for group statuses, member roles and sexes, and the template filters that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kube.groups import bp

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
    "anggota": _l("Anggota"),
}
SEX_LABELS = {"L": _l("Laki-laki"), "P": _l("Perempuan")}


@bp.app_template_filter("group_status")
def group_status(status: str | None) -> str:
    """A group status in words: `proposed` -> Diusulkan."""
    return str(STATUS_LABELS.get(status, status or "-"))


@bp.app_template_filter("status_badge")
def status_badge(status: str | None) -> str:
    """The badge class for a group status."""
    return STATUS_BADGES.get(status, "")


@bp.app_template_filter("member_role")
def member_role(role: str | None) -> str:
    """A member's role in words: `bendahara` -> Bendahara."""
    return str(ROLE_LABELS.get(role, role or "-"))


@bp.app_template_filter("sex_label")
def sex_label(sex: str | None) -> str:
    """L -> Laki-laki, P -> Perempuan."""
    return str(SEX_LABELS.get(sex, sex or "-"))


@bp.app_template_filter("business_type")
def business_type(code: str | None) -> str:
    """A business type's configured label."""
    from kube.groups.operations import business_type_labels

    return business_type_labels().get(code, code or "-")
