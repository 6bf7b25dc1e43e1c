"""HTML pages of the city-wide equipment register (`/equipment`) and its CSV/XLSX export.

The rules (what is listed, in which order, what is due for a check) live in `kube.ledger.equipment`; these
views read the URL, check the role and render or stream.
"""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from kube.auth.permissions import allowed
from kube.auth.roles import can_record_grants, can_see_all_groups
from kube.core.clock import office_today
from kube.groups.queries import RegionCatalogue
from kube.ledger import bp, equipment
from kube.ledger.labels import CONDITION_LABELS
from kube.ledger.views import sheet_download


@bp.route("/equipment")
@allowed(can_see_all_groups)
def equipment_register():
    """Every group's granted equipment with its last check: filters, the viewer's groups first, totals, pages."""
    filters = equipment.EquipmentFilters.from_args(request.args, current_user, office_today())
    return render_template(
        "ledger/equipment.html", filters=filters, page=equipment.paginate_equipment(filters),
        totals=equipment.equipment_totals(filters), regions=RegionCatalogue.load(), conditions=CONDITION_LABELS,
        unchecked=equipment.UNCHECKED, can_check=can_record_grants(current_user),
        # Only officers are pendamping of groups; the "my groups" filter means nothing to anyone else.
        can_filter_mine=can_record_grants(current_user),
    )


@bp.route("/equipment.<fmt>")
@allowed(can_see_all_groups)
def equipment_register_export(fmt: str):
    """All rows of the register for the same filters (not one page), as CSV or XLSX; no NIK in it."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = equipment.EquipmentFilters.from_args(request.args, current_user, office_today())
    headers, rows = equipment.equipment_sheet(filters)
    return sheet_download(fmt, headers, rows, f"peralatan-{filters.today.isoformat()}.{fmt}", "Peralatan")
