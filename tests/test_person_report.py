"""What Kube holds about a person (UU PDP): gathered by NIK across groups, shown to administrators only, always recorded."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from kube.audit.models import AuditEntry, PersonalDataAccess
from kube.core.identity import compose_nik, mask_nik
from kube.groups import operations as group_operations
from kube.groups.models import Group, Member
from kube.ledger.models import Grant
from kube.privacy.report import person_report
from kube.reports.models import IncomeReport
from tests.factories import jakarta, make_budget, make_grant, make_group, make_user, member_values, valid_kk

NIK = compose_nik("367304", date(1984, 3, 12), "P", 4321)
NAME = "Siti Aminah Rahayu"
CASH = [{"kind": "cash", "item": "Modal usaha warung", "unit_value": 2_500_000}]


@dataclass
class Person:
    """One person's life in Kube: a membership left, another joined, a KUBE and a UEP grant with letters."""

    first: Member
    second: Member
    kube_grant: Grant
    uep_grant: Grant
    others_uep: Grant
    old_group: Group
    new_group: Group


@pytest.fixture
def person(db, staff, frozen) -> Person:
    """Siti joined group A as sekretaris, was there at its KUBE handover, left, joined group B and got a UEP grant."""
    frozen(jakarta(2026, 11, 28))
    maker, checker = staff["maker"], staff["checker"]
    make_budget(maker)
    make_budget(maker, program="UEP")
    old = make_group(maker, members=5, status="active")
    first = group_operations.add_member(old, member_values(
        "sekretaris", sex="P", birth=date(1984, 3, 12), nik=NIK, name=NAME, phone="081234567890",
        joined_on=date(2024, 2, 1)), maker)
    kube_grant = make_grant(maker, checker, status="handed_over", group=old, handover_date=date(2025, 8, 28))
    # Another member's UEP grant is that member's data, not Siti's.
    others_uep = make_grant(maker, checker, status="handed_over", group=old, program="UEP", lines=CASH,
                            member=old.current_members[1], handover_date=date(2025, 8, 29))
    group_operations.member_leaves(first, date(2025, 9, 30), maker, "Pindah rumah")
    new = make_group(maker, members=5, status="active")
    second = group_operations.add_member(
        new, member_values("anggota", sex="P", birth=date(1984, 3, 12), nik=NIK, name=NAME, kk=valid_kk(),
                           address="Kp. Baru RT 03/04", joined_on=date(2025, 10, 1)),
        maker, checks=group_operations.MemberChecks(prior_kube_override="Pindah domisili, disetujui kepala seksi"))
    uep_grant = make_grant(maker, checker, status="handed_over", group=new, program="UEP", lines=CASH,
                           member=second, handover_date=date(2025, 11, 5))
    # The new group's leader account reports its income; Kube links that account to the group, not to a person.
    leader = make_user("leader", group_id=new.id)
    db.session.add(IncomeReport(group_id=new.id, period=date(2025, 10, 1), revenue=1_000_000, expenses=200_000,
                                net=800_000, active_members=6, submitted_by_id=leader.id))
    db.session.commit()
    return Person(first, second, kube_grant, uep_grant, others_uep, old, new)


def person_audits(db) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.report")
                                   .order_by(AuditEntry.id)))


def report_accesses(db) -> list[PersonalDataAccess]:
    return list(db.session.scalars(select(PersonalDataAccess).where(PersonalDataAccess.kind == "person_report")))


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/test-system-packages.txt)")
    found = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(found.stdout.decode().split())


# -- what is gathered -------------------------------------------------------------------------

def test_the_report_holds_every_membership_grant_letter_change_and_access(app, client, db, login, staff, person):
    login(staff["maker"])
    assert client.get(f"/groups/{person.old_group.id}").status_code == 200  # a full-NIK showing, recorded
    db.session.expire_all()

    report = person_report(NIK)

    assert report.nik == NIK and report.name == NAME
    first, second = report.memberships
    assert (first.group_code, first.role, first.joined_on, first.left_on) == \
        (person.old_group.code, "sekretaris", date(2024, 2, 1), date(2025, 9, 30))
    assert (second.group_code, second.role, second.left_on) == (person.new_group.code, "anggota", None)
    assert first.kk != second.kk and first.phone == "081234567890" and second.address == "Kp. Baru RT 03/04"
    assert (first.sex, first.birth_date) == ("P", date(1984, 3, 12))
    assert second.prior_kube_override.startswith("Pindah domisili")
    assert first.group_kecamatan and first.kecamatan  # names, not codes
    assert report.roles == ("sekretaris", "anggota")

    grants = {grant.grant_id: grant for grant in report.grants}
    assert set(grants) == {person.kube_grant.id, person.uep_grant.id}  # not another member's UEP grant
    kube, uep = grants[person.kube_grant.id], grants[person.uep_grant.id]
    assert (kube.program, kube.year, kube.total, kube.status, kube.handover_date, kube.to_person) == \
        ("KUBE", 2025, 17_500_000, "handed_over", date(2025, 8, 28), False)
    (kube_letter,) = kube.letters
    assert kube_letter.number == person.kube_grant.letter_number and len(kube_letter.sha256) == 64
    # The ketua signs a KUBE letter; Siti, a member on the handover day, is in its member list.
    assert (kube_letter.in_force, kube_letter.named_as_receiver, kube_letter.listed_as_member) == (True, False, True)
    assert (uep.program, uep.total, uep.to_person) == ("UEP", 2_500_000, True)
    assert (uep.letters[0].named_as_receiver, uep.letters[0].listed_as_member) == (True, True)

    actions = [change.action for change in report.changes]
    assert actions.count("member.create") == 2 and "member.leave" in actions
    (access,) = report.accesses
    assert (access.username, access.kind, access.route) == \
        (staff["maker"].username, "group_page", f"GET /groups/{person.old_group.id}")


def test_the_reports_signed_are_those_of_the_months_the_person_was_ketua(app, db, staff, person):
    ketua = person.old_group.ketua
    for period in (date(2023, 12, 1), date(2025, 7, 1)):  # before the ketua joined (15 January 2024), and after
        db.session.add(IncomeReport(group_id=person.old_group.id, period=period, revenue=2_000_000,
                                    expenses=500_000, net=1_500_000, active_members=5, entered_on_behalf=True,
                                    submitted_by_id=staff["maker"].id))
    db.session.commit()

    (signed,) = person_report(ketua.nik).reports
    assert (signed.group_code, signed.period, signed.net, signed.submitted_by, signed.entered_on_behalf,
            signed.verified) == (person.old_group.code, date(2025, 7, 1), 1_500_000, staff["maker"].username,
                                 True, False)
    # Siti was sekretaris, then anggota: the groups' reports are not hers to answer for.
    assert person_report(NIK).reports == ()


def test_nothing_held_is_none(app, db):
    assert person_report(NIK) is None


# -- the page and its PDF ---------------------------------------------------------------------

def test_the_admin_page_shows_everything_and_records_the_request_once(client, db, login, staff, person):
    login(staff["admin"])
    assert client.get("/admin/people").status_code == 200
    typed = f"{NIK[:6]}.{NIK[6:12]}.{NIK[12:]}"  # as copied from a KTP
    response = client.post("/admin/people", data={"nik": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in (NAME, NIK, person.first.kk, person.second.kk, "081234567890", person.old_group.code,
                     person.new_group.code, person.kube_grant.letter_number, person.uep_grant.letter_number,
                     "Sekretaris", "Pindah domisili"):
        assert expected in html, expected
    assert person.others_uep.letter_number not in html
    assert "tidak menghubungkan akun pengguna dengan NIK" in html  # reports are the group's, accounts no one's

    (audit,) = person_audits(db)
    assert (audit.object_type, audit.object_id, audit.username) == \
        ("person", str(person.second.id), staff["admin"].username)
    assert audit.summary.startswith("page:") and mask_nik(NIK) in audit.summary and NIK not in audit.summary
    (access,) = report_accesses(db)
    assert {subject.member_id for subject in access.subjects} == {person.first.id, person.second.id}
    assert access.route == "POST /admin/people" and access.username == staff["admin"].username


def test_the_pdf_is_an_a4_report_with_the_name_and_is_recorded_once(client, db, login, staff, person):
    login(staff["admin"])
    response = client.post("/admin/people/pdf", data={"nik": NIK})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert NIK not in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (NAME, NIK, person.old_group.code, person.kube_grant.letter_number):
        assert expected in text, expected
    (audit,) = person_audits(db)
    assert audit.summary.startswith("pdf:")
    (access,) = report_accesses(db)
    assert access.route == "POST /admin/people/pdf" and len(access.subjects) == 2


def test_an_unknown_nik_is_said_plainly_and_audited_without_an_access(client, db, login, staff):
    login(staff["admin"])
    for path in ("/admin/people", "/admin/people/pdf"):
        response = client.post(path, data={"nik": NIK})
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Kube tidak menyimpan data apa pun untuk NIK ini" in response.get_data(as_text=True)
    assert [entry.summary for entry in person_audits(db)] == \
        [f"page: NIK {mask_nik(NIK)}, tidak ada data", f"pdf: NIK {mask_nik(NIK)}, tidak ada data"]
    assert report_accesses(db) == []


def test_a_number_that_is_not_a_nik_is_refused_on_the_form_and_not_audited(client, db, login, staff):
    login(staff["admin"])
    html = client.post("/admin/people", data={"nik": "3673 0452"}).get_data(as_text=True)
    assert "NIK harus 16 digit angka." in html
    assert person_audits(db) == [] and report_accesses(db) == []


def test_the_menu_links_the_page_for_administrators_only(app, client, login, staff):
    assert 'href="/admin/people"' in login(staff["admin"]).get("/").get_data(as_text=True)
    viewer = login(staff["viewer"], test_client=app.test_client())
    assert 'href="/admin/people"' not in viewer.get("/").get_data(as_text=True)


# -- the API ----------------------------------------------------------------------------------

def test_the_api_answers_the_report_and_records_it_once(client, db, bearer, staff, person):
    response = client.get(f"/api/v1/people/{NIK}/report", headers=bearer(staff["admin"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["nik"] == NIK and body["name"] == NAME and body["roles"] == ["sekretaris", "anggota"]
    assert [m["group_code"] for m in body["memberships"]] == [person.old_group.code, person.new_group.code]
    assert body["memberships"][0]["kk"] == person.first.kk and body["memberships"][0]["left_on"] == "2025-09-30"
    assert {g["grant_id"] for g in body["grants"]} == {person.kube_grant.id, person.uep_grant.id}
    uep = next(g for g in body["grants"] if g["program"] == "UEP")
    assert uep["to_person"] and uep["letters"][0]["named_as_receiver"] is True
    assert body["accesses"] == []  # this request's own showing is recorded after the report is gathered
    (audit,) = person_audits(db)
    assert audit.summary.startswith("api:") and mask_nik(NIK) in audit.summary
    (access,) = report_accesses(db)
    assert access.route == f"GET /api/v1/people/{NIK}/report" and len(access.subjects) == 2

    again = client.get(f"/api/v1/people/{NIK}/report", headers=bearer(staff["admin"])).get_json()
    assert [(a["user"], a["kind"], a["what"]) for a in again["accesses"]] == \
        [(staff["admin"].username, "person_report", "Laporan data pribadi")]
    assert len(person_audits(db)) == 2 and len(report_accesses(db)) == 2
    ketua = client.get(f"/api/v1/people/{person.new_group.ketua.nik}/report", headers=bearer(staff["admin"]))
    assert [(r["group_code"], r["period"], r["net"]) for r in ketua.get_json()["reports"]] == \
        [(person.new_group.code, "2025-10", 800_000)]



def test_the_api_answers_404_for_an_unknown_nik_or_a_non_nik(client, db, bearer, staff):
    unknown = client.get(f"/api/v1/people/{NIK}/report", headers=bearer(staff["admin"]))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    assert "tidak menyimpan data" in unknown.get_json()["error"]["message"]
    not_a_nik = client.get("/api/v1/people/12345/report", headers=bearer(staff["admin"]))
    assert not_a_nik.status_code == 404 and not_a_nik.get_json()["error"]["message"] == "NIK harus 16 digit angka."
    # Asking about a NIK is audited even when nothing is held; a number that is no NIK asks about no one.
    assert [entry.summary for entry in person_audits(db)] == [f"api: NIK {mask_nik(NIK)}, tidak ada data"]
    assert report_accesses(db) == []


def test_the_route_is_documented(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/people/{nik}/report"]["get"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
    assert operation["security"] == [{"bearerAuth": []}]


# -- administrators only ----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["officer", "viewer", "leader"])
def test_no_one_but_an_administrator_gets_the_report(client, db, login, bearer, users, person, role):
    user = users[role]
    assert client.get(f"/api/v1/people/{NIK}/report", headers=bearer(user)).status_code == 403
    login(user)
    assert client.get("/admin/people").status_code == 403
    assert client.post("/admin/people", data={"nik": NIK}).status_code == 403
    response = client.post("/admin/people/pdf", data={"nik": NIK})
    assert response.status_code == 403 and NAME not in response.get_data(as_text=True)
    assert person_audits(db) == [] and report_accesses(db) == []
