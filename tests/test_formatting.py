"""Rupiah, date and month filters, and period arithmetic."""
from __future__ import annotations

from datetime import date

import pytest
from flask import render_template_string

from kube.core.formatting import format_long_date, format_month, format_rupiah
from kube.core.periods import add_months, format_period, from_month_index, month_index, parse_period


@pytest.mark.parametrize("amount, text", [
    (0, "Rp0"), (500, "Rp500"), (1500000, "Rp1.500.000"), (17500000, "Rp17.500.000"),
    (-45000, "-Rp45.000"), (1_000_000_000_000, "Rp1.000.000.000.000"), (None, "-"),
])
def test_rupiah(amount, text):
    assert format_rupiah(amount) == text


def test_dates_and_months_in_indonesian_and_english():
    assert format_long_date(date(2024, 8, 28)) == "28 Agustus 2024"
    assert format_long_date(date(2025, 2, 1)) == "1 Februari 2025"
    assert format_month(date(2024, 8, 1)) == "Agustus 2024"
    assert format_month(date(2024, 5, 1)) == "Mei 2024"
    assert format_long_date(date(2024, 8, 28), "en") == "28 August 2024"


def test_template_filters(app):
    with app.test_request_context("/"):
        rendered = render_template_string(
            "{{ 1500000|rupiah }}|{{ d|long_date }}|{{ d|month }}|{{ nik|mask_nik }}",
            d=date(2024, 8, 28), nik="3673012808240001",
        )
    assert rendered == "Rp1.500.000|28 Agustus 2024|Agustus 2024|3673**********01"


def test_periods():
    assert parse_period("2025-06") == date(2025, 6, 1)
    for bad in ("2025-13", "2025-6", "25-06", "", "2025-06-01"):
        with pytest.raises(ValueError):
            parse_period(bad)
    assert format_period(date(2025, 1, 1)) == "2025-01"
    assert month_index(date(2025, 1, 1)) - month_index(date(2024, 12, 1)) == 1
    assert from_month_index(month_index(date(2024, 12, 1))) == date(2024, 12, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert add_months(date(2024, 11, 1), 14) == date(2026, 1, 1)
