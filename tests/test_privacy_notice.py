"""The privacy notice (UU PDP): public, linked from the login page and every page's footer, with the office's contact."""
from __future__ import annotations

import pytest

CONTACT = "Loket Pengaduan Dinsos, Jl. Contoh No. 1, Serang (0254) 123456"


@pytest.fixture
def app_overrides():
    return {"OFFICE_PRIVACY_CONTACT": CONTACT}


def test_the_notice_is_open_without_login_and_says_what_why_who_how_long_and_where(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pemberitahuan privasi" in html
    for said in ("NIK", "No. KK", "tanggal lahir", "nomor telepon", "Laporan pendapatan bulanan",  # what
                 "badan publik",  # why: the office's duty
                 "NIK yang disamarkan", "Kube mencatat siapa, kapan",  # who sees it, and that it is recorded
                 "Berapa lama data disimpan",  # how long
                 "meminta perbaikan data"):  # the person's rights
        assert said in html, said
    assert CONTACT in html


def test_the_login_page_and_the_footer_link_the_notice(app, client, users, login):
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)
    login(users["viewer"])
    page = client.get("/", follow_redirects=True).get_data(as_text=True)  # the viewer lands on the overview
    assert page.count('href="/privacy"') == 1  # the footer, for anyone logged in
    assert 'href="/privacy"' in app.test_client().get("/privacy").get_data(as_text=True)  # and anyone else


def test_the_default_contact_names_the_office():
    from config import Config

    assert Config.OFFICE_NAME in Config.OFFICE_PRIVACY_CONTACT and Config.OFFICE_ADDRESS in Config.OFFICE_PRIVACY_CONTACT
