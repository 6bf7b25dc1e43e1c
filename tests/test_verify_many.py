"""Verifying many reports at once: `POST /api/v1/income-reports/verify` and the page "Verifikasi laporan".

Each item stands alone: verified, or refused with `not_found`, `already_verified` or
`validation_error` while the others go on; every verification is audited as a single one is;
and on PostgreSQL two officers verifying the same report at once give one verification and one
`already_verified`, never a 500.
"""
from __future__ import annotations

import re
import threading
import time
from datetime import date

import pytest
from sqlalchemy import select

from kube.audit.models import AuditEntry
from kube.auth.models import User
from kube.extensions import db as _db
from kube.reports.models import IncomeReport
from kube.reports.operations import (
    VERIFY_BATCH_MAX,
    submit_report,
    verify_report,
    verify_reports,
)
from tests.factories import make_group, make_user

pytestmark = pytest.mark.usefixtures("report_day")  # 5 July 2025: June is the last complete month

URL = "/api/v1/income-reports/verify"
MAY, JUNE = date(2025, 5, 1), date(2025, 6, 1)
SERANG_KELURAHAN = "36.73.01.1001"  # kecamatan Serang; the factory's groups are in Curug (36.73.04)


def report(group, period, actor, revenue=1_500_000, expenses=400_000, unusual=False) -> IncomeReport:
    """A committed report; `unusual` marks it as an unusual figure its sender confirmed."""
    stored, _created = submit_report(group, period, {"revenue": revenue, "expenses": expenses}, actor,
                                     confirmed=unusual)
    assert stored.confirmed_unusual is unusual
    _db.session.commit()
    return stored


def fresh(report_id: int) -> IncomeReport:
    _db.session.expire_all()
    return _db.session.get(IncomeReport, report_id)


def verify_audit(db) -> list[tuple[str, str, str]]:
    """(object id, summary, username) of every report verification in the audit log, by object id."""
    db.session.expire_all()
    return sorted((entry.object_id, entry.summary, entry.username) for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "report.verify")))


@pytest.fixture
def scene(db, users, group):
    """Three groups: A with June awaiting, B with June verified, C (in kecamatan Serang, another pendamping)
    with May awaiting and unusual; plus a second officer."""
    officer = users["officer"]
    other_officer = make_user("officer")
    group_c = make_group(officer, members=5, status="active", kelurahan_code=SERANG_KELURAHAN)
    group_c.officer_id = other_officer.id
    group_b = make_group(officer, members=5, status="active")
    db.session.commit()
    a_june = report(group, JUNE, officer)
    b_june = report(group_b, JUNE, officer)
    verify_report(group_b, JUNE, users["admin"])
    db.session.commit()
    c_may = report(group_c, MAY, officer, revenue=100_000, expenses=900_000, unusual=True)
    return {"a": group, "b": group_b, "c": group_c, "a_june": a_june, "b_june": b_june, "c_may": c_may,
            "other_officer": other_officer}


# -- the API ----------------------------------------------------------------------------------

def test_each_item_is_verified_or_refused_on_its_own_in_the_order_sent(client, db, users, scene, bearer):
    a, b, c = scene["a"], scene["b"], scene["c"]
    items = [
        {"group_id": a.id, "period": "2025-06"},
        {"group_id": 999_999, "period": "2025-06"},
        {"group_id": a.id, "period": "2025-05"},
        {"group_id": b.id, "period": "2025-06"},
        {"group_id": a.id, "period": "2025-13"},
        {"group_id": c.id, "period": "2025-05"},
    ]
    response = client.post(URL, json={"items": items}, headers=bearer("officer"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "verified": [{"group_id": a.id, "period": "2025-06"}, {"group_id": c.id, "period": "2025-05"}],
        "errors": [
            {"group_id": 999_999, "period": "2025-06", "code": "not_found", "message": "Kelompok tidak ditemukan."},
            {"group_id": a.id, "period": "2025-05", "code": "not_found",
             "message": "Belum ada laporan Mei 2025 untuk kelompok ini."},
            {"group_id": b.id, "period": "2025-06", "code": "already_verified",
             "message": "Laporan Juni 2025 sudah diverifikasi."},
            {"group_id": a.id, "period": "2025-13", "code": "validation_error",
             "message": "Periode harus berbentuk YYYY-MM, misalnya 2025-06."},
        ],
    }
    officer, admin = users["officer"], users["admin"]
    assert fresh(scene["a_june"].id).verified_by_id == officer.id and fresh(scene["a_june"].id).verified_at
    assert fresh(scene["c_may"].id).verified_by_id == officer.id
    assert fresh(scene["b_june"].id).verified_by_id == admin.id  # the earlier verification stands
    # Audited as a single verification is: one entry per report verified, by whoever verified it.
    assert verify_audit(db) == sorted([
        (str(scene["a_june"].id), f"{a.code} 2025-06", officer.username),
        (str(scene["b_june"].id), f"{b.code} 2025-06", admin.username),
        (str(scene["c_may"].id), f"{c.code} 2025-05", officer.username),
    ])


def test_the_same_report_twice_in_one_batch_is_verified_once(client, db, scene, bearer):
    item = {"group_id": scene["a"].id, "period": "2025-06"}
    body = client.post(URL, json={"items": [item, item]}, headers=bearer("admin")).get_json()
    assert body["verified"] == [item]
    assert [(e["group_id"], e["code"]) for e in body["errors"]] == [(scene["a"].id, "already_verified")]
    assert len(verify_audit(db)) == 2  # b_june's from the scene, and this one


def test_leaders_and_viewers_are_refused_and_visitors_must_log_in(client, db, users, scene, leader, bearer):
    own = {"items": [{"group_id": scene["a"].id, "period": "2025-06"}]}  # the leader's own group
    for who in (leader, users["viewer"]):
        response = client.post(URL, json=own, headers=bearer(who))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.post(URL, json=own).status_code == 401
    assert fresh(scene["a_june"].id).verified_at is None


@pytest.mark.parametrize("count, fragment", [(0, "paling sedikit satu"), (VERIFY_BATCH_MAX + 1, "Paling banyak 200")])
def test_no_items_or_too_many_are_refused_whole(client, db, scene, bearer, count, fragment):
    items = [{"group_id": scene["a"].id, "period": "2025-06"}] * count
    response = client.post(URL, json={"items": items}, headers=bearer("officer"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and fragment in error["fields"]["items"][0]
    assert fresh(scene["a_june"].id).verified_at is None


def test_a_malformed_body_is_refused_whole_with_the_field_named(client, db, scene, bearer):
    cases = [
        ({"items": [{"group_id": "1", "period": "2025-06"}]}, "items.0.group_id"),
        ({"items": [{"group_id": scene["a"].id}]}, "items.0.period"),
        ({"items": [{"group_id": scene["a"].id, "period": "2025-06", "x": 1}]}, "items.0.x"),
        ({"items": [{"group_id": 2**40, "period": "2025-06"}]}, "items.0.group_id"),
        ({}, "items"),
    ]
    for body, name in cases:
        response = client.post(URL, json=body, headers=bearer("officer"))
        assert response.status_code == 422, body
        assert name in response.get_json()["error"]["fields"], (body, response.get_json())
    assert fresh(scene["a_june"].id).verified_at is None


def test_an_idempotency_key_replays_the_first_answer(client, db, scene, bearer):
    headers = {**bearer("officer"), "Idempotency-Key": "verify-batch-1"}
    body = {"items": [{"group_id": scene["a"].id, "period": "2025-06"}]}
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json() == {"verified": body["items"], "errors": []}
    assert len(verify_audit(db)) == 2  # b_june's and one for a_june: the replay verified nothing again


def test_the_operation_refuses_those_who_may_not_verify(app, db, users, scene):
    from kube.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        verify_reports([(scene["a"].id, "2025-06")], users["viewer"])


# -- the page ---------------------------------------------------------------------------------

def checkbox_values(page: str) -> list[str]:
    return re.findall(r'name="report" value="([^"]+)"', page)


def test_the_page_lists_exactly_the_reports_awaiting_verification_newest_month_first(client, db, users, scene,
                                                                                        login):
    a, c = scene["a"], scene["c"]
    login(users["officer"])
    page = client.get("/reports/verify").get_data(as_text=True)
    assert checkbox_values(page) == [f"{a.id}/2025-06", f"{c.id}/2025-05"]  # not b's verified June
    # Each checkbox is labelled with its group and month; the unusual one is marked on its row.
    assert f'Pilih laporan {a.name} Juni 2025' in page and f'Pilih laporan {c.name} Mei 2025' in page
    assert page.count("tidak biasa</span>") == 1 and page.count('class="report-row unusual"') == 1
    assert "Rp100.000" in page and "-Rp800.000" in page  # c's revenue and net
    assert 'class="table-wrap" tabindex="0" role="region"' in page and "js/verify-many.js" in page
    assert "Verifikasi yang dipilih" in page and 'data-select-all="verify-many-table"' in page


@pytest.mark.parametrize("query, expected", [
    ("period=2025-05", ["c"]),
    ("period=2025-06", ["a"]),
    ("kecamatan=36.73.01", ["c"]),
    ("kecamatan=36.73.04", ["a"]),
    ("officer={other}", ["c"]),
    ("officer={other}&period=2025-06", []),
    ("period=junk&officer=x", ["a", "c"]),  # a filter that means nothing filters nothing
])
def test_the_filters_in_the_url_narrow_the_list(client, db, users, scene, login, query, expected):
    login(users["officer"])
    page = client.get("/reports/verify?" + query.format(other=scene["other_officer"].id)).get_data(as_text=True)
    periods = {"a": "2025-06", "c": "2025-05"}
    assert checkbox_values(page) == [f"{scene[key].id}/{periods[key]}" for key in expected]
    if not expected:
        assert "Tidak ada laporan yang menunggu verifikasi." in page


def test_posting_verifies_the_checked_reports_and_names_each_refusal(client, db, users, scene, login):
    a, b, c = scene["a"], scene["b"], scene["c"]
    login(users["officer"])
    response = client.post("/reports/verify?period=2025-06", data={
        "report": [f"{a.id}/2025-06", f"{b.id}/2025-06", "999999/2025-06", f"{a.id}/bulan", "junk/2025-06"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/verify?period=2025-06")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 laporan diverifikasi." in page and "4 laporan tidak dapat diverifikasi:" in page
    assert f"{b.name}, Juni 2025: Laporan Juni 2025 sudah diverifikasi." in page
    assert "Kelompok #999999, Juni 2025: Kelompok tidak ditemukan." in page
    assert f"{a.name}, bulan: Periode harus berbentuk YYYY-MM, misalnya 2025-06." in page
    assert "Kelompok #0, Juni 2025: Kelompok tidak ditemukan." in page  # a value naming no group
    assert fresh(scene["a_june"].id).verified_by_id == users["officer"].id
    assert fresh(scene["c_may"].id).verified_at is None  # not checked, not verified
    assert checkbox_values(client.get("/reports/verify").get_data(as_text=True)) == [f"{c.id}/2025-05"]
    assert [row[0] for row in verify_audit(db)] == sorted([str(scene["a_june"].id), str(scene["b_june"].id)])


def test_posting_nothing_says_so_and_verifies_nothing(client, db, users, scene, login):
    login(users["admin"])
    page = client.post("/reports/verify", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Belum ada laporan yang dipilih." in page
    assert len(verify_audit(db)) == 1  # only the scene's own


def test_officers_have_the_page_in_their_menu(app, users):
    from flask_login import login_user

    from kube.navigation import nav_items

    for role, shown in (("officer", True), ("admin", True), ("viewer", False), ("leader", False)):
        with app.test_request_context("/"):
            login_user(users[role])
            assert ("/reports/verify" in {item["url"] for item in nav_items()}) is shown, role


# -- concurrency (PostgreSQL) -----------------------------------------------------------------

def _run(*targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.postgres
def test_two_officers_verifying_the_same_report_at_once_give_one_verification(app, db, users, scene, bearer):
    second = make_user("officer")
    db.session.commit()
    headers = [bearer("officer"), bearer(second)]
    body = {"items": [{"group_id": scene["a"].id, "period": "2025-06"}]}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def verify(index: int):
        def run():
            with app.app_context():
                barrier.wait()
                response = app.test_client().post(URL, json=body, headers=headers[index])
                answers.append((response.status_code, response.get_json()))
                _db.session.remove()
        return run

    _run(verify(0), verify(1))
    assert [status for status, _body in answers] == [200, 200], answers
    assert sorted(len(answer["verified"]) for _status, answer in answers) == [0, 1]
    [refusal] = [error for _status, answer in answers for error in answer["errors"]]
    assert refusal["code"] == "already_verified"
    a_june = str(scene["a_june"].id)
    assert [row[0] for row in verify_audit(db)].count(a_june) == 1


@pytest.mark.postgres
def test_a_batch_waits_for_a_verification_in_progress_and_then_says_already_verified(app, db, users, scene):
    """Deterministic: the first verification holds its locks while the batch starts; no second verification."""
    officer_id, admin_id, group_id = users["officer"].id, users["admin"].id, scene["a"].id
    first_flushed = threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        with app.app_context():
            result = verify_reports([(group_id, "2025-06")], _db.session.get(User, officer_id))
            first_flushed.set()
            time.sleep(0.5)  # the batch below now waits on the report's locks
            _db.session.commit()
            outcomes["first"] = [r.id for r in result.verified]
            _db.session.remove()

    def batch():
        with app.app_context():
            first_flushed.wait(10)
            result = verify_reports([(group_id, "2025-06")], _db.session.get(User, admin_id))
            _db.session.commit()
            outcomes["batch"] = [refusal.code for refusal in result.refused]
            _db.session.remove()

    _run(first, batch)
    assert outcomes == {"first": [scene["a_june"].id], "batch": ["already_verified"]}
    assert fresh(scene["a_june"].id).verified_by_id == officer_id


@pytest.mark.postgres
def test_two_batches_naming_the_same_reports_in_opposite_orders_do_not_deadlock(app, db, users, scene, bearer):
    second = make_user("officer")
    db.session.commit()
    forward = [{"group_id": scene["a"].id, "period": "2025-06"}, {"group_id": scene["c"].id, "period": "2025-05"}]
    bodies = [{"items": forward}, {"items": list(reversed(forward))}]
    headers = [bearer("officer"), bearer(second)]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def verify(index: int):
        def run():
            with app.app_context():
                barrier.wait()
                response = app.test_client().post(URL, json=bodies[index], headers=headers[index])
                answers.append((response.status_code, response.get_json()))
                _db.session.remove()
        return run

    _run(verify(0), verify(1))
    assert [status for status, _body in answers] == [200, 200], answers
    verified = sorted((item["group_id"], item["period"]) for _s, answer in answers for item in answer["verified"])
    assert verified == sorted((item["group_id"], item["period"]) for item in forward)  # each exactly once
    codes = [error["code"] for _s, answer in answers for error in answer["errors"]]
    assert codes == ["already_verified", "already_verified"]
