"""The group and member pages: list, detail, forms, transitions, member search, leaders and masking."""
from __future__ import annotations

import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from kube.auth.models import User
from kube.core.identity import mask_nik
from kube.groups import operations
from kube.groups.models import Group, GroupStatusChange, Member
from tests.factories import make_group, make_user, member_values, valid_kk, valid_nik
from tests.statements import page_statement_count

MANAGER_POSTS = ("groups.new", "groups.edit", "groups.transition", "groups.leader_new", "groups.member_new",
                 "groups.member_edit", "groups.member_leave")


def text(response) -> str:
    return response.get_data(as_text=True)


def listed_codes(response) -> list[str]:
    """Group codes in the order the list shows them."""
    return re.findall(r'<a href="/groups/\d+">([^<]+)</a>', text(response))


def form_values(values: dict) -> dict:
    """Member values as a browser posts them."""
    posted = {}
    for key, value in values.items():
        if isinstance(value, bool):
            if value:
                posted[key] = "y"
        elif isinstance(value, date):
            posted[key] = value.isoformat()
        else:
            posted[key] = "" if value is None else str(value)
    return posted


def spaced(number: str) -> str:
    """A NIK as printed on a card, with separators: 3673.0415.0685.0001."""
    return ".".join(number[i:i + 4] for i in range(0, 16, 4))


# -- the list ---------------------------------------------------------------------------------

def test_list_searches_name_code_member_name_and_nik(client, db, users, login, officer):
    melati = make_group(officer, members=1, name="Kube Melati")
    ketua = operations.add_member(melati, member_values(name="Bu Sumiati"), officer)
    mawar = make_group(officer, members=1, name="Kube Mawar")
    departed = operations.add_member(mawar, member_values(name="Pak Darto"), officer)
    operations.member_leaves(departed, date(2024, 6, 1), officer)
    db.session.commit()
    login(users["viewer"])

    assert listed_codes(client.get("/groups?q=melati")) == [melati.code]
    assert listed_codes(client.get(f"/groups?q={mawar.code.lower()}")) == [mawar.code]
    assert listed_codes(client.get("/groups?q=SUMIATI")) == [melati.code]
    assert listed_codes(client.get("/groups", query_string={"q": spaced(ketua.nik)})) == [melati.code]
    assert listed_codes(client.get("/groups", query_string={"q": ketua.nik.replace("0", "0-", 2)})) == [melati.code]
    # Only current members count: someone who left no longer finds their old group.
    assert listed_codes(client.get("/groups", query_string={"q": departed.name})) == []
    # LIKE wildcards are taken literally.
    assert listed_codes(client.get("/groups?q=%25")) == []


def test_partial_nik_search_only_for_roles_that_see_full_niks(app, client, db, users, login, officer):
    group = make_group(officer, members=1)
    db.session.commit()
    part = group.ketua.nik[6:12]
    login(users["viewer"])
    assert listed_codes(client.get(f"/groups?q={part}")) == []
    assert client.get(f"/members?q={part}").get_data(as_text=True).count(group.code) == 0
    staff = app.test_client()
    login(officer, test_client=staff)
    assert listed_codes(staff.get(f"/groups?q={part}")) == [group.code]
    assert group.code in text(staff.get(f"/members?q={part}"))


def test_list_filters(client, db, users, login, officer):
    other_officer = make_user("officer")
    curug = make_group(officer, members=5, status="active", business_type="sewa_tenda")
    serang = make_group(officer, kelurahan_code="36.73.01.1008", business_type="kuliner",
                        officer_id=other_officer.id)
    walantaka = make_group(officer, kelurahan_code="36.73.03.1001", business_type="kuliner", officer_id=None)
    db.session.commit()
    login(users["admin"])

    def codes(**args):
        return sorted(listed_codes(client.get("/groups", query_string=args)))

    assert codes() == sorted([curug.code, serang.code, walantaka.code])
    assert codes(kecamatan="36.73.04") == [curug.code]
    assert codes(kecamatan="36.73.01") == [serang.code]
    assert codes(kelurahan="36.73.01.1008") == [serang.code]
    assert codes(kelurahan="36.73.04.1007") == []  # the other Sukawana
    assert codes(status="active") == [curug.code]
    assert codes(status="proposed") == sorted([serang.code, walantaka.code])
    assert codes(business_type="kuliner") == sorted([serang.code, walantaka.code])
    assert codes(officer=str(other_officer.id)) == [serang.code]
    assert codes(officer="none") == [walantaka.code]
    assert codes(kecamatan="36.73.01", business_type="kuliner") == [serang.code]
    # Unknown values are ignored rather than failing.
    assert codes(status="nonsense", business_type="x", officer="abc") == sorted([curug.code, serang.code, walantaka.code])


def test_list_shows_region_names_status_and_officer(client, db, users, login, officer):
    make_group(officer, kelurahan_code="36.73.01.1008")
    make_group(officer, members=5, status="active", kelurahan_code="36.73.04.1007")
    db.session.commit()
    login(users["viewer"])
    page = text(client.get("/groups"))
    assert "Sukawana (Serang)" in page and "Sukawana (Curug)" in page
    assert "Diusulkan" in page and "Aktif" in page
    assert officer.full_name in page
    assert "Sewa tenda dan kursi" in page


def test_list_sorting(client, db, users, login, officer):
    b = make_group(officer, members=3, name="Kube Bunga", formed_on=date(2023, 5, 1))
    a = make_group(officer, members=1, name="kube anggrek", formed_on=date(2024, 2, 1))
    c = make_group(officer, members=2, name="Kube Cempaka", formed_on=date(2022, 1, 1))
    db.session.commit()
    login(users["viewer"])

    def order(sort):
        return listed_codes(client.get("/groups", query_string={"sort": sort}))

    assert order("code") == [b.code, a.code, c.code]
    assert order("-code") == [c.code, a.code, b.code]
    assert order("name") == [a.code, b.code, c.code]  # case does not matter
    assert order("-name") == [c.code, b.code, a.code]
    assert order("formed_on") == [c.code, b.code, a.code]
    assert order("-formed_on") == [a.code, b.code, c.code]
    assert order("members") == [a.code, c.code, b.code]
    assert order("-members") == [b.code, c.code, a.code]
    assert order("members; DROP TABLE groups") == order("code")  # not a whitelisted sort
    page = text(client.get("/groups?sort=name&status=proposed"))
    assert 'href="/groups?sort=-name&amp;status=proposed"' in page  # clicking again reverses, filters kept


def test_list_pagination_keeps_filters(app, client, db, users, login, officer):
    app.config["PER_PAGE"] = 2
    groups = [make_group(officer, business_type="kuliner") for _ in range(5)]
    make_group(officer, business_type="ternak")
    db.session.commit()
    login(users["viewer"])
    first = client.get("/groups?business_type=kuliner")
    assert listed_codes(first) == [groups[0].code, groups[1].code]
    assert "Halaman 1 dari 3" in text(first)
    assert "page=2" in text(first) and "business_type=kuliner" in text(first)
    assert listed_codes(client.get("/groups?business_type=kuliner&page=3")) == [groups[4].code]
    # A page past the end (a stale link, a typo) shows the last page.
    assert listed_codes(client.get("/groups?business_type=kuliner&page=9")) == [groups[4].code]


def test_list_and_detail_use_a_fixed_number_of_queries(app, client, db, users, login, officer):
    app.config["PER_PAGE"] = 100  # every group on one page, so an N+1 would show
    second_officer = make_user("officer")
    few = [make_group(officer, members=2) for _ in range(5)]
    small = make_group(officer, members=5, status="active")
    db.session.commit()
    login(users["admin"])
    urls = {"list": "/groups?sort=-members", "search": "/members?q=warga"}
    before = {name: page_statement_count(app, db, client, url) for name, url in urls.items()}
    detail_small = page_statement_count(app, db, client, f"/groups/{small.id}")

    for index in range(45):
        make_group(second_officer if index % 2 else officer, members=3,
                   kelurahan_code="36.73.01.1008" if index % 3 else "36.73.05.1002")
    big = make_group(officer, members=20, status="active")
    for member in big.current_members[-6:]:
        operations.member_leaves(member, date(2024, 6, 1), officer)
    # Same status as `small`: the monitoring panel (rightly) does less for groups that are not active.
    make_user("leader", group_id=big.id)
    db.session.commit()
    big_url = f"/groups/{big.id}"

    assert len(listed_codes(client.get(urls["list"]))) == 52
    assert {name: page_statement_count(app, db, client, url) for name, url in urls.items()} == before
    assert page_statement_count(app, db, client, big_url) == detail_small
    assert len(few) == 5


# -- group forms ------------------------------------------------------------------------------

GROUP_FORM = {"name": "Kube Sejahtera", "business_type": "kuliner", "kelurahan_code": "36.73.04.1007",
              "address": "Kp. Sukawana RT 02", "formed_on": "2024-03-01", "officer_id": "",
              "bank_name": "Bank BJB", "bank_account": "0012345678"}


def test_new_group_form_offers_kelurahan_by_kecamatan(client, users, login):
    login(users["officer"])
    page = text(client.get("/groups/new"))
    assert '<optgroup label="Curug">' in page and '<optgroup label="Serang">' in page
    assert '<option value="36.73.04.1007">Sukawana (Curug)</option>' in page
    assert '<option value="36.73.01.1008">Sukawana (Serang)</option>' in page
    assert f'<option selected value="{users["officer"].id}">' in page  # the officer is the default pendamping


def test_create_group_through_the_form(client, db, users, login):
    login(users["officer"])
    officer = users["officer"]
    response = client.post("/groups/new", data=GROUP_FORM | {"officer_id": str(officer.id)})
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Kube Sejahtera"))
    assert response.headers["Location"] == f"/groups/{group.id}"
    assert group.code.startswith("KUBE-3673-") and group.status == "proposed"
    assert group.kelurahan_code == "36.73.04.1007" and group.officer_id == officer.id
    assert group.formed_on == date(2024, 3, 1)
    page = text(client.get(response.headers["Location"]))
    assert "Kube Sejahtera" in page and "Sukawana" in page and "Curug" in page


def test_invalid_group_is_shown_again_in_indonesian_and_not_saved(client, db, users, login):
    login(users["officer"])
    bad_region = client.post("/groups/new", data=GROUP_FORM | {"kelurahan_code": "36.73.99.1001"})
    assert bad_region.status_code == 200
    assert "Kelurahan tidak dikenal." in text(bad_region)
    assert 'value="Kube Sejahtera"' in text(bad_region)  # what was typed stays
    empty_name = client.post("/groups/new", data=GROUP_FORM | {"name": "  "})
    assert "Wajib diisi." in text(empty_name)
    bad_date = client.post("/groups/new", data=GROUP_FORM | {"formed_on": "31-02-2024"})
    assert "Tanggal tidak valid." in text(bad_date)
    viewer_as_officer = client.post("/groups/new", data=GROUP_FORM | {"officer_id": str(users["viewer"].id)})
    assert "Pendamping harus petugas program yang aktif." in text(viewer_as_officer)
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_edit_group(client, db, users, login, officer):
    group = make_group(officer)
    db.session.commit()
    login(officer)
    page = text(client.get(f"/groups/{group.id}/edit"))
    assert f'value="{group.name}"' in page and 'name="officer_id"' in page
    response = client.post(f"/groups/{group.id}/edit", data=GROUP_FORM | {"name": "Kube Baru", "officer_id": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert group.name == "Kube Baru" and group.officer_id is None and group.business_type == "kuliner"
    refused = client.post(f"/groups/{group.id}/edit", data=GROUP_FORM | {"kelurahan_code": "36.73.04"})
    assert "Kelurahan tidak dikenal." in text(refused)  # a kecamatan is not a kelurahan
    db.session.expire_all()
    assert group.kelurahan_code == "36.73.04.1007"


# -- members ----------------------------------------------------------------------------------

def test_member_with_invalid_nik_is_refused_then_corrected(client, db, users, login, officer):
    group = make_group(officer)
    db.session.commit()
    login(officer)
    page = text(client.get(f"/groups/{group.id}/members/new"))
    assert '<option value="36.73.04.1002" selected>Tinggar</option>' in page  # the group's kelurahan
    assert 'name="confirm_age"' not in page and 'name="prior_kube_override"' not in page
    values = member_values(sex="P", birth=date(1990, 4, 2))
    nik = values["nik"]
    bad = client.post(f"/groups/{group.id}/members/new", data=form_values(values | {"nik": "3673 0412"}))
    assert bad.status_code == 200 and "NIK harus 16 digit angka." in text(bad)
    wrong_sex = client.post(f"/groups/{group.id}/members/new", data=form_values(values | {"sex": "L"}))
    assert "Jenis kelamin tidak sesuai dengan NIK" in text(wrong_sex)
    assert db.session.scalar(select(func.count(Member.id))) == 0

    corrected = form_values(values | {"nik": spaced(nik), "kk": values["kk"].replace("0", "-0", 1),
                                      "sex": "", "birth_date": "", "phone": "0812-3456-7890"})
    response = client.post(f"/groups/{group.id}/members/new", data=corrected)
    assert response.status_code == 302
    member = db.session.scalar(select(Member))
    assert member.nik == nik and member.kk == values["kk"]
    assert member.sex == "P" and member.birth_date == date(1990, 4, 2)  # read from the NIK
    assert member.phone == "081234567890" and member.group_id == group.id


@pytest.mark.parametrize("same_group", [False, True])
def test_duplicate_nik_is_refused_through_the_form(client, db, users, login, officer, same_group):
    first = make_group(officer, members=1, name="Kube Pertama")
    second = first if same_group else make_group(officer, name="Kube Kedua")
    db.session.commit()
    login(officer)
    values = member_values(nik=spaced(first.ketua.nik))
    response = client.post(f"/groups/{second.id}/members/new", data=form_values(values))
    assert response.status_code == 200
    page = text(response)
    assert f"kelompok {first.code} (Kube Pertama)" in page
    assert "NIK sudah terdaftar di kelompok lain." in page
    assert db.session.scalar(select(func.count(Member.id))) == 1


def test_age_outside_range_needs_the_checkbox(client, db, users, login, officer):
    group = make_group(officer)
    db.session.commit()
    login(officer)
    values = form_values(member_values(birth=date(1950, 7, 1)))
    first = client.post(f"/groups/{group.id}/members/new", data=values)
    page = text(first)
    assert first.status_code == 200
    assert "di luar rentang 18-60 tahun" in page and 'name="confirm_age"' in page
    assert db.session.scalar(select(func.count(Member.id))) == 0
    confirmed = client.post(f"/groups/{group.id}/members/new", data=values | {"confirm_age": "y"})
    assert confirmed.status_code == 302
    assert db.session.scalar(select(Member.age_confirmed)) is True


def test_prior_kube_grant_is_refused_until_an_officer_gives_a_reason(client, db, users, login, officer):
    granted = make_group(officer, members=1, name="Kube Lama")
    granted.kube_grant_received_on = date(2023, 9, 1)
    person = granted.ketua
    operations.member_leaves(person, date(2024, 6, 1), officer)
    target = make_group(officer)
    db.session.commit()
    login(officer)
    values = form_values(member_values(nik=person.nik, kk=valid_kk(), name=person.name))
    refused = client.post(f"/groups/{target.id}/members/new", data=values)
    page = text(refused)
    assert f"pernah menjadi anggota Kube {granted.code}" in page
    assert 'name="prior_kube_override"' in page
    assert db.session.scalar(select(func.count(Member.id)).where(Member.group_id == target.id)) == 0

    accepted = client.post(f"/groups/{target.id}/members/new",
                           data=values | {"prior_kube_override": "Usaha lama bangkrut karena banjir 2024"})
    assert accepted.status_code == 302
    member = db.session.scalar(select(Member).where(Member.group_id == target.id))
    assert member.prior_kube_override == "Usaha lama bangkrut karena banjir 2024"


def test_edit_member_and_leave(client, db, users, login, officer):
    group = make_group(officer, members=2)
    member = group.current_members[1]
    db.session.commit()
    login(officer)
    page = text(client.get(f"/members/{member.id}/edit"))
    assert f'value="{member.nik}"' in page
    values = form_values({key: getattr(member, key) for key in operations.MEMBER_FIELDS})
    response = client.post(f"/members/{member.id}/edit", data=values | {"name": "Ibu Nur", "role": "bendahara",
                                                                        "decile": "3"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (member.name, member.role, member.decile) == ("Ibu Nur", "bendahara", 3)
    clash = client.post(f"/members/{member.id}/edit", data=values | {"role": "ketua"})
    assert "Kelompok ini sudah punya ketua." in text(clash)
    blank = client.post(f"/members/{member.id}/edit", data=values | {"joined_on": ""})
    assert "Wajib diisi." in text(blank)
    db.session.expire_all()
    assert member.joined_on == date(2024, 1, 15)

    assert "Tanggal keluar" in text(client.get(f"/members/{member.id}/leave"))
    db.session.expire_all()
    assert member.left_on is None  # the confirmation page changes nothing
    early = client.post(f"/members/{member.id}/leave", data={"left_on": "2020-01-01", "reason": ""})
    assert "Tanggal keluar tidak boleh sebelum tanggal bergabung." in text(early)
    left = client.post(f"/members/{member.id}/leave", data={"left_on": "2024-07-01", "reason": "Pindah"})
    assert left.status_code == 302
    db.session.expire_all()
    assert member.left_on == date(2024, 7, 1)
    detail = text(client.get(f"/groups/{group.id}"))
    assert "Mantan anggota" in detail and "1 Juli 2024" in detail


def test_leader_account_from_the_group_page(client, db, users, login, officer):
    group = make_group(officer, members=1)
    db.session.commit()
    login(officer)
    page = text(client.get(f"/groups/{group.id}/leader"))
    assert f'value="{group.ketua.name}"' in page  # the ketua's name is the default
    short = client.post(f"/groups/{group.id}/leader", data={"username": "ketua.melati", "full_name": "Ketua",
                                                             "password": "pendek", "confirm": "pendek"})
    assert "Kata sandi 12 sampai" in text(short)
    taken = client.post(f"/groups/{group.id}/leader", data={"username": officer.username, "full_name": "Ketua",
                                                             "password": "kata sandi panjang", "confirm": "kata sandi panjang"})
    assert "sudah dipakai" in text(taken)
    response = client.post(f"/groups/{group.id}/leader", data={
        "username": "Ketua.Melati", "full_name": "Bu Ketua", "password": "kata sandi panjang",
        "confirm": "kata sandi panjang"})
    assert response.status_code == 302
    leader = db.session.scalar(select(User).where(User.username == "ketua.melati"))
    assert leader.role == "leader" and leader.group_id == group.id
    assert "ketua.melati" in text(client.get(f"/groups/{group.id}"))


# -- transitions ------------------------------------------------------------------------------

def test_activation_is_refused_below_the_minimum(client, db, users, login, officer):
    group = make_group(officer, members=3)
    db.session.commit()
    login(officer)
    page = text(client.get(f"/groups/{group.id}/status/active"))
    assert "Jumlah anggota harus 5 sampai 20 orang (sekarang 3)." in page
    response = client.post(f"/groups/{group.id}/status/active", data={"note": "coba"})
    assert response.status_code == 200
    assert "Jumlah anggota harus 5 sampai 20 orang (sekarang 3)." in text(response)
    db.session.expire_all()
    assert group.status == "proposed"
    assert db.session.scalar(select(func.count(GroupStatusChange.id))) == 1


def test_activation_is_refused_without_a_ketua(client, db, users, login, officer):
    group = make_group(officer)
    for _ in range(5):
        operations.add_member(group, member_values("anggota"), officer)
    db.session.commit()
    login(officer)
    response = client.post(f"/groups/{group.id}/status/active")
    assert "Kelompok harus punya tepat satu ketua (sekarang 0)." in text(response)
    db.session.expire_all()
    assert group.status == "proposed"


def test_transition_with_confirmation(client, db, users, login, officer):
    group = make_group(officer, members=5)
    db.session.commit()
    login(officer)
    detail = text(client.get(f"/groups/{group.id}"))
    assert f'href="/groups/{group.id}/status/active"' in detail
    assert f'href="/groups/{group.id}/status/rejected"' in detail
    assert f'href="/groups/{group.id}/status/graduated"' not in detail
    confirm = client.get(f"/groups/{group.id}/status/active")
    assert "Ubah status kelompok ini dari Diusulkan menjadi Aktif?" in text(confirm)
    db.session.expire_all()
    assert group.status == "proposed"  # GET changes nothing
    response = client.post(f"/groups/{group.id}/status/active", data={"note": "Verifikasi lapangan selesai"})
    assert response.status_code == 302
    db.session.expire_all()
    assert group.status == "active"
    assert group.status_changes[-1].note == "Verifikasi lapangan selesai"
    assert "Verifikasi lapangan selesai" in text(client.get(f"/groups/{group.id}"))
    # A step the state machine does not allow is refused, and unknown statuses do not exist.
    assert "tidak dapat diubah menjadi" in text(client.get(f"/groups/{group.id}/status/rejected"))
    client.post(f"/groups/{group.id}/status/rejected")
    db.session.expire_all()
    assert group.status == "active"
    assert client.get(f"/groups/{group.id}/status/deleted").status_code == 404


# -- roles ------------------------------------------------------------------------------------

def test_leader_sees_and_edits_only_their_own_group(client, db, users, login, officer):
    own = make_group(officer, members=2)
    other = make_group(officer, members=1)
    leader = make_user("leader", group_id=own.id)
    db.session.commit()
    login(leader)
    assert client.get("/groups").headers["Location"] == f"/groups/{own.id}"
    assert client.get(f"/groups/{own.id}").status_code == 200
    assert client.get(f"/groups/{own.id}/edit").status_code == 200
    for url in (f"/groups/{other.id}", f"/groups/{other.id}/edit", f"/members/{other.ketua.id}/edit",
                "/groups/999999"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/members/{other.ketua.id}/edit", data={"phone": "081111111111"}).status_code == 404
    assert client.post(f"/groups/{other.id}/edit", data=GROUP_FORM).status_code == 404
    assert client.get(f"/groups/{other.id}/members/new").status_code == 403
    assert client.get("/members").status_code == 403

    member = own.current_members[1]
    page = text(client.get(f"/members/{member.id}/edit"))
    assert 'name="phone"' in page and 'name="nik"' not in page and 'name="role"' not in page
    old_name = member.name
    contact = {"address": "Jl. Baru No. 3", "phone": "0812 9999 0000", "household_size": "6"}
    # Identity and office fields are refused whole (as the API does), nothing changed ...
    response = client.post(f"/members/{member.id}/edit",
                           data=contact | {"name": "Nama Lain", "role": "ketua", "nik": valid_nik()})
    assert response.status_code == 403
    # ... contact details are the leader's to keep current.
    assert client.post(f"/members/{member.id}/edit", data=contact).status_code == 302
    db.session.expire_all()
    assert (member.address, member.phone, member.household_size) == ("Jl. Baru No. 3", "081299990000", 6)
    assert member.name == old_name and member.role == "anggota"

    # The group's page offers the leader its address only; what oversees the group stays with officers.
    edit_page = text(client.get(f"/groups/{own.id}/edit"))
    assert 'name="address"' in edit_page
    assert not any(f'name="{name}"' in edit_page for name in ("name", "formed_on", "officer_id", "bank_account"))
    name, formed_on = own.name, own.formed_on
    refused = client.post(f"/groups/{own.id}/edit", data=GROUP_FORM | {"officer_id": str(users["officer"].id),
                                                                       "address": "Kp. Baru RT 02/03"})
    assert refused.status_code == 403
    client.post(f"/groups/{own.id}/edit", data={"address": "Kp. Baru RT 02/03"})
    db.session.expire_all()
    assert (own.name, own.formed_on, own.officer_id, own.address) == (name, formed_on, officer.id, "Kp. Baru RT 02/03")


def test_leader_without_a_group_is_sent_home(client, users, login):
    login(users["leader"])
    response = client.get("/groups")
    assert response.headers["Location"] == "/"
    assert "belum dihubungkan ke kelompok" in text(client.get("/"))


def test_viewer_reads_but_cannot_change_anything(app, client, db, users, login, officer):
    group = make_group(officer, members=1)
    db.session.commit()
    login(users["viewer"])
    for url in ("/groups", f"/groups/{group.id}", "/members"):
        assert client.get(url).status_code == 200, url
    detail = text(client.get(f"/groups/{group.id}"))
    assert "/edit" not in detail and "/status/" not in detail and "members/new" not in detail
    ids = {"group_id": group.id, "member_id": group.ketua.id, "to": "active"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in MANAGER_POSTS:
            url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
            assert client.post(url, data={"name": "x"}).status_code == 403, url
    db.session.expire_all()
    assert group.status == "proposed" and len(group.members) == 1


def test_nik_is_masked_for_viewer_and_leader_and_full_for_officer(app, client, db, users, login, officer):
    group = make_group(officer, members=1)
    leader = make_user("leader", group_id=group.id)
    db.session.commit()
    nik = group.ketua.nik
    masked = mask_nik(nik)

    def sees(user, url):
        other = app.test_client()
        login(user, test_client=other)
        return text(other.get(url))

    page = sees(users["viewer"], f"/groups/{group.id}")
    assert nik not in page and masked in page
    page = sees(leader, f"/groups/{group.id}")  # a leader sees their members' names, no NIK at all
    assert nik not in page and masked not in page and group.ketua.name in page
    viewer_search = sees(users["viewer"], f"/members?q={nik}")  # a whole NIK finds the person...
    assert f'<span class="nik">{masked}</span>' in viewer_search
    assert f'<span class="nik">{nik}</span>' not in viewer_search  # ...but the results stay masked
    for user in (officer, users["admin"]):
        assert nik in sees(user, f"/groups/{group.id}")
        assert nik in sees(user, "/members")


def test_member_search(client, db, users, login, officer):
    curug = make_group(officer, members=2)
    serang = make_group(officer, kelurahan_code="36.73.01.1008")
    resident = operations.add_member(serang, member_values(name="Aminah Serang", kelurahan_code="36.73.01.1001"),
                                     officer)
    gone = curug.current_members[1]
    operations.member_leaves(gone, date(2024, 6, 1), officer)
    db.session.commit()
    login(users["viewer"])

    def names(**args):
        page = text(client.get("/members", query_string=args))
        return {m.name for m in (curug.ketua, gone, resident) if f"<td>{m.name}</td>" in page}

    assert names() == {curug.ketua.name, gone.name, resident.name}
    assert names(q="aminah") == {resident.name}
    assert names(q=spaced(gone.nik)) == {gone.name}
    assert names(kecamatan="36.73.01") == {resident.name}
    assert names(membership="current") == {curug.ketua.name, resident.name}
    assert names(membership="former") == {gone.name}
    assert names(kecamatan="36.73.04", membership="former") == {gone.name}
    assert "Aminah Serang" in text(client.get("/members?q=Aminah"))


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_forms_carry_a_csrf_token(client, db, users, login, officer, app_overrides):
    group = make_group(officer, members=5)
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": officer.username, "password": "correct horse battery",
                                "csrf_token": token})
    assert client.post(f"/groups/{group.id}/status/active").status_code == 400
    g.pop("csrf_token", None)  # test requests share `g`; a real request would not see the pre-login token
    page = text(client.get(f"/groups/{group.id}/status/active"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(f"/groups/{group.id}/status/active", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert group.status == "active"


def test_pages_render_in_english_too(client, db, users, login, officer):
    group = make_group(officer, members=1)
    officer.locale = "en"
    db.session.commit()
    login(officer)
    urls = ["/groups", f"/groups/{group.id}", "/groups/new", f"/groups/{group.id}/edit",
            f"/groups/{group.id}/status/active", f"/groups/{group.id}/members/new", f"/groups/{group.id}/leader",
            f"/members/{group.ketua.id}/edit", f"/members/{group.ketua.id}/leave", "/members"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in text(response)
