"""Reminders without a gateway: phone numbers in one normal form, and a WhatsApp link to a leader whose report is missing."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from kube.core.phones import normalise_mobile, whatsapp_link
from kube.reports.schedule import reminder_message
from tests.factories import jakarta


@pytest.mark.parametrize("written, normal", [
    ("081234567890", "6281234567890"),
    ("0812-3456-7890", "6281234567890"),
    ("0812 3456 789", "628123456789"),
    ("+62 812 3456 7890", "6281234567890"),
    ("+62-812-3456-7890", "6281234567890"),
    ("62812.3456.7890", "6281234567890"),
    ("(0812) 34567890", "6281234567890"),
    ("81234567890", "6281234567890"),
])
def test_mobile_numbers_written_every_way_have_one_form(written, normal):
    assert normalise_mobile(written) == normal


@pytest.mark.parametrize("written", [None, "", "-", "0254 123456", "(0254) 200123", "021-5551234", "0812",
                                     "08123456789012345", "0812-3456-789a", "+1 202 555 0100", "6221234567"])
def test_what_is_no_mobile_number_gets_no_link(written):
    assert normalise_mobile(written) is None
    assert whatsapp_link(written, "Halo") is None


def test_the_link_carries_the_number_and_the_message():
    link = whatsapp_link("0812-3456-7890", "Laporan Juni 2025 belum masuk & mohon dikirim?")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert parse_qs(parts.query)["text"] == ["Laporan Juni 2025 belum masuk & mohon dikirim?"]


def test_the_message_names_the_leader_group_month_and_due_date():
    message = reminder_message("Ibu Eti", "Kube Mekar Sari", date(2025, 6, 1), 10, "Dinas Sosial Kota Serang")
    assert "Ibu Eti" in message and "Kube Mekar Sari" in message
    assert "Juni 2025" in message and "10 Juli 2025" in message and message.endswith("Dinas Sosial Kota Serang")


# -- on the group page --------------------------------------------------------------------------

@pytest.fixture
def july(frozen):
    """15 July 2025: June's report was due on 10 July."""
    return frozen(jakarta(2025, 7, 15))


def _reminder(html: str) -> str | None:
    start = html.find('href="https://wa.me/')
    return html[start + 6:html.index('"', start + 6)].replace("&amp;", "&") if start >= 0 else None


def test_an_officer_gets_a_reminder_link_for_the_newest_missing_month(client, db, login, officer, group, july):
    group.ketua.phone = "0812-3456-7890"
    db.session.commit()
    login(officer)
    link = _reminder(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert link.startswith("https://wa.me/6281234567890?text=")
    text = parse_qs(urlsplit(link).query)["text"][0]
    assert group.ketua.name in text and "Juni 2025" in text and "10 Juli 2025" in text


def test_no_link_without_a_mobile_number_or_for_read_only_staff(app, client, db, login, officer, users, group, july):
    group.ketua.phone = "(0254) 200123"  # the office's landline, not a phone WhatsApp reaches
    db.session.commit()
    login(officer)
    assert _reminder(client.get(f"/groups/{group.id}").get_data(as_text=True)) is None

    group.ketua.phone = "081234567890"
    db.session.commit()
    viewer = login(users["viewer"], test_client=app.test_client())
    assert _reminder(viewer.get(f"/groups/{group.id}").get_data(as_text=True)) is None
