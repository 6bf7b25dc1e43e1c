"""The work inbox: the home page and `GET /api/v1/inbox` count exactly the rows their links list, per user.

Each kind is checked the same way: the count the API gives for this user, the rows the linked list
shows (read from the page), and the set of rows the scene was built to have, all agree.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from kube.ledger.models import Asset
from kube.ledger.operations import record_asset_check
from kube.monitoring.models import FollowUp
from kube.monitoring.stored import count_without_recent_follow_up, refresh_all
from kube.reports.operations import submit_report, verify_report
from tests.factories import make_budget, make_grant, make_group, make_user

TODAY = date(2025, 10, 20)  # September's reports were due on 10 October: September is the overdue month
SEPTEMBER = date(2025, 9, 1)
URL = "/api/v1/inbox"
KINDS = ["grants_to_approve", "grants_to_hand_over", "reports_to_verify", "missing_reports",
         "flags_without_follow_up", "equipment_checks_due"]


@pytest.fixture
def scene(db, users, frozen):
    """Officer A (users' officer) and officer B, each with groups, grants, reports and equipment."""
    frozen(TODAY)
    a, b, admin = users["officer"], make_user("officer"), users["admin"]
    # B's group is made first, so by code it comes before A's: only "mine first" puts A's on top.
    theirs = make_group(b, members=5, status="active")
    mine = make_group(a, members=5, status="active")
    mine_silent = make_group(a, members=5, status="active")
    make_budget(admin, year=2025)
    by_a = make_grant(a, status="submitted", group=mine)
    by_b = make_grant(b, status="submitted", group=theirs)
    approved = make_grant(a, b, status="approved", group=mine_silent)
    handed = make_grant(b, a, status="handed_over", group=theirs)
    db.session.flush()
    tent, chairs = db.session.scalars(select(Asset).where(Asset.grant_id == handed.id).order_by(Asset.id)).all()
    record_asset_check(chairs, date(2025, 10, 1), "baik", "", a, today=TODAY)
    for group in (theirs, mine):
        submit_report(group, SEPTEMBER, {"revenue": 2_000_000, "expenses": 500_000}, a)
    db.session.commit()
    return {"a": a, "b": b, "admin": admin, "theirs": theirs, "mine": mine, "mine_silent": mine_silent,
            "by_a": by_a, "by_b": by_b, "approved": approved, "handed": handed, "tent": tent, "chairs": chairs}


def inbox(client, bearer, who) -> dict[str, dict]:
    response = client.get(URL, headers=bearer(who))
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [item["kind"] for item in items] == KINDS
    return {item["kind"]: item for item in items}


def listed(client, login, user, url: str, pattern: str) -> list[str]:
    """The row keys (first group of `pattern`) the list at `url` shows to `user`, in page order."""
    login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    keys = re.findall(pattern, response.get_data(as_text=True))
    client.post("/logout")
    return keys


GRANT_ROW = r'<tr data-grant="(\d+)"'
GROUP_ROW = r'<tr data-group="(\d+)"'
REPORT_BOX = r'name="report" value="(\d+)'
FLAG_ROW = r'<tr data-group="(\d+)" data-kind="(\w+)"'


def test_grants_to_approve_never_include_ones_own_and_the_list_shows_exactly_them(client, db, login, bearer, scene):
    expected = {"a": {scene["by_b"].id}, "b": {scene["by_a"].id}, "admin": {scene["by_a"].id, scene["by_b"].id}}
    for who, ids in expected.items():
        item = inbox(client, bearer, scene[who])["grants_to_approve"]
        assert item["count"] == len(ids)
        assert item["url"] == "/grants?to_approve=1"
        assert set(map(int, listed(client, login, scene[who], item["url"], GRANT_ROW))) == ids


def test_grants_to_hand_over_are_the_approved_ones(client, db, login, bearer, scene):
    for who in ("a", "admin"):
        item = inbox(client, bearer, scene[who])["grants_to_hand_over"]
        assert item["count"] == 1
        assert listed(client, login, scene[who], item["url"], GRANT_ROW) == [str(scene["approved"].id)]


def test_reports_to_verify_count_the_unverified_and_list_mine_first(client, db, login, bearer, scene):
    item = inbox(client, bearer, scene["a"])["reports_to_verify"]
    assert item["count"] == 2
    rows = listed(client, login, scene["a"], item["url"], REPORT_BOX)
    assert rows == [str(scene["mine"].id), str(scene["theirs"].id)]  # A's group first although its code is later
    verify_report(scene["theirs"], SEPTEMBER, scene["admin"])
    db.session.commit()
    assert inbox(client, bearer, scene["a"])["reports_to_verify"]["count"] == 1
    assert listed(client, login, scene["a"], item["url"], REPORT_BOX) == [str(scene["mine"].id)]


def test_missing_reports_are_active_groups_without_the_overdue_month(client, db, login, bearer, scene):
    item = inbox(client, bearer, scene["a"])["missing_reports"]
    assert item["url"] == "/reports/discipline?missing=2025-09"
    assert item["count"] == 1
    assert listed(client, login, scene["a"], item["url"], GROUP_ROW) == [str(scene["mine_silent"].id)]
    # A group formed after September owes nothing for it; a dissolved one is not chased.
    make_group(scene["a"], members=5, status="active", formed_on=date(2025, 10, 2))
    dissolved = make_group(scene["b"], members=5, status="dissolved")
    late = make_group(scene["b"], members=5, status="active")
    db.session.commit()
    item = inbox(client, bearer, scene["a"])["missing_reports"]
    assert item["count"] == 2
    rows = listed(client, login, scene["a"], item["url"], GROUP_ROW)
    assert rows == [str(scene["mine_silent"].id), str(late.id)]  # mine first
    assert str(dissolved.id) not in rows


def test_before_the_due_day_the_month_before_is_the_one_chased(client, db, bearer, scene, frozen):
    frozen(date(2025, 11, 5))  # October is not due until 10 November
    assert inbox(client, bearer, scene["a"])["missing_reports"]["url"] == "/reports/discipline?missing=2025-09"


@pytest.mark.parametrize("stored", [False, True], ids=["computed", "stored"])
def test_flags_without_follow_up_drop_out_after_a_recent_follow_up_only(client, db, login, bearer, scene, stored):
    if stored:  # counted in SQL from the stored flags, as after the daily refresh
        refresh_all(TODAY)
        db.session.commit()
        assert count_without_recent_follow_up(TODAY) is not None
    item = inbox(client, bearer, scene["a"])["flags_without_follow_up"]
    assert item["url"] == "/monitoring/flags?no_follow_up=1"
    flags = listed(client, login, scene["a"], item["url"], FLAG_ROW)
    assert item["count"] == len(flags) > 0
    group_id, kind = flags[0]
    all_flags = listed(client, login, scene["a"], "/monitoring/flags", FLAG_ROW)
    assert set(flags) == set(all_flags)  # nobody has followed anything up yet
    # A follow-up 40 days ago is stale; one 30 days ago still counts.
    db.session.add(FollowUp(group_id=int(group_id), flag_kind=kind, flag_period=SEPTEMBER, action="kunjungan",
                            action_date=date(2025, 9, 10), state="in_progress", officer_id=scene["a"].id))
    db.session.commit()
    assert inbox(client, bearer, scene["a"])["flags_without_follow_up"]["count"] == len(flags)
    db.session.add(FollowUp(group_id=int(group_id), flag_kind=kind, flag_period=SEPTEMBER, action="kunjungan",
                            action_date=date(2025, 9, 20), state="in_progress", officer_id=scene["a"].id))
    db.session.commit()
    assert inbox(client, bearer, scene["a"])["flags_without_follow_up"]["count"] == len(flags) - 1
    after = listed(client, login, scene["a"], item["url"], FLAG_ROW)
    assert set(after) == set(flags) - {(group_id, kind)}


def test_flags_list_puts_my_groups_first(client, db, login, scene):
    rows = listed(client, login, scene["a"], "/monitoring/flags", FLAG_ROW)
    mine = {str(scene["mine"].id), str(scene["mine_silent"].id)}
    owners = [group_id in mine for group_id, _kind in rows]
    assert owners == sorted(owners, reverse=True) and any(owners)


def test_equipment_checks_due_are_the_unchecked_and_the_long_unchecked(client, db, login, bearer, scene):
    item = inbox(client, bearer, scene["a"])["equipment_checks_due"]
    assert item["url"] == "/equipment?due=1"
    assert item["count"] == 1
    rows = listed(client, login, scene["a"], item["url"], r'data-asset="(\d+)"')
    assert rows == [str(scene["tent"].id)]


def test_home_page_shows_each_kind_with_its_count_and_link(client, db, login, bearer, scene):
    items = inbox(client, bearer, scene["b"])
    login(scene["b"])
    page = client.get("/").get_data(as_text=True)
    for kind, item in items.items():
        link = re.search(rf'href="([^"]+)" data-kind="{kind}">\s*<span class="inbox-count">(\d+)</span>', page)
        assert link, kind
        assert link.group(1).replace("&amp;", "&") == item["url"] and int(link.group(2)) == item["count"]


def test_viewers_land_on_the_overview_and_leaders_on_their_reports(client, db, login, users, leader):
    login(users["viewer"])
    assert client.get("/").headers["Location"].endswith("/overview")
    client.post("/logout")
    login(leader)
    assert client.get("/").headers["Location"].endswith("/reports")


def test_only_officers_and_admins_have_an_inbox(client, db, users, leader, bearer):
    for who in (users["viewer"], leader):
        response = client.get(URL, headers=bearer(who))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get(URL).status_code == 401
