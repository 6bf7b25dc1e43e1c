"""A leader's view of their own group: names and roles only, nothing stigmatising, nothing of the office's to change."""
from __future__ import annotations

import re

import pytest

from kube.core.formatting import format_long_date
from kube.core.identity import mask_nik
from kube.groups.models import Group, Member
from tests.factories import make_group, make_user


@pytest.fixture
def own(db, officer):
    """The leader's group: five members, all marked extreme poor in desil 1 (the factories' default)."""
    group = make_group(officer, members=5, status="active", bank_name="Bank BJB", bank_account="0012345678")
    db.session.commit()
    return group


@pytest.fixture
def leader_client(client, db, own, login):
    login(make_user("leader", group_id=own.id))
    db.session.commit()
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_leader_sees_names_and_roles_and_no_welfare_label_nik_or_history(leader_client, own):
    page = text(leader_client.get(f"/groups/{own.id}"))
    for member in own.current_members:
        assert member.name in page
        assert member.nik not in page and mask_nik(member.nik) not in page and member.kk not in page
    assert re.search(r'<span class="member-name">[^<]+</span> <span class="muted">Ketua</span>', page)
    assert page.count('<span class="muted">Anggota</span>') == 4
    lowered = page.lower()
    for word in ("miskin ekstrem", "desil", "dtks", "dtsen", "nik", "no. kk", "riwayat status", "kemiskinan"):
        assert word not in lowered, word
    assert "0012345678" not in page  # the bank account is the office's business
    assert format_long_date(own.formed_on) not in page


def test_leader_gets_no_link_to_the_offices_fields_or_status(leader_client, own):
    page = text(leader_client.get(f"/groups/{own.id}"))
    assert "/status/" not in page and "/leave" not in page and "members/new" not in page and "/leader" not in page
    assert "Ubah data kelompok" not in page
    # What remains theirs: the group's address and members' contact details.
    assert f'href="/groups/{own.id}/edit">Ubah alamat kelompok</a>' in page
    assert f'href="/members/{own.current_members[1].id}/edit">Ubah kontak' in page


@pytest.mark.parametrize("field, value", [
    ("name", "Kube Lain"), ("kelurahan_code", "36.73.01.1001"), ("formed_on", "2020-01-01"),
    ("bank_account", "999999"), ("bank_name", "Bank Lain"), ("officer_id", ""), ("business_type", "kuliner"),
])
def test_posting_an_office_field_of_the_group_is_403(leader_client, db, own, field, value):
    before = (own.name, own.kelurahan_code, own.formed_on, own.bank_account, own.bank_name, own.officer_id,
              own.business_type, own.address)
    response = leader_client.post(f"/groups/{own.id}/edit", data={"address": "Jl. Baru 1", field: value})
    assert response.status_code == 403
    db.session.expire_all()
    group = db.session.get(Group, own.id)
    assert (group.name, group.kelurahan_code, group.formed_on, group.bank_account, group.bank_name, group.officer_id,
            group.business_type, group.address) == before


@pytest.mark.parametrize("field, value", [
    ("nik", "3673040101850001"), ("kk", "3673040101850002"), ("name", "Nama Lain"), ("role", "bendahara"),
    ("decile", "5"), ("extreme_poor", ""), ("joined_on", "2024-02-01"), ("birth_date", "1990-01-01"),
])
def test_posting_an_office_field_of_a_member_is_403(leader_client, db, own, field, value):
    member = own.current_members[1]
    before = (member.name, member.nik, member.role, member.decile, member.extreme_poor, member.phone)
    response = leader_client.post(f"/members/{member.id}/edit",
                                  data={"phone": "081299990000", "household_size": "4", field: value})
    assert response.status_code == 403
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.name, member.nik, member.role, member.decile, member.extreme_poor, member.phone) == before


def test_office_pages_answer_403_to_a_leader(leader_client, own):
    member = own.current_members[1]
    for url in (f"/groups/{own.id}/status/dissolved", f"/groups/{own.id}/status/graduated",
                f"/members/{member.id}/leave", f"/groups/{own.id}/members/new", f"/groups/{own.id}/leader"):
        assert leader_client.get(url).status_code == 403, url
        assert leader_client.post(url, data={"note": "x"}).status_code == 403, url


def test_the_leader_still_keeps_contact_details_current(leader_client, db, own):
    member = own.current_members[1]
    page = text(leader_client.get(f"/members/{member.id}/edit"))
    assert 'name="phone"' in page and 'name="nik"' not in page and 'name="decile"' not in page
    response = leader_client.post(f"/members/{member.id}/edit",
                                  data={"phone": "0812 9999 0000", "household_size": "6", "address": "Kp. Baru"})
    assert response.status_code == 302
    response = leader_client.post(f"/groups/{own.id}/edit", data={"address": "Jl. Baru 2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member.id).phone == "081299990000"
    assert db.session.get(Group, own.id).address == "Jl. Baru 2"


def test_officers_still_see_everything(client, db, own, officer, login):
    own.current_members[1].extreme_poor = True
    db.session.commit()
    login(officer)
    page = text(client.get(f"/groups/{own.id}"))
    assert "miskin ekstrem" in page and "Riwayat status" in page and own.current_members[0].nik in page
    assert "Ubah data kelompok" in page and "0012345678" in page


def test_another_groups_leader_still_gets_404(client, db, own, officer, login):
    other = make_group(officer, members=1)
    login(make_user("leader", group_id=other.id))
    db.session.commit()
    assert client.get(f"/groups/{own.id}").status_code == 404
    assert client.post(f"/groups/{own.id}/edit", data={"name": "x"}).status_code == 404
