"""Money, numbers, months and dates through Babel in both languages, the template filters, and period arithmetic."""
from __future__ import annotations

from datetime import date

import pytest
from flask import render_template_string

from kube.core.formatting import (
    format_compact_rupiah, format_long_date, format_month, format_month_range, format_number, format_percent,
    format_rupiah, format_short_month, format_timestamp,
)
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


def test_english_keeps_indonesian_amounts_and_dates_so_figures_parse_back():
    """English readers get Babel's en_ID: English words, but Rp and dots as the forms read them."""
    assert format_rupiah(1_500_000, "en_ID") == "Rp1.500.000" and format_number(12_345, "en_ID") == "12.345"
    assert format_month(date(2024, 8, 1), "en_ID") == "August 2024"
    assert format_month_range(date(2025, 1, 1), date(2025, 6, 1), "en_ID") == "January\u2009–\u2009June 2025"
    assert format_month_range(date(2024, 11, 1), date(2025, 4, 1)) == "November 2024–April 2025"
    assert format_month_range(date(2025, 6, 1), date(2025, 6, 1)) == "Juni 2025"


def test_charts_and_tables_use_compact_amounts_short_months_and_percentages():
    assert format_compact_rupiah(1_500_000) == "Rp1,5\xa0jt" and format_compact_rupiah(-200_000) == "-Rp200\xa0rb"
    assert format_compact_rupiah(1_500_000, "en_ID") == "Rp1,5M"
    assert format_short_month(date(2025, 8, 1)) == "Agu 25" and format_short_month(date(2025, 8, 1), "en_ID") == "Aug 25"
    assert format_percent(0.873) == "87%" and format_percent(None) == "-"


def test_timestamps_are_shown_in_the_offices_time_zone():
    from datetime import datetime, timezone

    # 17:30 UTC on the 10th is already 00.30 on the 11th in Serang.
    assert format_timestamp(datetime(2025, 7, 10, 17, 30, tzinfo=timezone.utc)) == "11 Jul 2025 00.30"
    assert format_timestamp(datetime(2025, 7, 10, 17, 30)) == "11 Jul 2025 00.30"  # stored naive means UTC


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
