"""Seed a bench database with many valid groups and members, fast (bulk writes, no per-row rules).

    .venv/bin/python bench/seed.py                       # 10,000 groups / 100,000 members, SQLite
    .venv/bin/python bench/seed.py --groups 500 --members 5000
    .venv/bin/python bench/seed.py --database-url postgresql://postgres@127.0.0.1:5432/kube_bench --reset

The rows satisfy every database constraint (16-digit NIKs whose sex and birth date agree,
one ketua/sekretaris/bendahara per group, unique active NIK, one KK per group), but they
are written in bulk instead of through the operations, which would take minutes (hours at the
national size): PostgreSQL COPY, or `session.execute(insert(Model), rows)` on SQLite (common.write_rows).
Never point this at a real database.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BENCH_OFFICER, BENCH_PASSWORD, DEFAULT_DATABASE_URL, OUT, make_app,  # noqa: E402
                    reset_database, write_rows)

GROUP_WORDS = ["Mekar", "Sari", "Maju", "Bersama", "Berkah", "Sejahtera", "Harapan", "Jaya", "Rukun", "Santosa",
               "Barokah", "Amanah", "Mandiri", "Sinar", "Cahaya", "Tunas", "Melati", "Saluyu", "Sauyunan", "Bina"]
NAMES = {
    "L": (["Ujang", "Asep", "Dedi", "Rohmat", "Jajang", "Encep", "Saepudin", "Mulyadi", "Endang", "Yayan"],
          ["Suryana", "Supriatna", "Hidayat", "Saputra", "Hermawan", "Sopian", "Permana", "Sobari"]),
    "P": (["Siti", "Neneng", "Euis", "Iis", "Enok", "Imas", "Komariah", "Rohayati", "Nining", "Juju"],
          ["Maesaroh", "Kurniasih", "Nurjanah", "Hasanah", "Mulyani", "Fatimah", "Jubaedah", "Rohmah"]),
}
STATUSES = ["active"] * 70 + ["proposed"] * 15 + ["graduated"] * 7 + ["dissolved"] * 5 + ["rejected"] * 3


def members_per_group(groups: int, members: int) -> list[int]:
    """How many members each group gets: `members` spread evenly, the first groups taking the remainder."""
    return [members // groups + (1 if gid <= members % groups else 0) for gid in range(1, groups + 1)]


def seed(url: str, groups: int, members: int, seed_value: int = 1, log=print) -> None:
    """Migrate, then insert staff, `groups` groups and `members` members spread evenly over them."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from kube.auth import operations as accounts
    from kube.core.identity import compose_kk, compose_nik
    from kube.extensions import db
    from kube.groups.models import Group, GroupStatusChange, Member, Region

    rng = random.Random(seed_value)
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Group)):
            raise SystemExit("The bench database already has groups; run again with --reset.")
        admin = accounts.create_user("bench-admin", "Bench Admin", "admin", BENCH_PASSWORD)
        accounts.create_user(BENCH_OFFICER, "Bench Petugas", "officer", BENCH_PASSWORD)
        accounts.create_user("bench-kadis", "Bench Peninjau", "viewer", BENCH_PASSWORD)
        officers = [accounts.create_user(f"bench-pendamping{n:02d}", f"Pendamping {n:02d}", "officer",
                                         BENCH_PASSWORD).id for n in range(1, 21)]
        db.session.commit()
        kelurahan = db.session.scalars(select(Region.code).where(Region.level == "kelurahan")
                                       .order_by(Region.code)).all()
        business = [code for code, _label in app.config["BUSINESS_TYPES"]]
        prefix = app.config["GROUP_CODE_PREFIX"]
        today = date.today()

        group_rows = []
        for gid in range(1, groups + 1):
            status = rng.choice(STATUSES)
            group_rows.append({
                "id": gid, "code": f"{prefix}-{gid:04d}",
                "name": f"Kube {rng.choice(GROUP_WORDS)} {rng.choice(GROUP_WORDS)} {gid}",
                "business_type": rng.choice(business), "kelurahan_code": rng.choice(kelurahan),
                "address": f"Kp. {rng.choice(GROUP_WORDS)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 6):02d}",
                "formed_on": today - timedelta(days=rng.randint(30, 2500)),
                "officer_id": rng.choice(officers) if rng.random() < 0.9 else None, "status": status,
            })
        write_rows(db.session, Group, group_rows)
        write_rows(db.session, GroupStatusChange,
                   ({"group_id": gid, "from_status": None, "to_status": "proposed", "user_id": admin.id,
                     "note": "bench"} for gid in range(1, groups + 1)))
        log(f"  {groups:,} groups in {time.perf_counter() - started:.1f} s")

        def member_rows():
            """Every member, group by group (the random draws in the same order as ever)."""
            serial = 0
            for gid, count in enumerate(members_per_group(groups, members), start=1):
                row = group_rows[gid - 1]
                region = row["kelurahan_code"][:8].replace(".", "")  # 36.73.04 -> 367304
                for position in range(count):
                    serial += 1
                    # The 4-digit serial repeats every 9,999 people and the birth day every 12,775 days; as
                    # 9,999 and 12,775 share no factor (and 7,919 is prime), no two people get the same NIK
                    # below 127 million people.
                    birth = date(1968, 1, 1) + timedelta(days=(serial * 7919) % 12775)
                    sex = "P" if rng.random() < 0.55 else "L"
                    yield {
                        "group_id": gid, "nik": compose_nik(region, birth, sex, serial % 9999 + 1),
                        "kk": compose_kk(region, date(2008, 1, 1) + timedelta(days=serial // 9999),
                                         serial % 9999 + 1),
                        "name": f"{rng.choice(NAMES[sex][0])} {rng.choice(NAMES[sex][1])}", "sex": sex,
                        "birth_date": birth,
                        "address": row["address"], "kelurahan_code": row["kelurahan_code"],
                        "phone": "08" + "".join(rng.choice("0123456789") for _ in range(10)),
                        "household_size": rng.randint(1, 7), "decile": rng.randint(1, 4),
                        "decile_as_of": date(2024, 1, 1), "extreme_poor": rng.random() < 0.3,
                        "role": ("ketua", "sekretaris", "bendahara")[position] if position < 3 else "anggota",
                        "joined_on": row["formed_on"],
                    }

        # The big table: its foreign keys and plain indexes are made again after the COPY (common.write_rows),
        # checked once over the table instead of row by row (a third faster at a million members).
        written = write_rows(db.session, Member, member_rows(), deferred=("foreign_keys", "indexes"))
        if db.engine.dialect.name == "postgresql":
            for table in ("groups", "members", "group_status_changes"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        log(f"  {written:,} members in {time.perf_counter() - started:.1f} s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        log(f"  done (ANALYZE included) in {time.perf_counter() - started:.1f} s")


def main(argv=None) -> None:
    """Command line: reset if asked, then seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true",
                        help="start from empty: delete the SQLite file or DROP the PostgreSQL schema")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists() and not args.reset:
        raise SystemExit(f"{url} exists; add --reset to replace it.")
    if args.reset:
        reset_database(url)
    print(f"Seeding {args.groups:,} groups / {args.members:,} members into {url}")
    seed(url, args.groups, args.members, args.seed)


if __name__ == "__main__":
    main()
