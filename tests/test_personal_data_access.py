"""Who saw a full NIK (UU PDP): every showing of a full NIK or No. KK writes one access record; masked views none."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kube.audit.models import AuditEntry, PersonalDataAccess
from kube.core.identity import mask_nik
from kube.groups import operations as group_operations
from tests.factories import make_budget, make_grant, make_group, make_user, member_values
from tests.test_api_groups import member_json


@pytest.fixture
def scene(db, users):
    """An active group of five with a handed-over KUBE grant (its letter names the ketua), and its leader."""
    officer = users["officer"]
    officer.nip, officer.position = "198703152010012004", "Pendamping Kube"
    make_budget(officer)
    group = make_group(officer, members=5, status="active")
    grant = make_grant(officer, users["admin"], status="handed_over", group=group)
    leader = make_user("leader", group_id=group.id)
    db.session.commit()
    return {"group": group, "grant": grant, "leader": leader}


def accesses(db) -> list[PersonalDataAccess]:
    db.session.expire_all()
    return db.session.scalars(select(PersonalDataAccess).order_by(PersonalDataAccess.id)).all()


def _letter_id(db, grant) -> int:
    from kube.ledger.letters import current_letter

    return current_letter(grant.id).id


#: route -> (kind, whose full NIKs it shows: "group", "ketua" or "export")
FULL_NIK_PAGES = {
    "/groups/{group}": ("group_page", "group"),
    "/members": ("member_list", "group"),
    "/members/{ketua}/edit": ("member_form", "ketua"),
    "/groups/export.csv": ("group_export", "export"),
    "/groups/export.xlsx": ("group_export", "export"),
    "/members/export.csv?kecamatan=36.73.04": ("member_export", "export"),
    "/members/export.xlsx": ("member_export", "export"),
    "/grants/{grant}/letter.pdf": ("letter_pdf", "ketua"),
    "/letters/{letter}.pdf": ("letter_pdf", "ketua"),
}
FULL_NIK_API = {
    "/api/v1/groups/{group}/members": ("api_members", "group"),
    "/api/v1/groups/{group}/members?include_former=true": ("api_members", "group"),
    "/api/v1/grants/{grant}/letter.pdf": ("letter_pdf", "ketua"),
}


def _url(template: str, scene, db) -> str:
    group = scene["group"]
    return template.format(group=group.id, ketua=group.ketua.id, grant=scene["grant"].id,
                           letter=_letter_id(db, scene["grant"]))


def _assert_one_record(db, scene, user, url, kind, whose):
    (access,) = accesses(db)
    group = scene["group"]
    assert (access.kind, access.user_id, access.username) == (kind, user.id, user.username)
    assert access.route == f"GET {url}"
    shown = {subject.member_id for subject in access.subjects}
    if whose == "export":
        assert shown == set() and access.export.startswith(f"kube-{'anggota' if 'members' in url else 'kelompok'}-")
    else:
        assert shown == ({m.id for m in group.members} if whose == "group" else {group.ketua.id})


@pytest.mark.parametrize("template", FULL_NIK_PAGES)
def test_each_full_nik_page_writes_exactly_one_access_record(client, db, users, login, scene, template):
    kind, whose = FULL_NIK_PAGES[template]
    url = _url(template, scene, db)
    login(users["officer"])
    response = client.get(url)
    assert response.status_code == 200 and response.data  # (read to the end: exports stream)
    if whose != "export" and kind != "letter_pdf":
        assert scene["group"].ketua.nik in response.get_data(as_text=True)  # it really is shown in full
    _assert_one_record(db, scene, users["officer"], url, kind, whose)


@pytest.mark.parametrize("template", FULL_NIK_API)
def test_each_full_nik_api_route_writes_exactly_one_access_record(client, db, users, bearer, scene, template):
    kind, whose = FULL_NIK_API[template]
    url = _url(template, scene, db)
    response = client.get(url, headers=bearer("admin"))
    assert response.status_code == 200
    _assert_one_record(db, scene, users["admin"], url, kind, whose)


def test_api_member_writes_record_the_member_they_answer_with(client, db, users, bearer, scene):
    group = scene["group"]
    created = client.post(f"/api/v1/groups/{group.id}/members", json=member_json(), headers=bearer("officer"))
    assert created.status_code == 201
    member_id = created.get_json()["id"]
    changed = client.patch(f"/api/v1/members/{member_id}", json={"phone": "081234567891"}, headers=bearer("officer"))
    assert changed.status_code == 200
    records = accesses(db)
    assert [(a.kind, a.route.split()[0], [s.member_id for s in a.subjects]) for a in records] == [
        ("api_members", "POST", [member_id]), ("api_members", "PATCH", [member_id])]


@pytest.mark.parametrize("template", [t for t in FULL_NIK_PAGES if "letter" not in t])
def test_masked_pages_write_nothing(client, db, users, login, scene, template):
    login(users["viewer"])
    response = client.get(_url(template, scene, db))
    assert response.status_code == (403 if template.endswith("/edit") else 200)  # the viewer may not edit members
    assert scene["group"].ketua.nik.encode() not in response.data  # (an XLSX is a zip: checked by the export tests)
    assert accesses(db) == []


def test_the_leaders_masked_views_write_nothing(client, db, login, bearer, scene):
    group = scene["group"]
    login(scene["leader"])
    for url in (f"/groups/{group.id}", f"/members/{group.ketua.id}/edit"):
        response = client.get(url)
        assert response.status_code == 200 and group.ketua.nik not in response.get_data(as_text=True)
    listed = client.get(f"/api/v1/groups/{group.id}/members", headers=bearer(scene["leader"]))
    assert listed.status_code == 200 and listed.get_json()[0]["nik"] == mask_nik(group.ketua.nik)
    assert accesses(db) == []


def test_a_letter_shows_the_receivers_nik_to_whoever_downloads_it(client, db, users, login, scene):
    login(scene["leader"])
    assert client.get(f"/grants/{scene['grant'].id}/letter.pdf").status_code == 200
    (access,) = accesses(db)
    assert access.username == scene["leader"].username and access.kind == "letter_pdf"


def test_refused_or_failed_requests_write_nothing(client, db, users, login, bearer, scene):
    group = scene["group"]
    login(users["officer"])
    assert client.get("/groups/999999").status_code == 404
    assert client.get("/members/export.pdf").status_code == 404
    refused = client.patch(f"/api/v1/members/{group.ketua.id}", json={"nik": "123"}, headers=bearer("officer"))
    assert refused.status_code == 422
    assert client.get("/members?q=nobody-by-that-name").status_code == 200  # no rows shown
    assert accesses(db) == []


# -- reading the log --------------------------------------------------------------------------

@pytest.fixture
def moved(db, users, scene):
    """The ketua's person left the group and joined another: two memberships, one NIK."""
    officer = users["officer"]
    old = scene["group"].members[1]
    group_operations.member_leaves(old, date(2025, 9, 1), officer)
    other = make_group(officer)
    again = group_operations.add_member(
        other, member_values(nik=old.nik, kk=old.kk, name=old.name, joined_on=date(2025, 9, 2)), officer,
        group_operations.MemberChecks(prior_kube_override="Pindah kelompok setelah pindah rumah"))
    db.session.commit()
    return old, again


def test_the_access_log_api_lists_a_persons_accesses_across_memberships(client, db, users, login, bearer, moved):
    old, again = moved
    login(users["officer"])
    client.get(f"/groups/{old.group_id}")
    client.get(f"/members/{again.id}/edit")
    response = client.get(f"/api/v1/members/{again.id}/access-log", headers=bearer("admin"))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["user"], i["what"]) for i in items] == [
        (users["officer"].username, "Formulir ubah anggota"),
        (users["officer"].username, "Halaman kelompok (NIK anggota)")]
    assert all(set(i) >= {"user", "at", "what"} for i in items)
    # The same answer for the person's other membership, and nothing for someone never shown.
    assert client.get(f"/api/v1/members/{old.id}/access-log", headers=bearer("admin")).get_json()["items"] == items
    stranger = client.get(f"/api/v1/members/{old.group.ketua.id}/access-log", headers=bearer("admin")).get_json()
    assert [i["what"] for i in stranger["items"]] == ["Halaman kelompok (NIK anggota)"]


@pytest.mark.parametrize("role", ["officer", "viewer", "leader"])
def test_only_admins_read_the_access_log(client, db, bearer, scene, role):
    response = client.get(f"/api/v1/members/{scene['group'].ketua.id}/access-log", headers=bearer(role))
    assert response.status_code == 403


def test_the_access_log_of_an_unknown_member_is_404(client, db, bearer, scene):
    assert client.get("/api/v1/members/999999/access-log", headers=bearer("admin")).status_code == 404


def test_the_admin_page_lists_accesses_per_user_and_per_person(app, client, db, users, login, scene, moved):
    old, again = moved
    login(users["officer"])
    client.get(f"/members/{again.id}/edit")
    client.get(f"/groups/{scene['group'].id}")
    client = login(users["admin"], test_client=app.test_client())
    form = client.get(f"/members/{scene['group'].ketua.id}/edit").get_data(as_text=True)
    assert f'href="/admin/audit/access?member={scene["group"].ketua.id}"' in form  # the admin's way in, per person
    all_rows = client.get("/admin/audit/access").get_data(as_text=True)
    assert all_rows.count("<code>GET ") == 3
    per_user = client.get(f"/admin/audit/access?user={users['admin'].username}").get_data(as_text=True)
    assert per_user.count("<code>GET ") == 1 and "Formulir ubah anggota" in per_user
    per_person = client.get(f"/admin/audit/access?member={old.id}").get_data(as_text=True)
    assert per_person.count("<code>GET ") == 2 and mask_nik(old.nik) in per_person and old.nik not in per_person
    assert client.get("/admin/audit/access?member=abc").status_code == 200


def test_the_audit_export_holds_the_audit_log_and_the_access_log(app, client, db, users, login, scene):
    login(users["officer"])
    client.get(f"/groups/{scene['group'].id}")
    response = login(users["admin"], test_client=app.test_client()).get("/admin/audit/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    audit, access = workbook.worksheets
    assert audit.max_row - 1 == db.session.scalar(select(func.count(AuditEntry.id)))
    rows = list(access.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    assert rows[0][1] == users["officer"].username and rows[0][2] == "Halaman kelompok (NIK anggota)"
    assert mask_nik(scene["group"].ketua.nik) in rows[0][5] and scene["group"].ketua.nik not in rows[0][5]
