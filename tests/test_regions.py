"""Kota Serang's regions are shipped, loaded by the migration and served by the API."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from kube.groups.models import Region
from tests.factories import api_token


def test_six_kecamatan_and_67_kelurahan_with_unique_codes(db):
    counts = dict(db.session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert counts == {"kecamatan": 6, "kelurahan": 67}
    codes = db.session.scalars(select(Region.code)).all()
    assert len(codes) == len(set(codes)) == 73
    kelurahan = db.session.scalars(select(Region).where(Region.level == "kelurahan")).all()
    kecamatan_codes = {r.code for r in db.session.scalars(select(Region).where(Region.level == "kecamatan"))}
    assert all(k.parent_code in kecamatan_codes and k.code.startswith(k.parent_code + ".") for k in kelurahan)


def test_sukawana_exists_twice_under_different_kecamatan(db):
    sukawana = db.session.scalars(select(Region).where(Region.name == "Sukawana")).all()
    assert sorted(r.code for r in sukawana) == ["36.73.01.1008", "36.73.04.1007"]
    assert len({r.parent_code for r in sukawana}) == 2
    assert db.session.get(Region, "36.73.06.1013").name == "Cibendung"  # split from Cilowong in 2021


def test_regions_api_lists_kecamatan_with_kelurahan(client, users):
    response = client.get("/api/v1/regions", headers=api_token(client, users["leader"]))
    assert response.status_code == 200
    data = response.get_json()
    assert [k["name"] for k in data] == ["Serang", "Kasemen", "Walantaka", "Curug", "Cipocok Jaya", "Taktakan"]
    assert sum(len(k["kelurahan"]) for k in data) == 67
    curug = next(k for k in data if k["code"] == "36.73.04")
    assert {"code": "36.73.04.1002", "name": "Tinggar"} in curug["kelurahan"]
    names = Counter(kel["name"] for k in data for kel in k["kelurahan"])
    assert names["Sukawana"] == 2
