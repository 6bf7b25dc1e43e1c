"""The groups and members API: same rules as the pages, JSON errors, roles, leader isolation, masking."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from kube.core.identity import mask_nik
from kube.groups import operations
from kube.groups.models import Group, Member
from tests.factories import make_group, make_user, member_values, valid_kk
from tests.statements import recorded_statements

GROUP_FIELDS = {"id", "code", "name", "business_type", "kelurahan_code", "kecamatan_code", "address",
                "formed_on", "officer_id", "status", "member_count"}
MEMBER_FIELDS = {"id", "group_id", "nik", "kk", "name", "sex", "birth_date", "address", "kelurahan_code", "phone",
                 "household_size", "decile", "decile_as_of", "extreme_poor", "role", "joined_on", "left_on"}


def as_json(values: dict) -> dict:
    """Factory values as a client would send them: dates as YYYY-MM-DD."""
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def member_json(role: str = "anggota", **extra) -> dict:
    return as_json(member_values(role, **extra))


def new_group_json(**extra) -> dict:
    values = {"name": "Kube Sejahtera", "business_type": "kuliner", "kelurahan_code": "36.73.04.1002",
              "address": "Jl. Raya Curug No. 3", "formed_on": "2024-02-01"}
    values.update(extra)
    return values


def error_of(response) -> dict:
    return response.get_json()["error"]


# -- groups -----------------------------------------------------------------------------------

def test_officer_creates_reads_and_updates_a_group(client, db, officer, bearer):
    response = client.post("/api/v1/groups", json=new_group_json(officer_id=officer.id), headers=bearer("officer"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert set(created) == GROUP_FIELDS
    assert created["code"] == f"KUBE-3673-{created['id']:04d}"
    assert created | {"id": 0, "code": ""} == {
        "id": 0, "code": "", "name": "Kube Sejahtera", "business_type": "kuliner",
        "kelurahan_code": "36.73.04.1002", "kecamatan_code": "36.73.04", "address": "Jl. Raya Curug No. 3",
        "formed_on": "2024-02-01", "officer_id": officer.id, "status": "proposed", "member_count": 0,
    }

    url = f"/api/v1/groups/{created['id']}"
    assert client.get(url, headers=bearer("viewer")).get_json() == created

    response = client.patch(url, json={"name": "Kube Sejahtera Abadi", "kelurahan_code": "36.73.01.1008",
                                       "officer_id": None}, headers=bearer("admin"))
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert (updated["name"], updated["kelurahan_code"], updated["kecamatan_code"], updated["officer_id"]) == (
        "Kube Sejahtera Abadi", "36.73.01.1008", "36.73.01", None)
    assert (updated["id"], updated["code"], updated["status"], updated["address"]) == (
        created["id"], created["code"], "proposed", created["address"])
    group = db.session.get(Group, created["id"])
    assert (group.name, group.kelurahan_code, group.officer_id) == ("Kube Sejahtera Abadi", "36.73.01.1008", None)
    assert client.get(url, headers=bearer("officer")).get_json() == updated


@pytest.mark.parametrize("body, field", [
    ({"business_type": "tambang"}, "business_type"),  # not a configured type: the operation says so
    ({"kelurahan_code": "36.73.04"}, "kelurahan_code"),  # a kecamatan
    ({"formed_on": "2099-01-01"}, "formed_on"),
    ({"formed_on": "01-02-2024"}, "formed_on"),
    ({"name": ""}, "name"),
    ({"officer_id": "someone"}, "officer_id"),
    ({"status": "active"}, "status"),  # status changes only through transitions
    ({"colour": "blue"}, "colour"),
    ({"name": "Kube\x00Maju"}, "name"),  # PostgreSQL cannot store NUL: refused up front, not a 500
])
def test_invalid_group_fields_are_422_per_field_and_change_nothing(client, db, officer, bearer, body, field):
    created = client.post("/api/v1/groups", json=new_group_json(**body), headers=bearer("officer"))
    assert created.status_code == 422
    assert error_of(created)["code"] == "validation_error" and field in error_of(created)["fields"]
    assert db.session.scalar(select(func.count(Group.id))) == 0

    group = make_group(officer)
    db.session.commit()
    response = client.patch(f"/api/v1/groups/{group.id}", json=body, headers=bearer("officer"))
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == [field]
    db.session.expire_all()
    assert group.status == "proposed" and group.business_type == "sewa_tenda"


def test_missing_required_group_fields_are_listed(client, bearer):
    response = client.post("/api/v1/groups", json={}, headers=bearer("officer"))
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"name", "business_type", "kelurahan_code", "formed_on"}


def test_malformed_json_is_400(client, bearer):
    response = client.post("/api/v1/groups", data="{not json", content_type="application/json",
                           headers=bearer("officer"))
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"


def test_unknown_ids_are_404(client, bearer):
    for url in ("/api/v1/groups/999999", "/api/v1/groups/99999999999999999999",
                "/api/v1/groups/999999/members"):
        response = client.get(url, headers=bearer("admin"))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found", url
    response = client.patch("/api/v1/members/999999", json={"phone": "081234567890"}, headers=bearer("admin"))
    assert response.status_code == 404


def test_list_filters_and_paginates(client, db, officer, bearer):
    curug = [make_group(officer, name=f"Kube Curug {i}") for i in range(3)]
    sukawana_serang = make_group(officer, name="Kube Sukawana", kelurahan_code="36.73.01.1008", members=5)
    operations.transition_group(sukawana_serang, "active", officer)
    db.session.commit()

    def ids(query, role="officer"):
        response = client.get(f"/api/v1/groups{query}", headers=bearer(role))
        assert response.status_code == 200, response.get_json()
        return [g["id"] for g in response.get_json()]

    assert ids("") == [g.id for g in curug] + [sukawana_serang.id]
    assert ids("?status=active") == [sukawana_serang.id]
    assert ids("?kecamatan=36.73.04") == [g.id for g in curug]
    assert ids("?kelurahan=36.73.01.1008") == [sukawana_serang.id]
    assert ids("?q=sukawana") == [sukawana_serang.id]
    assert ids(f"?q={curug[1].code}") == [curug[1].id]
    assert ids("?q=100%25") == []  # LIKE wildcards are literal
    ketua = sukawana_serang.ketua
    assert ids(f"?q={ketua.name}") == [sukawana_serang.id]
    spaced_nik = f"{ketua.nik[:6]} {ketua.nik[6:12]} {ketua.nik[12:]}"
    assert ids(f"?q={spaced_nik}") == [sukawana_serang.id]
    assert ids(f"?q={ketua.nik}", role="viewer") == [sukawana_serang.id]  # a whole NIK finds its group
    assert ids(f"?q={ketua.nik[6:14]}") == [sukawana_serang.id]
    assert ids(f"?q={ketua.nik[6:14]}", role="viewer") == []  # but no probing digit by digit when masked
    assert ids(f"?officer={officer.id}&business_type=sewa_tenda&sort=-members") == [
        sukawana_serang.id] + [g.id for g in reversed(curug)]
    assert ids("?officer=none") == []

    response = client.get("/api/v1/groups?per_page=2&page=2", headers=bearer("viewer"))
    assert [g["id"] for g in response.get_json()] == [curug[2].id, sukawana_serang.id]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 4, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 2, "previous_page": 1}
    assert response.get_json()[1]["member_count"] == 5


@pytest.mark.parametrize("query, field", [
    ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
    ("status=sleeping", "status"), ("page=two", "page"), ("q=a%00b", "q"), ("sort=size", "sort"),
    ("officer=someone", "officer"), ("colour=blue", "colour"),
])
def test_bad_list_arguments_are_422(client, bearer, query, field):
    response = client.get(f"/api/v1/groups?{query}", headers=bearer("viewer"))
    assert response.status_code == 422 and field in error_of(response)["fields"]


def test_list_pages_use_a_fixed_number_of_queries(client, db, officer, bearer):
    auth = bearer("viewer")
    make_group(officer, members=2)
    db.session.commit()

    def measure():
        db.session.expunge_all()
        with recorded_statements(db.engine) as statements:
            response = client.get("/api/v1/groups", headers=auth)
        assert response.status_code == 200
        return len(statements), response.get_json()

    few, _ = measure()
    officer = db.session.merge(officer)
    for index in range(8):
        make_group(officer, members=3, kelurahan_code="36.73.01.1008" if index % 2 else "36.73.04.1002")
    db.session.commit()
    many, listed = measure()
    assert many == few
    assert len(listed) == 9 and [g["member_count"] for g in listed] == [2] + [3] * 8


def test_member_list_uses_a_fixed_number_of_queries(client, db, officer, bearer):
    auth = bearer("officer")
    small, large = make_group(officer, members=1), make_group(officer, members=12)
    db.session.commit()
    counts = []
    for url in (f"/api/v1/groups/{small.id}/members", f"/api/v1/groups/{large.id}/members"):
        db.session.expunge_all()
        # Without BEGIN: whether the test's shared session still had a transaction open is not the route's doing.
        with recorded_statements(db.engine, transaction_control=False) as statements:
            assert client.get(url, headers=auth).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


# -- transitions ------------------------------------------------------------------------------

def test_transitions_follow_the_state_machine(client, db, officer, bearer):
    group = make_group(officer, members=5)
    db.session.commit()
    url = f"/api/v1/groups/{group.id}/transitions"

    response = client.post(url, json={"to": "active", "note": "Verifikasi lapangan selesai"}, headers=bearer("officer"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "active" and response.get_json()["member_count"] == 5
    assert [c.to_status for c in db.session.get(Group, group.id).status_changes] == ["proposed", "active"]

    for target in ("proposed", "rejected", "active"):
        response = client.post(url, json={"to": target}, headers=bearer("admin"))
        assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition", target
    db.session.expire_all()
    assert db.session.get(Group, group.id).status == "active"
    assert len(db.session.get(Group, group.id).status_changes) == 2

    assert client.post(url, json={"to": "graduated"}, headers=bearer("officer")).get_json()["status"] == "graduated"


def test_activation_needs_enough_members_and_a_ketua(client, db, officer, bearer):
    too_few = make_group(officer, members=4)
    db.session.commit()
    response = client.post(f"/api/v1/groups/{too_few.id}/transitions", json={"to": "active"}, headers=bearer("officer"))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"
    assert "5" in error_of(response)["message"]
    db.session.expire_all()
    assert db.session.get(Group, too_few.id).status == "proposed"


@pytest.mark.parametrize("body, field", [({"to": "asleep"}, "to"), ({}, "to"), ({"to": "active", "why": "x"}, "why")])
def test_bad_transition_requests_are_422(client, db, officer, bearer, body, field):
    group = make_group(officer)
    db.session.commit()
    response = client.post(f"/api/v1/groups/{group.id}/transitions", json=body, headers=bearer("officer"))
    assert response.status_code == 422 and field in error_of(response)["fields"]


# -- members ----------------------------------------------------------------------------------

def test_officer_adds_a_member_with_separators_in_nik_and_kk(client, db, officer, bearer):
    group = make_group(officer)
    db.session.commit()
    values = member_json("ketua", sex="P", birth=date(1990, 2, 3), phone="0812-3456-7890")
    nik, kk = values["nik"], values["kk"]
    values.update(nik=f"{nik[:6]}.{nik[6:12]}.{nik[12:]}", kk=f"{kk[:4]} {kk[4:8]} {kk[8:12]} {kk[12:]}")
    del values["sex"], values["birth_date"]  # read from the NIK

    response = client.post(f"/api/v1/groups/{group.id}/members", json=values, headers=bearer("officer"))
    assert response.status_code == 201, response.get_json()
    member = response.get_json()
    assert set(member) == MEMBER_FIELDS
    assert member | {"id": 0} == {
        "id": 0, "group_id": group.id, "nik": nik, "kk": kk, "name": values["name"], "sex": "P",
        "birth_date": "1990-02-03", "address": values["address"], "kelurahan_code": "36.73.04.1002",
        "phone": "081234567890", "household_size": 4, "decile": 1, "decile_as_of": "2024-01-01",
        "extreme_poor": True, "role": "ketua", "joined_on": "2024-01-15", "left_on": None,
    }
    assert client.get(f"/api/v1/groups/{group.id}", headers=bearer("officer")).get_json()["member_count"] == 1
    assert client.get(f"/api/v1/groups/{group.id}/members", headers=bearer("admin")).get_json() == [member]


@pytest.mark.parametrize("change, field", [
    ({"nik": "3673041506850000"}, "nik"),  # serial 0000
    ({"nik": "12345"}, "nik"),
    ({"kk": "36730410031500AB"}, "kk"),
    ({"sex": "P"}, "sex"),  # the NIK says male
    ({"sex": "X"}, "sex"),
    ({"birth_date": "1985-07-15"}, "birth_date"),  # the NIK says 15 June
    ({"role": "bendahara umum"}, "role"),
    ({"decile": 11}, "decile"),
    ({"household_size": 0}, "household_size"),
    ({"kelurahan_code": "99.99.99.9999"}, "kelurahan_code"),
    ({"phone": "12"}, "phone"),
    ({"group_id": 1}, "group_id"),  # not writable
    ({"left_on": "2024-05-01"}, "left_on"),
    ({"hobby": "memancing"}, "hobby"),
    ({"address": "Kp. Tinggar\x00"}, "address"),
])
def test_invalid_member_fields_are_422_per_field_and_nothing_is_saved(client, db, officer, bearer, change, field):
    group = make_group(officer)
    db.session.commit()
    body = member_json(sex="L") | change
    response = client.post(f"/api/v1/groups/{group.id}/members", json=body, headers=bearer("officer"))
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "validation_error" and list(error["fields"]) == [field]
    assert all(error["fields"][field]) and error["message"]
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_duplicate_nik_across_groups_is_409_and_nothing_is_saved(client, db, officer, bearer):
    first, second = make_group(officer), make_group(officer)
    db.session.commit()
    values = member_json("ketua")
    assert client.post(f"/api/v1/groups/{first.id}/members", json=values, headers=bearer("officer")).status_code == 201

    again = values | {"kk": valid_kk(), "nik": f"{values['nik'][:8]}-{values['nik'][8:]}"}
    response = client.post(f"/api/v1/groups/{second.id}/members", json=again, headers=bearer("admin"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict" and "nik" in error_of(response)["fields"]
    assert first.code in error_of(response)["message"]
    assert db.session.scalar(select(func.count(Member.id)).where(Member.nik == values["nik"])) == 1
    assert db.session.scalar(select(func.count(Member.id)).where(Member.group_id == second.id)) == 0


def test_one_ketua_and_one_kk_per_group(client, db, officer, bearer):
    group = make_group(officer, members=1)  # the first member is ketua
    db.session.commit()
    url = f"/api/v1/groups/{group.id}/members"
    response = client.post(url, json=member_json("ketua"), headers=bearer("officer"))
    assert response.status_code == 409 and "role" in error_of(response)["fields"]

    same_family = member_json(kk=group.ketua.kk)
    response = client.post(url, json=same_family, headers=bearer("officer"))
    assert response.status_code == 409 and "kk" in error_of(response)["fields"]
    assert db.session.scalar(select(func.count(Member.id))) == 1


def test_age_outside_18_to_60_needs_confirmation(client, db, officer, bearer):
    group = make_group(officer)
    db.session.commit()
    url = f"/api/v1/groups/{group.id}/members"
    values = member_json(birth=date(1950, 3, 4))
    response = client.post(url, json=values, headers=bearer("officer"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "needs_confirmation" and "birth_date" in error_of(response)["fields"]
    assert db.session.scalar(select(func.count(Member.id))) == 0

    response = client.post(url, json=values | {"confirm_age": True}, headers=bearer("officer"))
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Member, response.get_json()["id"]).age_confirmed


def test_member_of_a_granted_kube_needs_an_override(client, db, officer, bearer):
    granted = make_group(officer, members=1)
    granted.kube_grant_received_on = date(2024, 6, 1)
    person = granted.members[0]
    operations.member_leaves(person, date(2025, 1, 1), officer)
    newcomer = make_group(officer)
    db.session.commit()
    url = f"/api/v1/groups/{newcomer.id}/members"
    values = member_json() | {"nik": person.nik, "kk": person.kk, "birth_date": person.birth_date.isoformat()}

    response = client.post(url, json=values, headers=bearer("officer"))
    assert response.status_code == 409 and error_of(response)["code"] == "prior_kube_grant"
    response = client.post(url, json=values | {"prior_kube_override": "Usaha lama tutup, disetujui Kabid"},
                           headers=bearer("officer"))
    assert response.status_code == 201, response.get_json()


def test_members_cannot_join_a_closed_group(client, db, officer, bearer):
    group = make_group(officer, members=5, status="graduated")
    db.session.commit()
    response = client.post(f"/api/v1/groups/{group.id}/members", json=member_json(), headers=bearer("officer"))
    assert response.status_code == 409 and error_of(response)["code"] == "invalid_transition"


def test_officer_updates_a_member_and_duplicates_are_refused(client, db, officer, bearer):
    group = make_group(officer, members=2)
    db.session.commit()
    ketua, other = group.current_members
    original_nik = other.nik
    url = f"/api/v1/members/{other.id}"

    response = client.patch(url, json={"name": "Siti Aminah", "phone": "+62 812 1111 2222", "decile": None},
                            headers=bearer("officer"))
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["name"], response.get_json()["phone"], response.get_json()["decile"]) == (
        "Siti Aminah", "6281211112222", None)

    response = client.patch(url, json={"role": "ketua"}, headers=bearer("officer"))
    assert response.status_code == 409 and "role" in error_of(response)["fields"]
    response = client.patch(url, json={"nik": ketua.nik}, headers=bearer("officer"))  # same sex and birth date
    assert response.status_code == 409 and "nik" in error_of(response)["fields"]
    response = client.patch(url, json={"sex": "P"}, headers=bearer("officer"))
    assert response.status_code == 422 and "sex" in error_of(response)["fields"]
    db.session.expire_all()
    assert (other.role, other.nik, other.sex, other.name) == ("anggota", original_nik, "L", "Siti Aminah")


def test_former_members_are_listed_on_request_and_cannot_be_changed(client, db, officer, bearer):
    group = make_group(officer, members=2)
    leaver = group.current_members[1]
    operations.member_leaves(leaver, date(2025, 3, 1), officer)
    db.session.commit()
    url = f"/api/v1/groups/{group.id}/members"

    current = client.get(url, headers=bearer("officer")).get_json()
    assert [m["id"] for m in current] == [group.ketua.id]
    everyone = client.get(f"{url}?include_former=true", headers=bearer("officer")).get_json()
    assert [(m["id"], m["left_on"]) for m in everyone] == [(group.ketua.id, None), (leaver.id, "2025-03-01")]
    assert client.get(f"{url}?include_former=maybe", headers=bearer("officer")).status_code == 422

    response = client.patch(f"/api/v1/members/{leaver.id}", json={"phone": "081234567890"}, headers=bearer("officer"))
    assert response.status_code == 409


# -- roles, leaders, masking ------------------------------------------------------------------

@pytest.fixture
def two_groups(db, officer):
    """A leader's own group and someone else's, each with members, and the leader account."""
    own, other = make_group(officer, members=2), make_group(officer, members=2)
    leader = make_user("leader", group_id=own.id)
    db.session.commit()
    return own, other, leader


def test_leader_sees_and_edits_only_their_own_group(client, db, bearer, two_groups):
    own, other, leader = two_groups
    auth = bearer(leader)
    other_member, own_member = other.current_members[1], own.current_members[1]
    other_name, own_member_name = other.name, own_member.name

    refused = [
        client.get(f"/api/v1/groups/{other.id}", headers=auth),
        client.patch(f"/api/v1/groups/{other.id}", json={"name": "Diambil alih"}, headers=auth),
        client.get(f"/api/v1/groups/{other.id}/members", headers=auth),
        client.patch(f"/api/v1/members/{other_member.id}", json={"phone": "081299998888"}, headers=auth),
    ]
    assert [r.status_code for r in refused] == [404] * 4
    assert all(error_of(r)["code"] == "not_found" for r in refused)

    assert [g["id"] for g in client.get("/api/v1/groups", headers=auth).get_json()] == [own.id]
    assert client.get(f"/api/v1/groups?q={other.name}", headers=auth).get_json() == []
    assert client.get(f"/api/v1/groups/{own.id}", headers=auth).status_code == 200
    assert len(client.get(f"/api/v1/groups/{own.id}/members", headers=auth).get_json()) == 2

    forbidden = [
        client.post("/api/v1/groups", json=new_group_json(), headers=auth),
        client.post(f"/api/v1/groups/{own.id}/members", json=member_json(), headers=auth),
        client.post(f"/api/v1/groups/{own.id}/transitions", json={"to": "rejected"}, headers=auth),
    ]
    assert [r.status_code for r in forbidden] == [403] * 3

    # A leader keeps their own group's address current; anything that oversees the group is refused whole.
    officer_id = own.officer_id
    refused = client.patch(f"/api/v1/groups/{own.id}", json={"address": "Jl. Baru 1", "officer_id": None},
                           headers=auth)
    assert refused.status_code == 403 and set(error_of(refused)["fields"]) == {"officer_id"}
    response = client.patch(f"/api/v1/groups/{own.id}", json={"address": "Jl. Baru 1"}, headers=auth)
    assert response.status_code == 200
    assert (response.get_json()["address"], response.get_json()["officer_id"]) == ("Jl. Baru 1", officer_id)

    # ... and members' contact details, not their identity or office.
    refused = client.patch(f"/api/v1/members/{own_member.id}",
                           json={"phone": "0812 7777 6666", "household_size": 6, "name": "Nama Lain",
                                 "role": "bendahara"}, headers=auth)
    assert refused.status_code == 403 and set(error_of(refused)["fields"]) == {"name", "role"}
    response = client.patch(f"/api/v1/members/{own_member.id}", json={"phone": "0812 7777 6666", "household_size": 6},
                            headers=auth)
    assert response.status_code == 200
    db.session.expire_all()
    assert (own_member.phone, own_member.household_size) == ("081277776666", 6)
    assert (own_member.role, own_member.name) == ("anggota", own_member_name)
    assert db.session.get(Group, other.id).name == other_name and other_member.phone is None


def test_viewer_reads_but_cannot_write(client, db, bearer, two_groups):
    own, _, _ = two_groups
    auth = bearer("viewer")
    member = own.current_members[1]
    name = own.name
    assert client.get("/api/v1/groups", headers=auth).status_code == 200
    assert client.get(f"/api/v1/groups/{own.id}/members", headers=auth).status_code == 200
    writes = [
        client.post("/api/v1/groups", json=new_group_json(), headers=auth),
        client.patch(f"/api/v1/groups/{own.id}", json={"name": "Ganti"}, headers=auth),
        client.post(f"/api/v1/groups/{own.id}/transitions", json={"to": "rejected"}, headers=auth),
        client.post(f"/api/v1/groups/{own.id}/members", json=member_json(), headers=auth),
        client.patch(f"/api/v1/members/{member.id}", json={"phone": "081234567890"}, headers=auth),
    ]
    assert [r.status_code for r in writes] == [403] * 5
    assert all(error_of(r)["code"] == "forbidden" for r in writes)
    db.session.expire_all()
    assert (own.name, own.status, len(own.current_members), member.phone) == (name, "proposed", 2, None)
    assert db.session.scalar(select(func.count(Group.id))) == 2


@pytest.mark.parametrize("role, masked", [("admin", False), ("officer", False), ("viewer", True), ("leader", True)])
def test_nik_and_kk_are_masked_for_roles_that_may_not_see_them(client, db, bearer, two_groups, role, masked):
    own, _, leader = two_groups
    member = own.ketua
    auth = bearer(leader if role == "leader" else role)
    listed = client.get(f"/api/v1/groups/{own.id}/members", headers=auth).get_json()[0]
    if masked:
        assert listed["nik"] == mask_nik(member.nik) and listed["kk"] == mask_nik(member.kk)
        assert member.nik not in json.dumps(listed) and member.kk[4:14] not in json.dumps(listed)
    else:
        assert (listed["nik"], listed["kk"]) == (member.nik, member.kk)
    if role == "leader":
        patched = client.patch(f"/api/v1/members/{member.id}", json={"household_size": 5}, headers=auth).get_json()
        assert patched["nik"] == mask_nik(member.nik)


def test_every_group_route_is_documented_with_its_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    expected = {
        ("/api/v1/groups", "get"): {"200", "401", "403", "422"},
        ("/api/v1/groups", "post"): {"201", "400", "401", "403", "422"},
        ("/api/v1/groups/{group_id}", "get"): {"200", "401", "403", "404"},
        ("/api/v1/groups/{group_id}", "patch"): {"200", "400", "401", "403", "404", "422"},
        ("/api/v1/groups/{group_id}/transitions", "post"): {"200", "400", "401", "403", "404", "409", "422"},
        ("/api/v1/groups/{group_id}/members", "get"): {"200", "401", "403", "404", "422"},
        ("/api/v1/groups/{group_id}/members", "post"): {"201", "400", "401", "403", "404", "409", "422"},
        ("/api/v1/members/{member_id}", "patch"): {"200", "400", "401", "403", "404", "409", "422"},
    }
    for (path, method), statuses in expected.items():
        operation = spec["paths"][path][method]
        assert statuses <= set(operation["responses"]), (path, method, set(operation["responses"]))
        assert operation["security"] == [{"bearerAuth": []}]
    parameters = {p["name"] for p in spec["paths"]["/api/v1/groups"]["get"]["parameters"]}
    assert {"page", "per_page", "status", "kecamatan", "kelurahan", "q"} <= parameters
    assert set(spec["components"]["schemas"]["Group"]["properties"]) == GROUP_FIELDS
    assert set(spec["components"]["schemas"]["Member"]["properties"]) == MEMBER_FIELDS

