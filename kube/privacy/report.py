"""What Kube holds about one person, found by NIK (UU PDP): gathered once for the admin page, its PDF and the API.

Kube has no table of people: a person is every membership (`Member` row) carrying their NIK, in
any group, current or former. Everything else hangs off those memberships: their groups' KUBE
grants, their own UEP grants, the letters of both, the monthly reports of the months they were a group's ketua (the
ketua answers for the group's report), the recorded changes to their data and every showing of
their full NIK. User accounts are not linked to people (a leader's account belongs to a group,
not to a NIK), so no account is attributed to a person; the report says so rather than guess by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from kube.audit.models import AuditEntry
from kube.audit.operations import accesses_to_person, record_access, record_audit
from kube.core.clock import utc_now
from kube.core.identity import IdentityError, mask_nik, normalize_number, parse_nik
from kube.extensions import db
from kube.groups.models import MEMBER_ROLES, Group, Member, Region
from kube.ledger.models import Grant, Letter
from kube.reports.models import IncomeReport

#: How the report was asked for, named in its audit entry.
CHANNELS = ("page", "pdf", "api")

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")


@dataclass(frozen=True)
class Membership:
    """One membership of the person: the group, the role and every personal field stored with it."""

    member_id: int
    group_id: int
    group_code: str
    group_name: str
    group_status: str
    group_kelurahan: str
    group_kecamatan: str
    role: str
    joined_on: date
    left_on: date | None
    nik: str
    kk: str
    name: str
    sex: str
    birth_date: date
    address: str
    kelurahan: str
    kecamatan: str
    phone: str | None
    household_size: int
    decile: int | None
    decile_as_of: date | None
    extreme_poor: bool
    prior_kube_override: str | None
    age_confirmed: bool
    created_at: datetime

    def member_on(self, day: date) -> bool:
        """Whether this membership was current on `day` (a letter lists the group's members of its day)."""
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


@dataclass(frozen=True)
class LetterFacts:
    """One Berita Acara of a grant, and how it names the person."""

    number: str
    letter_date: date
    sha256: str
    in_force: bool
    #: The person signs it as the receiver (PIHAK KEDUA): their full NIK is printed.
    named_as_receiver: bool
    #: The person is in its member list (masked NIK): a KUBE letter lists the group's members of that day.
    listed_as_member: bool


@dataclass(frozen=True)
class GrantFacts:
    """A grant to one of the person's groups (KUBE) or to the person (UEP), with its letters."""

    grant_id: int
    program: str
    year: int
    total: int
    status: str
    handover_date: date | None
    group_code: str
    group_name: str
    #: A UEP grant to one of the person's memberships (not merely to their group).
    to_person: bool
    letters: tuple[LetterFacts, ...]


@dataclass(frozen=True)
class SignedReport:
    """A group's monthly income report for a month in which the person was its ketua, who signs for it."""

    group_code: str
    period: date
    revenue: int
    expenses: int
    net: int
    active_members: int
    submitted_at: datetime
    #: The account that sent it: the group's leader login, or an officer entering a paper form.
    submitted_by: str | None
    entered_on_behalf: bool
    verified: bool


@dataclass(frozen=True)
class RecordedChange:
    """An audit entry about one of the person's memberships (added, changed, left)."""

    at: datetime
    username: str | None
    action: str
    member_id: int
    summary: str


@dataclass(frozen=True)
class AccessFacts:
    """One showing of the person's full NIK or No. KK to a user."""

    at: datetime
    username: str | None
    kind: str
    route: str


@dataclass(frozen=True)
class PersonReport:
    """Everything Kube holds about the person with one NIK, as of `generated_at`."""

    nik: str
    #: The name on the latest membership.
    name: str
    generated_at: datetime
    memberships: tuple[Membership, ...]
    #: Every role held, in the order of MEMBER_ROLES.
    roles: tuple[str, ...]
    grants: tuple[GrantFacts, ...]
    #: Oldest first.
    reports: tuple[SignedReport, ...]
    changes: tuple[RecordedChange, ...]
    #: Showings before this report (its own is recorded after it is gathered), newest first.
    accesses: tuple[AccessFacts, ...]
    #: The membership rows themselves, for the record that this report showed their NIKs.
    members: tuple[Member, ...]

    @property
    def latest_member_id(self) -> int:
        """The newest membership, the object the audit entry points at."""
        return self.memberships[-1].member_id


def checked_nik(text: str | None) -> tuple[str, IdentityError | None]:
    """The NIK as Kube stores it (separators removed) and, for 16 digits the NIK rules refuse, the reason.

    Raises IdentityError when it is not 16 digits: nothing can be held under such a number. A
    16-digit number the rules refuse is still looked up: a request for what is held must not be
    turned away by a rule, and data imported before a rule changed would carry such a number.
    """
    nik = normalize_number(text)
    try:
        parse_nik(nik)
    except IdentityError as error:
        if not _SIXTEEN_DIGITS.fullmatch(nik):
            raise
        return nik, error
    return nik, None


def person_report(nik: str) -> PersonReport | None:
    """Everything Kube holds about the person with this (normalised) NIK, or None when it holds nothing."""
    members = db.session.scalars(
        select(Member).where(Member.nik == nik)
        .options(joinedload(Member.group).joinedload(Group.kelurahan), joinedload(Member.kelurahan))
        .order_by(Member.joined_on, Member.id)
    ).all()
    if not members:
        return None
    memberships = _memberships(members)
    member_ids = [m.member_id for m in memberships]
    return PersonReport(
        nik=nik,
        name=memberships[-1].name,
        generated_at=utc_now(),
        memberships=memberships,
        roles=tuple(role for role in MEMBER_ROLES if any(m.role == role for m in memberships)),
        grants=_grants(memberships),
        reports=_signed_reports(memberships),
        changes=tuple(
            RecordedChange(entry.at, entry.username, entry.action, int(entry.object_id), entry.summary)
            for entry in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "member", AuditEntry.object_id.in_([str(i) for i in member_ids]))
                .order_by(AuditEntry.at, AuditEntry.id))
        ),
        accesses=tuple(
            AccessFacts(access.at, access.username, access.kind, access.route)
            for access in db.session.scalars(accesses_to_person(nik))
        ),
        members=tuple(members),
    )


def _memberships(members: list[Member]) -> tuple[Membership, ...]:
    """The memberships as plain facts, with the names of their kecamatan (one query for all)."""
    parent_codes = {m.group.kelurahan.parent_code for m in members} | {m.kelurahan.parent_code for m in members}
    kecamatan = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(parent_codes))).all())
    return tuple(
        Membership(
            member_id=m.id, group_id=m.group_id, group_code=m.group.code, group_name=m.group.name,
            group_status=m.group.status, group_kelurahan=m.group.kelurahan.name,
            group_kecamatan=kecamatan.get(m.group.kelurahan.parent_code, ""), role=m.role, joined_on=m.joined_on,
            left_on=m.left_on, nik=m.nik, kk=m.kk, name=m.name, sex=m.sex, birth_date=m.birth_date,
            address=m.address, kelurahan=m.kelurahan.name, kecamatan=kecamatan.get(m.kelurahan.parent_code, ""),
            phone=m.phone, household_size=m.household_size, decile=m.decile, decile_as_of=m.decile_as_of,
            extreme_poor=m.extreme_poor, prior_kube_override=m.prior_kube_override, age_confirmed=m.age_confirmed,
            created_at=m.created_at,
        )
        for m in members
    )


def _grants(memberships: tuple[Membership, ...]) -> tuple[GrantFacts, ...]:
    """KUBE grants to the person's groups and grants to the person themselves, oldest first, with their letters."""
    member_ids = {m.member_id for m in memberships}
    group_ids = {m.group_id for m in memberships}
    # Another member's UEP grant goes to that member, not to the group: it is not this person's data.
    grants = db.session.scalars(
        select(Grant).where(or_(and_(Grant.program == "KUBE", Grant.group_id.in_(group_ids)),
                                Grant.member_id.in_(member_ids), Grant.received_by_member_id.in_(member_ids)))
        .options(joinedload(Grant.budget), joinedload(Grant.group))
        .order_by(Grant.recorded_at, Grant.id)
    ).all()
    letters_of: dict[int, list[Letter]] = {}
    for letter in db.session.scalars(
            select(Letter).where(Letter.grant_id.in_([grant.id for grant in grants])).order_by(Letter.id)):
        letters_of.setdefault(letter.grant_id, []).append(letter)
    replaced = {letter.replaces_id for found in letters_of.values() for letter in found if letter.replaces_id}
    result = []
    for grant in grants:
        in_group = [m for m in memberships if m.group_id == grant.group_id]
        letters = tuple(
            LetterFacts(
                number=letter.number, letter_date=letter.letter_date, sha256=letter.sha256,
                in_force=letter.id not in replaced,
                named_as_receiver=grant.received_by_member_id in member_ids,
                listed_as_member=(grant.member_id in member_ids if grant.program == "UEP"
                                  else any(m.member_on(letter.letter_date) for m in in_group)),
            )
            for letter in letters_of.get(grant.id, [])
        )
        result.append(GrantFacts(
            grant_id=grant.id, program=grant.program, year=grant.budget.year, total=grant.total,
            status=grant.status, handover_date=grant.handover_date, group_code=grant.group.code,
            group_name=grant.group.name, to_person=grant.member_id in member_ids, letters=letters,
        ))
    return tuple(result)


def _signed_reports(memberships: tuple[Membership, ...]) -> tuple[SignedReport, ...]:
    """The income reports of the months the person was ketua of the reporting group (by the membership's role)."""
    as_ketua = [
        and_(IncomeReport.group_id == m.group_id, IncomeReport.period >= m.joined_on.replace(day=1),
             *([IncomeReport.period <= m.left_on] if m.left_on else []))
        for m in memberships if m.role == "ketua"
    ]
    if not as_ketua:
        return ()
    rows = db.session.scalars(
        select(IncomeReport).where(or_(*as_ketua))
        .options(joinedload(IncomeReport.group), joinedload(IncomeReport.submitted_by))
        .order_by(IncomeReport.period, IncomeReport.group_id)
    ).all()
    return tuple(
        SignedReport(group_code=r.group.code, period=r.period, revenue=r.revenue, expenses=r.expenses, net=r.net,
                     active_members=r.active_members, submitted_at=r.submitted_at,
                     submitted_by=r.submitted_by.username if r.submitted_by else None,
                     entered_on_behalf=r.entered_on_behalf, verified=r.verified_at is not None)
        for r in rows
    )


def record_person_report(nik: str, report: PersonReport | None, channel: str, *, actor) -> None:
    """Record that `actor` asked for this NIK's report through `channel` and, when it was shown, its full NIKs.

    A request that finds nothing is audited too: that a NIK was looked up is itself worth knowing.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if report is None:
        record_audit("person.report", "person", None, f"{channel}: NIK {mask_nik(nik)}, tidak ada data", actor=actor)
        return
    summary = f"{channel}: NIK {mask_nik(nik)}, {len(report.memberships)} keanggotaan, {len(report.grants)} bantuan"
    record_audit("person.report", "person", report.latest_member_id, summary, actor=actor)
    record_access("person_report", actor=actor, member_ids=[member.id for member in report.members])
