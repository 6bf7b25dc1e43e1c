"""The city-wide register of granted equipment (`/equipment`): filters, order, totals, pages, exports, access,
and the checks-due count that equals the rows of `/equipment?due=1`."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from config import ConfigError
from kube.groups.operations import transition_group
from kube.ledger import equipment
from kube.ledger.models import Asset
from kube.ledger.operations import record_asset_check
from tests.conftest import make_app
from tests.factories import make_budget, make_grant, make_group, make_user
from tests.statements import page_statement_count, recorded_statements

TODAY = date(2026, 4, 20)  # six months before is 20 October 2025
ROW = r'<tr data-asset="(\d+)"'
TENT = "Tenda dekorasi"
CHAIRS = "Kursi lipat"


def _assets(db, grant) -> dict[str, Asset]:
    return {asset.item: asset for asset in db.session.scalars(select(Asset).where(Asset.grant_id == grant.id))}


@pytest.fixture
def scene(db, users, frozen):
    """Officer A (users' officer) and officer B; three groups with a handed-over tent-and-chairs grant each.

    - `first` (B's, Curug, the lowest code): tent never checked (due), chairs checked last month (baik).
    - `mine` (A's, Serang): tent checked twice on one day seven months ago, baik then rusak (due, rusak);
      chairs checked baik seven months ago, then hilang this month (not due, hilang).
    - `closed` (B's, Curug, dissolved since): tent checked exactly six months ago (not yet due; due with a
      three-month setting), chairs never checked (due: a dissolved group's equipment is still followed up).
    A cancelled and an approved grant have no equipment: only handed-over grants register any.
    """
    frozen(TODAY)
    a, b, admin = users["officer"], make_user("officer"), users["admin"]
    first = make_group(b, members=5, status="active")
    mine = make_group(a, members=5, status="active", kelurahan_code="36.73.01.1002")
    closed = make_group(b, members=5, status="active")
    make_budget(admin, year=2025)
    grants = {name: make_grant(maker, checker, status="handed_over", group=group)
              for name, maker, checker, group in (("first", b, a, first), ("mine", a, b, mine),
                                                  ("closed", b, a, closed))}
    make_grant(a, b, status="cancelled", group=first)
    make_grant(a, b, status="approved", group=mine)
    transition_group(closed, "dissolved", b, "Bubar")
    db.session.flush()
    assets = {name: _assets(db, grant) for name, grant in grants.items()}
    record_asset_check(assets["first"][CHAIRS], date(2026, 3, 1), "baik", "", b, today=TODAY)
    record_asset_check(assets["mine"][TENT], date(2025, 9, 20), "baik", "", a, today=TODAY)
    record_asset_check(assets["mine"][TENT], date(2025, 9, 20), "rusak", "Rangka bengkok", a, today=TODAY)
    record_asset_check(assets["mine"][CHAIRS], date(2025, 9, 20), "baik", "", a, today=TODAY)
    record_asset_check(assets["mine"][CHAIRS], date(2026, 4, 1), "hilang", "", a, today=TODAY)
    record_asset_check(assets["closed"][TENT], date(2025, 10, 20), "baik", "", b, today=TODAY)
    db.session.commit()
    ids = {f"{name}.{'tent' if item == TENT else 'chairs'}": str(asset.id)
           for name, items in assets.items() for item, asset in items.items()}
    return {"a": a, "b": b, "admin": admin, "viewer": users["viewer"], "groups":
            {"first": first, "mine": mine, "closed": closed}, "grants": grants, "ids": ids, "assets": assets}


def listed(client, login, user, url: str) -> tuple[list[str], str]:
    """The asset ids the page at `url` shows to `user`, in order, and the page's HTML."""
    login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    client.post("/logout")
    return re.findall(ROW, html), html


def ids(scene, *names: str) -> list[str]:
    return [scene["ids"][name] for name in names]


# -- what is listed ---------------------------------------------------------------------------

def test_every_handed_over_item_of_every_group_is_listed_kecamatan_then_code_then_item(client, login, scene):
    rows, html = listed(client, login, scene["viewer"], "/equipment")
    # Serang (36.73.01) before Curug (36.73.04), then group code, then item (Kursi before Tenda).
    assert rows == ids(scene, "mine.chairs", "mine.tent", "first.chairs", "first.tent", "closed.chairs",
                       "closed.tent")
    group = scene["groups"]["mine"]
    assert f'href="/groups/{group.id}"' in html and group.name in html and group.code in html
    assert "Serang" in html and "Curug" in html
    assert "2 unit" in html and "50 buah" in html
    assert "Rp13.000.000" in html and "Rp4.500.000" in html
    assert "28 Agustus 2025" in html  # the handover day


def test_the_latest_check_is_by_date_then_the_last_recorded(client, login, scene):
    rows, _html = listed(client, login, scene["viewer"], "/equipment?condition=rusak")
    assert rows == ids(scene, "mine.tent")  # checked baik then rusak on one day: rusak is the latest
    rows, _html = listed(client, login, scene["viewer"], "/equipment?condition=baik")
    assert rows == ids(scene, "first.chairs", "closed.tent")  # not mine.chairs: baik, then hilang later
    assert listed(client, login, scene["viewer"], "/equipment?condition=hilang")[0] == ids(scene, "mine.chairs")
    assert listed(client, login, scene["viewer"], "/equipment?condition=dijual")[0] == []


def test_unchecked_lists_the_items_never_checked(client, login, scene):
    rows, _html = listed(client, login, scene["viewer"], "/equipment?condition=unchecked")
    assert rows == ids(scene, "first.tent", "closed.chairs")


def test_kecamatan_filter(client, login, scene):
    assert listed(client, login, scene["viewer"], "/equipment?kecamatan=36.73.01")[0] == ids(scene, "mine.chairs",
                                                                                              "mine.tent")
    assert len(listed(client, login, scene["viewer"], "/equipment?kecamatan=36.73.04")[0]) == 4
    assert listed(client, login, scene["viewer"], "/equipment?kecamatan=36.73.06")[0] == []


def test_due_lists_the_never_checked_and_the_checked_more_than_six_months_ago(client, login, scene):
    rows, html = listed(client, login, scene["viewer"], "/equipment?due=1")
    # closed.tent was checked exactly six months ago (20 October 2025): not yet due.
    assert rows == ids(scene, "mine.tent", "first.tent", "closed.chairs")
    assert html.count("perlu diperiksa</span>") == 3


def test_unknown_filter_values_are_ignored(client, login, scene):
    rows, _html = listed(client, login, scene["viewer"], "/equipment?due=yes&condition=bagus&kecamatan=" + "9" * 40)
    assert len(rows) == 6


def test_filters_combine(client, login, scene):
    rows, _html = listed(client, login, scene["viewer"], "/equipment?due=1&kecamatan=36.73.04&condition=unchecked")
    assert rows == ids(scene, "first.tent", "closed.chairs")


# -- the officer's own groups -----------------------------------------------------------------

def test_the_groups_i_accompany_come_first(client, login, scene):
    rows, _html = listed(client, login, scene["b"], "/equipment")
    # B accompanies first and closed (Curug): before A's group in Serang, which comes first for everyone else.
    assert rows == ids(scene, "first.chairs", "first.tent", "closed.chairs", "closed.tent", "mine.chairs",
                       "mine.tent")
    rows, _html = listed(client, login, scene["b"], "/equipment?due=1")
    assert rows == ids(scene, "first.tent", "closed.chairs", "mine.tent")


def test_officer_mine_lists_only_my_groups(client, login, scene):
    rows, html = listed(client, login, scene["a"], "/equipment?officer=mine")
    assert rows == ids(scene, "mine.chairs", "mine.tent")
    assert 'name="officer" value="mine" checked' in html
    assert listed(client, login, scene["b"], "/equipment?officer=mine&due=1")[0] == ids(scene, "first.tent",
                                                                                        "closed.chairs")
    # A viewer accompanies no group: the box is not offered, and the argument lists nothing.
    rows, html = listed(client, login, scene["viewer"], "/equipment?officer=mine")
    assert rows == [] and 'name="officer"' not in html


# -- the count the inbox shows ----------------------------------------------------------------

def test_checks_due_count_is_the_number_of_rows_of_the_due_list_for_everyone(app, client, db, login, scene):
    for who in ("a", "b", "admin", "viewer"):
        count = equipment.checks_due_count(scene[who], TODAY)
        rows, html = listed(client, login, scene[who], "/equipment?" + "&".join(
            f"{k}={v}" for k, v in equipment.EquipmentFilters.due_args().items()))
        assert count == len(rows) == 3, who
        assert set(rows) == set(ids(scene, "mine.tent", "first.tent", "closed.chairs"))
        assert "3 barang senilai Rp30.500.000." in html  # 13.000.000 + 13.000.000 + 4.500.000


def test_checks_due_count_is_one_statement(app, db, scene):
    user = scene["a"]
    assert user.id  # loaded before counting (the commit expired it)
    with recorded_statements(db.engine, transaction_control=False) as statements:
        assert equipment.checks_due_count(user, TODAY) == 3
    assert len(statements) == 1 and "count(" in statements[0].lower()


def test_a_check_recorded_today_takes_the_item_off_the_due_list(client, db, login, scene):
    record_asset_check(scene["assets"]["first"][TENT], TODAY, "baik", "", scene["b"], today=TODAY)
    db.session.commit()
    assert equipment.checks_due_count(scene["b"], TODAY) == 2
    assert listed(client, login, scene["b"], "/equipment?due=1")[0] == ids(scene, "closed.chairs", "mine.tent")


def test_a_day_later_the_item_checked_six_months_ago_is_due(client, db, frozen, login, scene):
    tomorrow = date(2026, 4, 21)
    frozen(tomorrow)
    assert equipment.checks_due_count(scene["viewer"], tomorrow) == 4
    assert scene["ids"]["closed.tent"] in listed(client, login, scene["viewer"], "/equipment?due=1")[0]


@pytest.mark.parametrize("app_overrides", [{"EQUIPMENT_CHECK_MONTHS": 3}])
def test_the_setting_moves_the_due_cutoff(client, login, scene):
    rows, html = listed(client, login, scene["viewer"], "/equipment?due=1")
    # Three months before 20 April 2026 is 20 January 2026: the tent checked in October is now due too.
    assert rows == ids(scene, "mine.tent", "first.tent", "closed.chairs", "closed.tent")
    assert equipment.checks_due_count(scene["viewer"], TODAY) == 4
    assert "lebih dari 3 bulan lalu" in html


def test_the_setting_must_be_a_sensible_number_of_months(database_url):
    with pytest.raises(ConfigError, match="KUBE_EQUIPMENT_CHECK_MONTHS"):
        make_app(database_url, EQUIPMENT_CHECK_MONTHS=0)


# -- totals, pages and statements -------------------------------------------------------------

def test_totals_are_of_all_filtered_rows(client, login, scene):
    _rows, html = listed(client, login, scene["viewer"], "/equipment")
    assert "6 barang senilai Rp52.500.000." in html  # three grants of Rp17.500.000 in equipment
    _rows, html = listed(client, login, scene["viewer"], "/equipment?kecamatan=36.73.06")
    assert "0 barang senilai Rp0." in html and "Belum ada peralatan tercatat." in html


def test_pages_of_25_with_the_totals_of_every_page(client, db, login, scene):
    lines = [{"kind": "equipment", "item": f"Panci {n:02d}", "specification": "", "quantity": 1, "unit": "buah",
              "unit_value": 100_000} for n in range(24)]
    make_grant(scene["a"], scene["b"], status="handed_over", group=scene["groups"]["mine"], lines=lines)
    db.session.commit()
    first, html = listed(client, login, scene["viewer"], "/equipment")
    assert len(first) == 25 and "30 barang senilai Rp54.900.000." in html
    assert 'rel="next"' in html and "Halaman 1 dari 2" in html
    second, html = listed(client, login, scene["viewer"], "/equipment?page=2")
    assert len(second) == 5 and not set(first) & set(second)
    assert "30 barang senilai Rp54.900.000." in html
    # The next page keeps the filters (26 items in Serang).
    _rows, html = listed(client, login, scene["viewer"], "/equipment?kecamatan=36.73.01")
    assert re.search(r'href="/equipment\?[^"]*kecamatan=36.73.01[^"]*" rel="next"', html)
    assert re.search(r'href="/equipment\?[^"]*page=2[^"]*" rel="next"', html)


def test_the_page_sends_the_same_statements_however_many_items(app, client, db, login, scene):
    login(scene["a"])
    before = page_statement_count(app, db, client, "/equipment")
    group = make_group(scene["b"], members=5, status="active", kelurahan_code="36.73.01.1002")
    grant = make_grant(scene["b"], scene["a"], status="handed_over", group=group)
    for asset in _assets(db, grant).values():
        record_asset_check(asset, date(2026, 1, 5), "rusak", "", scene["b"], today=TODAY)
    db.session.commit()
    assert page_statement_count(app, db, client, "/equipment") == before


# -- who sees what ----------------------------------------------------------------------------

def test_officers_and_admins_get_a_check_link_per_row_viewers_none(client, login, scene):
    for who in ("a", "admin"):
        _rows, html = listed(client, login, scene[who], "/equipment")
        for asset_id in scene["ids"].values():
            assert f'href="/equipment/{asset_id}/checks/new"' in html
        assert html.count("Catat pemeriksaan") == 6
    _rows, html = listed(client, login, scene["viewer"], "/equipment")
    assert "/checks/new" not in html and "Catat pemeriksaan" not in html


def test_leaders_are_refused(client, db, login, scene):
    leader = make_user("leader", group_id=scene["groups"]["mine"].id)
    db.session.commit()
    login(leader)
    for url in ("/equipment", "/equipment?due=1", "/equipment.csv", "/equipment.xlsx"):
        assert client.get(url).status_code == 403, url


def test_the_menu_links_the_register_for_staff(client, login, scene):
    login(scene["viewer"])
    html = client.get("/grants").get_data(as_text=True)
    assert 'href="/equipment"' in html


# -- exports ----------------------------------------------------------------------------------

HEADERS = ["Kode Kelompok", "Nama Kelompok", "Kecamatan", "Kelurahan", "Pendamping", "Barang", "Spesifikasi",
           "Jumlah", "Satuan", "Nilai", "Tanggal Serah Terima", "No BAST", "Tanggal Pemeriksaan Terakhir",
           "Kondisi Terakhir", "Catatan Pemeriksaan", "Perlu Diperiksa"]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_holds_every_filtered_row_in_the_page_order_without_nik(client, login, scene):
    login(scene["b"])
    response = client.get("/equipment.csv?due=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'attachment; filename="peralatan-2026-04-20.csv"' == response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    mine, first, closed = scene["groups"]["mine"], scene["groups"]["first"], scene["groups"]["closed"]
    assert [(row[0], row[5]) for row in rows[1:]] == [(first.code, TENT), (closed.code, CHAIRS), (mine.code, TENT)]
    assert rows[3] == [mine.code, mine.name, "Serang", "Cipare", scene["a"].full_name, TENT, "4 x 6 m, rangka besi",
                       "2", "unit", "13000000", "2025-08-28", scene["grants"]["mine"].letter_number, "2025-09-20",
                       "rusak", "Rangka bengkok", "ya"]
    assert rows[1][12:] == ["", "belum diperiksa", "", "ya"]
    text = response.get_data(as_text=True)
    for group in scene["groups"].values():
        for member in group.current_members:
            assert member.nik not in text and member.name not in text


def test_the_export_is_every_row_not_one_page(client, db, login, scene):
    lines = [{"kind": "equipment", "item": f"Panci {n:02d}", "specification": "", "quantity": 1, "unit": "buah",
              "unit_value": 100_000} for n in range(24)]
    make_grant(scene["a"], scene["b"], status="handed_over", group=scene["groups"]["mine"], lines=lines)
    db.session.commit()
    login(scene["viewer"])
    assert len(csv_rows(client.get("/equipment.csv?page=2"))) == 1 + 30


def test_xlsx_has_the_same_rows_with_numbers_and_dates(client, login, scene):
    from openpyxl import load_workbook

    login(scene["viewer"])
    response = client.get("/equipment.xlsx?kecamatan=36.73.01")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Peralatan"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    mine = scene["groups"]["mine"]
    assert [row[5] for row in values[1:]] == [CHAIRS, TENT]
    chairs = values[1]
    assert chairs[:4] == [mine.code, mine.name, "Serang", "Cipare"]
    assert chairs[7] == 50 and chairs[9] == 4_500_000
    assert chairs[10] == datetime(2025, 8, 28) and chairs[12] == datetime(2026, 4, 1)
    assert chairs[13:] == ["hilang", None, "tidak"]


def test_export_links_carry_the_filters_and_other_formats_are_not_found(client, login, scene):
    login(scene["viewer"])
    html = client.get("/equipment?due=1&kecamatan=36.73.04").get_data(as_text=True)
    assert 'href="/equipment.csv?due=1&amp;kecamatan=36.73.04"' in html
    assert 'href="/equipment.xlsx?due=1&amp;kecamatan=36.73.04"' in html
    assert client.get("/equipment.pdf").status_code == 404


def test_a_lost_or_sold_item_is_never_due_again(client, login, scene, frozen):
    frozen(date(2027, 1, 5))  # every check of the scene is now more than six months old
    rows, _html = listed(client, login, scene["viewer"], "/equipment?due=1")
    assert scene["ids"]["mine.chairs"] not in rows  # found hilang on its last check: nothing left to inspect
    assert rows == ids(scene, "mine.tent", "first.chairs", "first.tent", "closed.chairs", "closed.tent")
