"""Factories that build valid objects for tests."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from kube.auth import operations
from kube.core import clock, periods
from kube.core.identity import compose_kk, compose_nik

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def office_today() -> date:
    """Today in Serang (Asia/Jakarta), as the app counts it: a day ahead of UTC from 17:00 UTC."""
    return clock.office_today()


def jakarta(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment given in the office's time (Asia/Jakarta), as the UTC datetime the app works with."""
    return datetime(year, month, day, hour, minute, tzinfo=clock.OFFICE_TIMEZONE).astimezone(timezone.utc)


#: The report tests' day: 5 July 2025 in Jakarta, when June has ended and is not yet due (due 10 July).
REPORT_DAY = jakarta(2025, 7, 5)


def month_index(year: int, month: int) -> int:
    """The month index of (year, month), as kube.core.periods counts months."""
    return periods.month_index(date(year, month, 1))


def make_user(role: str = "officer", username: str | None = None, password: str = PASSWORD, **extra):
    """A user with a valid password (flushed, not committed)."""
    username = username or f"{role}{next(_counter)}"
    return operations.create_user(username, f"{role.title()} {username}", role, password, **extra)


def api_token(client, user, password: str = PASSWORD) -> dict:
    """Authorization headers for `user`, obtained through the token endpoint."""
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


# -- groups and members -------------------------------------------------------------------

# Serials only need to be unique within one test (each test has a fresh database) and stay 4 digits.
_serials = itertools.cycle(range(1, 10000))


def valid_nik(sex: str = "L", birth: date = date(1985, 6, 15), region: str = "367304") -> str:
    """A NIK that passes every rule, unique within the test run."""
    return compose_nik(region, birth, sex, next(_serials))


def valid_kk(region: str = "367304", recorded: date = date(2015, 3, 10)) -> str:
    """A No. KK that passes every rule, unique within the test run."""
    return compose_kk(region, recorded, next(_serials))


def member_values(role: str = "anggota", sex: str = "L", birth: date = date(1985, 6, 15), **extra) -> dict:
    """Valid form values for a new member."""
    values = {"nik": valid_nik(sex, birth), "kk": valid_kk(), "name": f"Warga {next(_serials)}",
              "sex": sex, "birth_date": birth, "address": "Kp. Tinggar RT 01/02", "kelurahan_code": "36.73.04.1002",
              "household_size": 4, "decile": 1, "decile_as_of": date(2024, 1, 1), "extreme_poor": True,
              "role": role, "joined_on": date(2024, 1, 15)}
    values.update(extra)
    return values


def make_group(actor, members: int = 0, status: str = "proposed", **values):
    """A group with `members` current members (the first is ketua), moved to `status` (flushed)."""
    from kube.groups import operations

    defaults = {"name": f"Kube Maju {next(_serials)}", "business_type": "sewa_tenda",
                "kelurahan_code": "36.73.04.1002", "address": "Jl. Raya Curug", "formed_on": date(2024, 1, 10),
                "officer_id": actor.id if actor.role == "officer" else None}
    defaults.update(values)
    group = operations.create_group(defaults, actor)
    for index in range(members):
        operations.add_member(group, member_values("ketua" if index == 0 else "anggota"), actor)
    if status in ("active", "graduated", "dissolved"):
        operations.transition_group(group, "active", actor)
    if status in ("graduated", "dissolved", "rejected"):
        operations.transition_group(group, status, actor)
    return group


# -- ledger -------------------------------------------------------------------------------

TENT_LINES = [
    {"kind": "equipment", "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": 2,
     "unit": "unit", "unit_value": 6_500_000},
    {"kind": "equipment", "item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": 50,
     "unit": "buah", "unit_value": 90_000},
]  # Rp17.500.000, like Kota Serang's 2021 Kube grants


def make_budget(actor, program: str = "KUBE", year: int = 2025, amount: int = 200_000_000, source: str = "APBD"):
    """A budget with its appropriation posted (flushed)."""
    from kube.ledger import operations

    return operations.create_budget(program, year, amount, source, actor)


FACTORY_OVERRIDE_REASON = "Tambahan modal yang disetujui setelah kunjungan lapangan"


def make_grant(maker, checker=None, status: str = "draft", group=None, lines=None, program: str = "KUBE",
               year: int = 2025, member=None, handover_date: date = date(2025, 8, 28)):
    """A grant moved to `status` (draft, submitted, approved, handed_over, cancelled); flushed."""
    from kube.ledger import operations

    group = group or make_group(maker, members=5, status="active")
    if program == "UEP" and member is None:
        member = group.current_members[-1]
    grant = operations.create_grant(program, year, group, lines or TENT_LINES, maker, member=member)
    if status in ("submitted", "approved", "handed_over"):
        operations.submit_grant(grant, maker)
    if status in ("approved", "handed_over"):
        # A second grant to the same group within a year needs the approver's reason (ignored on a first one).
        operations.approve_grant(grant, checker, today=date(2025, 8, 1), override_reason=FACTORY_OVERRIDE_REASON)
        # Approved on the day its journal entry says, so handover dates do not depend on when tests run.
        grant.approved_at = datetime(2025, 8, 1, 3, 0, tzinfo=timezone.utc)
    if status == "handed_over":
        receiver = member if program == "UEP" else group.ketua
        operations.handover_grant(grant, handover_date, receiver, maker, today=date(2026, 11, 28))
    if status == "cancelled":
        operations.cancel_grant(grant, "Tidak jadi", maker)
    return grant
