"""History workbooks for the tests and bench/history.py: any rows written under the template's headers, or a whole office's years."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_REGIONS = Path(__file__).resolve().parent.parent / "kube" / "data" / "kota_serang_wilayah.csv"


def history_xlsx(rows: dict[str, list[dict]], headers: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with a sheet per key of `rows` (rows keyed by column key), under the template's headers.

    `headers` replaces a sheet's header row as written (its cells still follow the sheet's columns).
    """
    from openpyxl import Workbook

    from kube.history.workbook import SHEETS

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        if sheet.name not in rows:
            continue
        target = workbook.create_sheet(sheet.name)
        target.append((headers or {}).get(sheet.name) or [column.label for column in sheet.columns])
        for row in rows[sheet.name]:
            target.append([row.get(column.key) for column in sheet.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _months_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _kelurahan() -> list[str]:
    with _REGIONS.open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if row["level"] == "kelurahan"]


def history_rows(groups: int = 200, members: int = 2000, grants: int = 300, reports: int = 7000,
                 today: date | None = None, seed: int = 15) -> dict[str, list[dict]]:
    """An office's years as rows: groups over the 67 kelurahan, ten members each, grants and monthly reports.

    Groups are formed four to six years before `today` (every date in its past, before go-live), most
    active, every twentieth graduated and every twentieth dissolved after its reports; members have valid
    NIKs and KKs (`compose_nik`, `compose_kk`), one in ten groups has a member who left after a year; a KUBE
    grant per group (tents and chairs) and UEP grants to single members until `grants`; letter numbers
    follow the default pattern; budgets cover every year used.
    """
    from kube.core.identity import compose_kk, compose_nik

    today = today or date.today()
    rng = random.Random(seed)
    kelurahan = _kelurahan()
    per_group = max(5, members // groups)
    months = max(1, reports // groups)
    base = _months_after(today.replace(day=1), -(months + 40))
    rows: dict[str, list[dict]] = {"Kelompok": [], "Anggota": [], "Anggaran": [], "Bantuan": [], "Laporan": []}
    budget_years: set[int] = set()
    letter_seq: dict[int, int] = {}
    uep_count = max(0, grants - groups)
    kube_count = grants - uep_count
    uep_every = max(1, groups // uep_count) if uep_count else 0
    serial = 0

    def letter(on: date) -> str:
        letter_seq[on.year] = letter_seq.get(on.year, 0) + 1
        return f"460/{letter_seq[on.year]:03d}/BAST-Dinsos/{ROMAN[on.month]}/{on.year}"

    for number in range(groups):
        code = f"KUBE-H{number + 1:04d}"
        place = kelurahan[number % len(kelurahan)]
        region = place[:8].replace(".", "")  # 36.73.04 -> 367304, the kecamatan's NIK prefix
        formed = _months_after(base, number % 24) + timedelta(days=number % 20)
        active = _months_after(formed, 1)
        count = months + (1 if number < reports - months * groups else 0)
        last_month = _months_after(active, count - 1)
        status = "lulus" if number % 20 == 7 else "bubar" if number % 20 == 13 else "aktif"
        ended = _months_after(last_month, 1) + timedelta(days=14) if status != "aktif" else None
        rows["Kelompok"].append({"code": code, "name": f"Kube Riwayat {number + 1}",
                                 "business_type": "Sewa tenda dan kursi", "kelurahan": place,
                                 "address": f"Kp. Lama RT 0{number % 9 + 1}/02", "formed_on": formed,
                                 "status": status, "active_on": active, "ended_on": ended})
        people = []
        for index in range(per_group):
            serial += 1
            sex = "P" if index % 2 else "L"
            born = date(1970 + serial % 25, serial % 12 + 1, serial % 28 + 1)
            nik = compose_nik(region, born, sex, serial % 9999 + 1)
            kk = compose_kk(region, date(2012, 1, 1) + timedelta(days=serial % 2000), serial % 9999 + 1)
            role = ("ketua", "sekretaris", "bendahara")[index] if index < 3 else "anggota"
            left = (_months_after(active, 12) + timedelta(days=9)
                    if number % 10 == 3 and index == per_group - 1 else None)
            rows["Anggota"].append({"group": code, "nik": nik, "kk": kk, "name": f"Warga {serial}", "sex": sex,
                                    "birth_date": born, "role": role, "joined_on": formed, "left_on": left,
                                    "household_size": 3 + index % 4, "decile": 1 + index % 4,
                                    "extreme_poor": "ya" if index % 3 == 0 else "tidak"})
            people.append(nik)
        level = rng.randint(3, 6) * 1_000_000
        for month in range(count):
            revenue = level + rng.randint(-4, 4) * 100_000
            rows["Laporan"].append({"group": code, "period": f"{_months_after(active, month):%Y-%m}",
                                    "revenue": revenue, "expenses": revenue * 4 // 10,
                                    "active_members": per_group if month % 2 else None})
        if number < kube_count:
            handed = _months_after(active, 3) + timedelta(days=19)
            budget_years.add(handed.year)
            letter_number = letter(handed)
            for item, spec, quantity, unit, value in (("Tenda dekorasi", "4 x 6 m, rangka besi", 2, "unit", 6_500_000),
                                                      ("Kursi lipat", "besi, sandaran busa", 50, "buah", 90_000)):
                rows["Bantuan"].append({"letter": letter_number, "program": "KUBE", "year": handed.year, "group": code,
                                        "approved_on": handed - timedelta(days=14), "handover_date": handed,
                                        "kind": "peralatan", "item": item, "specification": spec,
                                        "quantity": quantity, "unit": unit, "unit_value": value})
        if uep_every and number % uep_every == 0 and number // uep_every < uep_count:
            handed = _months_after(active, 6) + timedelta(days=9)
            budget_years.add(handed.year)
            rows["Bantuan"].append({"letter": letter(handed), "program": "UEP", "year": handed.year, "group": code,
                                    "uep_nik": people[4], "approved_on": handed - timedelta(days=10),
                                    "handover_date": handed, "kind": "uang", "item": "Modal usaha", "quantity": 1,
                                    "unit_value": 2_500_000})
    for year in sorted(budget_years):
        for program in ("KUBE", "UEP"):
            rows["Anggaran"].append({"program": program, "year": year, "amount": 5_000_000_000, "source": "APBD",
                                     "note": f"Pagu {program} {year} (riwayat)"})
    return rows


def build_workbook(groups: int = 200, members: int = 2000, grants: int = 300, reports: int = 7000,
                   today: date | None = None, seed: int = 15) -> bytes:
    """`history_rows` of these sizes as an XLSX workbook."""
    return history_xlsx(history_rows(groups, members, grants, reports, today, seed))
