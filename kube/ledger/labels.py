"""Indonesian names for ledger codes (programs, sources, grant statuses, conditions, accounts, entries).

One module for the forms' choices, the template filters (registered by the views) and the ledger
rules' refusal messages, so an officer reads "Sudah diserahkan" everywhere and never `handed_over`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROGRAM_LABELS = {"KUBE": _l("KUBE (kelompok)"), "UEP": _l("UEP (perorangan)")}
SOURCE_LABELS = {"APBD": _l("APBD"), "APBN": _l("APBN"), "lainnya": _l("Lainnya")}
GRANT_STATUS_LABELS = {
    "draft": _l("Draf"),
    "submitted": _l("Diajukan"),
    "approved": _l("Disetujui"),
    "handed_over": _l("Sudah diserahkan"),
    "cancelled": _l("Dibatalkan"),
}
#: CSS badge class per grant status (see .badge in kube.css).
GRANT_STATUS_BADGES = {"draft": "muted", "submitted": "warn", "approved": "ok", "handed_over": "ok",
                       "cancelled": "bad"}
CONDITION_LABELS = {"baik": _l("Baik"), "rusak": _l("Rusak"), "hilang": _l("Hilang"), "dijual": _l("Dijual")}
CONDITION_BADGES = {"baik": "ok", "rusak": "warn", "hilang": "bad", "dijual": "bad"}
ACCOUNT_KIND_LABELS = {
    "appropriation": _l("Pagu"),
    "available": _l("Sisa pagu"),
    "committed": _l("Terikat"),
    "equipment": _l("Peralatan"),
    "cash": _l("Modal tunai"),
}
ENTRY_KIND_LABELS = {
    "appropriation": _l("Pagu"),
    "commitment": _l("Persetujuan"),
    "disbursement": _l("Serah terima"),
    "release": _l("Pelepasan"),
    "reversal": _l("Koreksi"),
}


def _label(labels: dict, value: str | None) -> str:
    return str(labels.get(value, value or "-"))


def grant_status(status: str | None) -> str:
    """A grant status in words: `handed_over` -> Sudah diserahkan."""
    return _label(GRANT_STATUS_LABELS, status)


def grant_badge(status: str | None) -> str:
    """The badge class for a grant status."""
    return GRANT_STATUS_BADGES.get(status, "")


def program_label(program: str | None) -> str:
    """KUBE -> KUBE (kelompok), UEP -> UEP (perorangan)."""
    return _label(PROGRAM_LABELS, program)


def source_label(source: str | None) -> str:
    """A funding source in words."""
    return _label(SOURCE_LABELS, source)


def condition_label(condition: str | None) -> str:
    """An equipment condition in words: `rusak` -> Rusak."""
    return _label(CONDITION_LABELS, condition)


def condition_badge(condition: str | None) -> str:
    """The badge class for an equipment condition."""
    return CONDITION_BADGES.get(condition, "")


def account_kind(kind: str | None) -> str:
    """An account kind in words: `committed` -> Terikat."""
    return _label(ACCOUNT_KIND_LABELS, kind)


def entry_kind(kind: str | None) -> str:
    """A journal entry kind in words: `disbursement` -> Serah terima."""
    return _label(ENTRY_KIND_LABELS, kind)


#: Template filters of this feature, registered by its views.
TEMPLATE_FILTERS = {"grant_status": grant_status, "grant_badge": grant_badge, "program_label": program_label,
                    "source_label": source_label, "condition_label": condition_label,
                    "condition_badge": condition_badge, "account_kind": account_kind, "entry_kind": entry_kind}
