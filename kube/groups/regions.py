"""Kota Serang's kecamatan and kelurahan (Kemendagri codes), shipped with the project."""
from __future__ import annotations

import csv
from importlib import resources

REGIONS_FILE = "kota_serang_wilayah.csv"


def shipped_regions() -> list[dict]:
    """The kecamatan and kelurahan rows of the shipped CSV (code, name, level, parent_code)."""
    text = resources.files("kube.data").joinpath(REGIONS_FILE).read_text(encoding="utf-8")
    return [
        {"code": row["code"], "name": row["name"], "level": row["level"], "parent_code": row["parent_code"]}
        for row in csv.DictReader(text.splitlines())
        if row["level"] in ("kecamatan", "kelurahan")
    ]
