"""Grants handed over before go-live: the go-live day, recording history, scans of paper letters, numbering, marks."""
from __future__ import annotations

import hashlib
import io
import os
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import g
from pypdf import PdfWriter

from kube.audit.models import AuditEntry
from kube.core.clock import office_midnight
from kube.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kube.extensions import db as _db
from kube.ledger import history, letters, operations
from kube.ledger.models import (
    Asset,
    Grant,
    Installation,
    JournalEntry,
    Letter,
    LetterSequence,
)
from kube.reports.models import IncomeReport
from tests.conftest import scratch_database
from tests.factories import (
    TENT_LINES,
    jakarta,
    make_budget,
    make_grant,
    make_group,
    month_index,
)

GO_LIVE = date(2025, 6, 1)
#: The day the tests stand on: Kube is live, history is being entered.
TODAY = jakarta(2025, 7, 15)
HISTORY_NUMBER = "460/015/BAST-Dinsos/III/2024"
POSTGRES_URL = os.environ.get("KUBE_TEST_DATABASE_URL")


@pytest.fixture
def app_overrides(request):
    """KUBE_GO_LIVE_DATE is 1 June 2025 unless a test sets other settings (indirect parametrisation)."""
    return {"GO_LIVE_DATE": GO_LIVE, **getattr(request, "param", {})}


@pytest.fixture(autouse=True)
def standing(frozen):
    frozen(TODAY)


@pytest.fixture
def world(db, staff):
    """An active group of five formed on 10 January 2024, and KUBE 2024, KUBE 2025 and UEP 2024 budgets."""
    admin = staff["admin"]
    group = make_group(staff["maker"], members=5, status="active")
    budgets = {(program, year): make_budget(admin, program=program, year=year)
               for program, year in (("KUBE", 2024), ("KUBE", 2025), ("UEP", 2024))}
    db.session.commit()
    return {"group": group, "budgets": budgets, **staff}


def history_json(group, **extra) -> dict:
    body = {"program": "KUBE", "year": 2024, "group_id": group.id, "lines": TENT_LINES,
            "approved_on": "2024-03-01", "handover_date": "2024-03-20", "letter_number": HISTORY_NUMBER,
            "received_by_member_id": group.ketua.id, "note": "Dari arsip bidang Linjamsos"}
    body.update(extra)
    return body


def post_history(client, bearer, who, body, **headers):
    return client.post("/api/v1/grants/historical", json=body, headers=bearer(who) | headers)


def error_of(response) -> dict:
    return response.get_json()["error"]


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def scan_pdf(padding: int = 0) -> bytes:
    """A small real PDF (one blank A4 page), with an attachment of `padding` random bytes to make it larger."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if padding:
        writer.add_attachment("pad.bin", os.urandom(padding))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def record(world, **values) -> Grant:
    """A historical grant recorded directly by the operation (flushed)."""
    group = world["group"]
    arguments = dict(program="KUBE", year=2024, group=group, lines=TENT_LINES, approved_on=date(2024, 3, 1),
                     handover_date=date(2024, 3, 20), letter_number=HISTORY_NUMBER, received_by=group.ketua,
                     actor=world["admin"])
    arguments.update(values)
    return history.record_historical_grant(**arguments)


# -- recording a historical grant --------------------------------------------------------------

def test_admin_records_a_historical_grant_handed_over_with_the_archives_dates(client, db, world, bearer):
    group, admin = world["group"], world["admin"]
    response = post_history(client, bearer, admin, history_json(group))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body | {"id": 0} == {
        "id": 0, "program": "KUBE", "year": 2024, "group_id": group.id, "member_id": None,
        "lines": [
            {"kind": "equipment", "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": 2,
             "unit": "unit", "unit_value": 6_500_000, "total": 13_000_000},
            {"kind": "equipment", "item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": 50,
             "unit": "buah", "unit_value": 90_000, "total": 4_500_000},
        ],
        "total": 17_500_000, "status": "handed_over", "recorded_by": admin.id, "approved_by": None,
        "handover_date": "2024-03-20", "letter_number": HISTORY_NUMBER, "historical": True, "override_reason": None,
    }
    assert client.get(f"/api/v1/grants/{body['id']}", headers=bearer(world["viewer"])).get_json() == body | {
        "prior_grants": []}

    grant = db.session.get(Grant, body["id"])
    assert grant.historical and grant.approved_by_id is None and grant.handed_over_by_id is None
    assert grant.received_by_member_id == group.ketua.id and grant.note == "Dari arsip bidang Linjamsos"
    approved_at = grant.approved_at if grant.approved_at.tzinfo else grant.approved_at.replace(tzinfo=timezone.utc)
    assert approved_at == office_midnight(date(2024, 3, 1))  # the archive's day, at the office's midnight
    entries = db.session.scalars(sa.select(JournalEntry).where(JournalEntry.grant_id == grant.id)
                                 .order_by(JournalEntry.id)).all()
    assert [(e.kind, e.entry_date) for e in entries] == [("commitment", date(2024, 3, 1)),
                                                         ("disbursement", date(2024, 3, 20))]
    assert all(sum(line.debit for line in e.lines) == 17_500_000 == sum(line.credit for line in e.lines)
               for e in entries)
    assets = db.session.scalars(sa.select(Asset).where(Asset.grant_id == grant.id).order_by(Asset.id)).all()
    assert [(a.item, a.quantity, a.value, a.received_on, a.group_id) for a in assets] == [
        ("Tenda dekorasi", 2, 13_000_000, date(2024, 3, 20), group.id),
        ("Kursi lipat", 50, 4_500_000, date(2024, 3, 20), group.id)]
    db.session.refresh(group)
    assert group.kube_grant_received_on == date(2024, 3, 20)

    balance = client.get("/api/v1/ledger/trial-balance", headers=bearer(admin)).get_json()
    assert balance["debit_total"] == balance["credit_total"]
    figures = operations.budget_figures([world["budgets"][("KUBE", 2024)]])[world["budgets"][("KUBE", 2024)].id]
    assert (figures.committed, figures.disbursed, figures.remaining) == (0, 17_500_000, 182_500_000)
    statement = client.get(f"/api/v1/groups/{group.id}/statement", headers=bearer(admin)).get_json()
    assert [(row["date"], row["letter_number"], row["equipment"]) for row in statement["rows"]] == [
        ("2024-03-20", HISTORY_NUMBER, 17_500_000)]
    # No letter is rendered for history: the paper letter exists.
    assert count(Letter) == 0
    assert client.get(f"/api/v1/grants/{grant.id}/letter.pdf", headers=bearer(admin)).status_code == 404
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "grant.historical")).all()
    assert [(a.object_id, a.username) for a in audit] == [(str(grant.id), admin.username)]
    assert HISTORY_NUMBER in audit[0].summary


def test_a_uep_history_goes_to_a_member_who_signs_for_it(client, db, world, bearer):
    group = world["group"]
    member = group.current_members[-1]
    response = post_history(client, bearer, world["admin"], history_json(
        group, program="UEP", member_id=member.id, received_by_member_id=member.id,
        lines=[{"kind": "cash", "unit_value": 2_500_000}], letter_number="UEP/2024/07"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["member_id"] == member.id and body["historical"] and body["lines"][0]["kind"] == "cash"
    db.session.refresh(group)
    assert group.kube_grant_received_on is None  # a UEP grant is one member's, not the group's Kube grant


def test_the_first_kube_grant_day_is_the_earliest_whatever_order_history_comes_in(db, world):
    record(world, approved_on=date(2024, 9, 2), handover_date=date(2024, 9, 16), letter_number="460/090/BAST-Dinsos/IX/2024")
    record(world)  # March 2024, recorded second
    db.session.commit()
    assert world["group"].kube_grant_received_on == date(2024, 3, 20)


def test_an_idempotency_key_replays_the_first_answer(client, db, world, bearer):
    body = history_json(world["group"])
    first = post_history(client, bearer, world["admin"], body, **{"Idempotency-Key": "riwayat-1"})
    again = post_history(client, bearer, world["admin"], body, **{"Idempotency-Key": "riwayat-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert count(Grant) == 1


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dates, field", [
    ({"handover_date": "2025-06-01", "approved_on": "2025-05-20"}, "handover_date"),  # the go-live day is live
    ({"handover_date": "2025-06-20", "approved_on": "2025-05-20"}, "handover_date"),
    ({"approved_on": "2024-03-21"}, "approved_on"),  # approved after the handover
    ({"approved_on": "2024-01-05"}, "approved_on"),  # before the group was formed (10 January 2024)
    ({"approved_on": "2023-12-01", "handover_date": "2023-12-20"}, "handover_date"),
    ({"handover_date": "2025-07-20"}, "handover_date"),  # in the future
])
def test_each_date_rule_names_its_field_and_writes_nothing(client, db, world, bearer, dates, field):
    entries = count(JournalEntry)
    response = post_history(client, bearer, world["admin"], history_json(world["group"], **dates))
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert count(Grant) == 0 and count(JournalEntry) == entries and count(LetterSequence) == 0


def test_a_year_without_budget_is_422_naming_year(client, db, world, bearer):
    response = post_history(client, bearer, world["admin"], history_json(
        world["group"], year=2023, approved_on="2024-01-12", handover_date="2024-01-20"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "Belum ada anggaran KUBE tahun 2023" in error["fields"]["year"][0]
    assert count(Grant) == 0


def test_admins_open_past_years_budgets_for_history(client, db, world, bearer):
    response = client.post("/api/v1/budgets", json={"program": "KUBE", "year": 2021, "amount": 350_000_000,
                                                    "source": "APBD", "note": "DPA 2021"},
                           headers=bearer(world["admin"]))
    assert response.status_code == 201, response.get_json()


def test_a_grant_beyond_the_budget_left_is_409_budget_exceeded(client, db, world, bearer):
    group = world["group"]
    small = make_budget(world["admin"], program="UEP", year=2023, amount=1_000_000)
    db.session.commit()
    member = group.current_members[-1]
    response = post_history(client, bearer, world["admin"], history_json(
        group, program="UEP", year=small.year, member_id=member.id, received_by_member_id=member.id,
        lines=[{"kind": "cash", "unit_value": 2_500_000}]))
    assert response.status_code == 409 and error_of(response)["code"] == "budget_exceeded"
    assert count(Grant) == 0


def test_a_number_used_by_a_live_grant_or_letter_is_409(client, db, world, bearer):
    live = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    old_number = live.letter_number
    replacement = letters.replace_letter(letters.current_letter(live.id), "Salah spesifikasi", world["checker"])
    db.session.commit()
    for number in (replacement.number, old_number):  # the grant's letter, and the letter it replaced
        response = post_history(client, bearer, world["admin"], history_json(world["group"], letter_number=number))
        assert response.status_code == 409, (number, response.get_json())
        assert error_of(response)["code"] == "duplicate_letter_number" and "letter_number" in error_of(response)["fields"]
    # Another text with the (year, seq) of a live letter: 460/001/.../2025 is taken by the August one.
    response = post_history(client, bearer, world["admin"], history_json(
        world["group"], year=2025, approved_on="2025-01-10", handover_date="2025-01-20",
        letter_number="460/001/BAST-Dinsos/I/2025"))
    assert response.status_code == 409 and error_of(response)["code"] == "duplicate_letter_number"
    assert old_number in error_of(response)["message"]
    assert count(Grant) == 1


def test_a_number_used_by_another_historical_grant_is_409(client, db, world, bearer):
    assert post_history(client, bearer, world["admin"], history_json(world["group"])).status_code == 201
    for number in (HISTORY_NUMBER, "460/015/BAST-Dinsos/IV/2024", "460/15/bast-dinsos/iii/2024"):
        response = post_history(client, bearer, world["admin"], history_json(
            world["group"], letter_number=number, approved_on="2024-04-01", handover_date="2024-04-10"))
        assert response.status_code == 409, number
        assert error_of(response)["code"] == "duplicate_letter_number"
    free_form = history_json(world["group"], letter_number="BAST/KUBE/2024/A")
    assert post_history(client, bearer, world["admin"], free_form).status_code == 201
    again = post_history(client, bearer, world["admin"], free_form)
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_letter_number"
    assert count(Grant) == 2


@pytest.mark.parametrize("change, field", [
    ("uep_without_member", "member_id"),
    ("kube_with_member", "member_id"),
    ("receiver_of_another_group", "received_by_member_id"),
    ("receiver_who_joined_later", "received_by_member_id"),
    ("uep_signed_by_someone_else", "received_by_member_id"),
    ("unknown_group", "group_id"),
    ("blank_number", "letter_number"),
])
def test_group_and_member_rules(client, db, world, bearer, change, field):
    group = world["group"]
    other = make_group(world["maker"], members=5, status="active")
    late = operations_member_joining(group, date(2024, 6, 1), world["maker"])
    db.session.commit()
    member = group.current_members[1]
    body = {
        "uep_without_member": history_json(group, program="UEP", lines=[{"kind": "cash", "unit_value": 1_000_000}]),
        "kube_with_member": history_json(group, member_id=member.id),
        "receiver_of_another_group": history_json(group, received_by_member_id=other.ketua.id),
        "receiver_who_joined_later": history_json(group, received_by_member_id=late.id),
        "uep_signed_by_someone_else": history_json(group, program="UEP", member_id=member.id,
                                                   lines=[{"kind": "cash", "unit_value": 1_000_000}]),
        "unknown_group": history_json(group, group_id=999_999),
        "blank_number": history_json(group, letter_number="   "),
    }[change]
    response = post_history(client, bearer, world["admin"], body)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"], error_of(response)
    assert count(Grant) == 0


def test_a_group_whose_proposal_was_rejected_never_received_a_grant(client, db, world, bearer):
    rejected = make_group(world["maker"], members=5, status="rejected")
    db.session.commit()
    response = post_history(client, bearer, world["admin"], history_json(rejected))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"
    graduated = make_group(world["maker"], members=5, status="graduated")  # history is history: it did receive one
    db.session.commit()
    assert post_history(client, bearer, world["admin"], history_json(graduated)).status_code == 201


def operations_member_joining(group, joined_on, actor):
    from kube.groups import operations as group_operations
    from tests.factories import member_values

    return group_operations.add_member(group, member_values(joined_on=joined_on), actor)


@pytest.mark.parametrize("role", ["officer", "viewer", "leader"])
def test_only_administrators_record_history(client, db, world, users, bearer, role):
    response = post_history(client, bearer, users[role], history_json(world["group"]))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    grant = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    upload = client.put(f"/api/v1/grants/{grant.id}/letter.pdf", data=scan_pdf(), content_type="application/pdf",
                        headers=bearer(users[role]))
    assert upload.status_code == 403
    with pytest.raises(PermissionDenied):
        record(world, actor=users[role])
    assert count(Grant) == 1


def test_anonymous_callers_get_401(client, db, world):
    assert client.post("/api/v1/grants/historical", json=history_json(world["group"])).status_code == 401
    assert client.put("/api/v1/grants/1/letter.pdf", data=scan_pdf(), content_type="application/pdf").status_code == 401


def test_a_refusal_inside_an_import_leaves_the_session_as_it_was(db, world):
    kept = record(world)
    with pytest.raises(ValidationFailed) as refused:
        record(world, letter_number="460/016/BAST-Dinsos/III/2024", approved_on=date(2024, 3, 25))
    assert refused.value.fields.get("approved_on")
    db.session.commit()  # what came before the refusal is intact; nothing of the refused row is
    assert count(Grant) == 1 and db.session.get(Grant, kept.id).historical
    assert db.session.get(LetterSequence, 2024).last_seq == 15


# -- scans of paper letters -------------------------------------------------------------------

@pytest.fixture
def historical(db, world):
    grant = record(world)
    db.session.commit()
    return grant


def test_admin_uploads_the_scan_which_is_served_back_byte_for_byte(client, db, world, historical, bearer, login):
    pdf = scan_pdf()
    response = client.put(f"/api/v1/grants/{historical.id}/letter.pdf", data=pdf, content_type="application/pdf",
                          headers=bearer(world["admin"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    digest = hashlib.sha256(pdf).hexdigest()
    assert body | {"verify_url": ""} == {"grant_id": historical.id, "number": HISTORY_NUMBER, "letter_date": "2024-03-20",
                                         "scanned": True, "size": len(pdf), "sha256": digest, "verify_url": ""}
    letter = db.session.scalar(sa.select(Letter).where(Letter.grant_id == historical.id))
    assert letter.scanned and letter.pdf == pdf and letter.sha256 == digest
    assert (letter.year, letter.seq, letter.number) == (2024, 15, HISTORY_NUMBER)

    api = client.get(f"/api/v1/grants/{historical.id}/letter.pdf", headers=bearer(world["viewer"]))
    assert api.status_code == 200 and api.mimetype == "application/pdf" and api.data == pdf
    assert api.headers["ETag"].strip('"') == digest
    login(world["maker"])
    assert client.get(f"/grants/{historical.id}/letter.pdf").data == pdf

    page = client.get(f"/verify/{letter.token}")  # public
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for fact in ("Pindaian arsip", "sebelum Kube digunakan", digest, HISTORY_NUMBER, "20 Maret 2024"):
        assert fact in html, fact
    assert "Sah dan berlaku" not in html
    verified = client.get(f"/api/v1/verify/{letter.token}").get_json()
    assert verified["scanned"] is True and verified["sha256"] == digest and verified["status"] == "valid"
    assert "sebelum Kube digunakan" in verified["archive_note"] and verified["number"] == HISTORY_NUMBER
    assert client.get(f"/api/v1/verify/{letter.token}").status_code == 200


def test_a_scan_is_kept_once_and_never_replaced(client, db, world, historical, bearer):
    first, second = scan_pdf(), scan_pdf(padding=10)
    headers = bearer(world["admin"])
    url = f"/api/v1/grants/{historical.id}/letter.pdf"
    assert client.put(url, data=first, content_type="application/pdf", headers=headers).status_code == 201
    again = client.put(url, data=second, content_type="application/pdf", headers=headers)
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"
    assert client.get(url, headers=headers).data == first
    letter = letters.current_letter(historical.id)
    with pytest.raises(InvalidTransition):
        letters.replace_letter(letter, "Salah pindai", world["admin"])


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "image/jpeg",
                                          "multipart/form-data; boundary=x"])
def test_another_content_type_is_415(client, db, world, historical, bearer, content_type):
    response = client.put(f"/api/v1/grants/{historical.id}/letter.pdf", data=scan_pdf(), content_type=content_type,
                          headers=bearer(world["admin"]))
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert count(Letter) == 0


@pytest.mark.parametrize("body", [b"", b"hello, this is no PDF", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF",
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 100])
def test_a_body_that_is_not_a_pdf_is_422(client, db, world, historical, bearer, body):
    response = client.put(f"/api/v1/grants/{historical.id}/letter.pdf", data=body, content_type="application/pdf",
                          headers=bearer(world["admin"]))
    assert response.status_code == 422 and "pdf" in error_of(response)["fields"]
    assert count(Letter) == 0


def test_scans_up_to_10_mb_are_kept_and_larger_ones_refused(client, db, world, historical, bearer):
    headers = bearer(world["admin"])
    url = f"/api/v1/grants/{historical.id}/letter.pdf"
    too_large = b"%PDF-1.7\n" + b"0" * history.SCAN_MAX_BYTES
    response = client.put(url, data=too_large, content_type="application/pdf", headers=headers)
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"
    assert count(Letter) == 0
    with pytest.raises(history.ScanTooLarge):
        history.attach_letter_scan(historical, too_large, world["admin"])
    # Larger than the app's upload limit for member imports (8 MB), within the scans' 10 MB.
    big = scan_pdf(padding=9_500_000)
    assert 8 * 1024 * 1024 < len(big) <= history.SCAN_MAX_BYTES
    response = client.put(url, data=big, content_type="application/pdf", headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sha256"] == hashlib.sha256(big).hexdigest()


def test_a_live_grant_takes_no_scan(client, db, world, bearer):
    live = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    response = client.put(f"/api/v1/grants/{live.id}/letter.pdf", data=scan_pdf(), content_type="application/pdf",
                          headers=bearer(world["admin"]))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"
    missing = client.put("/api/v1/grants/999999/letter.pdf", data=scan_pdf(), content_type="application/pdf",
                         headers=bearer(world["admin"]))
    assert missing.status_code == 404


def test_admin_uploads_the_scan_from_the_grant_page(client, db, world, historical, login):
    login(world["admin"])
    page = client.get(f"/grants/{historical.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and f"/grants/{historical.id}/letter-scan" in page
    refused = client.post(f"/grants/{historical.id}/letter-scan",
                          data={"scan": (io.BytesIO(b"not a pdf"), "bast.pdf")}, content_type="multipart/form-data",
                          follow_redirects=True)
    assert "Berkas bukan PDF" in refused.get_data(as_text=True) and count(Letter) == 0
    pdf = scan_pdf(padding=9_000_000)  # above the app-wide 8 MB upload limit: this route allows 10 MB
    response = client.post(f"/grants/{historical.id}/letter-scan", data={"scan": (io.BytesIO(pdf), "bast.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/grants/{historical.id}")
    letter = letters.current_letter(historical.id)
    assert letter.scanned and letter.pdf == pdf
    after = client.get(f"/grants/{historical.id}").get_data(as_text=True)
    assert "letter-scan" not in after and f"/grants/{historical.id}/letter.pdf" in after


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_other_roles_neither_see_nor_use_the_upload_form(client, db, world, historical, users, login, role):
    login(users[role])
    page = client.get(f"/grants/{historical.id}").get_data(as_text=True)
    assert "letter-scan" not in page and "riwayat" in page
    response = client.post(f"/grants/{historical.id}/letter-scan", data={"scan": (io.BytesIO(scan_pdf()), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 403 and count(Letter) == 0


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_the_upload_form_checks_its_csrf_token(client, db, world, historical, login):
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": world["admin"].username, "password": "correct horse battery",
                                "csrf_token": token})
    # Test requests share the fixture's app context: the login page's token stays cached in `g`, but
    # logging in started a new session; forget it, so the next page puts a fresh one in the session.
    g.pop("csrf_token", None)
    url = f"/grants/{historical.id}/letter-scan"
    missing = client.post(url, data={"scan": (io.BytesIO(scan_pdf()), "a.pdf")}, content_type="multipart/form-data")
    assert missing.status_code == 400 and count(Letter) == 0
    page = client.get(f"/grants/{historical.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(url, data={"scan": (io.BytesIO(scan_pdf()), "a.pdf"), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and count(Letter) == 1


# -- live numbering continues after history ---------------------------------------------------

def test_live_numbers_continue_after_a_historical_number_of_the_year(db, world):
    record(world, year=2025, approved_on=date(2025, 3, 3), handover_date=date(2025, 3, 10),
           letter_number="460/741/BAST-Dinsos/III/2025")
    live = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    assert live.letter_number == "460/742/BAST-Dinsos/VIII/2025"
    assert db.session.get(LetterSequence, 2025).last_seq == 742


def test_a_number_outside_the_pattern_leaves_live_numbering_alone(db, world):
    grant = record(world, year=2025, approved_on=date(2025, 3, 3), handover_date=date(2025, 3, 10),
                   letter_number="BAST/KUBE/III/2025-17")
    assert (grant.letter_year, grant.letter_seq) == (None, None) and count(LetterSequence) == 0
    live = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    assert live.letter_number == "460/001/BAST-Dinsos/VIII/2025"


def test_history_recorded_after_live_letters_takes_a_free_place_and_raises_the_sequence(db, world):
    first = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    record(world, year=2025, approved_on=date(2025, 4, 1), handover_date=date(2025, 5, 2),
           letter_number="460/300/BAST-Dinsos/V/2025")
    second = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    assert (first.letter_number, second.letter_number) == ("460/001/BAST-Dinsos/VIII/2025",
                                                           "460/301/BAST-Dinsos/VIII/2025")


def test_a_lower_historical_number_never_lowers_the_sequence(db, world):
    record(world, letter_number="460/200/BAST-Dinsos/III/2024")
    record(world, letter_number="460/050/BAST-Dinsos/II/2024", approved_on=date(2024, 2, 1),
           handover_date=date(2024, 2, 5))
    assert db.session.get(LetterSequence, 2024).last_seq == 200


@pytest.mark.parametrize("pattern, number, expected", [
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/741/BAST-Dinsos/III/2025", (2025, 741)),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/007/BAST-Dinsos/XII/2019", (2019, 7)),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", " 460/1234/bast-dinsos/xi/2024 ", (2024, 1234)),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/741/BAST-Dinsos/XIII/2025", None),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/000/BAST-Dinsos/III/2025", None),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/99999999999/BAST-Dinsos/III/2025", None),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/001/BAST-Dinsos/III/1890", None),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "460/741/BAST-Dinsos/III/2025/x", None),
    ("460/{seq:03d}/BAST-Dinsos/{month_roman}/{year}", "BAST 741 tahun 2025", None),
    ("BAST/{program}/{year}/{month:02d}/{seq}", "BAST/UEP/2025/03/5", (2025, 5)),
    ("BAST/{program}/{year}/{month:02d}/{seq}", "BAST/UEP/2025/13/5", None),
    ("BAST/{program}/{year}/{month:02d}/{seq}", "BAST/BLT/2025/03/5", None),
    ("{year}.{seq}/{year}", "2025.9/2025", (2025, 9)),
    ("{year}.{seq}/{year}", "2025.9/2024", None),
])
def test_numbers_are_read_back_with_the_configured_pattern(pattern, number, expected):
    assert letters.parse_letter_number(pattern, number) == expected


@pytest.mark.parametrize("app_overrides", [{"LETTER_NUMBER_PATTERN": "BAST/{program}/{year}/{seq}"}], indirect=True)
def test_a_configured_pattern_is_the_one_history_is_read_with(db, world):
    record(world, letter_number="BAST/KUBE/2025/40", year=2025, approved_on=date(2025, 3, 3),
           handover_date=date(2025, 3, 10))
    live = make_grant(world["maker"], world["checker"], status="handed_over", group=world["group"])
    db.session.commit()
    assert live.letter_number == "BAST/KUBE/2025/41"


def test_a_scan_of_a_number_outside_the_pattern_has_no_seq_and_is_listed_and_exported(client, db, world, login,
                                                                                      runner, tmp_path):
    grant = record(world, letter_number="BAST/KUBE/2024/A")
    letter = history.attach_letter_scan(grant, scan_pdf(), world["admin"])
    db.session.commit()
    assert (letter.year, letter.seq) == (2024, None)
    assert letters.export_file_name(letter) == "2024-arsip_BAST-KUBE-2024-A.pdf"
    login(world["viewer"])
    listing = client.get("/letters?year=2024")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "BAST/KUBE/2024/A" in html and "pindaian arsip" in html
    target = tmp_path / "letters.zip"
    result = runner.invoke(args=["letters", "export", "--year", "2024", str(target)])
    assert result.exit_code == 0, result.output
    import zipfile

    with zipfile.ZipFile(target) as archive:
        assert archive.read("2024-arsip_BAST-KUBE-2024-A.pdf") == letter.pdf


# -- history stays visible as history ---------------------------------------------------------

def test_historical_grants_and_reports_are_marked_riwayat(client, db, world, bearer, login):
    group = world["group"]
    old = record(world)
    history.attach_letter_scan(old, scan_pdf(), world["admin"])
    live = make_grant(world["maker"], world["checker"], status="approved", group=group)
    db.session.add(IncomeReport(group_id=group.id, period=date(2025, 4, 1), revenue=3_500_000, expenses=500_000,
                                net=3_000_000, active_members=5, historical=True))
    db.session.add(IncomeReport(group_id=group.id, period=date(2025, 6, 1), revenue=3_500_000, expenses=500_000,
                                net=3_000_000, active_members=5))
    db.session.commit()
    badge = 'class="badge history"'
    login(world["maker"])
    grants_page = client.get("/grants").get_data(as_text=True)
    old_row = grants_page.split(f">#{old.id}<")[1].split("</tr>")[0]
    live_row = grants_page.split(f">#{live.id}<")[1].split("</tr>")[0]
    assert badge in old_row and "riwayat" in old_row and badge not in live_row
    detail = client.get(f"/grants/{old.id}").get_data(as_text=True)
    assert badge in detail and "menurut arsip" in detail
    timeline = detail.split('class="timeline"')[1].split("</ol>")[0]
    assert "1 Maret 2024" in timeline and "20 Maret 2024" in timeline and HISTORY_NUMBER in timeline
    assert badge not in client.get(f"/grants/{live.id}").get_data(as_text=True)
    group_page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    capital = group_page.split('id="bantuan"')[1].split("</section>")[0]
    assert capital.count(badge) == 1
    reports = group_page.split('id="laporan"')[1].split("</section>")[0]
    assert reports.count(badge) == 1
    assert badge in client.get(f"/groups/{group.id}/capital").get_data(as_text=True)
    letters_page = client.get("/letters?year=2024").get_data(as_text=True)
    assert badge in letters_page and HISTORY_NUMBER in letters_page
    listed = client.get("/api/v1/grants", headers=bearer(world["viewer"])).get_json()
    assert {g["id"]: g["historical"] for g in listed} == {old.id: True, live.id: False}


# -- flags ------------------------------------------------------------------------------------

def test_a_historical_kube_handover_counts_for_no_gain_after_grant(db, world):
    from kube.monitoring.operations import compute_flags
    from kube.monitoring.trends import NO_GAIN_AFTER_GRANT

    group = world["group"]
    grant = record(world)  # handed over 20 March 2024
    flat = [(2023, 12), (2024, 1), (2024, 2), (2024, 4), (2024, 5), (2024, 6), (2024, 7), (2024, 8), (2024, 9)]
    for year, month in flat:
        db.session.add(IncomeReport(group_id=group.id, period=date(year, month, 1), revenue=3_500_000,
                                    expenses=500_000, net=3_000_000, active_members=5, historical=True))
    db.session.commit()

    def flags(year, month):
        # Standing in the month after the as-of month, when the as-of month's report is in.
        found = compute_flags(month_index(year, month), date(year, month, 1) + timedelta(days=50))
        return [flag for flag in found.flags if flag.group_id == group.id and flag.kind == NO_GAIN_AFTER_GRANT]

    assert flags(2024, 8) == []  # six months after the handover is the first month the rule judges
    (flag,) = flags(2024, 9)
    assert flag.details["grant_id"] == grant.id and flag.details["handover_month"] == "2024-03"


# -- the go-live day --------------------------------------------------------------------------

def test_the_setting_is_read_as_a_date_and_a_wrong_one_refused():
    from config import ConfigError, TestConfig
    from kube import create_app

    assert create_app(TestConfig, GO_LIVE_DATE="2025-06-01").config["GO_LIVE_DATE"] == date(2025, 6, 1)
    assert create_app(TestConfig, GO_LIVE_DATE="").config["GO_LIVE_DATE"] is None
    assert create_app(TestConfig).config["GO_LIVE_DATE"] is None
    for wrong in ("01-06-2025", "2025/06/01", "20250601", "2025-13-01", "besok"):
        with pytest.raises(ConfigError):
            create_app(TestConfig, GO_LIVE_DATE=wrong)


def test_the_setting_wins_and_is_shown_to_administrators(app, client, db, world, login):
    assert history.go_live() == history.GoLive(GO_LIVE, True)
    login(world["admin"])
    page = client.get("/budgets").get_data(as_text=True)
    assert "Tanggal mulai memakai Kube (go-live): 1 Juni 2025" in page and "KUBE_GO_LIVE_DATE" in page
    officer = login(world["maker"], test_client=app.test_client())
    assert "go-live" not in officer.get("/budgets").get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"GO_LIVE_DATE": None}], indirect=True)
def test_without_the_setting_the_database_day_is_the_go_live_day(client, db, world, login):
    db.session.execute(sa.delete(Installation))
    db.session.add(Installation(id=1, created_on=date(2024, 11, 4)))
    db.session.commit()
    assert history.go_live() == history.GoLive(date(2024, 11, 4), False)
    login(world["admin"])
    page = client.get("/budgets").get_data(as_text=True)
    assert "4 November 2024" in page and "hari basis data dibuat" in page
    with pytest.raises(ValidationFailed) as refused:
        record(world, approved_on=date(2024, 11, 1), handover_date=date(2024, 11, 4))
    assert "handover_date" in refused.value.fields
    # Without the row (a database emptied by hand) the earliest user or audit record stands in, in office
    # time: every one of them was written today.
    db.session.execute(sa.delete(Installation))
    db.session.commit()
    assert history.go_live() == history.GoLive(TODAY.astimezone(timezone(timedelta(hours=7))).date(), False)


def _migrated_to_0006(url):
    from flask_migrate import upgrade

    from config import TestConfig
    from kube import create_app

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    context = app.app_context()
    context.push()
    upgrade(revision="0006")
    return context


@pytest.fixture
def fresh_database(tmp_path):
    yield from scratch_database(tmp_path, "golive")


def test_migration_0007_takes_the_earliest_user_or_audit_day_in_office_time(fresh_database):
    from flask_migrate import upgrade

    context = _migrated_to_0006(fresh_database)
    try:
        users = sa.table("users", *(sa.column(name) for name in (
            "username", "full_name", "role", "active", "locale", "password_hash", "session_version")),
            sa.column("created_at", sa.DateTime(timezone=True)))
        audit = sa.table("audit_log", sa.column("action"), sa.column("object_type"), sa.column("summary"),
                         sa.column("at", sa.DateTime(timezone=True)))
        with _db.engine.begin() as conn:
            # 31 March 17:30 UTC is already 1 April in Serang.
            conn.execute(users.insert().values(username="lama", full_name="Admin Lama", role="admin", active=True,
                                               locale="id", password_hash="x", session_version=1,
                                               created_at=datetime(2024, 3, 31, 17, 30, tzinfo=timezone.utc)))
            conn.execute(audit.insert().values(action="user.create", object_type="user", summary="",
                                               at=datetime(2024, 5, 2, 3, 0, tzinfo=timezone.utc)))
        _db.session.remove()
        upgrade()
        stored = _db.session.execute(sa.text("SELECT id, created_on FROM installation")).all()
        assert [(row[0], date.fromisoformat(str(row[1]))) for row in stored] == [(1, date(2024, 4, 1))]
    finally:
        _db.session.remove()
        _db.engine.dispose()
        context.pop()


def test_migration_0007_on_a_new_database_takes_today(fresh_database):
    from flask_migrate import upgrade

    from kube.core.clock import OFFICE_TIMEZONE

    context = _migrated_to_0006(fresh_database)
    try:
        before = datetime.now(OFFICE_TIMEZONE).date()
        upgrade()
        after = datetime.now(OFFICE_TIMEZONE).date()
        (day,) = _db.session.execute(sa.text("SELECT created_on FROM installation")).scalars().all()
        assert before <= date.fromisoformat(str(day)) <= after
    finally:
        _db.session.remove()
        _db.engine.dispose()
        context.pop()


# -- concurrency (PostgreSQL) -----------------------------------------------------------------

CONCURRENT = 8
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CONCURRENT + 4, "max_overflow": 0}}


def _run_together(app, work, arguments) -> list:
    from tests.test_letters_concurrency import _run_together as run

    return run(app, work, arguments)


@pytest.mark.postgres
@pytest.mark.parametrize("app_overrides", [POOL], indirect=True)
def test_the_same_number_recorded_at_once_is_kept_once(app, db, world):
    from kube.auth.models import User
    from kube.groups.models import Group

    group_id, admin_id = world["group"].id, world["admin"].id

    def record_one(index, barrier):
        group, admin = _db.session.get(Group, group_id), _db.session.get(User, admin_id)
        group.members  # noqa: B018  (loaded before the race, so the race is about the number)
        barrier.wait(timeout=30)
        grant = history.record_historical_grant(
            program="KUBE", year=2024, group=group, lines=TENT_LINES, approved_on=date(2024, 3, 1),
            handover_date=date(2024, 3, 20), letter_number=HISTORY_NUMBER, received_by=group.ketua, actor=admin)
        _db.session.commit()
        return grant.id

    outcomes = _run_together(app, record_one, list(range(CONCURRENT)))
    kept = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, history.DuplicateLetterNumber)]
    assert len(kept) == 1 and len(refused) == CONCURRENT - 1, outcomes
    db.session.expire_all()
    assert count(Grant) == 1 and db.session.get(LetterSequence, 2024).last_seq == 15
    figures = operations.budget_figures([world["budgets"][("KUBE", 2024)]])[world["budgets"][("KUBE", 2024)].id]
    assert figures.disbursed == 17_500_000  # the refused twins posted nothing


@pytest.mark.postgres
@pytest.mark.parametrize("app_overrides", [POOL], indirect=True)
def test_history_recorded_during_live_handovers_never_shares_a_number(app, db, world):
    from kube.auth.models import User
    from kube.groups.models import Group, Member

    maker, checker, group = world["maker"], world["checker"], world["group"]
    approved = []
    for _ in range(CONCURRENT - 1):
        grant = make_grant(maker, checker, status="approved", group=group)
        grant.approved_at = grant.approved_at.replace(year=2025, month=8, day=1)
        approved.append(grant.id)
    db.session.commit()
    group_id, ketua_id, maker_id, admin_id = group.id, group.ketua.id, maker.id, world["admin"].id

    def act(job, barrier):
        if job == "history":
            group, admin = _db.session.get(Group, group_id), _db.session.get(User, admin_id)
            group.members  # noqa: B018
            barrier.wait(timeout=30)
            grant = history.record_historical_grant(
                program="KUBE", year=2025, group=group, lines=TENT_LINES, approved_on=date(2025, 3, 3),
                handover_date=date(2025, 3, 10), letter_number="460/005/BAST-Dinsos/III/2025",
                received_by=group.ketua, actor=admin)
        else:
            grant = _db.session.get(Grant, job)
            receiver, actor = _db.session.get(Member, ketua_id), _db.session.get(User, maker_id)
            grant.lines, grant.group.members  # noqa: B018
            barrier.wait(timeout=30)
            operations.handover_grant(grant, date(2025, 8, 28), receiver, actor, today=date(2026, 11, 28))
        _db.session.commit()
        return grant.letter_number

    outcomes = _run_together(app, act, ["history", *approved])
    # History may lose its place to a live letter that took 5 first (409); nothing else may fail.
    failures = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, history.DuplicateLetterNumber)]
    assert failures == [], outcomes
    db.session.expire_all()
    places = [(letter.year, letter.seq) for letter in db.session.scalars(sa.select(Letter))]
    places += [(g.letter_year, g.letter_seq) for g in db.session.scalars(sa.select(Grant).where(Grant.historical))]
    assert len(places) == len(set(places)) == len([o for o in outcomes if isinstance(o, str)])
    numbers = [o for o in outcomes if isinstance(o, str)]
    assert len(numbers) == len(set(numbers))
