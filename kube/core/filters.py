"""Jinja filters that show money, dates and NIKs the Indonesian way."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from kube.core import formatting


def _locale() -> str:
    locale = get_locale()
    return str(locale.language) if locale else "id"


def register_template_filters(app: Flask) -> None:
    """Install `rupiah`, `long_date`, `month`, `timestamp` and `mask_nik` filters."""
    app.add_template_filter(formatting.format_rupiah, "rupiah")
    app.add_template_filter(lambda d: formatting.format_long_date(d, _locale()), "long_date")
    app.add_template_filter(lambda d: formatting.format_month(d, _locale()), "month")
    app.add_template_filter(
        lambda t: formatting.format_timestamp(t, _locale(), app.config["BABEL_DEFAULT_TIMEZONE"]),
        "timestamp",
    )
    app.add_template_filter(_mask_nik, "mask_nik")


def _mask_nik(nik: str | None) -> str:
    from kube.core.identity import mask_nik

    return mask_nik(nik)
