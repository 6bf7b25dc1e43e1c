"""The main menu: each item shows only to the roles that may open it."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kube.auth.models import ADMIN, LEADER, OFFICER, VIEWER

#: (endpoint, label, roles); endpoints of features not installed are skipped.
MENU = [
    ("main.index", _l("Beranda"), (ADMIN, OFFICER, LEADER, VIEWER)),
    ("monitoring.dashboard", _l("Dasbor"), (ADMIN, OFFICER, VIEWER)),
    ("groups.index", _l("Kelompok"), (ADMIN, OFFICER, VIEWER)),
    ("groups.index", _l("Kelompok saya"), (LEADER,)),  # the list sends a leader to their own group
    ("groups.members", _l("Cari anggota"), (ADMIN, OFFICER, VIEWER)),
    ("groups.my_reports", _l("Laporan bulanan"), (LEADER,)),
    ("groups.discipline", _l("Kedisiplinan laporan"), (ADMIN, OFFICER, VIEWER)),
    ("monitoring.flags", _l("Peringatan"), (ADMIN, OFFICER, VIEWER)),
    ("ledger.grants", _l("Bantuan"), (ADMIN, OFFICER, VIEWER)),
    ("ledger.budgets", _l("Anggaran"), (ADMIN, OFFICER, VIEWER)),
    ("ledger.letters_index", _l("Berita acara"), (ADMIN, OFFICER, VIEWER)),
    ("auth.users", _l("Pengguna"), (ADMIN,)),
    ("audit.index", _l("Log audit"), (ADMIN,)),
]


def nav_items() -> list[dict]:
    """Menu entries the current user may open."""
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label, roles in MENU:
        if current_user.role in roles and endpoint in current_app.view_functions:
            items.append({"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint})
    return items


ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    OFFICER: _l("Petugas program"),
    LEADER: _l("Ketua kelompok"),
    VIEWER: _l("Peninjau"),
}


def role_label(role: str) -> str:
    """The translated name of a role."""
    return str(ROLE_LABELS.get(role, role))


def page_url(page: int) -> str:
    """This page's URL with the same filters and another page number."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def current_locale() -> str:
    """The language code in use for this request."""
    locale = get_locale()
    return str(locale.language) if locale else "id"


def register_navigation(app: Flask) -> None:
    """Make the menu and the locale available to every template."""
    app.jinja_env.globals.update(nav_items=nav_items, current_locale=current_locale, role_label=role_label,
                             page_url=page_url)
