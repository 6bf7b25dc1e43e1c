"""In Chromium on a phone: a group leader reports last month's income and confirms an unusual figure."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from kube.core.formatting import format_month
from kube.core.periods import add_months
from kube.groups import operations
from kube.reports.queries import get_report
from tests.browser.helpers import PHONE, add_reports, last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SEKAR_MELATI = [("Siti Rohmah", "P", date(1979, 3, 12)), ("Euis Kurniasih", "P", date(1983, 7, 2)),
                ("Neneng Hasanah", "P", date(1988, 11, 20)), ("Aminah", "P", date(1975, 5, 9)),
                ("Yuyun Yuningsih", "P", date(1990, 1, 30))]
#: A year of ordinary catering months (revenue, expenses): net income about Rp2,1-2,9 juta.
ORDINARY_YEAR = [(5_400_000, 3_100_000), (5_100_000, 2_950_000), (6_200_000, 3_600_000), (5_800_000, 3_300_000),
                 (7_900_000, 5_000_000), (5_300_000, 3_050_000), (4_900_000, 2_800_000), (5_600_000, 3_200_000),
                 (6_000_000, 3_450_000), (5_500_000, 3_150_000), (5_700_000, 3_250_000), (6_100_000, 3_500_000)]


def test_leader_reports_last_month_on_a_phone_and_confirms_an_unusual_figure(app, db, users, new_page):
    officer = users["officer"]
    group = named_group(officer, "Kube Sekar Melati", "kuliner", SEKAR_MELATI)
    leader = operations.create_leader_account(group, "ketua.sekar", "Siti Rohmah", PASSWORD, officer)
    month = last_month()
    add_reports(group, leader, ORDINARY_YEAR, last=add_months(month, -1))
    db.session.commit()
    month_name = format_month(month, "id")

    page = new_page(**PHONE)
    log_in(page, "ketua.sekar")
    expect(page).to_have_url(re.compile(r"/reports$"))  # a leader lands on their monthly reports
    page.get_by_role("link", name=f"Laporkan {month_name}").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Laporan {month_name}")
    page.get_by_label("Omzet (pendapatan kotor) bulan ini").fill("12.500.000")
    page.get_by_label("Biaya (pengeluaran usaha) bulan ini").fill("2.000.000")
    page.get_by_label("Catatan (boleh kosong)").fill("Pesanan katering tiga hajatan pernikahan.")
    page.get_by_role("button", name="Kirim laporan").tap()

    # Net Rp10.500.000 is beyond 3 x the median of the earlier nets (about Rp2,5 juta): asked, not saved.
    # The question names the figure furthest from its usual value, on its own field, in Rupiah.
    expect(page.get_by_role("alert").filter(has_text="Apakah angka ini sudah benar?")).to_be_visible()
    expect(page.locator("#revenue-warning")).to_have_text(
        "Omzet Rp12.500.000 jauh di atas biasanya, sekitar Rp5.700.000.")
    expect(page.get_by_label("Omzet (pendapatan kotor) bulan ini")).to_have_value("12.500.000")
    assert get_report(group, month) is None
    db.session.rollback()  # end the test's read before the server writes
    save_screenshot(page, "leader-phone-report.png", full_page=True)

    page.get_by_label("Ya, angka ini sudah benar").check()
    page.get_by_role("button", name="Kirim laporan").tap()
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.get_by_role("status").filter(has_text=f"Laporan {month_name} tersimpan")).to_contain_text(
        "pendapatan bersih Rp10.500.000")
    expect(page.get_by_role("status").filter(has_text="Terima kasih.")).to_contain_text("Laporan berikutnya: ")
    expect(page.get_by_role("status").filter(has_text=f"Laporan {month_name} sudah terkirim.")).to_be_visible()
    this_month = page.locator(".month-list li").filter(has_text=month_name)
    expect(this_month).to_contain_text("Pendapatan bersih: Rp10.500.000")
    expect(this_month.get_by_role("link", name="Perbaiki")).to_be_visible()  # still the leader's to correct

    report = get_report(group, month)
    assert (report.revenue, report.expenses, report.net) == (12_500_000, 2_000_000, 10_500_000)
    assert report.confirmed_unusual and not report.entered_on_behalf and report.submitted_by_id == leader.id
    assert report.note == "Pesanan katering tiga hajatan pernikahan."
