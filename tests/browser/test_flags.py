"""In Chromium: the flags page shows a group whose earnings fall, and an officer records a follow-up on it."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from kube.auth.operations import create_user
from kube.core.periods import add_months, format_period
from kube.monitoring.models import FollowUp
from tests.browser.helpers import FALLING, add_reports, figures_for, last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _people(*names: str) -> list[tuple[str, str, date]]:
    """Members with these names; sex from a trailing ' (P)', birth dates spread over 1972-1994."""
    return [(name.removesuffix(" (P)"), "P" if name.endswith(" (P)") else "L", date(1972 + 2 * index, 1 + index, 10))
            for index, name in enumerate(names)]


#: Tent rental is FALLING (helpers): six months below the same months a year earlier.
#: Tailoring: steady until four months ago, then no reports.
STOPPED = [2400, 2550, 2500, 2650, 2450, 2600, 2700, 2500, 2600, 2750, 2650, 2700]
#: A food stall shared by eight members: about Rp300.000 each, below the extreme poverty line.
POOR = [2200, 2250, 2300, 2250, 2350, 2300, 2400, 2350, 2450, 2400, 2500, 2450]
#: A shop growing month after month: not flagged.
RISING = [2000, 2100, 2250, 2300, 2450, 2600, 2700, 2850, 2950, 3100, 3300, 3450]


def test_flags_page_shows_falling_earnings_and_an_officer_records_a_follow_up(app, db, new_page):
    officer = create_user("rina", "Rina Marlina, S.Sos.", "officer", PASSWORD)
    month = last_month()
    falling = named_group(officer, "Kube Tenda Berkah", "sewa_tenda", _people(
        "Ahmad Fauzi", "Rohmat Hidayat", "Jajang Nurjaman", "Siti Maemunah (P)", "Odih Sanusi"))
    add_reports(falling, officer, figures_for(FALLING, 0.68), last=month)
    stopped = named_group(officer, "Kube Jahit Mandiri", "menjahit", _people(
        "Nurhayati (P)", "Cucu Sumiati (P)", "Lilis Suryani (P)", "Entin Kartini (P)", "Imas Masitoh (P)"))
    add_reports(stopped, officer, figures_for(STOPPED, 0.52), last=add_months(month, -3))
    poor = named_group(officer, "Kube Dapur Barokah", "kuliner", _people(
        "Mulyana", "Eneng Sumarni (P)", "Ade Rohaeti (P)", "Komarudin", "Enah Suhaenah (P)", "Dadang Kurnia",
        "Tati Haryati (P)", "Usep Saepuloh"))
    add_reports(poor, officer, figures_for(POOR, 0.34), last=month, members=8)
    rising = named_group(officer, "Kube Warung Sejahtera", "warung", _people(
        "Haerudin", "Sopiah (P)", "Karta Wijaya", "Mamat Rahmat", "Acih Rukmini (P)"))
    add_reports(rising, officer, figures_for(RISING, 0.22), last=month)
    db.session.commit()

    page = new_page()
    log_in(page, "rina")
    page.get_by_role("navigation").get_by_role("link", name="Peringatan").click()
    flags = page.locator("table.flags tbody")
    row = flags.locator('tr[data-kind="not_improving"]').filter(has_text="Kube Tenda Berkah")
    expect(row).to_contain_text("Pendapatan bersih turun rata-rata")
    expect(row).to_contain_text("bukan pola musiman")  # below the same months last year
    expect(row).to_contain_text("Belum ada")  # no follow-up yet
    expect(row).to_contain_text("Pendapatan tidak membaik")
    expect(flags.locator('tr[data-kind="missing_reports"]')).to_contain_text("Kube Jahit Mandiri")
    expect(flags.locator('tr[data-kind="below_extreme_poverty"]')).to_contain_text("Kube Dapur Barokah")
    expect(flags.locator("tr")).to_have_count(3)  # the growing shop, and nothing else, is left out
    expect(flags).not_to_contain_text("Kube Warung Sejahtera")
    save_screenshot(page, "flags-page.png", full_page=True)

    row.get_by_role("link", name="Catat tindak lanjut").click()
    expect(page.get_by_label("Peringatan", exact=True)).to_have_value("not_improving")
    expect(page.get_by_label("Bulan peringatan (YYYY-MM)")).to_have_value(format_period(month))
    page.get_by_label("Tindakan", exact=True).select_option("kunjungan")
    page.get_by_label("Status setelah tindakan").select_option("in_progress")
    note = "Dua tenda rusak terkena angin; pesanan hajatan pindah ke penyewa lain. Disepakati perbaikan dan promosi."
    page.get_by_label("Catatan", exact=True).fill(note)
    page.get_by_role("button", name="Simpan tindak lanjut").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/groups/{falling.id}/follow-ups$"))
    expect(page.get_by_role("status").filter(has_text="Tindak lanjut untuk Kube Tenda Berkah dicatat.")).to_be_visible()
    recorded = page.locator("table tbody tr").filter(has_text=note)
    for text in ("Pendapatan tidak membaik", "Kunjungan", "Sedang ditangani", "Rina Marlina"):
        expect(recorded).to_contain_text(text)

    page.get_by_role("navigation").get_by_role("link", name="Peringatan").click()
    expect(row).to_contain_text("Sedang ditangani")  # the flag now shows its last follow-up
    row.get_by_role("link", name="Kube Tenda Berkah").click()
    panel = page.locator("#pemantauan")
    expect(panel.locator(".trend-label")).to_contain_text("turun")
    chart = panel.get_by_role("img", name=re.compile("Grafik pendapatan bersih"))
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "the income chart did not load"
    box = panel.bounding_box()
    save_screenshot(page, "group-page-chart.png", full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": box["y"] + box["height"] + 16})

    follow_up = db.session.scalars(db.select(FollowUp)).one()
    assert (follow_up.group_id, follow_up.flag_kind, follow_up.flag_period, follow_up.action, follow_up.state,
            follow_up.officer_id, follow_up.note) == (falling.id, "not_improving", month, "kunjungan", "in_progress",
                                                      officer.id, note)
