"""Demo data for trying Kube: staff of every role, 18 Kube groups over the six kecamatan, leader logins."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from kube.auth import operations
from kube.auth.roles import ADMIN, OFFICER, VIEWER
from kube.core.clock import office_today

#: Shown on the terminal by `flask demo`; only ever used for demo databases.
DEMO_PASSWORD = "kube-demo-2026"
#: The same seed gives the same names, NIKs and groups on every run of the same day.
DEMO_SEED = 3673

DEMO_STAFF = [
    ("admin", "Administrator Sistem", ADMIN, None, "Administrator"),
    ("petugas", "Siti Rahmawati", OFFICER, "198703152010012004", "Pendamping Kube"),
    ("petugas2", "Ahmad Fauzi", OFFICER, "198911022014021001", "Pendamping Kube"),
    ("kadis", "Drs. H. Hasan Basri", VIEWER, "196805121990031007", "Kepala Dinas Sosial"),
]

#: Three groups per kecamatan (in kecamatan code order 01..06): name and business type.
DEMO_GROUPS = [
    ("Kube Mekar Sari", "warung"), ("Kube Sauyunan", "sewa_tenda"), ("Kube Berkah Unyur", "kuliner"),
    ("Kube Bahari Kasemen", "kuliner"), ("Kube Sinar Banten", "kerajinan"), ("Kube Tunas Harapan", "ternak"),
    ("Kube Maju Bersama", "sewa_tenda"), ("Kube Rukun Santosa", "ternak"), ("Kube Karya Mandiri", "menjahit"),
    ("Kube Barokah Tinggar", "warung"), ("Kube Harapan Jaya", "bengkel"), ("Kube Sejahtera Curug", "sewa_tenda"),
    ("Kube Melati", "menjahit"), ("Kube Mitra Usaha", "kuliner"), ("Kube Cahaya Gelam", "warung"),
    ("Kube Saluyu", "sewa_tenda"), ("Kube Bina Warga", "kerajinan"), ("Kube Amanah Sayar", "ternak"),
]
#: Most groups are running; a few show the other ends of the state machine.
DEMO_STATUS = {4: "proposed", 11: "proposed", 7: "graduated", 15: "dissolved"}
#: Leader logins and the group (index in DEMO_GROUPS) each one leads.
DEMO_LEADERS = [("ketua1", 0), ("ketua2", 3), ("ketua3", 9)]

MEN = ["Ujang", "Asep", "Dedi", "Rohmat", "Jajang", "Encep", "Saepudin", "Mulyadi", "Jaenudin", "Hasanudin",
       "Endang", "Yayan", "Udin", "Sukarta", "Sahroni", "Samsudin", "Suhendi", "Nana", "Odih", "Muhidin",
       "Karta", "Ahmad", "Ade", "Iwan"]
WOMEN = ["Siti", "Neneng", "Euis", "Iis", "Enok", "Imas", "Nurhasanah", "Komariah", "Rohayati", "Ela", "Nining",
         "Yayah", "Entin", "Atikah", "Mumun", "Sarinah", "Juju", "Titin", "Eti", "Aisyah", "Ika", "Lilis"]
SECOND_MEN = ["Suryana", "Supriatna", "Hidayat", "Saputra", "Hermawan", "Sopian", "Ruhiyat", "Permana",
              "Kurniawan", "Sobari", "Jamhari", "Fauzi"]
SECOND_WOMEN = ["Maesaroh", "Kurniasih", "Nurjanah", "Hasanah", "Mulyani", "Fatimah", "Jubaedah", "Rohmah",
                "Sumiati", "Rahmawati", "Aminah", "Halimah"]
KAMPUNG = ["Sukamaju", "Cibogo", "Pabuaran", "Kebon Jahe", "Kaloran", "Sayabulu", "Kaujon", "Cilampang",
           "Gelam", "Bojong", "Kasunyatan", "Pegadungan", "Kebaharan", "Tegal", "Lebak", "Cigabus"]
#: Kabupaten Serang kecamatan prefixes: people registered before Kota Serang existed (2007) keep them.
KABUPATEN_SERANG_PREFIXES = ["360401", "360410", "360412", "360421"]


def load_demo(today: date | None = None) -> None:
    """Create the demo records (staff, groups with members, leader logins); the caller commits."""
    from kube.groups.operations import create_leader_account

    staff = {}
    for username, name, role, nip, position in DEMO_STAFF:
        staff[username] = operations.create_user(username, name, role, DEMO_PASSWORD, nip=nip, position=position)
    groups = load_demo_groups(staff, today=today)
    for username, index in DEMO_LEADERS:
        group = groups[index]
        create_leader_account(group, username, group.ketua.name, DEMO_PASSWORD, actor=staff["admin"])
    today = today or office_today()
    # Grants (every status, with their letters) and then 24-36 months of income with every flag pattern.
    from kube.ledger.demo import load_demo_ledger
    from kube.monitoring.demo import load_demo_reports

    load_demo_ledger(groups, staff["petugas"], staff["petugas2"], today)
    load_demo_reports(groups, today)
    # The pages read the month's flags as stored: store them for everything just loaded.
    from kube.monitoring.stored import refresh_all

    refresh_all(today)


def demo_plan(today: date) -> list[dict]:
    """The demo groups and their members as plain values; the same seed and day give the same plan."""
    from kube.groups.regions import shipped_regions

    rng = random.Random(DEMO_SEED)
    regions = sorted(shipped_regions(), key=lambda r: r["code"])
    kecamatan = [r for r in regions if r["level"] == "kecamatan"]
    kelurahan_of = {k["code"]: [r for r in regions if r["parent_code"] == k["code"]] for k in kecamatan}
    serials = iter(range(1, 10000))
    plan = []
    for index, (name, business_type) in enumerate(DEMO_GROUPS):
        kec = kecamatan[index // 3]
        kel = rng.choice(kelurahan_of[kec["code"]])
        # A group named after its kelurahan (Kube Barokah Tinggar) lives there.
        kel = next((r for r in kelurahan_of[kec["code"]] if name.endswith(" " + r["name"])), kel)
        formed_on = today - timedelta(days=rng.randint(150, 1500))
        values = {"name": name, "business_type": business_type, "kelurahan_code": kel["code"],
                  "address": f"Kp. {rng.choice(KAMPUNG)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 6):02d}",
                  "formed_on": formed_on}
        if rng.random() < 0.5:
            values |= {"bank_name": rng.choice(["Bank BJB", "BRI", "Bank Banten"]),
                       "bank_account": "".join(rng.choice("0123456789") for _ in range(12))}
        kecamatan_digits = kec["code"].replace(".", "")  # 367304
        members = []
        for position in range(rng.randint(5, 12)):
            role = ("ketua", "sekretaris", "bendahara")[position] if position < 3 else "anggota"
            members.append(_member_values(rng, kecamatan_digits, kel["code"], formed_on, role, serials, today))
        plan.append({"values": values, "officer": "petugas" if index < 9 else "petugas2",
                     "status": DEMO_STATUS.get(index, "active"), "members": members})
    return plan


def load_demo_groups(staff: dict, today: date | None = None) -> list:
    """18 groups, three per kecamatan, each with 5-12 members holding valid NIKs and KKs."""
    from kube.groups import operations as groups

    today = today or office_today()
    created = []
    for item in demo_plan(today):
        officer = staff[item["officer"]]
        group = groups.create_group(item["values"] | {"officer_id": officer.id}, officer)
        for values in item["members"]:
            groups.add_member(group, values, officer, today=today)
        status = item["status"]
        if status != "proposed":
            groups.transition_group(group, "active", officer, note="Verifikasi lapangan selesai.")
        if status == "graduated":
            groups.transition_group(group, "graduated", officer, note="Usaha berjalan mandiri.")
        if status == "dissolved":
            groups.transition_group(group, "dissolved", officer,
                                    note="Sebagian besar anggota pindah domisili; usaha berhenti.")
        created.append(group)
    return created


def _member_values(rng: random.Random, kecamatan_digits: str, kelurahan_code: str, formed_on: date, role: str,
                   serials, today: date) -> dict:
    """One family head: a Sundanese/Bantenese name, a NIK matching sex and birth date, a KK."""
    from kube.core.identity import compose_kk, compose_nik

    sex = "P" if rng.random() < 0.55 else "L"
    first, second = (rng.choice(WOMEN), rng.choice(SECOND_WOMEN)) if sex == "P" else (rng.choice(MEN),
                                                                                       rng.choice(SECOND_MEN))
    age = rng.randint(21, 57)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    nik_region = rng.choice(KABUPATEN_SERANG_PREFIXES) if rng.random() < 0.15 else kecamatan_digits
    recorded = date(rng.randint(2008, min(2023, today.year - 1)), rng.randint(1, 12), rng.randint(1, 28))
    joined = min(today, formed_on + timedelta(days=rng.randint(0, 30)))
    return {
        "nik": compose_nik(nik_region, birth, sex, next(serials)),
        "kk": compose_kk(kecamatan_digits, recorded, next(serials)),
        "name": f"{first} {second}", "sex": sex, "birth_date": birth,
        "address": f"Kp. {rng.choice(KAMPUNG)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 6):02d}",
        "kelurahan_code": kelurahan_code,
        "phone": "08" + "".join(rng.choice("0123456789") for _ in range(10)) if rng.random() < 0.7 else None,
        "household_size": rng.randint(2, 7),
        "decile": rng.randint(1, 4), "decile_as_of": date(today.year - 1, 1, 1),
        "extreme_poor": rng.random() < 0.35,
        "role": role, "joined_on": joined,
    }


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, name) of the demo accounts that still use the demo password."""
    from sqlalchemy.orm import joinedload

    from kube.auth.models import User
    from kube.auth.passwords import verify_password
    from kube.extensions import db

    users = db.session.scalars(
        select(User).options(joinedload(User.group)).where(User.active.is_(True)).order_by(User.id).limit(40)
    ).all()
    return [(u.username, u.role, f"{u.full_name} ({u.group.code})" if u.group else u.full_name)
            for u in users if verify_password(u.password_hash, DEMO_PASSWORD)]
