"""The entry grid (`/reports/grid`): an officer types one month's reports for many groups at once.

Each typed row is saved on its own through `submit_report` (in its own savepoint), with its result on
its row: saved, refused (the message next to the field) or unusual (a confirmation asked on that row
only). Empty rows are skipped, every typed value comes back in its input, a verified report is refused
and stays as it was, and the rows follow the month, kecamatan and pendamping chosen.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from kube.audit.models import AuditEntry
from kube.extensions import db as _db
from kube.reports.models import IncomeReport
from kube.reports.operations import submit_report, verify_report
from tests.factories import make_group, make_user

pytestmark = pytest.mark.usefixtures("report_day")  # 5 July 2025: June is the last complete month

URL = "/reports/grid"
MAY, JUNE = date(2025, 5, 1), date(2025, 6, 1)
SERANG_KELURAHAN = "36.73.01.1001"  # kecamatan Serang; the factory's groups are in Curug (36.73.04)


def stored(group, period=JUNE) -> IncomeReport | None:
    _db.session.expire_all()
    return _db.session.scalar(select(IncomeReport).where(IncomeReport.group_id == group.id,
                                                         IncomeReport.period == period))


def row_html(page: str, group) -> str:
    """The HTML of a group's row in the grid (asserts it is there)."""
    found = re.search(rf'<tr class="grid-row[^"]*" id="row-{group.id}">.*?</tr>', page, re.DOTALL)
    assert found, f"no row for {group.code}"
    return found.group(0)


def text_of(fragment: str) -> str:
    """The fragment's text, tags removed and spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def input_value(page: str, name: str) -> str | None:
    """The value of the input named `name`, or None when there is no such input."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def row_data(group, revenue="", expenses="", members="", confirmed=False) -> dict:
    data = {f"rows-{group.id}-revenue": revenue, f"rows-{group.id}-expenses": expenses,
            f"rows-{group.id}-active_members": members}
    if confirmed:
        data[f"rows-{group.id}-confirmed"] = "y"
    return data


@pytest.fixture
def scene(db, users, group):
    """Five active groups of the officer in Curug (`group` first), one of them with June verified, and one
    group in kecamatan Serang with another pendamping."""
    officer = users["officer"]
    others = [make_group(officer, members=5, status="active") for _ in range(4)]
    other_officer = make_user("officer")
    serang = make_group(officer, members=5, status="active", kelurahan_code=SERANG_KELURAHAN)
    serang.officer_id = other_officer.id
    db.session.commit()
    verified = others[3]
    submit_report(verified, JUNE, {"revenue": 2_000_000, "expenses": 500_000}, officer)
    verify_report(verified, JUNE, users["admin"])
    db.session.commit()
    return {"good": group, "bad": others[0], "odd": others[1], "empty": others[2], "verified": verified,
            "serang": serang, "other_officer": other_officer}


def test_a_mixed_post_saves_refuses_asks_and_skips_each_row_on_its_own(client, db, users, scene, login):
    login(users["officer"])
    good, bad, odd, empty = scene["good"], scene["bad"], scene["odd"], scene["empty"]
    data = {**row_data(good, "1.500.000", "400.000", "4"),
            **row_data(bad, "1,5 juta", "200.000", "3"),
            **row_data(odd, "100.000", "900.000", ""),
            **row_data(empty)}
    response = client.post(f"{URL}?period=2025-06", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    # What is stored: only the good row.
    saved = stored(good)
    assert (saved.revenue, saved.expenses, saved.net, saved.active_members) == (1_500_000, 400_000, 1_100_000, 4)
    assert saved.entered_on_behalf and saved.submitted_by_id == users["officer"].id and not saved.confirmed_unusual
    assert stored(bad) is None and stored(odd) is None and stored(empty) is None
    audit = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "report.create")).all()
    assert [summary for summary in audit if "2025-06" in summary and good.code in summary]
    assert not [summary for summary in audit if bad.code in summary or odd.code in summary]

    # What the page says, row by row, and the summary at the top.
    assert "1 baris tersimpan, 1 perlu konfirmasi, 1 ditolak." in text_of(page)
    assert "Tersimpan: pendapatan bersih Rp1.100.000." in text_of(row_html(page, good))
    bad_row = row_html(page, bad)
    assert f'class="error" id="rows-{bad.id}-revenue-error"' in bad_row
    assert "Tulis jumlah Rupiah dengan angka bulat" in text_of(bad_row) and "Ditolak:" in text_of(bad_row)
    assert f'name="rows-{bad.id}-confirmed"' not in page
    odd_row = row_html(page, odd)
    assert "Biaya Rp900.000 lebih dari 3 kali omzet (Rp100.000)." in text_of(odd_row)
    assert f'name="rows-{odd.id}-confirmed"' in odd_row  # the confirmation is asked on that row only
    assert f'name="rows-{good.id}-confirmed"' not in page and f'name="rows-{empty.id}-confirmed"' not in page
    assert "Ditolak" not in text_of(row_html(page, empty)) and "Tersimpan" not in text_of(row_html(page, empty))

    # Every typed value is shown again in its input (amounts grouped once read; a refused one as typed).
    assert input_value(page, f"rows-{good.id}-revenue") == "1.500.000"
    assert input_value(page, f"rows-{good.id}-active_members") == "4"
    assert input_value(page, f"rows-{bad.id}-revenue") == "1,5 juta"
    assert input_value(page, f"rows-{bad.id}-expenses") == "200.000"
    assert input_value(page, f"rows-{bad.id}-active_members") == "3"
    assert input_value(page, f"rows-{odd.id}-revenue") == "100.000"
    assert input_value(page, f"rows-{odd.id}-expenses") == "900.000"
    assert input_value(page, f"rows-{empty.id}-revenue") == ""

    # Confirming the unusual row saves it, marked as confirmed; the saved row sent again unchanged is left alone.
    confirm = {**row_data(good, "1.500.000", "400.000", "4"), **row_data(odd, "100.000", "900.000", "",
                                                                         confirmed=True)}
    page = client.post(f"{URL}?period=2025-06", data=confirm).get_data(as_text=True)
    report = stored(odd)
    assert (report.revenue, report.expenses, report.active_members) == (100_000, 900_000, 5)  # members defaulted to the current count
    assert report.confirmed_unusual
    assert "Tersimpan: pendapatan bersih -Rp800.000." in text_of(row_html(page, odd))
    assert "1 baris tersimpan, 0 perlu konfirmasi, 0 ditolak." in text_of(page)
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.update")) is None


def test_a_sent_report_is_prefilled_and_a_changed_row_replaces_it(client, db, users, scene, login):
    good = scene["good"]
    submit_report(good, JUNE, {"revenue": 1_000_000, "expenses": 300_000, "active_members": 5}, users["officer"])
    db.session.commit()
    login(users["officer"])
    page = client.get(f"{URL}?period=2025-06").get_data(as_text=True)
    row = row_html(page, good)
    assert "Terkirim" in text_of(row)
    assert input_value(row, f"rows-{good.id}-revenue") == "1.000.000"
    assert input_value(row, f"rows-{good.id}-active_members") == "5"
    page = client.post(f"{URL}?period=2025-06", data=row_data(good, "1.200.000", "300.000", "5")).get_data(as_text=True)
    assert stored(good).revenue == 1_200_000
    assert "Diperbarui: pendapatan bersih Rp900.000." in text_of(row_html(page, good))


def test_a_verified_report_is_shown_read_only_and_a_posted_change_is_refused(client, db, users, scene, login):
    verified = scene["verified"]
    before = stored(verified)
    login(users["officer"])
    page = client.get(f"{URL}?period=2025-06").get_data(as_text=True)
    row = row_html(page, verified)
    assert "Terverifikasi" in text_of(row) and f'name="rows-{verified.id}-revenue"' not in row
    assert "Rp2.000.000" in text_of(row)

    data = {**row_data(verified, "9.000.000", "500.000", "3"), **row_data(scene["good"], "1.000.000", "100.000")}
    page = client.post(f"{URL}?period=2025-06", data=data).get_data(as_text=True)
    row = row_html(page, verified)
    assert "Ditolak:" in text_of(row) and "sudah diverifikasi" in text_of(row)
    assert input_value(row, f"rows-{verified.id}-revenue") == "9.000.000"  # kept, to be copied to the form
    after = stored(verified)
    assert (after.revenue, after.expenses, after.verified_at, after.updated_at) == \
        (before.revenue, before.expenses, before.verified_at, before.updated_at)
    assert stored(scene["good"]).revenue == 1_000_000  # the other row was saved all the same
    assert "1 baris tersimpan, 0 perlu konfirmasi, 1 ditolak." in text_of(page)


def test_rows_follow_the_kecamatan_the_pendamping_and_the_month(client, db, users, scene, login):
    login(users["officer"])
    curug = [scene[name] for name in ("good", "bad", "odd", "empty", "verified")]
    page = client.get(URL).get_data(as_text=True)  # all active groups, June by default
    assert all(f'id="row-{g.id}"' in page for g in [*curug, scene["serang"]])
    assert '<option value="2025-06" selected>' in page and 'value="2025-07"' not in page

    page = client.get(f"{URL}?kecamatan=36.73.01").get_data(as_text=True)
    assert f'id="row-{scene["serang"].id}"' in page and not any(f'id="row-{g.id}"' in page for g in curug)
    page = client.get(f"{URL}?officer={scene['other_officer'].id}").get_data(as_text=True)
    assert f'id="row-{scene["serang"].id}"' in page and not any(f'id="row-{g.id}"' in page for g in curug)
    page = client.get(f"{URL}?officer={users['officer'].id}&kecamatan=36.73.04").get_data(as_text=True)
    assert all(f'id="row-{g.id}"' in page for g in curug) and f'id="row-{scene["serang"].id}"' not in page

    # May: June's verified report is not May's, so that row is open for typing.
    page = client.get(f"{URL}?period=2025-05").get_data(as_text=True)
    assert input_value(page, f"rows-{scene['verified'].id}-revenue") == ""
    client.post(f"{URL}?period=2025-05", data=row_data(scene["good"], "700.000", "100.000"))
    assert stored(scene["good"], MAY).revenue == 700_000 and stored(scene["good"], JUNE) is None
    # Only months a report may be sent for: not this month, not the future, not junk.
    for period in ("2025-07", "2025-08", "2025-13", "juni"):
        assert client.get(f"{URL}?period={period}").status_code == 404


def test_a_month_before_the_group_formed_is_shown_without_inputs(client, db, users, scene, login):
    young = make_group(users["officer"], members=5, status="active", formed_on=date(2025, 6, 10))
    db.session.commit()
    login(users["officer"])
    page = client.get(f"{URL}?period=2025-05").get_data(as_text=True)
    row = row_html(page, young)
    assert "baru terbentuk" in text_of(row) and f'name="rows-{young.id}-revenue"' not in row
    page = client.post(f"{URL}?period=2025-05", data=row_data(young, "500.000", "100.000")).get_data(as_text=True)
    assert stored(young, MAY) is None and "1 ditolak" in text_of(page)


def test_the_grid_pages_its_groups(client, db, users, scene, login, monkeypatch):
    monkeypatch.setattr("kube.reports.views.GRID_PER_PAGE", 4)
    login(users["officer"])
    first = client.get(URL).get_data(as_text=True)
    second = client.get(f"{URL}?page=2").get_data(as_text=True)
    assert first.count('class="grid-row') == 4 and second.count('class="grid-row') == 2
    assert "Halaman 1 dari 2" in first


def test_a_row_posted_from_a_page_that_has_shifted_is_still_saved_and_shown(client, db, users, scene, login,
                                                                             monkeypatch):
    monkeypatch.setattr("kube.reports.views.GRID_PER_PAGE", 4)
    login(users["officer"])
    last = scene["serang"]  # on page 2
    page = client.post(f"{URL}?page=1", data=row_data(last, "800.000", "100.000")).get_data(as_text=True)
    assert stored(last).revenue == 800_000
    assert "Tersimpan: pendapatan bersih Rp700.000." in text_of(row_html(page, last))


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_leaders_and_viewers_are_refused(client, db, users, scene, login, role):
    user = make_user("leader", group_id=scene["good"].id) if role == "leader" else users["viewer"]
    db.session.commit()
    login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=row_data(scene["good"], "1.000.000", "100.000")).status_code == 403
    assert stored(scene["good"]) is None


def test_the_menu_offers_the_grid_to_officers_and_admins_only(client, db, users, login, app):
    for role, shown in (("officer", True), ("admin", True), ("viewer", False)):
        test_client = app.test_client()
        login(users[role], test_client=test_client)
        page = test_client.get("/reports/discipline").get_data(as_text=True)
        assert (f'href="{URL}"' in page) is shown, role
        assert ("Isi laporan sekaligus" in page) is shown, role


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused_and_with_it_saves(self, client, db, users, scene, login):
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": users["officer"].username, "password": "correct horse battery",
                                    "csrf_token": token})
        g.pop("csrf_token", None)  # test requests share `g`; a real request would not see the pre-login token
        data = row_data(scene["good"], "1.000.000", "100.000")
        assert client.post(f"{URL}?period=2025-06", data=data).status_code == 400
        assert stored(scene["good"]) is None
        grid = client.get(f"{URL}?period=2025-06").get_data(as_text=True)
        token = grid.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post(f"{URL}?period=2025-06", data={**data, "csrf_token": token}).status_code == 200
        assert stored(scene["good"]).revenue == 1_000_000
