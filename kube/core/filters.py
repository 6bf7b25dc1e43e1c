"""Jinja filters that show money, numbers, dates and NIKs in the reader's language."""
from __future__ import annotations

from flask import Flask

from kube.core import formatting
from kube.core.identity import mask_nik
from kube.core.periods import from_month_index


def _month_of_index(index: int | None) -> str:
    return formatting.NOTHING if index is None else formatting.format_month(from_month_index(index))


def register_template_filters(app: Flask) -> None:
    """Install `rupiah`, `number`, `percent`, `long_date`, `month`, `month_index`, `timestamp` and `mask_nik`."""
    app.add_template_filter(formatting.format_rupiah, "rupiah")
    app.add_template_filter(formatting.format_number, "number")
    app.add_template_filter(formatting.format_percent, "percent")
    app.add_template_filter(formatting.format_long_date, "long_date")
    app.add_template_filter(formatting.format_month, "month")
    app.add_template_filter(_month_of_index, "month_index")
    app.add_template_filter(formatting.format_timestamp, "timestamp")
    app.add_template_filter(mask_nik, "mask_nik")
