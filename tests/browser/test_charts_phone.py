"""In Chromium on a 360 px phone: the income charts are readable (type of 11 px or more, axis from zero),
the poverty line is drawn for a group below it, and the values open in a table with a tap."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from kube.auth.operations import create_user
from tests.browser.helpers import add_reports, figures_for, last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SMALL_PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True,
               "has_touch": True}
#: A food stall shared by eight members: about Rp300.000 each, below the extreme poverty line (Rp400.000).
POOR = [2200, 2250, 2300, 2250, 2350, 2300, 2400, 2350, 2450, 2400, 2500, 2450]

#: The rendered size of an SVG text: its font size times the scale the SVG is drawn at.
RENDERED_FONT_SIZES = """svg => Array.from(svg.querySelectorAll('text')).map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


def test_charts_on_a_small_phone(app, db, new_page):
    officer = create_user("rina", "Rina Marlina, S.Sos.", "officer", PASSWORD)
    poor = named_group(officer, "Kube Dapur Barokah", "kuliner", [
        (name, "L", date(1970 + index, 1, 10)) for index, name in enumerate(
            ("Mulyana", "Komarudin", "Dadang Kurnia", "Usep Saepuloh", "Ade Rohaeti", "Eneng Sumarni", "Tati Haryati",
             "Enah Suhaenah"))])
    add_reports(poor, officer, figures_for(POOR, 0.34), last=last_month(), members=8)
    db.session.commit()

    page = new_page(**SMALL_PHONE)
    log_in(page, "rina")
    page.goto(f"/groups/{poor.id}")
    panel = page.locator("#pemantauan")
    chart = panel.locator("figure.chart img")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "the income chart did not load"
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # The chart is an image: its values are one tap away, in a table.
    table = panel.locator("table.chart-table")
    expect(table).to_be_hidden()
    panel.get_by_text("Angka grafik per bulan").click()
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_contain_text("Garis kemiskinan ekstrem")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(table).to_contain_text("Rp3.200.000")  # the poverty line for 8 members: 8 x Rp400.000
    save_screenshot(panel, "group-chart-phone.png")

    page.goto("/monitoring/dashboard")
    svg = page.locator("section.chart svg")
    expect(svg).to_be_visible()
    sizes = svg.evaluate(RENDERED_FONT_SIZES)
    assert sizes and min(sizes) >= 11, sizes
    expect(page.locator("main")).not_to_contain_text("arahkan")
