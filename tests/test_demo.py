"""`flask demo`: realistic groups in all six kecamatan with valid identity numbers, and leader logins."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from kube.auth.models import User
from kube.core.identity import parse_kk, parse_nik
from kube.groups.models import Group, Member, Region


def test_demo_creates_groups_in_every_kecamatan_with_valid_members(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    groups = db.session.scalars(select(Group)).all()
    assert len(groups) == 18
    kecamatan = {db.session.get(Region, g.kelurahan_code).parent_code for g in groups}
    assert kecamatan == {f"36.73.0{n}" for n in range(1, 7)}
    statuses = Counter(g.status for g in groups)
    assert statuses["active"] >= 12 and statuses["proposed"] == 2
    assert statuses["graduated"] == 1 and statuses["dissolved"] == 1
    assert len({g.business_type for g in groups}) >= 6
    officers = {g.officer.username for g in groups}
    assert officers == {"petugas", "petugas2"}

    for group in groups:
        members = group.current_members
        assert 5 <= len(members) <= 12, group.code
        assert Counter(m.role for m in members)["ketua"] == 1
        assert {"sekretaris", "bendahara"} <= {m.role for m in members}
        assert len({m.kk for m in members}) == len(members)

    members = db.session.scalars(select(Member)).all()
    for member in members:
        info = parse_nik(member.nik)
        assert (info.sex, info.birth_date) == (member.sex, member.birth_date), member.nik
        parse_kk(member.kk)
    assert len({m.nik for m in members}) == len(members)
    assert any(m.nik.startswith("3604") for m in members)  # registered in Kabupaten Serang before 2007
    assert all(" " in m.name for m in members)


def test_demo_leaders_are_linked_to_their_groups_and_printed(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    leaders = db.session.scalars(select(User).where(User.role == "leader").order_by(User.username)).all()
    assert [u.username for u in leaders] == ["ketua1", "ketua2", "ketua3"]
    for leader in leaders:
        assert leader.group is not None and leader.group.status == "active"
        assert leader.full_name == leader.group.ketua.name
        assert leader.username in result.output and leader.group.code in result.output
    assert "petugas2" in result.output and "kube-demo-2026" in result.output


def test_demo_plan_is_deterministic_and_realistic():
    from datetime import date

    from kube.demo import demo_plan

    today = date(2026, 11, 28)
    plan = demo_plan(today)
    assert plan == demo_plan(today)
    assert len(plan) == 18 and all(5 <= len(item["members"]) <= 12 for item in plan)
    assert {item["officer"] for item in plan} == {"petugas", "petugas2"}
    ages = [today.year - m["birth_date"].year for item in plan for m in item["members"]]
    assert min(ages) >= 20 and max(ages) <= 58
