"""Demo budgets and grants in every status, recorded through the ledger's own rules."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from kube.groups.models import Group
from kube.ledger import operations as ledger
from kube.ledger.models import Budget

#: Equipment the office gives, with prices like Kota Serang's grants (DOMAIN: Rp15-20 juta per Kube).
TENTS_AND_CHAIRS = [
    {"kind": "equipment", "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi galvanis",
     "quantity": 2, "unit": "unit", "unit_value": 6_500_000},
    {"kind": "equipment", "item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": 50,
     "unit": "buah", "unit_value": 90_000},
]
FOOD_CART = [
    {"kind": "equipment", "item": "Gerobak dorong", "specification": "kayu jati, roda karet, etalase kaca",
     "quantity": 2, "unit": "unit", "unit_value": 3_500_000},
    {"kind": "equipment", "item": "Kompor gas dua tungku", "specification": "dengan tabung 3 kg dan regulator",
     "quantity": 4, "unit": "set", "unit_value": 850_000},
    {"kind": "cash", "item": "Modal belanja bahan", "unit_value": 2_000_000},
]
STALL_STOCK = [
    {"kind": "equipment", "item": "Etalase warung", "specification": "aluminium, 120 cm", "quantity": 1,
     "unit": "unit", "unit_value": 2_750_000},
    {"kind": "cash", "item": "Modal barang dagangan", "unit_value": 12_000_000},
]
UEP_CASH = [{"kind": "cash", "item": "Modal usaha perorangan (UEP)", "unit_value": 2_500_000}]


#: Given on every demo approval; kept only where the group had another grant within a year.
DEMO_OVERRIDE_REASON = "Tambahan modal setelah kunjungan lapangan: usaha berkembang"


def _approve_in_the_past(grant, checker, on: date) -> None:
    ledger.approve_grant(grant, checker, today=on, override_reason=DEMO_OVERRIDE_REASON)
    # Demo history: the approval happened on that day, not at the moment the demo is loaded.
    grant.approved_at = datetime.combine(on, time(9), tzinfo=timezone.utc)


def load_demo_ledger(groups: list[Group], maker, checker, today: date) -> None:
    """Budgets for two fiscal years and grants in every status (tents, chairs, carts, stoves, cash)."""
    for year in (today.year - 1, today.year):
        if db_budget("KUBE", year) is None:
            ledger.create_budget("KUBE", year, 600_000_000, "APBD", checker, note="Bantuan Kube, DPA Dinas Sosial")
        if db_budget("UEP", year) is None:
            ledger.create_budget("UEP", year, 150_000_000, "APBN", checker, note="Bantuan UEP perorangan")
    active = [g for g in groups if g.status == "active" and g.ketua is not None]
    if len(active) < 8:
        return
    year = today.year
    handed = today - timedelta(days=20)
    plans = [  # (group, lines, final status)
        (active[-1], TENTS_AND_CHAIRS, "handed_over"),
        (active[-2], FOOD_CART, "handed_over"),
        (active[-3], STALL_STOCK, "approved"),
        (active[-4], TENTS_AND_CHAIRS, "submitted"),
        (active[-5], FOOD_CART, "draft"),
        (active[-6], STALL_STOCK, "cancelled"),
    ]
    for group, lines, status in plans:
        grant = ledger.create_grant("KUBE", year, group, lines, maker, note="Bantuan demo")
        _advance(grant, status, maker, checker, group.ketua, handed, today)
    for group, status in ((active[-7], "handed_over"), (active[-8], "draft")):
        member = group.current_members[-1]
        grant = ledger.create_grant("UEP", year, group, UEP_CASH, maker, member=member, note="UEP pedagang kecil")
        _advance(grant, status, maker, checker, member, handed, today)


def _advance(grant, status: str, maker, checker, receiver, handed: date, today: date) -> None:
    if status == "draft":
        return
    ledger.submit_grant(grant, maker)
    if status == "cancelled":
        ledger.cancel_grant(grant, "Kelompok memilih jenis bantuan lain", maker)
        return
    if status in ("approved", "handed_over"):
        _approve_in_the_past(grant, checker, handed - timedelta(days=10))
    if status == "handed_over":
        ledger.handover_grant(grant, handed, receiver, maker, today=today)


def db_budget(program: str, year: int) -> Budget | None:
    """The budget of a program and year, if it exists."""
    from kube.extensions import db

    return db.session.scalar(select(Budget).where(Budget.program == program, Budget.year == year))
