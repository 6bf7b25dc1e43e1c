"""The administrators' history page: the template, an upload checked or imported, and the imports done so far."""
from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from kube.auth.permissions import allowed
from kube.auth.roles import can_record_history
from kube.core.transaction import committed
from kube.groups.importer import MAX_BYTES
from kube.history import bp, importer, workbook
from kube.history.forms import HistoryImportForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/", methods=["GET", "POST"])
@allowed(can_record_history)
def index():
    """Upload a history workbook: check it (dry run) or import it, all or nothing, every error listed."""
    form = HistoryImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_BYTES + 1)
        # A refused workbook or a dry run keeps nothing (the importer rolls its savepoint back): the edge commits nothing.
        with committed():
            report = importer.import_history(data, upload.filename or "", current_user._get_current_object(),
                                             dry_run=form.dry_run.data, max_rows=workbook.WEB_MAX_ROWS)
    return render_template("history/index.html", form=form, report=report, imports=importer.past_imports(),
                           sheets=workbook.SHEETS, max_rows=workbook.WEB_MAX_ROWS, cli_max_rows=workbook.MAX_ROWS,
                           max_mb=MAX_BYTES // (1024 * 1024))


@bp.route("/template.xlsx")
@allowed(can_record_history)
def template():
    """The empty history workbook: five sheets with their headers and example rows, and the instructions."""
    return Response(workbook.template_xlsx(), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="kube-templat-impor-riwayat.xlsx"'})
