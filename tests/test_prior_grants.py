"""The approver sees the recipient's other grants, and a second grant within a year needs a written reason."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from kube.audit.models import AuditEntry
from kube.groups import operations as groups
from kube.ledger import operations
from kube.ledger.models import Grant
from tests.factories import make_budget, make_grant, make_group, make_user, member_values

#: The office's day in these tests: the factory's handovers of 28 August 2025 are within the last 12 months.
TODAY = date(2026, 1, 20)
REASON = "Tenda pertama rusak diterjang banjir Januari"
PRIOR_FIELDS = {"id", "program", "year", "total", "status", "handover_date", "group_id", "group_name", "member_id",
                "member_name"}


@pytest.fixture
def world(db, staff, frozen):
    """Budgets for 2025 and 2026 and a group that received a tent grant (handed over 28 August 2025)."""
    frozen(TODAY)
    maker, checker = staff["maker"], staff["checker"]
    for year in (2025, 2026):
        make_budget(maker, year=year)
        make_budget(maker, program="UEP", year=year)
    group = make_group(maker, members=5, status="active")
    first = make_grant(maker, checker, status="handed_over", group=group)
    db.session.commit()
    return {"group": group, "first": first, "maker": maker, "checker": checker}


def submitted(world, **values) -> Grant:
    values = {"group": world["group"], "year": 2026} | values
    return make_grant(world["maker"], status="submitted", **values)


def error_of(response) -> dict:
    return response.get_json()["error"]


# -- prior grants -------------------------------------------------------------------------------

def test_the_grant_json_lists_every_other_grant_to_the_same_group_but_cancelled_ones(client, db, world, bearer):
    cancelled = make_grant(world["maker"], status="cancelled", group=world["group"], year=2026)
    draft = make_grant(world["maker"], status="draft", group=world["group"], year=2026)
    elsewhere = make_grant(world["maker"], world["checker"], status="handed_over", year=2025)  # another group
    second = submitted(world)
    db.session.commit()

    body = client.get(f"/api/v1/grants/{second.id}", headers=bearer(world["checker"])).get_json()
    # Newest first: the draft recorded today, then the grant handed over in August 2025.
    assert [prior["id"] for prior in body["prior_grants"]] == [draft.id, world["first"].id]
    first = body["prior_grants"][1]
    assert set(first) == PRIOR_FIELDS
    assert first == {"id": world["first"].id, "program": "KUBE", "year": 2025, "total": 17_500_000,
                     "status": "handed_over", "handover_date": "2025-08-28", "group_id": world["group"].id,
                     "group_name": world["group"].name, "member_id": None, "member_name": None}
    assert cancelled.id not in [prior["id"] for prior in body["prior_grants"]]
    assert elsewhere.id not in [prior["id"] for prior in body["prior_grants"]]


def test_a_uep_member_s_earlier_uep_grant_is_listed(db, world):
    member = world["group"].current_members[-1]
    earlier = make_grant(world["maker"], world["checker"], status="approved", program="UEP", member=member,
                         group=world["group"], lines=[{"kind": "cash", "unit_value": 2_500_000}])
    later = submitted(world, program="UEP", member=member, lines=[{"kind": "cash", "unit_value": 2_500_000}])
    assert earlier in operations.prior_grants(later)


def test_a_member_of_the_same_family_card_in_another_group_is_the_same_household(db, world, client, bearer):
    """A UEP grant to a sibling in another group (same No. KK) is listed, for a UEP and for a KUBE grant."""
    maker, checker = world["maker"], world["checker"]
    other_group = make_group(maker, members=5, status="active")
    relative = other_group.current_members[-1]
    family_card = relative.kk
    # The same family card, another person, in the first group (one card per group, so not the ketua's).
    mine = groups.add_member(world["group"], member_values("anggota", kk=family_card), maker)
    cash = [{"kind": "cash", "unit_value": 2_500_000}]
    relative_grant = make_grant(maker, checker, status="handed_over", program="UEP", member=relative,
                                group=other_group, lines=cash)
    uep = submitted(world, program="UEP", member=mine, lines=cash)
    kube = submitted(world)
    db.session.commit()

    assert relative_grant in operations.prior_grants(uep)
    assert relative_grant in operations.prior_grants(kube)
    listed = client.get(f"/api/v1/grants/{uep.id}", headers=bearer(checker)).get_json()["prior_grants"]
    household = next(prior for prior in listed if prior["id"] == relative_grant.id)
    assert (household["group_id"], household["member_id"], household["member_name"]) == (
        other_group.id, relative.id, relative.name)
    # Another family in the other group is not this household.
    stranger = make_grant(maker, checker, status="approved", program="UEP", member=other_group.current_members[1],
                          group=other_group, lines=cash)
    assert stranger not in operations.prior_grants(uep)


def test_a_leader_sees_only_their_own_group_s_grants_among_the_prior_ones(db, world, client, bearer):
    maker, checker = world["maker"], world["checker"]
    other_group = make_group(maker, members=5, status="active")
    relative = other_group.current_members[-1]
    mine = groups.add_member(world["group"], member_values("anggota", kk=relative.kk), maker)
    cash = [{"kind": "cash", "unit_value": 2_500_000}]
    make_grant(maker, checker, status="handed_over", program="UEP", member=relative, group=other_group, lines=cash)
    uep = submitted(world, program="UEP", member=mine, lines=cash)
    leader = make_user("leader", group_id=world["group"].id)
    db.session.commit()
    listed = client.get(f"/api/v1/grants/{uep.id}", headers=bearer(leader)).get_json()["prior_grants"]
    assert [prior["id"] for prior in listed] == [world["first"].id]


# -- the recent-grant guard -----------------------------------------------------------------------

def test_approving_a_second_grant_within_a_year_is_409_recent_grant_until_a_reason_is_given(
        client, db, world, bearer):
    second = submitted(world)
    db.session.commit()
    url = f"/api/v1/grants/{second.id}/approve"
    checker = bearer(world["checker"])

    refused = client.post(url, headers=checker)
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "recent_grant" and error["recent_grants"] == [world["first"].id]
    assert f"#{world['first'].id} KUBE 2025 Rp17.500.000" in error["message"]
    short = client.post(url, json={"override_reason": "banjir"}, headers=checker)
    assert short.status_code == 422 and "override_reason" in error_of(short)["fields"]
    db.session.expire_all()
    assert db.session.get(Grant, second.id).status == "submitted"

    approved = client.post(url, json={"override_reason": f"  {REASON} "}, headers=checker)
    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["override_reason"]) == ("approved", REASON)
    assert client.get(f"/api/v1/grants/{second.id}", headers=checker).get_json()["override_reason"] == REASON
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "grant.approve",
                                                           AuditEntry.object_id == str(second.id))).one()
    assert REASON in audit.summary


def test_a_grant_older_than_the_period_does_not_need_a_reason(db, world, frozen):
    frozen(date(2026, 8, 28))  # a year to the day after the handover of 28 August 2025: still recent
    with pytest.raises(operations.RecentGrant):
        operations.approve_grant(submitted(world), world["checker"])
    frozen(date(2026, 8, 29))  # a year and a day after it
    draft_only = submitted(world)
    operations.approve_grant(draft_only, world["checker"], override_reason=REASON)
    assert draft_only.status == "approved" and draft_only.override_reason is None  # not needed, not kept


def test_the_period_is_a_setting(db, world, app):
    app.config["GRANT_RECENT_MONTHS"] = 3  # August 2025 is more than 3 months before January 2026
    second = submitted(world)
    operations.approve_grant(second, world["checker"])
    assert second.status == "approved"


def test_an_approved_but_not_handed_over_grant_counts_from_its_approval(db, world):
    other_group = make_group(world["maker"], members=5, status="active")
    make_grant(world["maker"], world["checker"], status="approved", group=other_group)  # approved 1 August 2025
    second = make_grant(world["maker"], status="submitted", group=other_group, year=2026)
    with pytest.raises(operations.RecentGrant):
        operations.approve_grant(second, world["checker"])


# -- the pages --------------------------------------------------------------------------------------

def test_the_approve_page_shows_prior_grants_and_asks_for_the_reason(client, db, world, login):
    second = submitted(world)
    db.session.commit()
    login(world["checker"])
    page = client.get(f"/grants/{second.id}/approve").get_data(as_text=True)
    assert "Bantuan lain untuk penerima ini" in page and f"#{world['first'].id} KUBE 2025" in page
    assert "dalam 12 bulan terakhir" in page and 'name="override_reason"' in page

    refused = client.post(f"/grants/{second.id}/approve", data={})
    assert refused.status_code == 200
    assert "Penerima ini sudah mendapat bantuan dalam 12 bulan terakhir" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Grant, second.id).status == "submitted"

    done = client.post(f"/grants/{second.id}/approve", data={"override_reason": REASON})
    assert done.status_code == 302
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"alasan bantuan kedua dalam setahun: {REASON}" in detail


def test_the_maker_is_told_another_officer_approves_instead_of_an_approve_button(app, client, db, world, login):
    second = submitted(world)
    db.session.commit()
    login(world["maker"])
    page = client.get(f"/grants/{second.id}").get_data(as_text=True)
    assert "petugas lain yang menyetujuinya" in page
    assert f'href="/grants/{second.id}/approve"' not in page
    checker = login(world["checker"], test_client=app.test_client())
    assert f'href="/grants/{second.id}/approve"' in checker.get(f"/grants/{second.id}").get_data(as_text=True)
