"""In Chromium, an officer's Monday morning on the demo office, at a desk (1366x900) and on a phone (390x844).

From the inbox the officer verifies three reports at once, approves a grant after reading the recipient's
other grants (a second grant within a year needs a written reason), and records an equipment check with a
photo; after each task the inbox's count has gone down by what was done. The head of office's overview is
the viewer's home. With KUBE_SCREENSHOT_DIR set, the README screenshots of the inbox and the overview are taken.
"""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from kube.auth.models import User
from kube.core.clock import office_today
from kube.demo import DEMO_PASSWORD, load_demo
from kube.ledger import operations as ledger
from kube.ledger.models import AssetCheck, Grant, Photo
from tests.browser.crawl import LAPTOP
from tests.browser.helpers import PHONE, log_in, save_screenshot
from tests.factories import TENT_LINES

pytestmark = pytest.mark.browser

REASON = "Tenda pertama rusak berat karena banjir Januari; kelompok butuh tenda pengganti."


@pytest.fixture
def office(app, db):
    """The demo office, plus a tent grant for a group that was handed one 20 days ago, recorded by petugas2."""
    today = office_today()
    load_demo(today)
    recorder = db.session.scalar(select(User).where(User.username == "petugas2"))
    earlier = db.session.scalars(select(Grant).where(Grant.status == "handed_over", Grant.program == "KUBE")
                                 .order_by(Grant.id)).first()
    second = ledger.create_grant("KUBE", today.year, earlier.group, TENT_LINES, recorder, note="Tenda pengganti")
    ledger.submit_grant(second, recorder)
    db.session.commit()
    return {"earlier": earlier, "second": second}


def inbox_count(page: Page, kind: str) -> int:
    """The number on the home page's inbox item of `kind`."""
    page.goto("/")
    return int(page.locator(f'a[data-kind="{kind}"] .inbox-count').inner_text().replace(".", ""))


def open_inbox_item(page: Page, kind: str) -> None:
    page.goto("/")
    page.locator(f'a[data-kind="{kind}"]').click()


@pytest.mark.parametrize("screen", [LAPTOP, PHONE], ids=["desktop-1366", "phone-390"])
def test_an_officers_morning_from_the_inbox(new_page, db, office, screen, tmp_path):
    page = new_page(**screen)
    log_in(page, "petugas", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Yang menunggu Anda")).to_be_visible()
    if screen is LAPTOP:
        save_screenshot(page, "inbox.png", full_page=True)

    # 1. Three reports verified at once.
    waiting = inbox_count(page, "reports_to_verify")
    assert waiting >= 3
    open_inbox_item(page, "reports_to_verify")
    expect(page).to_have_url(re.compile(r"/reports/verify$"))
    boxes = page.locator('input[name="report"]')
    for index in range(3):
        boxes.nth(index).check()
    page.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(page.get_by_text("3 laporan diverifikasi.")).to_be_visible()
    assert inbox_count(page, "reports_to_verify") == waiting - 3

    # 2. A grant approved after reading the recipient's other grants.
    to_approve = inbox_count(page, "grants_to_approve")
    assert to_approve >= 1
    open_inbox_item(page, "grants_to_approve")
    page.locator(f'tr[data-grant="{office["second"].id}"] a').first.click()
    page.get_by_role("link", name="Setujui").click()
    other_grants = page.locator("ul.prior-grants")
    expect(other_grants.locator(f'a[href$="/grants/{office["earlier"].id}"]')).to_be_visible()
    expect(other_grants.get_by_text("dalam 12 bulan terakhir")).to_be_visible()
    page.get_by_role("button", name="Ya, setujui").click()  # first without a reason: refused, nothing lost
    expect(page.get_by_text("Tulis alasan", exact=False).first).to_be_visible()
    page.get_by_label("Alasan menyetujui bantuan kedua").fill(REASON)
    page.get_by_role("button", name="Ya, setujui").click()
    expect(page.get_by_text(re.compile(rf"Bantuan #{office['second'].id} disetujui"))).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    assert inbox_count(page, "grants_to_approve") == to_approve - 1

    # 3. An equipment check recorded with a photo taken on the visit.
    due = inbox_count(page, "equipment_checks_due")
    assert due >= 1
    open_inbox_item(page, "equipment_checks_due")
    expect(page).to_have_url(re.compile(r"/equipment\?due=1$"))
    page.get_by_role("link", name="Catat pemeriksaan").first.click()
    photo = tmp_path / "tenda.jpg"
    Image.new("RGB", (2400, 1800), (30, 120, 80)).save(photo, "JPEG")
    page.get_by_label("Kondisi").select_option("baik")
    page.get_by_label("Catatan").fill("Disewakan 4 kali bulan ini; rangka masih kokoh.")
    page.get_by_label("Foto (opsional)").set_input_files(str(photo))
    page.get_by_role("button", name="Simpan pemeriksaan").click()
    expect(page.get_by_text(re.compile(r"Pemeriksaan .* dicatat: Baik", re.IGNORECASE))).to_be_visible()
    assert inbox_count(page, "equipment_checks_due") == due - 1
    db.session.rollback()  # read what the server's threads committed
    check = db.session.scalars(select(AssetCheck).order_by(AssetCheck.id.desc())).first()
    assert check.note.startswith("Disewakan 4 kali")
    assert db.session.scalar(select(func.count()).select_from(Photo).where(Photo.asset_check_id == check.id)) == 1
    db.session.rollback()


def test_the_head_of_office_lands_on_the_overview(new_page, db, office):
    page = new_page(**LAPTOP)
    log_in(page, "kadis", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.get_by_role("heading", name="Penyerapan anggaran")).to_be_visible()
    save_screenshot(page, "overview.png", full_page=True)
