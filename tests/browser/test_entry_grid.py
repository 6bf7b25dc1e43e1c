"""In Chromium at 1366x900: an officer types three groups' reports in the entry grid with Tab and Enter, sends
them, and sees each row's result on its row (saved, or an unusual figure to confirm), then confirms that row."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from kube.auth.operations import create_user
from kube.core.formatting import format_month
from kube.reports.queries import get_report
from tests.browser.helpers import last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1366, "height": 900}}


def _people(prefix: str) -> list[tuple[str, str, date]]:
    return [(f"{prefix} {index + 1}", "L" if index % 2 else "P", date(1975 + index, 3, 10)) for index in range(5)]


def test_an_officer_types_three_rows_with_tab_and_enter_and_sees_each_result(app, db, new_page):
    officer = create_user("rina", "Rina Marlina, S.Sos.", "officer", PASSWORD)
    groups = [named_group(officer, name, "sewa_tenda", _people(name.split()[-1]))
              for name in ("Kube Tenda Berkah", "Kube Jahit Mandiri", "Kube Warung Sejahtera", "Kube Dapur Barokah")]
    db.session.commit()
    first, second, third, untouched = groups
    month = last_month()

    page = new_page(**LAPTOP)
    log_in(page, "rina")
    page.get_by_role("navigation").get_by_role("link", name="Isi laporan sekaligus").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(format_month(month, "id"))

    revenue = page.get_by_label(f"Omzet {first.name} ({first.code})")
    revenue.click()
    # Row 1: Tab between its figures; Enter on the last one moves to the next row instead of sending.
    page.keyboard.type("1.500.000")
    page.keyboard.press("Tab")
    expect(page.get_by_label(f"Biaya {first.name} ({first.code})")).to_be_focused()
    page.keyboard.type("400.000")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    expect(page.get_by_label(f"Omzet {second.name} ({second.code})")).to_be_focused()
    # Row 2: Enter all the way.
    page.keyboard.type("2.000.000")
    page.keyboard.press("Enter")
    page.keyboard.type("750.000")
    page.keyboard.press("Enter")
    expect(page.get_by_label(f"Anggota aktif {second.name} ({second.code})")).to_be_focused()
    page.keyboard.press("Tab")  # members left empty: the group's current count
    expect(page.get_by_label(f"Omzet {third.name} ({third.code})")).to_be_focused()
    # Row 3: expenses nine times revenue, an unusual figure.
    page.keyboard.type("100.000")
    page.keyboard.press("Tab")
    page.keyboard.type("900.000")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.get_by_role("button", name="Simpan semua baris").click()

    summary = page.locator(".grid-summary")
    expect(summary).to_contain_text("2 baris tersimpan, 1 perlu konfirmasi, 0 ditolak.")
    expect(page.locator(f"#row-{first.id}")).to_contain_text("Tersimpan: pendapatan bersih Rp1.100.000.")
    expect(page.locator(f"#row-{second.id}")).to_contain_text("Tersimpan: pendapatan bersih Rp1.250.000.")
    third_row = page.locator(f"#row-{third.id}")
    expect(third_row).to_contain_text("lebih dari 3 kali omzet")
    expect(page.get_by_label(f"Anggota aktif {second.name} ({second.code})")).to_have_value("5")  # as stored
    expect(page.get_by_label(f"Omzet {third.name} ({third.code})")).to_have_value("100.000")
    expect(page.get_by_label(f"Biaya {third.name} ({third.code})")).to_have_value("900.000")
    expect(page.locator(f"#row-{untouched.id} .grid-result")).to_have_text("")
    save_screenshot(page, "entry-grid.png", full_page=True)

    third_row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Simpan semua baris").click()
    expect(page.locator(".grid-summary")).to_contain_text("1 baris tersimpan, 0 perlu konfirmasi, 0 ditolak.")
    expect(page.locator(f"#row-{third.id}")).to_contain_text("Tersimpan: pendapatan bersih -Rp800.000.")

    db.session.rollback()  # end the test's read transaction: the server committed since
    assert get_report(first, month).net == 1_100_000
    assert get_report(second, month).active_members == 5
    assert get_report(third, month).confirmed_unusual
    assert get_report(untouched, month) is None


def test_on_a_360_px_phone_the_rows_are_cards_that_fit(app, db, new_page):
    officer = create_user("rina", "Rina Marlina, S.Sos.", "officer", PASSWORD)
    groups = [named_group(officer, name, "sewa_tenda", _people(name.split()[-1]))
              for name in ("Kube Tenda Berkah", "Kube Jahit Mandiri")]
    db.session.commit()
    page = new_page(viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True, has_touch=True)
    log_in(page, "rina")
    page.goto("/reports/grid")
    first, second = groups
    page.get_by_label(f"Omzet {first.name} ({first.code})").fill("1,5 juta")
    page.get_by_label(f"Biaya {first.name} ({first.code})").fill("400.000")
    page.get_by_label(f"Omzet {second.name} ({second.code})").fill("100.000")
    page.get_by_label(f"Biaya {second.name} ({second.code})").fill("900.000")
    page.get_by_role("button", name="Simpan semua baris").click()
    expect(page.locator(f"#row-{first.id}")).to_contain_text("Ditolak:")
    expect(page.locator(f"#row-{second.id}").get_by_role("checkbox")).to_be_visible()
    expect(page.locator("#entry-grid-table")).to_have_class("stack")  # tables.js made the rows cards
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for row in groups:
        box = page.locator(f"#row-{row.id}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    save_screenshot(page, "entry-grid-phone.png", full_page=True)
