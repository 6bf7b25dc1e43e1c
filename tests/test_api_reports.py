"""The income report API: create or replace with PUT, list, verify; the same rules as the pages."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kube.audit.models import AuditEntry
from kube.reports.models import IncomeReport
from tests.factories import make_group
from tests.factories import jakarta

BODY = {"revenue": 1_500_000, "expenses": 400_000}


pytestmark = pytest.mark.usefixtures("report_day")  # 5 July 2025 in Jakarta; `frozen(moment)` moves


@pytest.fixture
def tokens(bearer, leader):
    """Bearer headers per role; the leader leads `group`."""
    return {role: bearer(role) for role in ("admin", "officer", "viewer")} | {"leader": bearer(leader)}


def url(group, period="2025-06") -> str:
    return f"/api/v1/groups/{group.id}/income-reports/{period}"


def stored(db) -> list[IncomeReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(IncomeReport)))


def test_put_creates_then_replaces(client, db, group, tokens, frozen):
    response = client.put(url(group), json=dict(BODY, note="Ramai hajatan"), headers=tokens["leader"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["period"] == "2025-06" and body["net"] == 1_100_000 and body["active_members"] == 5
    assert body["note"] == "Ramai hajatan" and body["entered_on_behalf"] is False and body["verified"] is False
    assert body["on_time"] is True and body["submitted_at"].endswith("+00:00")
    response = client.put(url(group), json={"revenue": 1_000_000, "expenses": 1_200_000, "active_members": 4},
                          headers=tokens["leader"])
    assert response.status_code == 200
    assert response.get_json()["net"] == -200_000 and response.get_json()["id"] == body["id"]
    assert len(stored(db)) == 1


def test_officer_put_is_entered_on_behalf(client, group, tokens, frozen):
    response = client.put(url(group), json=BODY, headers=tokens["officer"])
    assert response.status_code == 201 and response.get_json()["entered_on_behalf"] is True


def test_late_submission_is_marked(client, group, tokens, frozen):
    frozen(jakarta(2025, 7, 11, 0, 1))
    assert client.put(url(group), json=BODY, headers=tokens["leader"]).get_json()["on_time"] is False


@pytest.mark.parametrize("body, field, fragment", [
    # Every malformed amount gets the one Rupiah message (kube.core.money), as on the forms.
    ({"revenue": -1, "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": 0, "expenses": -400}, "expenses", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": 1.5, "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "1,5", "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "1.50.000", "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "١٥٠٠", "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "2²", "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": True, "expenses": 0}, "revenue", "tanpa koma, desimal atau tanda minus"),
    ({"revenue": 1_000_000_001, "expenses": 0}, "revenue", "Rp1.000.000.000"),
    ({"revenue": 10**30, "expenses": 0}, "revenue", "Rp1.000.000.000"),
    ({"revenue": None, "expenses": 0}, "revenue", "Wajib"),
    ({"expenses": 0}, "revenue", "Wajib"),
    ({"revenue": 1, "expenses": 0, "active_members": -2}, "active_members", "0 sampai"),
    ({"revenue": 1, "expenses": 0, "active_members": "5"}, "active_members", "angka bulat"),
    ({"revenue": 1, "expenses": 0, "note": "x" * 501}, "note", "500"),
    ({"revenue": 1, "expenses": 0, "bonus": 1}, "bonus", ""),
])
def test_bad_values_get_422_with_field_messages(client, db, group, tokens, frozen, body, field, fragment):
    response = client.put(url(group), json=body, headers=tokens["leader"])
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and fragment in " ".join(error["fields"][field])
    assert stored(db) == []


def test_amounts_may_come_as_text_read_by_the_one_parser(client, db, group, tokens):
    response = client.put(url(group), json={"revenue": "Rp 1.500.000", "expenses": "400.000"},
                          headers=tokens["leader"])
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["revenue"], response.get_json()["net"]) == (1_500_000, 1_100_000)


@pytest.mark.parametrize("period, fragment", [
    ("2025-07", "belum selesai"), ("2026-01", "belum datang"), ("2023-12", "baru terbentuk"),
    ("2025-13", "YYYY-MM"), ("juni", "YYYY-MM"),
])
def test_months_that_cannot_be_reported_get_422(client, db, group, tokens, frozen, period, fragment):
    response = client.put(url(group, period), json=BODY, headers=tokens["officer"])
    assert response.status_code == 422
    assert fragment in response.get_json()["error"]["fields"]["period"][0]
    assert stored(db) == []


def test_a_group_that_is_not_active_gets_422(client, db, users, tokens, frozen):
    dissolved = make_group(users["officer"], members=5, status="dissolved")
    db.session.commit()
    response = client.put(url(dissolved), json=BODY, headers=tokens["officer"])
    assert response.status_code == 422 and "aktif" in response.get_json()["error"]["fields"]["group"][0]


def test_malformed_json_is_400(client, group, tokens, frozen):
    response = client.put(url(group), data="{not json", content_type="application/json", headers=tokens["leader"])
    assert response.status_code in (400, 422)


def test_unusual_values_need_confirmed_true(client, db, group, tokens, frozen):
    body = {"revenue": 100_000, "expenses": 900_000}
    response = client.put(url(group), json=body, headers=tokens["leader"])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "needs_confirmation" and "Apakah angka ini sudah benar?" in error["message"]
    assert "lebih dari 3 kali omzet" in " ".join(error["fields"]["confirmed"])
    assert stored(db) == []
    response = client.put(url(group), json=dict(body, confirmed=True), headers=tokens["leader"])
    assert response.status_code == 201 and response.get_json()["confirmed_unusual"] is True


def test_verification_locks_the_report_for_the_leader(client, db, group, tokens, frozen):
    client.put(url(group), json=BODY, headers=tokens["leader"])
    response = client.post(url(group) + "/verify", headers=tokens["officer"])
    assert response.status_code == 200 and response.get_json()["verified"] is True
    response = client.put(url(group), json={"revenue": 1, "expenses": 0}, headers=tokens["leader"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "report_verified"
    assert stored(db)[0].revenue == 1_500_000
    # An officer may change it, but only with a reason, which the audit log keeps.
    response = client.put(url(group), json={"revenue": 1_600_000, "expenses": 400_000}, headers=tokens["officer"])
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    response = client.put(url(group), json={"revenue": 1_600_000, "expenses": 400_000, "reason": "Nota tertinggal"},
                          headers=tokens["officer"])
    assert response.status_code == 200 and response.get_json()["verified"] is True
    summary = db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "report.update"))
    assert "Nota tertinggal" in summary


def test_verify_answers(client, group, tokens, frozen):
    assert client.post(url(group) + "/verify", headers=tokens["officer"]).status_code == 404
    client.put(url(group), json=BODY, headers=tokens["leader"])
    assert client.post(url(group) + "/verify", headers=tokens["leader"]).status_code == 403
    assert client.post(url(group) + "/verify", headers=tokens["viewer"]).status_code == 403
    assert client.post(url(group) + "/verify", headers=tokens["admin"]).status_code == 200
    again = client.post(url(group) + "/verify", headers=tokens["officer"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    assert client.post(url(group, "2025-6") + "/verify", headers=tokens["officer"]).status_code == 422


def test_list_is_paginated_newest_first(client, group, tokens, frozen):
    for period in ("2025-04", "2025-05", "2025-06"):
        assert client.put(url(group, period), json=BODY, headers=tokens["officer"]).status_code == 201
    response = client.get(f"/api/v1/groups/{group.id}/income-reports?per_page=2", headers=tokens["viewer"])
    assert response.status_code == 200
    assert [r["period"] for r in response.get_json()] == ["2025-06", "2025-05"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    page2 = client.get(f"/api/v1/groups/{group.id}/income-reports?per_page=2&page=2", headers=tokens["leader"])
    assert [r["period"] for r in page2.get_json()] == ["2025-04"]


def test_leaders_reach_only_their_own_group(client, db, users, group, tokens, frozen):
    other = make_group(users["officer"], members=5, status="active")
    db.session.commit()
    assert client.put(url(other), json=BODY, headers=tokens["leader"]).status_code == 404
    assert client.get(f"/api/v1/groups/{other.id}/income-reports", headers=tokens["leader"]).status_code == 404
    assert client.put(f"/api/v1/groups/{2**40}/income-reports/2025-06", json=BODY,
                      headers=tokens["officer"]).status_code == 404
    assert stored(db) == []


def test_viewers_read_only(client, db, group, tokens, frozen):
    assert client.put(url(group), json=BODY, headers=tokens["viewer"]).status_code == 403
    assert client.get(f"/api/v1/groups/{group.id}/income-reports", headers=tokens["viewer"]).status_code == 200
    assert stored(db) == []


def test_openapi_documents_the_report_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    put = spec["paths"]["/api/v1/groups/{group_id}/income-reports/{period}"]["put"]
    assert {"200", "201", "400", "401", "403", "404", "409", "422"} <= set(put["responses"])
    verify = spec["paths"]["/api/v1/groups/{group_id}/income-reports/{period}/verify"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(verify["responses"])
    body = spec["components"]["schemas"]["ReportInput"]
    assert body["properties"]["revenue"]["type"] == "integer" and set(body["required"]) == {"revenue", "expenses"}
    assert body["properties"]["confirmed"]["type"] == "boolean"
