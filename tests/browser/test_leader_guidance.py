"""In Chromium on a phone: the leader's home says what is due, and the form groups thousands and shows the net as typed."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from kube.core.formatting import format_month
from kube.core.periods import add_months
from kube.groups import operations
from tests.browser.helpers import PHONE, add_reports, last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

MAWAR = [("Rina Marlina", "P", date(1982, 4, 3)), ("Dedeh Kurniasih", "P", date(1986, 9, 14)),
         ("Lilis Suryani", "P", date(1979, 12, 1)), ("Nurhayati", "P", date(1991, 2, 22)),
         ("Iis Aisyah", "P", date(1988, 6, 8))]
#: Five months of a growing snack business (revenue, expenses): net from Rp1,6 juta up to Rp2,5 juta.
GROWING = [(4_000_000, 2_400_000), (4_300_000, 2_500_000), (4_700_000, 2_600_000), (5_000_000, 2_700_000),
           (5_200_000, 2_700_000)]


def test_leader_home_guides_and_the_form_formats_amounts_and_shows_the_net(app, db, users, new_page):
    officer = users["officer"]
    group = named_group(officer, "Kube Mawar Sejahtera", "kuliner", MAWAR)
    operations.create_leader_account(group, "ketua.mawar", "Rina Marlina", PASSWORD, officer)
    month = last_month()
    add_reports(group, officer, GROWING, last=add_months(month, -1))
    db.session.commit()
    month_name = format_month(month, "id")

    page = new_page(**PHONE)
    log_in(page, "ketua.mawar")
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.locator(".due-text")).to_contain_text(f"Laporan {month_name} paling lambat 10 ")
    expect(page.locator(".improvement")).to_have_text(
        "Pendapatan bersih kelompok Anda naik dalam 6 bulan terakhir. Bagus, teruskan!")
    expect(page.locator(".leader-months li")).to_have_count(6)
    expect(page.locator(".leader-chart svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "leader-home-phone.png", full_page=True)

    page.get_by_role("link", name=f"Laporkan {month_name}").tap()
    revenue = page.get_by_label("Omzet (pendapatan kotor) bulan ini")
    expenses = page.get_by_label("Biaya (pengeluaran usaha) bulan ini")
    net = page.locator("#net-live")
    revenue.press_sequentially("12500000")
    expect(revenue).to_have_value("12.500.000")
    expenses.press_sequentially("2750000")
    expect(expenses).to_have_value("2.750.000")
    expect(net).to_have_text("Pendapatan bersih: Rp9.750.000")
    # A correction in the middle regroups and keeps the caret after the same digit: delete the 5 of
    # 12.500.000 (1.200.000), then type 9 where it stood (12.900.000).
    revenue.click()
    revenue.press("Home")
    for _ in range(4):
        revenue.press("ArrowRight")
    revenue.press("Backspace")
    expect(revenue).to_have_value("1.200.000")
    revenue.press("9")
    expect(revenue).to_have_value("12.900.000")
    expect(net).to_have_text("Pendapatan bersih: Rp10.150.000")
    expenses.fill("20000000")
    expect(expenses).to_have_value("20.000.000")
    expect(net).to_have_text("Pendapatan bersih: -Rp7.100.000 (rugi)")
    # Text that is not a plain amount is left as typed, for the server to explain.
    expenses.fill("2,5")
    expect(expenses).to_have_value("2,5")
    expect(net).to_have_text("")


def test_the_confirm_control_is_thumb_sized_and_the_wrong_figure_is_named_in_rupiah(app, db, users, new_page):
    officer = users["officer"]
    group = named_group(officer, "Kube Mawar Indah", "kuliner", MAWAR)
    operations.create_leader_account(group, "ketua.indah", "Rina Marlina", PASSWORD, officer)
    month = last_month()
    add_reports(group, officer, GROWING, last=add_months(month, -1))
    db.session.commit()

    page = new_page(**PHONE)
    log_in(page, "ketua.indah")
    page.goto(f"/groups/{group.id}/reports/form?period={month.strftime('%Y-%m')}")
    page.get_by_label("Omzet (pendapatan kotor) bulan ini").press_sequentially("47000000")
    page.get_by_label("Biaya (pengeluaran usaha) bulan ini").press_sequentially("2700000")
    db.session.rollback()  # end the test's read before the server writes
    page.get_by_role("button", name="Kirim laporan").tap()

    revenue = page.get_by_label("Omzet (pendapatan kotor) bulan ini")
    expect(revenue).to_have_value("47.000.000")
    expect(page.locator("#revenue-warning")).to_have_text(
        "Omzet Rp47.000.000 jauh di atas biasanya, sekitar Rp4.700.000.")
    assert revenue.get_attribute("aria-describedby") == "revenue-help revenue-warning"
    box = page.locator(".big-check label").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    checkbox = page.get_by_label("Ya, angka ini sudah benar")
    assert checkbox.bounding_box()["height"] >= 24
