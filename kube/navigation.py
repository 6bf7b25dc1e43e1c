"""The main menu and the globals every template reads: each menu item shows only to those who may open it."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from kube.auth import roles
from kube.auth.labels import role_label
from kube.core.formatting import current_language

#: (endpoint, label, capability); endpoints of features not installed are skipped.
MENU = [
    ("main.index", _l("Beranda"), roles.can_log_in),
    ("monitoring.dashboard", _l("Dasbor"), roles.can_see_all_groups),
    ("overview.index", _l("Ringkasan"), roles.can_see_all_groups),
    ("groups.index", lazy_pgettext("menu", "Kelompok"), roles.can_see_all_groups),
    ("groups.index", _l("Kelompok saya"), roles.can_use_leader_pages),  # the list sends a leader to their group
    ("groups.members", _l("Cari anggota"), roles.can_see_all_groups),
    ("reports.mine", _l("Laporan bulanan"), roles.can_use_leader_pages),
    ("reports.discipline", _l("Kedisiplinan laporan"), roles.can_see_all_groups),
    ("reports.verify_many", _l("Verifikasi laporan"), roles.can_verify_reports),
    ("reports.entry_grid", _l("Isi laporan sekaligus"), roles.can_verify_reports),
    ("monitoring.flags", _l("Peringatan"), roles.can_see_all_groups),
    ("ledger.grants", _l("Bantuan"), roles.can_see_all_groups),
    ("ledger.equipment_register", _l("Peralatan"), roles.can_see_all_groups),
    ("ledger.budgets", _l("Anggaran"), roles.can_see_all_groups),
    ("ledger.trial_balance", _l("Neraca saldo"), roles.can_see_all_groups),
    ("ledger.letters_index", _l("Berita acara"), roles.can_see_all_groups),
    ("auth.users", _l("Pengguna"), roles.can_manage_users),
    ("audit.index", _l("Log audit"), roles.can_read_audit_log),
    ("history.index", _l("Impor riwayat"), roles.can_record_history),
    ("privacy.person_report_page", _l("Data pribadi seseorang"), roles.can_read_audit_log),
]


def nav_items() -> list[dict]:
    """Menu entries the current user may open."""
    return [{"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint}
            for endpoint, label, capability in MENU
            if capability(current_user) and endpoint in current_app.view_functions]


def page_url(page: int) -> str:
    """This page's URL with the same filters and another page number."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register_navigation(app: Flask) -> None:
    """Make the menu, the language, role names and every capability (`can_verify_reports(...)`) available to templates."""
    app.jinja_env.globals.update(nav_items=nav_items, current_locale=current_language, role_label=role_label,
                                 page_url=page_url, **roles.capabilities())
