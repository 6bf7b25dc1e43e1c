"""HTML pages for importing members from CSV/XLSX and exporting groups and members."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField

from kube.audit.operations import record_access
from kube.auth.permissions import allowed
from kube.auth.roles import can_import_members, can_see_all_groups, can_see_full_nik
from kube.core.clock import office_today
from kube.core.forms import KubeForm
from kube.core.transaction import committed, committed_after_response
from kube.groups import bp, exporter, importer
from kube.groups.queries import GroupFilters

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
EXPORT_FORMATS = ("csv", "xlsx")


class ImportForm(KubeForm):
    """The member list to import."""

    file = FileField(_l("Berkas daftar anggota (CSV atau XLSX)"), validators=[
        FileRequired(message=_l("Pilih berkas yang akan diimpor.")),
        FileAllowed(["csv", "xlsx"], message=_l("Hanya berkas .csv atau .xlsx.")),
    ])
    submit = SubmitField(_l("Periksa dan impor"))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@bp.route("/groups/import", methods=["GET", "POST"])
@allowed(can_import_members)
def import_members():
    """Upload a member list; import every row or, on any error, none and list every error."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(importer.MAX_BYTES + 1)
        # A file with any bad row imports nothing: the importer keeps none of its rows, so the edge commits nothing.
        with committed():
            report = importer.import_members(data, upload.filename or "", current_user._get_current_object(),
                                             max_rows=importer.WEB_MAX_ROWS)
        if report.ok:
            per_group = ", ".join(f"{code} ({n})" for code, n in report.created.items())
            flash(_("Impor berhasil: %(n)d anggota ditambahkan ke %(g)d kelompok: %(list)s.",
                    n=report.total, g=len(report.created), list=per_group), "success")
            target = "groups.index" if "groups.index" in current_app.view_functions else "groups.import_members"
            return redirect(url_for(target))
    return render_template("groups/import.html", form=form, report=report,
                           max_rows=importer.WEB_MAX_ROWS, cli_max_rows=importer.MAX_ROWS,
                           max_mb=importer.MAX_BYTES // (1024 * 1024))


@bp.route("/groups/import/template.xlsx")
@allowed(can_import_members)
def import_template():
    """An example member list with the expected headers."""
    return Response(importer.template_xlsx(), mimetype=XLSX_TYPE,
                    headers=_attachment("kube-templat-impor-anggota.xlsx"))


def _export(kind: str, fmt: str, headers: list[str], rows, title: str, access_kind: str | None = None):
    """The rows as a CSV (streamed) or XLSX download; `access_kind` records an export with full NIKs."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    filename = f"kube-{kind}-{office_today().isoformat()}.{fmt}"
    if access_kind:
        filters = request.query_string.decode("utf-8", "replace")
        committed_after_response(
            lambda: record_access(access_kind, actor=current_user, export=f"{filename} {filters}".strip()))
    if fmt == "csv":
        return Response(stream_with_context(exporter.csv_stream(headers, rows)), content_type=CSV_TYPE,
                        headers=_attachment(filename))
    return Response(exporter.xlsx_bytes(headers, rows, title), mimetype=XLSX_TYPE, headers=_attachment(filename))


@bp.route("/groups/export.<fmt>")
@allowed(can_see_all_groups)
def export_groups(fmt: str):
    """The groups matching the list filters, as CSV or XLSX."""
    full_nik = can_see_full_nik(current_user)
    rows = exporter.group_rows(GroupFilters.from_args(request.args, current_user), mask=not full_nik)
    return _export("kelompok", fmt, exporter.GROUP_HEADERS, rows, "Kelompok", "group_export" if full_nik else None)


@bp.route("/members/export.<fmt>")
@allowed(can_see_all_groups)
def export_members(fmt: str):
    """The current members of the groups matching the list filters, as CSV or XLSX."""
    full_nik = can_see_full_nik(current_user)
    rows = exporter.member_rows(GroupFilters.from_args(request.args, current_user), mask=not full_nik)
    return _export("anggota", fmt, exporter.MEMBER_HEADERS, rows, "Anggota", "member_export" if full_nik else None)
