"""Group and member rules, in the operations and in the database's own constraints."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kube.core.errors import Conflict, InvalidTransition, NeedsConfirmation, PermissionDenied, ValidationFailed
from kube.groups import operations
from kube.groups.models import Group, Member
from kube.groups.operations import MemberChecks, PriorKubeGrant
from tests.factories import make_group, make_user, member_values, valid_kk, valid_nik

TODAY = date(2026, 11, 28)


def test_group_codes_are_generated_and_unique(db, officer):
    first, second = make_group(officer), make_group(officer)
    assert first.code == f"KUBE-3673-{first.id:04d}" and second.code == f"KUBE-3673-{second.id:04d}"
    assert first.status == "proposed"
    assert [c.to_status for c in first.status_changes] == ["proposed"]


@pytest.mark.parametrize("field, value, message", [
    ("name", "  ", "Nama kelompok wajib diisi"),
    ("business_type", "tambang", "Jenis usaha tidak dikenal"),
    ("kelurahan_code", "36.73.04", "Kelurahan tidak dikenal"),  # a kecamatan, not a kelurahan
    ("kelurahan_code", "36.73.02.1005", "Kelurahan tidak dikenal"),  # a gap in the official numbering
    ("formed_on", date(2099, 1, 1), "masa depan"),
])
def test_group_values_are_checked(db, officer, field, value, message):
    with pytest.raises(ValidationFailed) as refused:
        make_group(officer, **{field: value})
    assert message in refused.value.message and field in refused.value.fields


def test_officer_must_be_an_active_officer(db, officer):
    viewer = make_user("viewer")
    with pytest.raises(ValidationFailed):
        make_group(officer, officer_id=viewer.id)


def test_member_identity_is_read_from_the_nik(db, officer):
    group = make_group(officer)
    values = member_values(sex="P", birth=date(1990, 2, 3))
    values.update(sex=None, birth_date=None)
    values["nik"] = " " + values["nik"][:6] + "." + values["nik"][6:12] + "-" + values["nik"][12:]
    member = operations.add_member(group, values, officer, today=TODAY)
    assert member.sex == "P" and member.birth_date == date(1990, 2, 3)
    assert len(member.nik) == 16 and member.nik.isdigit()


@pytest.mark.parametrize("change, field", [
    ({"nik": "3673044506900000"}, "nik"),  # serial 0000
    ({"nik": "36730445069000"}, "nik"),  # too short
    ({"nik": "3673O44506900001"}, "nik"),  # a letter O
    ({"nik": "3673043202900001"}, "nik"),  # 32 February
    ({"kk": "3673041303150000"}, "kk"),
    ({"sex": "P"}, "sex"),  # a man's NIK
    ({"birth_date": date(1985, 6, 16)}, "birth_date"),
])
def test_identity_errors_name_the_field(db, officer, change, field):
    group = make_group(officer)
    values = member_values(sex="L", birth=date(1985, 6, 15))
    values.update(change)
    with pytest.raises(ValidationFailed) as refused:
        operations.add_member(group, values, officer, today=TODAY)
    assert field in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_nik_from_another_region_is_accepted(db, officer):
    group = make_group(officer)
    values = member_values()
    values["nik"] = valid_nik(region="360412")  # Kabupaten Serang, registered before 2007
    assert operations.add_member(group, values, officer, today=TODAY).nik.startswith("3604")


def test_a_nik_has_one_current_membership_in_any_group(db, officer):
    first, second = make_group(officer), make_group(officer)
    values = member_values()
    operations.add_member(first, dict(values), officer, today=TODAY)
    with pytest.raises(Conflict) as refused:
        operations.add_member(second, dict(values, kk=valid_kk()), officer, today=TODAY)
    assert first.code in refused.value.message


def test_after_leaving_the_person_may_join_another_group(db, officer):
    first, second = make_group(officer), make_group(officer)
    values = member_values()
    member = operations.add_member(first, dict(values), officer, today=TODAY)
    operations.member_leaves(member, date(2025, 1, 1), officer, "pindah")
    again = operations.add_member(second, dict(values), officer, today=TODAY)
    assert again.group_id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).where(Member.nik == values["nik"])) == 2  # history kept


def test_one_family_card_per_group(db, officer):
    group = make_group(officer)
    kk = valid_kk()
    operations.add_member(group, member_values(kk=kk), officer, today=TODAY)
    with pytest.raises(Conflict) as refused:
        operations.add_member(group, member_values(kk=kk), officer, today=TODAY)
    assert "kk" in refused.value.fields
    operations.add_member(make_group(officer), member_values(kk=kk), officer, today=TODAY)  # other group: fine


@pytest.mark.parametrize("role", ["ketua", "sekretaris", "bendahara"])
def test_one_of_each_office_per_group(db, officer, role):
    group = make_group(officer)
    operations.add_member(group, member_values(role), officer, today=TODAY)
    with pytest.raises(Conflict):
        operations.add_member(group, member_values(role), officer, today=TODAY)
    operations.add_member(group, member_values("anggota"), officer, today=TODAY)
    operations.add_member(group, member_values("anggota"), officer, today=TODAY)


def test_age_outside_range_needs_confirmation(db, officer):
    group = make_group(officer)
    old = member_values(birth=date(1950, 5, 5))
    with pytest.raises(NeedsConfirmation):
        operations.add_member(group, dict(old), officer, today=TODAY)
    member = operations.add_member(group, old, officer, MemberChecks(confirm_age=True), today=TODAY)
    assert member.age_confirmed
    boundary = member_values(birth=date(1966, 11, 28))  # exactly 60 today
    assert not operations.add_member(group, boundary, officer, today=TODAY).age_confirmed


def test_former_member_of_a_granted_kube_needs_an_override(db, officer):
    granted = make_group(officer, members=5, status="active")
    granted.kube_grant_received_on = date(2024, 8, 28)
    person = granted.current_members[1]
    operations.member_leaves(person, date(2025, 3, 1), officer)
    newcomer = make_group(officer)
    values = {key: getattr(person, key) for key in operations.MEMBER_FIELDS}
    values["kk"] = valid_kk()
    with pytest.raises(PriorKubeGrant) as refused:
        operations.add_member(newcomer, dict(values), officer, today=TODAY)
    assert granted.code in refused.value.message
    with pytest.raises(PriorKubeGrant):
        operations.add_member(newcomer, dict(values), officer, MemberChecks(prior_kube_override="  "), today=TODAY)
    member = operations.add_member(newcomer, values, officer,
                                   MemberChecks(prior_kube_override="Usaha lama bubar karena banjir 2024"), today=TODAY)
    assert member.prior_kube_override.startswith("Usaha lama")


def test_activation_needs_member_count_in_range_and_one_ketua(app, db, officer):
    group = make_group(officer, members=4)
    with pytest.raises(InvalidTransition) as refused:
        operations.transition_group(group, "active", officer)
    assert "5 sampai 20" in refused.value.message and group.status == "proposed"
    operations.add_member(group, member_values(), officer, today=TODAY)
    operations.transition_group(group, "active", officer, "Verifikasi lapangan selesai")
    assert group.status == "active"
    assert [(c.from_status, c.to_status) for c in group.status_changes] == [(None, "proposed"), ("proposed", "active")]

    no_chair = make_group(officer)
    for _ in range(5):
        operations.add_member(no_chair, member_values(), officer, today=TODAY)
    with pytest.raises(InvalidTransition) as refused:
        operations.transition_group(no_chair, "active", officer)
    assert "tepat satu ketua" in refused.value.message

    app.config["GROUP_MAX_MEMBERS"] = 5
    with pytest.raises(Conflict):
        operations.add_member(group, member_values(), officer, today=TODAY)


@pytest.mark.parametrize("start, target, allowed", [
    ("proposed", "active", True), ("proposed", "rejected", True), ("proposed", "graduated", False),
    ("active", "graduated", True), ("active", "dissolved", True), ("active", "proposed", False),
    ("graduated", "active", False), ("dissolved", "active", False), ("rejected", "active", False),
])
def test_group_state_machine(db, officer, start, target, allowed):
    group = make_group(officer, members=5, status=start)
    if allowed:
        operations.transition_group(group, target, officer)
        assert group.status == target
    else:
        with pytest.raises(InvalidTransition):
            operations.transition_group(group, target, officer)
        assert group.status == start


def test_closed_groups_take_no_new_members(db, officer):
    group = make_group(officer, members=5, status="dissolved")
    with pytest.raises(InvalidTransition):
        operations.add_member(group, member_values(), officer, today=TODAY)


def test_leader_may_change_only_contact_details(db, officer):
    group = make_group(officer, members=5)
    leader = make_user("leader", group_id=group.id)
    member = group.current_members[2]
    name = member.name
    with pytest.raises(PermissionDenied) as refused:
        operations.update_member(member, {"name": "Nama Lain", "phone": "0812-3456-7890", "role": "ketua"}, leader,
                                 today=TODAY)
    assert set(refused.value.fields) == {"name", "role"}
    assert member.name == name and member.role == "anggota" and member.phone is None
    operations.update_member(member, {"phone": "0812-3456-7890"}, leader, today=TODAY)
    assert member.phone == "081234567890"


# -- the database holds the rules too ---------------------------------------------------------

def _raw_member(group, **overrides):
    values = member_values()
    values.update(group_id=group.id, created_at=datetime.now(timezone.utc), age_confirmed=False, prior_kube_override=None,
                  left_on=None, phone=None)
    values.update(overrides)
    return values


def _insert(db, **values):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.insert(Member), [values])


def test_database_refuses_duplicates_and_nonsense(db, officer):
    group, other = make_group(officer), make_group(officer)
    db.session.flush()
    row = _raw_member(group)
    db.session.execute(sa.insert(Member), [row])
    _insert(db, **_raw_member(other, nik=row["nik"]))  # active NIK in another group
    _insert(db, **_raw_member(group, kk=row["kk"]))  # same KK in the same group
    ketua = _raw_member(group, role="ketua")
    db.session.execute(sa.insert(Member), [ketua])
    _insert(db, **_raw_member(group, role="ketua"))  # second ketua
    _insert(db, **_raw_member(group, nik="123"))  # NIK length
    _insert(db, **_raw_member(group, sex="P"))  # sex disagrees with the NIK (man's day field)
    _insert(db, **_raw_member(group, decile=11))
    _insert(db, **_raw_member(group, role="bos"))
    _insert(db, **_raw_member(group, joined_on=date(2024, 1, 1), left_on=date(2023, 1, 1)))
    # A former member's NIK and office are free again.
    db.session.execute(sa.update(Member).where(Member.nik == row["nik"]).values(left_on=date(2025, 1, 1)))
    db.session.execute(sa.insert(Member), [_raw_member(other, nik=row["nik"])])


def test_database_refuses_an_unknown_group_status(db, officer):
    group = make_group(officer)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(Group).where(Group.id == group.id).values(status="hidden"))
