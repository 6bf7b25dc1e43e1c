"""The overview as an XLSX workbook: one sheet per figure, Rupiah as whole numbers with a number format.

Every text cell goes through kube.core.spreadsheet (no stored text becomes a formula); amounts stay
integers so the reader can sum them, and shares stay fractions shown as percentages.
"""
from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kube.core.formatting import format_long_date, format_month
from kube.core.periods import from_month_index
from kube.core.spreadsheet import xlsx_row
from kube.groups.labels import group_status
from kube.ledger.labels import program_label, source_label
from kube.monitoring.labels import flag_kind
from kube.overview.queries import FLAG_AGE_BUCKETS, Overview

#: Whole Rupiah, grouped: Rp1.500.000 in an Indonesian spreadsheet, Rp1,500,000 in an English one.
RUPIAH_FORMAT = '"Rp"#,##0'
PERCENT_FORMAT = "0.0%"


def _cell(sheet, value, number_format: str):
    """A number cell with its format; None (nothing to show) stays empty."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = number_format
    return cell


def _money(sheet, amount: int | None):
    return _cell(sheet, None if amount is None else int(amount), RUPIAH_FORMAT)


def _share(sheet, share: float | None):
    return _cell(sheet, share, PERCENT_FORMAT)


def _sheet(workbook: Workbook, title: str, headers: list[str]):
    """A sheet with a bold, frozen header row and columns wide enough for their headers."""
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 4))
    sheet.append(xlsx_row(sheet, headers, font=Font(bold=True)))
    return sheet


def _append(sheet, cells: list) -> None:
    """A row of prepared cells and plain values (text through the safe cell writer)."""
    sheet.append([cell if isinstance(cell, Cell) else xlsx_row(sheet, [cell])[0] for cell in cells])


def overview_xlsx(overview: Overview) -> bytes:
    """The workbook's bytes: budgets, groups, reporting, flags and income, one sheet each, in the page's order."""
    workbook = Workbook(write_only=True)

    sheet = _sheet(workbook, _("Penyerapan anggaran"), [
        _("Tahun"), _("Program"), _("Sumber dana"), _("Pagu"), _("Terikat"), _("Tersalurkan"), _("Sisa"),
        _("Terserap (tersalurkan / pagu)")])
    for row in overview.budgets:
        _append(sheet, [row.year, str(program_label(row.program)), str(source_label(row.source)),
                        _money(sheet, row.pagu), _money(sheet, row.committed), _money(sheet, row.disbursed),
                        _money(sheet, row.remaining), _share(sheet, row.absorbed)])

    table = overview.groups
    sheet = _sheet(workbook, _("Kelompok"), [_("Kecamatan"), *(group_status(s) for s in table.statuses),
                                             _("Jumlah")])
    for row in table.rows:
        _append(sheet, [row.name, *(row.counts[s] for s in table.statuses), row.total])
    _append(sheet, [_("Kota Serang"), *(table.totals[s] for s in table.statuses), table.total])

    reporting = overview.reporting
    sheet = _sheet(workbook, _("Pelaporan"), [
        _("Kecamatan"), _("Kelompok aktif"), _("Laporan wajib"), _("Masuk"), _("Tepat waktu"), _("Kelengkapan"),
        _("Ketepatan waktu")])
    for rates in [*reporting.rows, reporting.total]:
        _append(sheet, [rates.name, rates.groups, rates.expected, rates.received, rates.on_time,
                        _share(sheet, rates.completeness), _share(sheet, rates.on_time_rate)])
    _append(sheet, [])
    _append(sheet, [_("Laporan bulan %(m)s, paling lambat %(d)s.", m=format_month(reporting.month),
                      d=format_long_date(reporting.due_date))])

    buckets = [str(words) for *_rest, words in FLAG_AGE_BUCKETS]
    sheet = _sheet(workbook, _("Peringatan"), [_("Jenis"), _("Jumlah"), *buckets])
    for age in overview.flags:
        _append(sheet, [flag_kind(age.kind), age.count, *age.buckets.values()])
    _append(sheet, [_("Jumlah"), overview.open_flags, *overview.flag_bucket_totals.values()])

    sheet = _sheet(workbook, _("Pendapatan per anggota"), [
        _("Bulan"), _("Laporan"), _("Median pendapatan bersih per anggota"), _("Garis kemiskinan ekstrem"),
        _("Di bawah garis")])
    for month in overview.income:
        below = "" if month.below_line is None else (_("Ya") if month.below_line else _("Tidak"))
        _append(sheet, [format_month(from_month_index(month.month)), month.reports,
                        _money(sheet, month.median_per_member), _money(sheet, month.poverty_line), below])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
