"""Words for roles, in the reader's language: the user forms' choices, the menu's account line, the user list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kube.auth.roles import ADMIN, LEADER, OFFICER, VIEWER
from kube.core.labels import labeller

ROLE_LABELS = {
    OFFICER: _l("Petugas program"),
    LEADER: _l("Ketua kelompok"),
    VIEWER: _l("Peninjau (hanya baca)"),
    ADMIN: _l("Administrator"),
}

role_label = labeller(ROLE_LABELS, "A role in words: `officer` -> Petugas program.")
