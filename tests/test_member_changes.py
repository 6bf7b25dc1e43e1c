"""Changing a member: a new NIK or birth date meets the same soft rules as a new member, and a
duplicate that only the database's unique index catches is a clean Conflict that leaves the session usable.

The rules are proven on the operation, the officer's edit form and the API, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.core.errors import Conflict, NeedsConfirmation
from kube.groups import operations
from kube.groups.models import Group, Member
from kube.groups.operations import MemberChecks, PriorKubeGrant
from tests.factories import api_token, make_group, member_values, valid_nik
from tests.test_groups_pages import form_values, text

TODAY = date(2026, 11, 28)
OLD_BIRTH = date(1950, 5, 5)  # 76 years old: outside 18-60
REASON = "Usaha lama bubar karena banjir 2024, disetujui Kabid"
CLASH = "Data bentrok dengan data yang baru saja disimpan"


def former_grant_member(officer) -> Member:
    """Someone who was in a Kube that received a grant and has left it (so their NIK is free)."""
    granted = make_group(officer, members=1, name="Kube Lama")
    granted.kube_grant_received_on = date(2024, 8, 28)
    person = granted.ketua
    operations.member_leaves(person, date(2025, 3, 1), officer)
    return person


def current_values(member: Member) -> dict:
    return {key: getattr(member, key) for key in operations.MEMBER_FIELDS}


def count_members(**where) -> int:
    from kube.extensions import db

    query = select(func.count(Member.id))
    for key, value in where.items():
        query = query.where(getattr(Member, key) == value)
    return db.session.scalar(query)


# -- the soft rules on a changed NIK or birth date: the operation -----------------------------

def test_new_nik_of_a_former_grant_member_needs_an_officers_reason(db, officer):
    person = former_grant_member(officer)
    group = make_group(officer, members=2)
    member = group.current_members[1]
    original_nik = member.nik
    with pytest.raises(PriorKubeGrant) as refused:
        operations.update_member(member, {"nik": person.nik}, officer, today=TODAY)
    assert "pernah menjadi anggota Kube" in refused.value.message and "nik" in refused.value.fields
    with pytest.raises(PriorKubeGrant):
        operations.update_member(member, {"nik": person.nik}, officer, MemberChecks(prior_kube_override="  "),
                                 today=TODAY)
    assert member.nik == original_nik and member.prior_kube_override is None

    operations.update_member(member, {"nik": person.nik}, officer, MemberChecks(prior_kube_override=REASON),
                             today=TODAY)
    assert (member.nik, member.prior_kube_override) == (person.nik, REASON)
    audit = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "member.update")).all()
    assert any(REASON in summary for summary in audit)

    # Other changes leave the NIK alone and need no reason again; the stored one stays.
    operations.update_member(member, {"name": "Nama Baru"}, officer, today=TODAY)
    assert member.prior_kube_override == REASON
    # The reason belonged to that NIK: a new, unremarkable NIK drops it.
    operations.update_member(member, {"nik": valid_nik()}, officer, today=TODAY)
    assert member.prior_kube_override is None


def test_new_birth_date_outside_the_age_range_needs_confirmation(db, officer):
    group = make_group(officer, members=2)
    member = group.current_members[1]
    older = {"nik": valid_nik(birth=OLD_BIRTH), "birth_date": None}  # the birth date is read from the NIK
    with pytest.raises(NeedsConfirmation) as refused:
        operations.update_member(member, dict(older), officer, today=TODAY)
    assert "di luar rentang 18-60 tahun" in refused.value.message and "birth_date" in refused.value.fields
    assert member.birth_date == date(1985, 6, 15)

    operations.update_member(member, dict(older), officer, MemberChecks(confirm_age=True), today=TODAY)
    assert (member.birth_date, member.age_confirmed) == (OLD_BIRTH, True)
    operations.update_member(member, {"name": "Kakek Baru"}, officer, today=TODAY)  # age untouched: no question
    assert member.age_confirmed
    operations.update_member(member, {"nik": valid_nik(), "birth_date": None}, officer, today=TODAY)
    assert (member.birth_date, member.age_confirmed) == (date(1985, 6, 15), False)


# -- on the officer's edit form ---------------------------------------------------------------

def test_edit_form_asks_for_the_reason_and_keeps_what_was_typed(client, db, login, officer):
    first = former_grant_member(officer)
    group = make_group(officer, members=2)
    member = group.current_members[1]
    db.session.commit()
    login(officer)
    url = f"/members/{member.id}/edit"
    assert 'name="prior_kube_override"' not in text(client.get(url))
    posted = form_values(current_values(member)) | {"nik": first.nik, "name": "Ibu Baru", "phone": "081299990000"}

    refused = client.post(url, data=posted)
    page = text(refused)
    assert refused.status_code == 200 and "pernah menjadi anggota Kube" in page
    assert 'name="prior_kube_override"' in page
    assert f'value="{first.nik}"' in page and 'value="Ibu Baru"' in page and 'value="081299990000"' in page
    # The reason typed survives a second refusal for another field.
    again = text(client.post(url, data=posted | {"prior_kube_override": REASON, "joined_on": ""}))
    assert "Wajib diisi." in again and REASON in again and 'value="Ibu Baru"' in again
    db.session.expire_all()
    assert member.nik != first.nik and member.name != "Ibu Baru"

    accepted = client.post(url, data=posted | {"prior_kube_override": REASON})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert (member.nik, member.name, member.prior_kube_override) == (first.nik, "Ibu Baru", REASON)

    # The stored reason is not offered again, nor carried to yet another former grant member's NIK.
    assert REASON not in text(client.get(url))
    second = former_grant_member(officer)
    db.session.commit()
    carried = client.post(url, data=posted | {"nik": second.nik})
    assert "pernah menjadi anggota Kube" in text(carried)
    db.session.expire_all()
    assert member.nik == first.nik


def test_edit_form_asks_to_confirm_an_unusual_age(client, db, login, officer):
    group = make_group(officer, members=2)
    member = group.current_members[1]
    db.session.commit()
    login(officer)
    url = f"/members/{member.id}/edit"
    posted = form_values(current_values(member)) | {"nik": valid_nik(birth=OLD_BIRTH), "birth_date": ""}
    refused = client.post(url, data=posted)
    page = text(refused)
    assert refused.status_code == 200
    assert "di luar rentang 18-60 tahun" in page and 'name="confirm_age"' in page
    db.session.expire_all()
    assert member.birth_date == date(1985, 6, 15)

    accepted = client.post(url, data=posted | {"confirm_age": "y"})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert (member.birth_date, member.age_confirmed) == (OLD_BIRTH, True)


# -- in the API -------------------------------------------------------------------------------

def test_api_patch_needs_the_same_confirmations_as_adding(client, db, officer):
    person = former_grant_member(officer)
    group = make_group(officer, members=3)
    granted_nik_member, aged_member = group.current_members[1:]
    db.session.commit()
    headers = api_token(client, officer)

    url = f"/api/v1/members/{granted_nik_member.id}"
    refused = client.patch(url, json={"nik": person.nik}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "prior_kube_grant"
    accepted = client.patch(url, json={"nik": person.nik, "prior_kube_override": REASON}, headers=headers)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["nik"] == person.nik

    url = f"/api/v1/members/{aged_member.id}"
    older = {"nik": valid_nik(birth=OLD_BIRTH), "birth_date": OLD_BIRTH.isoformat()}
    refused = client.patch(url, json=older, headers=headers)
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and error["code"] == "needs_confirmation" and "birth_date" in error["fields"]
    accepted = client.patch(url, json=older | {"confirm_age": True}, headers=headers)
    assert accepted.status_code == 200, accepted.get_json()

    db.session.expire_all()
    assert granted_nik_member.prior_kube_override == REASON
    assert (aged_member.birth_date, aged_member.age_confirmed) == (OLD_BIRTH, True)


# -- a duplicate only the unique index catches ------------------------------------------------

def rival_row(group: Group, nik: str) -> dict:
    """Another officer's registration of the same person in another group, as a raw row."""
    values = member_values(nik=nik)
    values.update(group_id=group.id, created_at=datetime.now(timezone.utc), age_confirmed=False,
                  prior_kube_override=None, left_on=None, phone=None)
    return values


@pytest.fixture
def rival(db, monkeypatch):
    """Let another officer's insert of the same NIK land after the app's duplicate check.

    `_check_unique` is made to pass, so only the database's unique index can catch the duplicate.
    On PostgreSQL the rival row is committed through a second connection from inside that check,
    between the check and the flush: the real race. On SQLite a write request holds the write lock
    from its first statement, so no writer can land there; the row is committed just before instead.
    """
    def arrange(row: dict) -> None:
        pending = [row]

        def commit_rival(*_args, **_kwargs) -> None:
            while pending:
                with db.engine.begin() as connection:  # not the session's connection
                    connection.execute(sa.insert(Member), [pending.pop()])

        if db.engine.dialect.name == "postgresql":
            monkeypatch.setattr(operations, "_check_unique", commit_rival)
        else:
            db.session.commit()  # ends the session's read snapshot, which a later write could not upgrade
            commit_rival()
            monkeypatch.setattr(operations, "_check_unique", lambda *_args, **_kwargs: None)

    return arrange


def test_unique_index_conflict_on_add_keeps_the_session_usable(db, officer, rival):
    home, other = make_group(officer), make_group(officer)
    db.session.commit()
    person = member_values()
    rival(rival_row(other, person["nik"]))
    earlier = make_group(officer, name="Kube Belum Disimpan")  # earlier work in the same transaction

    with pytest.raises(Conflict) as refused:
        operations.add_member(home, dict(person), officer, today=TODAY)
    assert CLASH in refused.value.message
    # Only the savepoint was rolled back: queries work without a rollback, and the earlier work is kept.
    assert count_members(nik=person["nik"]) == 1
    assert count_members(group_id=home.id) == 0 and home.current_members == []
    db.session.commit()
    assert db.session.get(Group, earlier.id).name == "Kube Belum Disimpan"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "member.create")) == 0


def test_unique_index_conflict_on_update_keeps_the_session_usable(db, officer, rival):
    home, other = make_group(officer, members=2), make_group(officer)
    db.session.commit()
    member = home.current_members[1]
    original_nik, new_nik = member.nik, valid_nik()
    rival(rival_row(other, new_nik))

    with pytest.raises(Conflict) as refused:
        operations.update_member(member, {"nik": new_nik, "name": "Nama Lain"}, officer, today=TODAY)
    assert CLASH in refused.value.message
    assert count_members(nik=new_nik, group_id=other.id) == 1 and count_members(nik=new_nik) == 1
    assert (member.nik, member.name) != (new_nik, "Nama Lain")  # the savepoint's changes are undone
    operations.update_member(member, {"name": "Nama Lain"}, officer, today=TODAY)
    db.session.commit()
    db.session.expire_all()
    assert (member.nik, member.name) == (original_nik, "Nama Lain")


@pytest.mark.parametrize("change", ["add", "edit"])
def test_unique_index_conflict_reshows_the_form(client, db, login, officer, rival, change):
    home, other = make_group(officer, members=2), make_group(officer)
    db.session.commit()
    login(officer)
    new_nik = valid_nik()
    if change == "add":
        url, posted = f"/groups/{home.id}/members/new", form_values(member_values(nik=new_nik, name="Pak Baru"))
    else:
        member = home.current_members[1]
        url = f"/members/{member.id}/edit"
        posted = form_values(current_values(member)) | {"nik": new_nik, "name": "Pak Baru"}
    rival(rival_row(other, new_nik))

    response = client.post(url, data=posted)
    page = text(response)
    assert response.status_code == 200 and CLASH in page
    assert f'value="{new_nik}"' in page and 'value="Pak Baru"' in page
    db.session.expire_all()
    assert count_members(nik=new_nik) == 1 and count_members(group_id=home.id) == 2
    assert count_members(name="Pak Baru") == 0
    assert client.get(f"/groups/{home.id}").status_code == 200


@pytest.mark.parametrize("change", ["add", "edit"])
def test_unique_index_conflict_is_a_409_in_the_api(client, db, officer, rival, change):
    home, other = make_group(officer, members=2), make_group(officer)
    db.session.commit()
    headers = api_token(client, officer)
    new_nik = valid_nik()
    rival(rival_row(other, new_nik))
    if change == "add":
        values = {key: value.isoformat() if isinstance(value, date) else value
                  for key, value in member_values(nik=new_nik, name="Pak Baru").items()}
        response = client.post(f"/api/v1/groups/{home.id}/members", json=values, headers=headers)
    else:
        response = client.patch(f"/api/v1/members/{home.current_members[1].id}",
                                json={"nik": new_nik, "name": "Pak Baru"}, headers=headers)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "conflict" and CLASH in response.get_json()["error"]["message"]
    db.session.expire_all()
    assert count_members(nik=new_nik) == 1 and count_members(name="Pak Baru") == 0
    assert client.get(f"/api/v1/groups/{home.id}/members", headers=headers).status_code == 200
