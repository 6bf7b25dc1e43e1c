"""The group list and its CSV/XLSX exports are one query: the same groups in the same order, the same NIK rule."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.factories import api_token, make_group, make_user

#: Small pages, so the list is read across several of them.
pytestmark = pytest.mark.parametrize("app_overrides", [{"PER_PAGE": 2}])

_LIST_ROW = re.compile(r'<td><a href="/groups/\d+">(KUBE-[0-9-]+)</a></td>.*?<td class="num">(\d+)</td>', re.S)


@pytest.fixture
def world(db, users):
    """Seven groups over two kecamatan, four statuses, three business types and three pendamping choices."""
    officer, other = users["officer"], make_user("officer")
    db.session.flush()
    groups = {
        "alpha": make_group(officer, members=5, status="active", name="Kube Alpha", formed_on=date(2023, 5, 1),
                            kelurahan_code="36.73.04.1002", business_type="warung"),
        "bahari": make_group(officer, members=7, status="active", name="kube bahari", formed_on=date(2022, 1, 9),
                             kelurahan_code="36.73.02.1001", business_type="kuliner", officer_id=None),
        "citra": make_group(officer, members=2, name="Kube Citra", formed_on=date(2024, 3, 3),
                            kelurahan_code="36.73.04.1005", business_type="sewa_tenda", officer_id=other.id),
        "delta": make_group(officer, members=6, status="graduated", name="Kube Delta", formed_on=date(2021, 7, 7),
                            kelurahan_code="36.73.04.1002", business_type="warung"),
        "elang": make_group(officer, members=5, status="dissolved", name="Kube Elang", formed_on=date(2023, 5, 1),
                            kelurahan_code="36.73.02.1001", business_type="sewa_tenda", officer_id=other.id),
        "fajar": make_group(officer, members=3, name="Kube Fajar Bahari", formed_on=date(2024, 11, 30),
                            kelurahan_code="36.73.04.1002", business_type="kuliner", officer_id=None),
        "gemilang": make_group(officer, members=0, name="Kube Gemilang", formed_on=date(2020, 2, 2),
                               kelurahan_code="36.73.02.1001", business_type="warung"),
    }
    db.session.commit()
    return groups, other


def list_rows(client, query: str) -> list[tuple[str, int]]:
    """(code, member count) of every row of the group list, page after page up to its last page."""
    rows, page = [], 1
    while True:
        response = client.get(f"/groups?{query}&page={page}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        rows.extend((code, int(count)) for code, count in _LIST_ROW.findall(text))
        if 'rel="next"' not in text:  # no link to a next page: this was the last one
            return rows
        page += 1


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]


def export_rows(client, query: str, fmt: str) -> list[tuple[str, int]]:
    """(code, member count) of every row of the group export."""
    if fmt == "csv":
        return [(row[0], int(row[10])) for row in csv_rows(client, f"/groups/export.csv?{query}")]
    response = client.get(f"/groups/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [(row[0], int(row[10])) for row in sheet.iter_rows(min_row=2, values_only=True)]


def member_export_groups(client, query: str) -> list[str]:
    """The group codes of the member export, in the order they first appear."""
    codes: list[str] = []
    for row in csv_rows(client, f"/members/export.csv?{query}"):
        if row[0] not in codes:
            codes.append(row[0])
    return codes


def _queries(groups, other) -> list[str]:
    ketua = groups["delta"].ketua.name
    return [
        "",
        "kecamatan=36.73.04",
        "kecamatan=36.73.04&status=active",
        "kelurahan=36.73.02.1001&sort=-members",
        "officer=none&sort=name",
        f"officer={other.id}&sort=-formed_on",
        "business_type=warung&sort=formed_on",
        "q=bahari&sort=-name",
        "q=" + ketua.replace(" ", "+"),
        "sort=members",
        "status=proposed&sort=-code",
        "status=unknown&business_type=nope&officer=abc&sort=-colour",  # unknown values are ignored by both
        "kecamatan=36.73.99",  # nothing
    ]


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_the_export_holds_exactly_the_lists_rows_in_the_lists_order(app, client, login, users, world, role):
    groups, other = world
    login(users[role])
    seen_orders = set()
    for query in _queries(groups, other):
        listed = list_rows(client, query)
        assert export_rows(client, query, "csv") == listed, query
        assert export_rows(client, query, "xlsx") == listed, query
        # Groups without current members have no rows in the member export; the others keep the list's order.
        assert member_export_groups(client, query) == [code for code, count in listed if count], query
        seen_orders.add(tuple(code for code, _count in listed))
    # The combinations really narrow and reorder (a list that ignored every filter would also "match").
    assert len(seen_orders) >= 10
    assert list_rows(client, "kecamatan=36.73.99") == []
    assert [code for code, _ in list_rows(client, "kecamatan=36.73.04&status=active")] == [groups["alpha"].code]
    assert [count for _, count in list_rows(client, "sort=members")] == [0, 2, 3, 5, 5, 6, 7]


def test_the_export_link_on_the_list_carries_the_lists_filters(client, login, users, world):
    groups, other = world
    login(users["officer"])
    page = client.get(f"/groups?officer={other.id}&sort=-formed_on&page=2").get_data(as_text=True)
    link = re.search(r'href="(/groups/export\.csv\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "page=" not in link
    query = link.split("?", 1)[1]
    assert [code for code, _ in export_rows(client, query, "csv")] == [groups["citra"].code, groups["elang"].code]


@pytest.mark.parametrize("role, sees_parts", [("admin", True), ("officer", True), ("viewer", False)])
def test_part_of_a_nik_finds_nothing_for_masked_roles_in_list_export_search_and_api(
        app, client, login, users, world, role, sees_parts):
    groups, _other = world
    target = groups["citra"]
    nik = target.ketua.nik
    login(users[role])
    headers = api_token(app.test_client(), users[role])
    part, whole = nik[8:], nik  # the birth year and serial: this NIK only

    def found(q: str) -> dict[str, bool]:
        api = client.get(f"/api/v1/groups?q={q}", headers=headers)
        assert api.status_code == 200
        return {
            "list": target.code in [code for code, _ in list_rows(client, f"q={q}")],
            "csv": target.code in [code for code, _ in export_rows(client, f"q={q}", "csv")],
            "xlsx": target.code in [code for code, _ in export_rows(client, f"q={q}", "xlsx")],
            "members export": target.code in member_export_groups(client, f"q={q}"),
            "member search": f"<td>{target.ketua.name}</td>" in client.get(f"/members?q={q}").get_data(as_text=True),
            "api": target.code in [group["code"] for group in api.get_json()],
        }

    by_whole = found(whole)
    assert by_whole == dict.fromkeys(by_whole, True)  # a whole NIK finds its person for everyone
    by_part = found(part)
    assert by_part == dict.fromkeys(by_part, sees_parts)
    # Three digits would match almost everyone, so nobody searches by them (digits not in a code or name).
    texts = " ".join([target.code, target.name] + [member.name for member in target.current_members])
    short = next(nik[i:i + 3] for i in range(4, 14) if nik[i:i + 3] not in texts)
    assert not any(found(short).values())
