"""In Chromium, in English: the group page, its income chart, the flags page and the dashboard show no Indonesian UI word.

An officer switches to English with the footer's button. What the pages show is read as a person
reads it (document.body.innerText, plus titles, alt texts, labels and placeholders, plus the words of
the income chart's SVG); the data seeded here (names, codes, addresses, regions, items, notes) is
taken out, and no distinctive Indonesian word of the interface may be left.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kube.auth.operations import create_user
from kube.core.periods import add_months
from kube.groups.models import Region
from kube.groups.operations import member_leaves
from kube.monitoring.operations import record_follow_up
from tests.browser.helpers import FALLING, add_reports, figures_for, last_month, log_in, named_group
from tests.factories import PASSWORD, TENT_LINES, make_budget, make_grant

pytestmark = pytest.mark.browser

#: Words of the Indonesian interface that English never uses (kelurahan and kecamatan stay, as in English).
INDONESIAN_WORDS = [
    "kelompok", "anggota", "laporan", "pendapatan", "bantuan", "simpan", "ubah", "keluar", "tambah", "riwayat",
    "peringatan", "beranda", "dasbor", "kembali", "catat", "tanggal", "jenis", "alamat", "ketua", "pendamping",
    "belum", "sudah", "tidak", "dengan", "untuk", "yang", "dan", "bulan", "halaman", "dari", "omzet",
    "biaya", "bersih", "peralatan", "barang", "nilai", "jumlah", "diterima", "serah", "terima", "modal",
    "rekening", "bergabung", "telepon", "nama", "peran", "pemeriksaan", "tindak", "lanjut", "tren", "grafik",
    "aktif", "baru", "semua", "isi", "daftar", "akun", "pengguna", "masuk", "oleh", "pada", "atau", "ini", "ada",
    "tahun", "lahir", "desil", "miskin", "ekstrem", "sisa", "pagu", "anggaran", "disetujui", "diserahkan",
    "dokumentasi", "saring", "cari", "kode", "terbentuk", "garis", "jendela", "naik", "turun", "rata",
    "menurut", "melapor", "tepat", "waktu", "diberi", "sampai", "laki", "perempuan", "mantan", "pilih",
]
#: "data" is English too; Indonesian counts with it ("5 data"), English never does.
_INDONESIAN = re.compile(r"\b(" + "|".join(INDONESIAN_WORDS) + r")\b|\b\d[\d.]* data\b", re.IGNORECASE)

#: (revenue, expenses) giving the falling nets at a margin of about 68 %.
FIGURES = figures_for(FALLING, 0.68)
PEOPLE = [("Ahmad Fauzi", "L", date(1972, 1, 10)), ("Rohmat Hidayat", "L", date(1974, 2, 10)),
          ("Jajang Nurjaman", "L", date(1976, 3, 10)), ("Siti Maemunah", "P", date(1978, 4, 10)),
          ("Odih Sanusi", "L", date(1980, 5, 10)), ("Euis Komariah", "P", date(1982, 6, 10))]
FOLLOW_UP_NOTE = "Usaha sepi karena musim hujan; kunjungan lagi bulan depan"
LEAVING_REASON = "Pindah ke Kabupaten Lebak"


def _texts_of(page: Page) -> str:
    """What the page shows: its text, and the titles, alt texts, labels and placeholders of its elements."""
    attributes = page.eval_on_selector_all(
        "[title], [alt], [aria-label], [placeholder]",
        "els => els.flatMap(e => ['title', 'alt', 'aria-label', 'placeholder']"
        ".map(name => e.getAttribute(name)).filter(Boolean))")
    return "\n".join([page.evaluate("document.body.innerText"), *attributes])


def _svg_texts(svg: str) -> str:
    """The words of an SVG: its <text>, <title> and <desc> contents."""
    return html.unescape(re.sub(r"<[^>]+>", " ", svg))


def assert_english(text: str, data: list[str], where: str) -> None:
    """No Indonesian interface word is left once the seeded data is taken out (each is listed with some context)."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    left = [f"{match.group(0)!r} in ...{text[max(match.start() - 40, 0):match.end() + 40]}..."
            for match in _INDONESIAN.finditer(text)]
    assert not left, f"Indonesian words on {where}:\n" + "\n".join(line.replace("\n", " | ") for line in left)


def test_the_group_flags_and_dashboard_pages_are_all_english(app, db, new_page):
    officer = create_user("rina", "Rina Marlina", "officer", PASSWORD)
    approver = create_user("dodi", "Dodi Supriadi", "officer", PASSWORD)
    month = last_month()
    group = named_group(officer, "Kube Tenda Berkah", "sewa_tenda", PEOPLE)
    add_reports(group, officer, FIGURES, last=month)
    make_budget(officer, year=2025)
    grant = make_grant(officer, approver, status="handed_over", group=group)
    leaver = next(member for member in group.current_members if member.name == "Euis Komariah")
    member_leaves(leaver, add_months(month, -1), officer, reason=LEAVING_REASON)
    record_follow_up(group, "not_improving", month, "kunjungan", add_months(month, 1), FOLLOW_UP_NOTE,
                     "in_progress", officer)
    db.session.commit()
    regions = list(db.session.scalars(select(Region.name)))
    data = [group.name, group.code, group.address, grant.letter_number, *regions, "Kota Serang",
            *(name for name, _, _ in PEOPLE), officer.full_name, approver.full_name, officer.username,
            *(line[key] for line in TENT_LINES for key in ("item", "specification", "unit")),
            FOLLOW_UP_NOTE, LEAVING_REASON, app.config["OFFICE_NAME"], app.config["OFFICE_GOVERNMENT"],
            "Bahasa Indonesia"]

    page = new_page()
    log_in(page, "rina")
    page.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"/groups/{group.id}")
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    members = page.locator("#anggota")
    expect(members.get_by_role("link", name="Record leaving")).to_have_count(5)
    expect(members.locator("th abbr")).to_have_text("L/P")
    expect(members.locator("th abbr")).to_have_attribute("title", re.compile(r"^Sex: L = male"))
    expect(page.locator(".flag-list")).to_contain_text("Net income is falling by")
    texts = _texts_of(page)
    chart_url = page.locator("figure.chart img").get_attribute("src")
    chart = page.request.get(chart_url)
    assert chart.ok and "svg" in chart.headers["content-type"]
    chart_texts = _svg_texts(chart.text())
    assert "Trend line" in chart_texts
    assert_english(texts, data, "the group page")
    assert_english(chart_texts, data, "the income chart")

    page.goto("/monitoring/flags")
    expect(page.locator("table.flags")).to_contain_text("Net income is falling by")
    assert_english(_texts_of(page), data, "the flags page")

    page.goto("/monitoring/dashboard")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert_english(_texts_of(page), data, "the dashboard")
