"""Hardening against bad input (issue 12): each test replays the attack request of a review finding.

4. a leader rewriting the fields that oversee their group; 7. deeply nested JSON; 9. huge page
numbers; 12. impossible dates.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from kube.audit.models import AuditEntry
from kube.groups.models import Group, Member
from kube.ledger.models import Account, Asset
from kube.monitoring import operations as monitoring
from tests.factories import jakarta, make_budget, make_grant, member_values
from tests.test_api_groups import error_of

HUGE = "368934881474191040"


# -- 4. a leader may change only what is theirs to report ---------------------------------------

@pytest.mark.parametrize("change", [
    {"formed_on": "2026-11-01"}, {"name": "Kube Lain"}, {"kelurahan_code": "36.73.01.1002"},
    {"business_type": "warung"}, {"officer_id": None}, {"address": "Kp. Baru", "formed_on": "2025-01-01"},
])
def test_a_leader_cannot_patch_the_fields_that_oversee_their_group(client, db, group, leader, bearer, frozen,
                                                                   change):
    before = (group.name, group.formed_on, group.kelurahan_code, group.bank_account, group.bank_name,
              group.business_type, group.officer_id, group.address)
    response = client.patch(f"/api/v1/groups/{group.id}", json=change, headers=bearer(leader))
    assert response.status_code == 403, response.get_json()
    assert error_of(response)["code"] == "forbidden"
    assert set(error_of(response)["fields"]) == set(change) - {"address"}
    db.session.expire_all()
    stored = db.session.get(Group, group.id)
    assert (stored.name, stored.formed_on, stored.kelurahan_code, stored.bank_account, stored.bank_name,
            stored.business_type, stored.officer_id, stored.address) == before


def test_a_leader_cannot_hide_missing_reports_by_moving_the_formed_date(client, db, group, leader, bearer, frozen):
    """The review's attack: formed_on moved to the last month made the missing_reports flag disappear."""
    frozen(date(2026, 11, 20))
    as_of = monitoring.default_as_of(date(2026, 11, 20))
    flagged = {flag.kind for flag in monitoring.compute_flags(as_of, date(2026, 11, 20)).flags
               if flag.group_id == group.id}
    assert "missing_reports" in flagged
    client.patch(f"/api/v1/groups/{group.id}", json={"formed_on": "2026-11-01"}, headers=bearer(leader))
    db.session.expire_all()
    still = {flag.kind for flag in monitoring.compute_flags(as_of, date(2026, 11, 20)).flags
             if flag.group_id == group.id}
    assert "missing_reports" in still


def test_a_leader_keeps_the_address_current_and_officers_see_it_in_the_audit_log(client, db, group, leader,
                                                                                 bearer):
    response = client.patch(f"/api/v1/groups/{group.id}", json={"address": "Kp. Baru RT 01/02"},
                            headers=bearer(leader))
    assert response.status_code == 200 and response.get_json()["address"] == "Kp. Baru RT 01/02"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group.update")).one()
    assert entry.username == leader.username and "Kp. Baru RT 01/02" in entry.summary


def test_a_leader_cannot_patch_a_members_identity_or_office(client, db, group, leader, bearer):
    member = group.current_members[1]
    response = client.patch(f"/api/v1/members/{member.id}", json={"role": "bendahara", "phone": "081234567890"},
                            headers=bearer(leader))
    assert response.status_code == 403 and set(error_of(response)["fields"]) == {"role"}
    db.session.expire_all()
    assert (db.session.get(Member, member.id).role, db.session.get(Member, member.id).phone) == ("anggota", None)


# -- 7. deeply nested JSON ----------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/auth/token"), ("patch", "/api/v1/groups/1"), ("post", "/api/v1/grants"),
    ("put", "/api/v1/groups/1/income-reports/2025-06"),
])
def test_deeply_nested_json_is_a_400_in_the_error_format(client, bearer, method, path):
    response = getattr(client, method)(path, data=DEEP, content_type="application/json", headers=bearer("officer"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request" and response.is_json


def test_deeply_nested_json_counts_toward_the_login_limit(app, client):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    answers = [client.post("/api/v1/auth/token", data=DEEP, content_type="application/json").status_code
               for _ in range(limit + 1)]
    assert answers == [400] * limit + [429]


# -- 9. huge page numbers -----------------------------------------------------------------------

@pytest.fixture
def lists(db, staff, group):
    """One of everything that has a list page, so every list has a last page to fall back to."""
    make_budget(staff["maker"])
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    db.session.commit()
    return {"group": group.id, "account": db.session.scalar(select(Account.id))}


@pytest.mark.parametrize("path", [
    "/members", "/groups", "/grants", "/letters?year=2025", "/budgets", "/admin/users", "/admin/audit/",
    "/monitoring/flags", "/reports/discipline", "/groups/{group}/reports", "/monitoring/groups/{group}/follow-ups",
    "/ledger/accounts/{account}",
])
@pytest.mark.parametrize("page", [HUGE, "99999999999999999999999", "-3", "abc", "40"])
def test_every_list_answers_any_page_number_with_a_page(client, login, staff, lists, path, page):
    login(staff["admin"])
    response = client.get(path.format(**lists) + ("&" if "?" in path else "?") + f"page={page}")
    assert response.status_code == 200, (path, page)


def test_a_page_past_the_end_shows_the_last_page(app, client, login, staff, lists):
    app.config["PER_PAGE"] = 1
    login(staff["admin"])
    users = client.get("/admin/users").get_data(as_text=True)
    pages = int(re.search(r"dari (\d+)", users).group(1))
    last = client.get(f"/admin/users?page={pages}").get_data(as_text=True)
    huge = client.get(f"/admin/users?page={HUGE}").get_data(as_text=True)
    assert f"{pages} dari {pages}" in huge
    table = re.compile(r"<tbody>.*</tbody>", re.S)
    assert table.search(huge).group(0) == table.search(last).group(0)


# -- 12. impossible dates -----------------------------------------------------------------------

@pytest.mark.parametrize("formed_on, fragment", [
    ("0001-01-01", "sebelum tahun 1945"), ("1944-12-31", "sebelum tahun 1945"), ("9999-12-31", "masa depan"),
])
def test_a_group_formed_before_1945_or_in_the_future_is_refused(client, db, bearer, login, officer, formed_on,
                                                                fragment):
    body = {"name": "Kube Waktu", "business_type": "warung", "kelurahan_code": "36.73.04.1002",
            "formed_on": formed_on}
    response = client.post("/api/v1/groups", json=body, headers=bearer(officer))
    assert response.status_code == 422 and fragment in " ".join(error_of(response)["fields"]["formed_on"])
    login(officer)
    page = client.post("/groups/new", data=body | {"officer_id": ""})
    assert page.status_code == 200 and fragment in page.get_data(as_text=True)
    assert db.session.scalar(select(Group.id).where(Group.name == "Kube Waktu")) is None


@pytest.mark.parametrize("joined_on, fragment", [("9999-12-31", "masa depan"), ("1900-01-01", "sebelum tahun 1945")])
def test_a_member_joining_in_the_future_or_before_1945_is_refused(client, db, bearer, group, joined_on, fragment):
    values = member_values()
    body = {key: (value.isoformat() if isinstance(value, date) else value) for key, value in values.items()}
    response = client.post(f"/api/v1/groups/{group.id}/members", json=body | {"joined_on": joined_on},
                           headers=bearer("officer"))
    assert response.status_code == 422 and fragment in " ".join(error_of(response)["fields"]["joined_on"])
    member = group.current_members[1]
    response = client.patch(f"/api/v1/members/{member.id}", json={"joined_on": joined_on}, headers=bearer("officer"))
    assert response.status_code == 422 and fragment in " ".join(error_of(response)["fields"]["joined_on"])


def test_leaving_handover_checks_and_follow_ups_cannot_be_dated_in_the_future_or_before_1945(
        client, db, login, staff, group, frozen):
    frozen(jakarta(2026, 11, 20))
    login(staff["maker"])
    member = group.current_members[1]
    for left_on, fragment in (("2027-01-01", "masa depan"), ("1944-01-01", "sebelum tahun 1945")):
        page = client.post(f"/members/{member.id}/leave", data={"left_on": left_on}).get_data(as_text=True)
        assert fragment in page
    make_budget(staff["maker"], year=2026)
    grant = make_grant(staff["maker"], staff["checker"], status="handed_over", group=group, year=2026,
                       handover_date=date(2026, 8, 28))
    db.session.commit()
    asset = db.session.scalar(select(Asset.id).where(Asset.grant_id == grant.id))
    for checked_on, fragment in (("2027-01-01", "masa depan"), ("1944-01-01", "sebelum tahun 1945")):
        page = client.post(f"/equipment/{asset}/checks/new", data={"condition": "baik", "checked_on": checked_on})
        assert fragment in page.get_data(as_text=True)
    page = client.post(f"/monitoring/groups/{group.id}/follow-ups/new", data={
        "flag_kind": "missing_reports", "flag_period": "2026-10", "action": "kunjungan", "action_date": "2027-02-01",
        "state": "open", "note": ""})
    assert "masa depan" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).left_on is None
