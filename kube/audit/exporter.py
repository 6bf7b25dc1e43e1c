"""The audit export: the audit log and the personal-data access log as one XLSX workbook for auditors."""
from __future__ import annotations

import io
from collections.abc import Iterable

from flask_babel import gettext as _

from kube.audit.labels import access_kind, audit_action, audit_object_type
from kube.audit.models import AuditEntry, PersonalDataAccess
from kube.core.clock import OFFICE_TIMEZONE
from kube.core.identity import mask_nik
from kube.core.spreadsheet import xlsx_row


def _local(moment) -> str:
    """The office's wall-clock time of a stored UTC moment, as YYYY-MM-DD HH:MM:SS (sorts as text)."""
    return moment.astimezone(OFFICE_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")


def _sheet(workbook, title: str, headers: list[str], rows: Iterable[list]) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_row(sheet, headers, font=Font(bold=True)))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))


def audit_workbook(entries: Iterable[AuditEntry], accesses: Iterable[PersonalDataAccess]) -> bytes:
    """Two sheets: every audit entry, and every showing of full NIKs (with whose, masked, or which export)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _sheet(workbook, _("Log audit"),
           [_("Waktu (WIB)"), _("Pengguna"), _("Tindakan"), _("Kode tindakan"), _("Objek"), _("ID objek"),
            _("Ringkasan")],
           ([_local(e.at), e.username or "", audit_action(e.action), e.action, audit_object_type(e.object_type),
             e.object_id or "", e.summary] for e in entries))
    _sheet(workbook, _("Akses NIK lengkap"),
           [_("Waktu (WIB)"), _("Pengguna"), _("Yang ditampilkan"), _("Halaman atau rute"), _("Ekspor"),
            _("Orang (NIK disamarkan)")],
           ([_local(a.at), a.username or "", access_kind(a.kind), a.route, a.export,
             "; ".join(f"{s.member.name} {mask_nik(s.member.nik)}" for s in a.subjects)] for a in accesses))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
