"""Indonesian names for ledger codes (programs, sources, grant statuses, conditions, accounts, entries).

One module for the forms' choices, the template filters (registered by the views) and the ledger
rules' refusal messages, so an officer reads "Sudah diserahkan" everywhere and never `handed_over`.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kube.core.labels import labeller

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

#: What an account holds, said after its owner in the trial balance ("Pagu KUBE 2026: tersedia").
ACCOUNT_PART_LABELS = {
    "appropriation": _l("ditetapkan"),
    "available": _l("tersedia"),
    "committed": _l("terikat"),
    "equipment": _l("peralatan"),
    "cash": _l("kas"),
}
#: The order of an owner's accounts in the trial balance: the pagu before what is left of it and what it
#: committed; equipment before cash.
ACCOUNT_KIND_ORDER = {"appropriation": 0, "available": 1, "committed": 2, "equipment": 3, "cash": 4}


def account_label(kind: str, *, program: str | None = None, year: int | None = None, group_name: str | None = None,
                  member_name: str | None = None, fallback: str = "") -> str:
    """An account in words from its kind and owner: a budget's ("Pagu KUBE 2026: tersedia"), a group's
    ("Kube Mekar Sari: peralatan") or a UEP member's ("Siti Rohmah (UEP, Kube Mekar Sari): kas").

    `fallback` (the stored account name) is used for an account whose owner is unknown.
    """
    part = str(ACCOUNT_PART_LABELS.get(kind, kind))
    if program and year:
        return _("Pagu %(program)s %(year)d: %(part)s", program=program, year=year, part=part)
    if member_name and group_name:
        return _("%(member)s (UEP, %(group)s): %(part)s", member=member_name, group=group_name, part=part)
    if group_name:
        return _("%(group)s: %(part)s", group=group_name, part=part)
    return fallback or part


def natural_key(text: str) -> tuple:
    """A sort key that reads digit runs as numbers: `group:3:cash` sorts before `group:14:cash`."""
    return tuple(int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", text))


grant_status = labeller(GRANT_STATUS_LABELS, "A grant status in words: `handed_over` -> Sudah diserahkan.")
grant_badge = labeller(GRANT_STATUS_BADGES, "The badge class for a grant status.", default="")
program_label = labeller(PROGRAM_LABELS, "KUBE -> KUBE (kelompok), UEP -> UEP (perorangan).")
source_label = labeller(SOURCE_LABELS, "A funding source in words.")
condition_label = labeller(CONDITION_LABELS, "An equipment condition in words: `rusak` -> Rusak.")
condition_badge = labeller(CONDITION_BADGES, "The badge class for an equipment condition.", default="")
account_kind = labeller(ACCOUNT_KIND_LABELS, "An account kind in words: `committed` -> Terikat.")
entry_kind = labeller(ENTRY_KIND_LABELS, "A journal entry kind in words: `disbursement` -> Serah terima.")


#: Template filters of this feature, registered by its views.
TEMPLATE_FILTERS = {"grant_status": grant_status, "grant_badge": grant_badge, "program_label": program_label,
                    "source_label": source_label, "condition_label": condition_label,
                    "condition_badge": condition_badge, "account_kind": account_kind, "entry_kind": entry_kind}
