"""Realistic rows for API fuzzing: groups with members, a budget, grants in every status, reports, a letter."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kube.auth.models import User
from kube.extensions import db
from kube.reports.operations import submit_report, verify_report
from kube.ledger import letters
from kube.ledger.models import Asset
from kube.ledger.operations import record_asset_check
from tests.factories import make_budget, make_grant, make_group, make_user

#: Months with income reports in the seeded active groups (before the seeded handover in August).
REPORT_MONTHS = [date(2025, month, 1) for month in range(1, 7)]


@dataclass
class SeededIds:
    """The seeded users, and the real path values a fuzzer should name: groups, members, grants, months, letters."""

    officer: User
    leader: User
    leader_group: int
    groups: list[int]
    members: dict[int, list[int]]
    grants: dict[int, list[int]]
    periods: list[str]
    tokens: list[str]
    #: NIKs for the person report: two members' and one Kube holds nothing under.
    niks: list[str]

    def path_values(self, focus: int | None = None) -> list[dict]:
        """Four combinations of real path values, one per group; with `focus`, three in that group."""
        groups = self.groups if focus is None else [focus] * 3 + [g for g in self.groups if g != focus][:1]
        every_member = [member for members in self.members.values() for member in members]
        every_grant = [grant for grants in self.grants.values() for grant in grants]
        combinations = []
        for index, group in enumerate(groups):
            members = self.members.get(group) or every_member
            grants = self.grants.get(group) or every_grant
            combinations.append({
                "group_id": group, "member_id": members[index % len(members)],
                "grant_id": grants[index % len(grants)], "period": self.periods[index % len(self.periods)],
                "token": self.tokens[index % len(self.tokens)], "nik": self.niks[index % len(self.niks)],
            })
        return combinations


def seed_fuzz_data() -> SeededIds:
    """Commit staff, four groups (the leader's active one first), a budget, five grants, reports and a letter."""
    officer, checker = make_user("officer"), make_user("officer")
    own = make_group(officer, members=5, status="active", name="Kube Mawar")
    other = make_group(officer, members=6, status="active", name="Kube Melati")
    proposed = make_group(officer, members=2, name="Kube Anggrek")
    closed = make_group(officer, members=5, status="dissolved", name="Kube Kenanga")
    leader = make_user("leader", group_id=own.id)
    make_budget(officer)
    grants = [
        make_grant(officer, checker, "handed_over", group=own),  # renders the one letter
        make_grant(officer, checker, "approved", group=own),
        make_grant(officer, checker, "cancelled", group=own),
        make_grant(officer, checker, "submitted", group=other),
        make_grant(officer, checker, "draft", group=other),
    ]
    for group in (own, other):
        for month, revenue in zip(REPORT_MONTHS, range(1_500_000, 3_000_000, 250_000)):
            submit_report(group, month, {"revenue": revenue, "expenses": 900_000, "active_members": None,
                                         "note": ""}, officer, confirmed=True)
        verify_report(group, REPORT_MONTHS[0], checker)
    asset = db.session.query(Asset).filter(Asset.group_id == own.id).first()
    record_asset_check(asset, date(2025, 9, 15), "baik", "Tenda terpasang di balai warga", officer)
    db.session.commit()

    groups = [own, other, proposed, closed]
    grant_ids: dict[int, list[int]] = {}
    for grant in grants:
        grant_ids.setdefault(grant.group_id, []).append(grant.id)
    return SeededIds(
        officer=officer, leader=leader, leader_group=own.id,
        groups=[group.id for group in groups],
        members={group.id: [member.id for member in group.current_members] for group in groups},
        grants=grant_ids,
        periods=[f"{month:%Y-%m}" for month in REPORT_MONTHS[:3]] + ["2025-12"],
        tokens=[letters.current_letter(grants[0].id).token, "tidak-ada"],
        niks=[own.ketua.nik, other.current_members[-1].nik, "3673040101900001"],
    )
