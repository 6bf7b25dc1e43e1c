"""Reminders without a gateway: phone numbers in one normal form, and a WhatsApp link to a leader whose report is missing."""
from __future__ import annotations

import re
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


# -- on the missing-reports list (the discipline page) ------------------------------------------

def _reminders_by_group(html: str) -> dict[str, str]:
    """The discipline grid's WhatsApp links by the group name in the same row."""
    found = {}
    for row in html.split("<tr")[1:]:
        link = _reminder(row)
        if link:
            found[re.search(r'<a href="[^"]*">([^<]*)</a>', row).group(1)] = link
    return found


def _silent_groups(db, officer, count: int, phone: str | None = "0812-3456-7890", prefix: str = "Kube Sepi"):
    """`count` active groups formed in January 2025 that never reported, their ketua reachable on `phone`."""
    from tests.factories import make_group

    groups = []
    for index in range(count):
        group = make_group(officer, members=1, status="proposed", name=f"{prefix} {index:03d}",
                           formed_on=date(2025, 1, 10))
        group.status = "active"  # activation needs 5 members; the grid only needs the status
        group.members[0].phone = phone
        groups.append(group)
    db.session.commit()
    return groups


def test_an_officer_gets_a_reminder_per_group_on_the_missing_reports_list(client, db, login, officer, july):
    reachable = _silent_groups(db, officer, 1)[0]
    _silent_groups(db, officer, 1, phone="(0254) 200123", prefix="Kube Telepon Kantor")
    _silent_groups(db, officer, 1, phone=None, prefix="Kube Tanpa Nomor")
    login(officer)
    links = _reminders_by_group(client.get("/reports/discipline").get_data(as_text=True))
    assert set(links) == {reachable.name}  # no link without a mobile number
    link = links[reachable.name]
    assert link.startswith("https://wa.me/6281234567890?text=")
    text = parse_qs(urlsplit(link).query)["text"][0]
    # The newest missing month (June, due on 10 July), not the oldest (January).
    assert reachable.ketua.name in text and reachable.name in text
    assert "Juni 2025" in text and "10 Juli 2025" in text and "Januari" not in text


def test_a_group_that_sent_everything_gets_no_reminder(client, db, login, officer, july):
    from kube.core.periods import add_months, months_ending
    from kube.reports.models import IncomeReport

    group = _silent_groups(db, officer, 1)[0]
    for month in months_ending(date(2025, 6, 1), 6):
        due = add_months(month, 1)
        db.session.add(IncomeReport(group_id=group.id, period=month, revenue=10, expenses=0, net=10,
                                    active_members=1, submitted_at=jakarta(due.year, due.month, 5)))
    db.session.commit()
    login(officer)
    assert _reminders_by_group(client.get("/reports/discipline").get_data(as_text=True)) == {}


def test_viewers_get_no_reminder_on_the_missing_reports_list(client, db, login, users, officer, july):
    group = _silent_groups(db, officer, 1)[0]
    login(users["viewer"])
    page = client.get("/reports/discipline").get_data(as_text=True)
    assert group.name in page and _reminder(page) is None


def test_the_reminders_cost_no_query_per_group(app, client, db, login, officer, july):
    from tests.statements import page_statement_count

    login(officer)
    _silent_groups(db, officer, 2)
    few = page_statement_count(app, db, client, "/reports/discipline")
    assert len(_reminders_by_group(client.get("/reports/discipline").get_data(as_text=True))) == 2
    _silent_groups(db, officer, 12, prefix="Kube Sunyi")
    assert page_statement_count(app, db, client, "/reports/discipline") == few
    assert len(_reminders_by_group(client.get("/reports/discipline").get_data(as_text=True))) == 14
