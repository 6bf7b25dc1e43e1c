"""The ledger API: budgets, grants and their transitions, reports, equipment checks, roles and idempotency."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kube.ledger.models import Asset, AssetCheck, Budget, Grant, IdempotencyRecord, JournalEntry
from tests.factories import office_today, TENT_LINES, make_budget, make_grant, make_group, make_user
from tests.statements import recorded_statements

BUDGET_FIELDS = {"id", "program", "year", "amount", "source", "committed", "disbursed", "remaining"}
GRANT_FIELDS = {"id", "program", "year", "group_id", "member_id", "lines", "total", "status", "recorded_by",
                "approved_by", "handover_date", "letter_number", "historical", "override_reason"}
LINE_FIELDS = {"kind", "item", "specification", "quantity", "unit", "unit_value", "total"}
TODAY = office_today()


@pytest.fixture(autouse=True)
def _stand_on_today(frozen):
    # TODAY is read when the module is collected; a run crossing midnight in Serang would otherwise approve on
    # the next day and hand over "before the approval". The app's clock stands on the module's day instead.
    frozen(TODAY)


@pytest.fixture
def budget(db, staff):
    created = make_budget(staff["maker"], amount=200_000_000)
    db.session.commit()
    return created


def grant_json(group, **extra) -> dict:
    body = {"program": "KUBE", "year": 2025, "group_id": group.id, "lines": TENT_LINES}
    body.update(extra)
    return body


def error_of(response) -> dict:
    return response.get_json()["error"]


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- budgets ----------------------------------------------------------------------------------

def test_officer_opens_a_budget_and_staff_list_it(client, db, staff, bearer):
    response = client.post("/api/v1/budgets", json={"program": "KUBE", "year": 2025, "amount": 150_000_000,
                                                    "source": "APBD", "note": "DPA Dinsos 2025"},
                           headers=bearer(staff["maker"]))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created == {"id": created["id"], "program": "KUBE", "year": 2025, "amount": 150_000_000, "source": "APBD",
                       "committed": 0, "disbursed": 0, "remaining": 150_000_000}
    make_budget(staff["maker"], program="UEP", year=2026, amount=50_000_000, source="APBN")
    make_grant(staff["maker"], staff["checker"], status="approved")
    db.session.commit()

    listed = client.get("/api/v1/budgets", headers=bearer(staff["viewer"]))
    assert listed.status_code == 200
    assert [(b["program"], b["year"]) for b in listed.get_json()] == [("UEP", 2026), ("KUBE", 2025)]
    assert all(set(b) == BUDGET_FIELDS for b in listed.get_json())
    assert listed.get_json()[1] | {"id": 0} == {"id": 0, "program": "KUBE", "year": 2025, "amount": 150_000_000,
                                                "source": "APBD", "committed": 17_500_000, "disbursed": 0,
                                                "remaining": 132_500_000}
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    only = client.get("/api/v1/budgets?year=2025&program=KUBE", headers=bearer(staff["admin"])).get_json()
    assert [b["id"] for b in only] == [created["id"]]


@pytest.mark.parametrize("change, field", [
    ({"amount": 1.5}, "amount"),
    ({"amount": "1,5"}, "amount"),
    ({"amount": "-100.000"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": 10**30}, "amount"),
    ({"program": "BLT"}, "program"),
    ({"year": 1999}, "year"),
    ({"source": None}, "source"),
    ({"source": "hibah"}, "source"),
    ({"colour": "blue"}, "colour"),
    ({"note": "a\x00b"}, "note"),
])
def test_invalid_budget_fields_are_422_per_field_in_indonesian(client, db, staff, bearer, change, field):
    body = {"program": "KUBE", "year": 2025, "amount": 100_000_000, "source": "APBD"} | change
    response = client.post("/api/v1/budgets", json=body, headers=bearer(staff["maker"]))
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "validation_error" and field in error["fields"]
    assert error["message"] == "Isian tidak valid."
    assert not any(word in " ".join(error["fields"][field]) for word in ("Not a valid", "Missing", "Unknown", "Must"))
    assert count(db, Budget) == 0


def test_a_missing_field_is_named(client, db, staff, bearer):
    response = client.post("/api/v1/budgets", json={"program": "KUBE", "year": 2025}, headers=bearer(staff["maker"]))
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"amount": ["Wajib diisi."], "source": ["Wajib diisi."]}


def test_a_second_budget_for_the_same_program_and_year_is_409(client, db, staff, bearer, budget):
    response = client.post("/api/v1/budgets", json={"program": "KUBE", "year": 2025, "amount": 1_000_000,
                                                    "source": "APBD"}, headers=bearer(staff["admin"]))
    assert response.status_code == 409 and "year" in error_of(response)["fields"]
    assert count(db, Budget) == 1


def test_malformed_json_is_400_and_changes_nothing(client, db, staff, bearer):
    response = client.post("/api/v1/budgets", data="{not json", content_type="application/json",
                           headers=bearer(staff["maker"]) | {"Idempotency-Key": "broken-1"})
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"
    assert count(db, Budget) == 0 and count(db, IdempotencyRecord) == 0


# -- grants: the whole life through the API -----------------------------------------------------

def test_grant_from_draft_to_handover_through_the_api(client, db, staff, bearer, budget, group):
    maker, checker = bearer(staff["maker"]), bearer(staff["checker"])
    response = client.post("/api/v1/grants", json=grant_json(group, note="Tenda dan kursi"), headers=maker)
    assert response.status_code == 201, response.get_json()
    grant = response.get_json()
    assert set(grant) == GRANT_FIELDS and all(set(line) == LINE_FIELDS for line in grant["lines"])
    assert grant == {
        "id": grant["id"], "program": "KUBE", "year": 2025, "group_id": group.id, "member_id": None,
        "lines": [
            {"kind": "equipment", "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": 2,
             "unit": "unit", "unit_value": 6_500_000, "total": 13_000_000},
            {"kind": "equipment", "item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": 50,
             "unit": "buah", "unit_value": 90_000, "total": 4_500_000},
        ],
        "total": 17_500_000, "status": "draft", "recorded_by": staff["maker"].id, "approved_by": None,
        "handover_date": None, "letter_number": None, "historical": False, "override_reason": None,
    }
    url = f"/api/v1/grants/{grant['id']}"

    submitted = client.post(f"{url}/submit", headers=maker)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"

    own = client.post(f"{url}/approve", headers=maker)  # maker-checker
    assert own.status_code == 403 and error_of(own)["code"] == "forbidden"
    approved = client.post(f"{url}/approve", headers=checker)
    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["approved_by"]) == ("approved", staff["checker"].id)
    figures = client.get("/api/v1/budgets", headers=maker).get_json()[0]
    assert (figures["committed"], figures["remaining"]) == (17_500_000, 182_500_000)

    handed = client.post(f"{url}/handover", json={"date": TODAY.isoformat(), "received_by_member_id": group.ketua.id},
                         headers=maker)
    assert handed.status_code == 200, handed.get_json()
    assert (handed.get_json()["status"], handed.get_json()["handover_date"]) == ("handed_over", TODAY.isoformat())
    letter_number = handed.get_json()["letter_number"]
    assert letter_number  # the Berita Acara is numbered in the handover's transaction
    assert client.get(url, headers=bearer(staff["viewer"])).get_json() == handed.get_json() | {"prior_grants": []}
    figures = client.get("/api/v1/budgets", headers=maker).get_json()[0]
    assert (figures["committed"], figures["disbursed"], figures["remaining"]) == (0, 17_500_000, 182_500_000)

    statement = client.get(f"/api/v1/groups/{group.id}/statement", headers=maker).get_json()
    assert statement["group_id"] == group.id and (statement["equipment_total"], statement["cash_total"],
                                                  statement["total"]) == (17_500_000, 0, 17_500_000)
    [row] = statement["rows"]
    assert row | {"entry_id": 0, "description": ""} == {
        "entry_id": 0, "date": TODAY.isoformat(), "kind": "disbursement", "description": "", "grant_id": grant["id"],
        "program": "KUBE", "member_id": None, "letter_number": letter_number, "equipment": 17_500_000, "cash": 0}

    assets = client.get(f"/api/v1/groups/{group.id}/assets/checks", headers=maker).get_json()
    assert [(a["item"], a["quantity"], a["value"], a["grant_id"], a["checks"]) for a in assets] == [
        ("Tenda dekorasi", 2, 13_000_000, grant["id"], []), ("Kursi lipat", 50, 4_500_000, grant["id"], [])]

    too_late = client.post(f"{url}/cancel", json={"reason": "salah input"}, headers=maker)
    assert too_late.status_code == 409 and error_of(too_late)["code"] == "invalid_transition"


def test_uep_grant_to_one_member_in_cash(client, db, staff, bearer, group):
    make_budget(staff["maker"], program="UEP", amount=50_000_000)
    db.session.commit()
    member = group.current_members[-1]
    body = {"program": "UEP", "year": 2025, "group_id": group.id, "member_id": member.id,
            "lines": [{"kind": "cash", "unit_value": 2_500_000}]}
    response = client.post("/api/v1/grants", json=body, headers=bearer(staff["maker"]))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["member_id"] == member.id and created["total"] == 2_500_000
    assert created["lines"] == [{"kind": "cash", "item": "Uang tunai", "specification": "", "quantity": 1,
                                 "unit": "paket", "unit_value": 2_500_000, "total": 2_500_000}]


def test_approval_beyond_the_remaining_budget_is_409_budget_exceeded(client, db, staff, bearer, group):
    make_budget(staff["maker"], amount=30_000_000)
    make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    second = make_grant(staff["maker"], status="submitted", group=group)
    db.session.commit()
    entries = count(db, JournalEntry)
    response = client.post(f"/api/v1/grants/{second.id}/approve", headers=bearer(staff["checker"]))
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "budget_exceeded" and "Rp12.500.000" in error["message"]
    db.session.expire_all()
    assert db.session.get(Grant, second.id).status == "submitted" and count(db, JournalEntry) == entries


@pytest.mark.parametrize("status, action", [
    ("draft", "approve"), ("draft", "handover"), ("submitted", "submit"), ("approved", "approve"),
    ("handed_over", "cancel"), ("cancelled", "submit"),
])
def test_refused_transitions_are_409_and_change_nothing(client, db, staff, bearer, budget, group, status, action):
    grant = make_grant(staff["maker"], staff["checker"], status=status, group=group)
    db.session.commit()
    entries = count(db, JournalEntry)
    body = {"handover": {"date": TODAY.isoformat(), "received_by_member_id": group.ketua.id},
            "cancel": {"reason": "salah input"}}.get(action)
    response = client.post(f"/api/v1/grants/{grant.id}/{action}", json=body, headers=bearer(staff["admin"]))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == status and count(db, JournalEntry) == entries


def test_a_refused_transition_names_the_statuses_in_words(client, db, staff, bearer, budget, group):
    grant = make_grant(staff["maker"], staff["checker"], status="cancelled", group=group)
    db.session.commit()
    response = client.post(f"/api/v1/grants/{grant.id}/approve", headers=bearer(staff["checker"]))
    assert response.status_code == 409
    assert error_of(response)["message"] == "Status bantuan tidak dapat diubah dari Dibatalkan ke Disetujui."


def test_cancelling_an_approved_grant_releases_the_commitment(client, db, staff, bearer, budget, group):
    grant = make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    db.session.commit()
    url = f"/api/v1/grants/{grant.id}/cancel"
    for body, field in (({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 501}, "reason")):
        refused = client.post(url, json=body, headers=bearer(staff["maker"]))
        assert refused.status_code == 422 and field in error_of(refused)["fields"]
    response = client.post(url, json={"reason": "Kelompok pindah\nsebelum serah terima"}, headers=bearer(staff["maker"]))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    figures = client.get("/api/v1/budgets", headers=bearer(staff["viewer"])).get_json()[0]
    assert (figures["committed"], figures["remaining"]) == (0, 200_000_000)


@pytest.mark.parametrize("body, field", [
    ({"received_by_member_id": "anggota"}, "received_by_member_id"),  # an ordinary member, not the ketua
    ({"received_by_member_id": 2**31 - 1}, "received_by_member_id"),  # no such member
    ({"received_by_member_id": 2**31}, "received_by_member_id"),
    ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date"),
    ({"date": "2020-01-01"}, "date"),  # before the approval
    ({"date": "28-08-2025"}, "date"),
    ({"date": None}, "date"),
    ({"letter_number": "460/001"}, "letter_number"),
])
def test_invalid_handover_is_422_per_field(client, db, staff, bearer, budget, group, body, field):
    grant = make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    db.session.commit()
    values = {"date": TODAY.isoformat(), "received_by_member_id": group.ketua.id} | body
    if values["received_by_member_id"] == "anggota":
        values["received_by_member_id"] = group.current_members[2].id
    response = client.post(f"/api/v1/grants/{grant.id}/handover", json=values, headers=bearer(staff["maker"]))
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "approved" and count(db, Asset) == 0


@pytest.mark.parametrize("change, field", [
    ({"lines": []}, "lines"),
    ({"lines": "tenda"}, "lines"),
    ({"lines": [{"kind": "equipment", "item": "Tenda", "quantity": 1, "unit_value": 1.5}]}, "lines.0.unit_value"),
    ({"lines": [{"kind": "equipment", "item": "Tenda", "quantity": "2", "unit_value": 1000}]}, "lines.0.quantity"),
    ({"lines": [TENT_LINES[0], {"kind": "hibah", "item": "x", "unit_value": 1000}]}, "lines.1.kind"),
    ({"lines": [{"kind": "equipment", "unit_value": 1000}]}, "lines.0.item"),  # the operation's rule
    ({"lines": [{"kind": "cash", "quantity": 2, "unit_value": 1000}]}, "lines.0.quantity"),
    ({"lines": [TENT_LINES[0] | {"total": 1}]}, "lines.0.total"),
    ({"lines": [7]}, "lines.0._schema"),
    ({"group_id": 2**31 - 1}, "group_id"),
    ({"group_id": "1"}, "group_id"),
    ({"member_id": "ketua"}, "member_id"),  # a KUBE grant goes to the group
    ({"year": 2031}, "year"),  # no budget for that year
    ({"year": 2025.0}, "year"),
    ({"program": "BLT"}, "program"),
    ({"status": "approved"}, "status"),
])
def test_invalid_grant_fields_are_422_per_field_and_create_nothing(client, db, staff, bearer, budget, group,
                                                                     change, field):
    if change.get("member_id") == "ketua":
        change = {"member_id": group.ketua.id}
    response = client.post("/api/v1/grants", json=grant_json(group, **change), headers=bearer(staff["maker"]))
    assert response.status_code == 422, response.get_json()
    assert error_of(response)["code"] == "validation_error" and field in error_of(response)["fields"]
    assert count(db, Grant) == 0


def test_a_closed_group_gets_no_new_grant(client, db, staff, bearer, budget):
    dissolved = make_group(staff["maker"], members=5, status="dissolved")
    db.session.commit()
    response = client.post("/api/v1/grants", json=grant_json(dissolved), headers=bearer(staff["maker"]))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"
    assert error_of(response)["message"] == "Kelompok berstatus Dibubarkan tidak dapat menerima bantuan baru."


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/grants/{missing}"), ("POST", "/api/v1/grants/{missing}/submit"),
    ("POST", "/api/v1/grants/{missing}/approve"), ("POST", "/api/v1/grants/{huge}/approve"),
    ("GET", "/api/v1/grants/{huge}"), ("GET", "/api/v1/groups/{missing}/statement"),
    ("GET", "/api/v1/groups/{huge}/assets/checks"),
])
def test_unknown_ids_are_404(client, db, staff, bearer, method, path):
    url = path.format(missing=2**31 - 1, huge=2**40)
    response = client.open(url, method=method, headers=bearer(staff["admin"]))
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# -- grant list ------------------------------------------------------------------------------

def test_grant_list_filters_and_pages(client, db, staff, bearer, budget, group):
    make_budget(staff["maker"], program="UEP", amount=50_000_000)
    other = make_group(staff["maker"], members=5, status="active")
    draft = make_grant(staff["maker"], group=group)
    approved = make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    elsewhere = make_grant(staff["maker"], status="submitted", group=other)
    uep = make_grant(staff["maker"], group=other, program="UEP", lines=[{"kind": "cash", "unit_value": 2_000_000}])
    db.session.commit()
    headers = bearer(staff["viewer"])

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/grants{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [g["id"] for g in response.get_json()]

    assert ids("") == [draft.id, approved.id, elsewhere.id, uep.id]
    assert ids(f"?group_id={group.id}") == [draft.id, approved.id]
    assert ids("?status=approved") == [approved.id]
    assert ids("?program=UEP&year=2025") == [uep.id]
    assert ids("?year=2026") == []
    page = client.get("/api/v1/grants?per_page=3&page=2", headers=headers)
    assert [g["id"] for g in page.get_json()] == [uep.id]
    meta = json.loads(page.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"]) == (4, 2, 2)
    for query, field in (("?status=lost", "status"), ("?per_page=500", "per_page"), ("?colour=red", "colour"),
                         ("?year=abc", "year")):
        response = client.get(f"/api/v1/grants{query}", headers=headers)
        assert response.status_code == 422 and field in error_of(response)["fields"]


def test_grant_list_and_budget_list_take_a_fixed_number_of_queries(client, db, staff, bearer, budget):
    headers = bearer(staff["viewer"])
    client.get("/api/v1/grants", headers=headers)  # warm up: the token and the user

    def queries(path: str) -> int:
        with recorded_statements(db.engine) as statements:
            assert client.get(path, headers=headers).status_code == 200
        return len(statements)

    group = make_group(staff["maker"], members=5, status="active")
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    db.session.commit()
    few = queries("/api/v1/grants"), queries("/api/v1/budgets"), queries(f"/api/v1/groups/{group.id}/assets/checks")
    for year in (2026, 2027):
        make_budget(staff["maker"], year=year)
    for _ in range(4):
        make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    db.session.commit()
    many = queries("/api/v1/grants"), queries("/api/v1/budgets"), queries(f"/api/v1/groups/{group.id}/assets/checks")
    assert few == many


# -- ledger reports and equipment ----------------------------------------------------------------

def test_trial_balance_balances(client, db, staff, bearer, budget, group):
    make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    db.session.commit()
    response = client.get("/api/v1/ledger/trial-balance", headers=bearer(staff["viewer"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["debit_total"] == body["credit_total"] > 0
    assert sum(account["balance"] for account in body["accounts"]) == 0
    by_code = {account["code"]: account for account in body["accounts"]}
    assert by_code[f"budget:{budget.id}:committed"]["balance"] == 17_500_000
    assert by_code[f"group:{group.id}:equipment"]["balance"] == 17_500_000
    assert set(by_code[f"budget:{budget.id}:available"]) == {"code", "name", "kind", "debit", "credit", "balance"}


def test_officer_records_equipment_checks(client, db, staff, bearer, budget, group):
    grant = make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    other = make_group(staff["maker"], members=5, status="active")
    foreign = make_grant(staff["maker"], staff["checker"], status="handed_over", group=other)
    db.session.commit()
    tent = db.session.scalars(sa.select(Asset).where(Asset.grant_id == grant.id).order_by(Asset.id)).first()
    foreign_asset = db.session.scalars(sa.select(Asset).where(Asset.grant_id == foreign.id)).first()
    url = f"/api/v1/groups/{group.id}/assets/checks"
    body = {"asset_id": tent.id, "checked_on": TODAY.isoformat(), "condition": "rusak", "note": "Terpal sobek"}
    response = client.post(url, json=body, headers=bearer(staff["checker"]))
    assert response.status_code == 201, response.get_json()
    check = response.get_json()
    assert check == {"id": check["id"], "asset_id": tent.id, "checked_on": TODAY.isoformat(), "condition": "rusak",
                     "note": "Terpal sobek", "officer_id": staff["checker"].id}
    listed = client.get(url, headers=bearer(staff["viewer"])).get_json()
    assert listed[0]["id"] == tent.id and listed[0]["checks"] == [check]
    assert listed[0]["letter_number"] == grant.letter_number and listed[1]["checks"] == []

    for change, field in (({"asset_id": foreign_asset.id}, "asset_id"), ({"asset_id": 2**31 - 1}, "asset_id"),
                          ({"condition": "hancur"}, "condition"), ({"checked_on": "2020-01-01"}, "checked_on"),
                          ({"checked_on": (TODAY + timedelta(days=2)).isoformat()}, "checked_on"),
                          ({"asset_id": None}, "asset_id")):
        refused = client.post(url, json=body | change, headers=bearer(staff["checker"]))
        assert refused.status_code == 422 and field in error_of(refused)["fields"], (change, refused.get_json())
    assert count(db, AssetCheck) == 1


# -- roles ------------------------------------------------------------------------------------

def test_leader_reads_only_their_own_group_and_changes_nothing(client, db, staff, bearer, budget, group):
    other = make_group(staff["maker"], members=5, status="active")
    own_grant = make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    other_grant = make_grant(staff["maker"], staff["checker"], status="handed_over", group=other)
    submitted = make_grant(staff["maker"], status="submitted", group=group)
    leader = make_user("leader", group_id=group.id)
    db.session.commit()
    headers = bearer(leader)

    listed = client.get("/api/v1/grants", headers=headers)
    assert [g["id"] for g in listed.get_json()] == [own_grant.id, submitted.id]
    assert client.get(f"/api/v1/grants?group_id={other.id}", headers=headers).get_json() == []
    assert client.get(f"/api/v1/grants/{own_grant.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/grants/{other_grant.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/groups/{group.id}/statement", headers=headers).get_json()["total"] == 17_500_000
    assert client.get(f"/api/v1/groups/{other.id}/statement", headers=headers).status_code == 404
    assert len(client.get(f"/api/v1/groups/{group.id}/assets/checks", headers=headers).get_json()) == 2
    assert client.get(f"/api/v1/groups/{other.id}/assets/checks", headers=headers).status_code == 404
    for path in ("/api/v1/budgets", "/api/v1/ledger/trial-balance"):
        assert client.get(path, headers=headers).status_code == 403

    writes = [
        ("/api/v1/budgets", {"program": "UEP", "year": 2025, "amount": 1_000_000, "source": "APBD"}),
        ("/api/v1/grants", grant_json(group)),
        (f"/api/v1/grants/{submitted.id}/approve", None),
        (f"/api/v1/grants/{submitted.id}/cancel", {"reason": "x"}),
        (f"/api/v1/groups/{group.id}/assets/checks", {"asset_id": 1, "checked_on": "2025-09-01", "condition": "baik"}),
    ]
    for path, body in writes:
        response = client.post(path, json=body, headers=headers | {"Idempotency-Key": "leader-1"})
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden", path
    db.session.expire_all()
    assert db.session.get(Grant, submitted.id).status == "submitted"
    assert count(db, IdempotencyRecord) == 0


def test_viewer_reads_everything_and_changes_nothing(client, db, staff, bearer, budget, group):
    grant = make_grant(staff["maker"], status="submitted", group=group)
    db.session.commit()
    headers = bearer(staff["viewer"])
    for path in ("/api/v1/budgets", "/api/v1/grants", f"/api/v1/grants/{grant.id}", "/api/v1/ledger/trial-balance",
                 f"/api/v1/groups/{group.id}/statement", f"/api/v1/groups/{group.id}/assets/checks"):
        assert client.get(path, headers=headers).status_code == 200, path
    for action in ("submit", "approve", "handover", "cancel"):
        assert client.post(f"/api/v1/grants/{grant.id}/{action}", json={}, headers=headers).status_code == 403
    assert client.post("/api/v1/grants", json=grant_json(group), headers=headers).status_code == 403
    assert count(db, Grant) == 1


# -- idempotency ------------------------------------------------------------------------------

def test_retrying_a_grant_creation_with_the_same_key_creates_one_grant(client, db, staff, bearer, budget, group):
    headers = bearer(staff["maker"]) | {"Idempotency-Key": "3f1c9a2e-grant-1"}
    first = client.post("/api/v1/grants", json=grant_json(group), headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # The same request, its keys in another order: still the same request.
    reordered = dict(reversed(list(grant_json(group).items())))
    second = client.post("/api/v1/grants", data=json.dumps(reordered, indent=2), content_type="application/json",
                         headers=headers)
    assert second.status_code == 201 and second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert count(db, Grant) == 1 and count(db, IdempotencyRecord) == 1
    # Keys belong to a user: another officer's identical key is another request.
    other = client.post("/api/v1/grants", json=grant_json(group),
                        headers=bearer(staff["admin"]) | {"Idempotency-Key": "3f1c9a2e-grant-1"})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]


def test_retrying_an_approval_with_the_same_key_posts_one_entry(client, db, staff, bearer, budget, group):
    grant = make_grant(staff["maker"], status="submitted", group=group)
    db.session.commit()
    entries = count(db, JournalEntry)
    headers = bearer(staff["checker"]) | {"Idempotency-Key": "approve-7"}
    first = client.post(f"/api/v1/grants/{grant.id}/approve", headers=headers)
    second = client.post(f"/api/v1/grants/{grant.id}/approve", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json() and first.get_json()["status"] == "approved"
    assert count(db, JournalEntry) == entries + 1
    # Without the key a repeat is a new request, and the state machine refuses it.
    assert client.post(f"/api/v1/grants/{grant.id}/approve", headers=bearer(staff["checker"])).status_code == 409


def test_the_same_key_for_another_request_is_422(client, db, staff, bearer, budget, group):
    headers = bearer(staff["maker"]) | {"Idempotency-Key": "k-1"}
    assert client.post("/api/v1/grants", json=grant_json(group), headers=headers).status_code == 201
    other_body = client.post("/api/v1/grants", json=grant_json(group, note="lain"), headers=headers)
    assert other_body.status_code == 422
    error = error_of(other_body)
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["fields"]
    grant_id = db.session.scalar(sa.select(Grant.id))
    other_path = client.post(f"/api/v1/grants/{grant_id}/submit", headers=headers)
    assert other_path.status_code == 422 and error_of(other_path)["code"] == "idempotency_key_reused"
    db.session.expire_all()
    assert count(db, Grant) == 1 and db.session.get(Grant, grant_id).status == "draft"


def test_a_refused_request_stores_nothing_so_a_corrected_retry_runs(client, db, staff, bearer, group):
    make_budget(staff["maker"], amount=10_000_000)
    db.session.commit()
    headers = bearer(staff["maker"]) | {"Idempotency-Key": "retry-after-fix"}
    invalid = client.post("/api/v1/grants", json=grant_json(group, lines=[]), headers=headers)
    assert invalid.status_code == 422 and count(db, IdempotencyRecord) == 0
    unknown_year = client.post("/api/v1/grants", json=grant_json(group, year=2030), headers=headers)
    assert unknown_year.status_code == 422 and count(db, IdempotencyRecord) == 0
    created = client.post("/api/v1/grants", json=grant_json(group), headers=headers)
    assert created.status_code == 201 and count(db, IdempotencyRecord) == 1

    grant_id = created.get_json()["id"]
    assert client.post(f"/api/v1/grants/{grant_id}/submit", headers=bearer(staff["maker"])).status_code == 200
    approve = bearer(staff["checker"]) | {"Idempotency-Key": "approve-over-budget"}
    refused = client.post(f"/api/v1/grants/{grant_id}/approve", headers=approve)
    assert refused.status_code == 409 and error_of(refused)["code"] == "budget_exceeded"
    assert count(db, IdempotencyRecord) == 1  # only the creation
    missing = client.post("/api/v1/grants/999999/approve", headers=approve)
    assert missing.status_code == 404 and count(db, IdempotencyRecord) == 1


@pytest.mark.parametrize("key", ["", "x" * 129, "kunci dengan spasi", "kunci-ñ"])
def test_an_invalid_key_is_422(client, db, staff, bearer, budget, group, key):
    headers = bearer(staff["maker"]) | {"Idempotency-Key": key.encode().decode("latin-1")}
    response = client.post("/api/v1/grants", json=grant_json(group), headers=headers)
    assert response.status_code == 422 and "Idempotency-Key" in error_of(response)["fields"]
    assert count(db, Grant) == 0


def test_each_state_changing_call_commits_once(client, db, staff, bearer, budget, group):
    headers = bearer(staff["maker"])
    commits: list[int] = []
    listener = lambda connection: commits.append(1)  # noqa: E731  (real COMMITs, not savepoint releases)
    sa.event.listen(db.engine, "commit", listener)
    try:
        created = client.post("/api/v1/grants", json=grant_json(group), headers=headers | {"Idempotency-Key": "one"})
        assert created.status_code == 201 and len(commits) == 1
        assert client.post(f"/api/v1/grants/{created.get_json()['id']}/submit", headers=headers).status_code == 200
        assert len(commits) == 2
    finally:
        sa.event.remove(db.engine, "commit", listener)


def test_openapi_documents_the_ledger_routes_and_the_idempotency_header(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    keyed = [("/api/v1/budgets", "post"), ("/api/v1/grants", "post"), ("/api/v1/grants/{grant_id}/submit", "post"),
             ("/api/v1/grants/{grant_id}/approve", "post"), ("/api/v1/grants/{grant_id}/handover", "post"),
             ("/api/v1/grants/{grant_id}/cancel", "post"), ("/api/v1/groups/{group_id}/assets/checks", "post")]
    for path, method in keyed:
        operation = paths[path][method]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is False
        assert "idempotency_key_reused" in operation["responses"]["422"]["description"]
    approve = paths["/api/v1/grants/{grant_id}/approve"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(approve)
    assert "budget_exceeded" in approve["409"]["description"]
    assert "parameters" not in paths["/api/v1/grants/{grant_id}"]["get"]
    assert {"page", "per_page", "program", "year", "status", "kecamatan", "group_id", "q"} == {
        p["name"] for p in paths["/api/v1/grants"]["get"]["parameters"]}
    grant_schema = spec["components"]["schemas"]["Grant"]
    assert set(grant_schema["properties"]) == GRANT_FIELDS
    assert set(spec["components"]["schemas"]["Budget"]["properties"]) == BUDGET_FIELDS
