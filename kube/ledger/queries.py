"""Read-side queries for the ledger pages: filtered grant lists, one grant, a group's ledger, statements.

Each page loads what it shows in a fixed number of statements, whatever the number of rows.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from flask_babel import gettext as _

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from kube.auth.roles import visible_groups
from kube.core.formatting import format_long_date
from kube.core.pagination import paginate
from kube.extensions import db
from kube.groups.models import Group, Member
from kube.groups.queries import in_kecamatan, mine_first
from kube.ledger import operations
from kube.ledger.models import GRANT_STATUSES, GRANTABLE_GROUP_STATUSES, PROGRAMS, Asset, AssetCheck, Budget, Grant, JournalEntry


# -- the grant list ---------------------------------------------------------------------------

@dataclass
class GrantFilters:
    """Which grants a list holds: read from a page's query string or the API's arguments, for `viewer`.

    The one meaning of every grant filter, for the grant page, its totals and `GET /api/v1/grants`;
    unknown values read from a page's query string are ignored, not errors.
    """

    viewer: object = None
    program: str = ""
    year: int | None = None
    status: str = ""
    kecamatan: str = ""
    group_id: int | None = None
    q: str = ""
    #: Submitted grants someone else recorded: the ones waiting for this viewer's approval (maker-checker).
    to_approve: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], viewer) -> GrantFilters:
        """Filters from `request.args`."""
        program = args.get("program", "")
        status = args.get("status", "")
        year_text = (args.get("year") or "").strip()
        kecamatan = (args.get("kecamatan") or "").strip()
        return cls(
            viewer=viewer,
            program=program if program in PROGRAMS else "",
            year=int(year_text) if year_text.isdigit() and len(year_text) == 4 else None,
            status=status if status in GRANT_STATUSES else "",
            kecamatan=kecamatan if len(kecamatan) <= 13 else "",
            q=(args.get("q") or "").strip()[:80],
            to_approve=args.get("to_approve") == "1",
        )

    def conditions(self) -> list:
        """WHERE clauses over Grant joined with its Group and Budget."""
        clauses = [visible_groups(self.viewer, Grant.group_id)]
        if self.program:
            clauses.append(Grant.program == self.program)
        if self.year:
            clauses.append(Budget.year == self.year)
        if self.status:
            clauses.append(Grant.status == self.status)
        if self.kecamatan:
            clauses.append(in_kecamatan(Group.kelurahan_code, self.kecamatan))
        if self.group_id is not None:
            clauses.append(Grant.group_id == self.group_id)
        if self.q:
            clauses.append(or_(Group.code.icontains(self.q, autoescape=True),
                               Group.name.icontains(self.q, autoescape=True)))
        if self.to_approve:
            clauses.extend([Grant.status == "submitted", Grant.recorded_by_id != getattr(self.viewer, "id", None)])
        return clauses

    def url_args(self) -> dict[str, str]:
        """The filters as a list URL's query arguments (the inverse of `from_args`)."""
        args = {"program": self.program, "year": str(self.year or ""), "status": self.status,
                "kecamatan": self.kecamatan, "q": self.q, "to_approve": "1" if self.to_approve else ""}
        return {name: value for name, value in args.items() if value}


def filtered_grants(filters: GrantFilters, *columns) -> Select:
    """`select(*columns)` (Grant by default) of the grants the filters and the viewer allow, group and budget joined."""
    return select(*(columns or (Grant,))).join(Grant.group).join(Grant.budget).where(*filters.conditions())


def count_grants(filters: GrantFilters) -> int:
    """How many grants the filters allow: the count the inbox shows for the list `paginate_grants` gives."""
    return db.session.scalar(filtered_grants(filters, func.count(Grant.id))) or 0


def paginate_grants(filters: GrantFilters) -> Pagination:
    """One page of grants, the viewer's own groups first, then newest first, group, budget and UEP member loaded."""
    statement = filtered_grants(filters).options(
        contains_eager(Grant.group), contains_eager(Grant.budget), joinedload(Grant.member),
    ).order_by(mine_first(Group.officer_id, filters.viewer), Grant.id.desc())
    return paginate(statement)


@dataclass(frozen=True)
class StatusTotal:
    """How many grants, and for how much, in one status."""

    status: str
    count: int
    amount: int


def grant_totals(filters: GrantFilters) -> list[StatusTotal]:
    """Count and amount of the filtered grants per status, in the state machine's order (one query)."""
    rows = db.session.execute(
        filtered_grants(filters, Grant.status, func.count(Grant.id), func.coalesce(func.sum(Grant.total), 0))
        .group_by(Grant.status)
    ).all()
    found = {status: StatusTotal(status, int(count), int(amount)) for status, count, amount in rows}
    return [found[status] for status in GRANT_STATUSES if status in found]


def budget_years() -> list[int]:
    """Fiscal years that have a budget, newest first."""
    return list(db.session.scalars(select(Budget.year).distinct().order_by(Budget.year.desc())))


# -- one grant --------------------------------------------------------------------------------

def load_grant(grant_id: int, with_history: bool = False) -> Grant | None:
    """A grant with its lines, budget, group, member and maker, in two queries.

    `with_history` also loads the approver, the officer who handed over and the receiver, for the
    read-only detail page. Pages that change the grant leave them unloaded: the operations set their
    ids, and a relationship loaded as None beforehand would not follow within the same transaction.
    """
    options = [joinedload(Grant.budget), joinedload(Grant.group), joinedload(Grant.member),
               joinedload(Grant.recorded_by), selectinload(Grant.lines)]
    if with_history:
        options += [joinedload(Grant.approved_by), joinedload(Grant.handed_over_by), joinedload(Grant.received_by)]
    return db.session.execute(
        select(Grant).where(Grant.id == grant_id).options(*options).execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()


def grant_entries(grant: Grant) -> list[dict]:
    """The grant's journal entries, each with its amount (the sum of its debits)."""
    entries = db.session.scalars(
        select(JournalEntry).where(JournalEntry.grant_id == grant.id)
        .options(selectinload(JournalEntry.lines)).order_by(JournalEntry.id)
    ).all()
    return [{"entry": entry, "amount": sum(line.debit for line in entry.lines)} for entry in entries]


def recipient_choices(group: Group) -> list[Member]:
    """The group's current members, ketua first, who may sign a handover."""
    members = db.session.scalars(
        select(Member).where(Member.group_id == group.id, Member.left_on.is_(None)).order_by(Member.name)
    ).all()
    return sorted(members, key=lambda m: (m.role != "ketua", m.name))


def eligible_groups() -> list[Group]:
    """Groups that may still be given a new grant (proposed or active), by code."""
    return list(db.session.scalars(
        select(Group).where(Group.status.in_(GRANTABLE_GROUP_STATUSES)).order_by(Group.code)
    ))


# -- a group's ledger -------------------------------------------------------------------------

@dataclass
class AssetRow:
    """One piece of equipment with the latest check made of it (None when never checked)."""

    asset: Asset
    last_check: AssetCheck | None


@dataclass
class GroupLedger:
    """What the group pages show of the ledger: grants, capital received and equipment."""

    group: Group
    grants: list[Grant] = field(default_factory=list)
    statement: list[dict] = field(default_factory=list)
    assets: list[AssetRow] = field(default_factory=list)

    @property
    def open_for_grants(self) -> bool:
        """Whether the group may be given a new grant."""
        return self.group.status in GRANTABLE_GROUP_STATUSES

    @property
    def equipment_total(self) -> int:
        """Equipment value received, net of corrections."""
        return sum(row["equipment"] for row in self.statement)

    @property
    def cash_total(self) -> int:
        """Cash received, net of corrections."""
        return sum(row["cash"] for row in self.statement)


def group_assets(group: Group) -> list[AssetRow]:
    """The group's equipment register with each item's latest check, in one query."""
    later = aliased(AssetCheck)
    latest_check_id = (
        select(later.id).where(later.asset_id == Asset.id)
        .order_by(later.checked_on.desc(), later.id.desc()).limit(1)
        .correlate(Asset).scalar_subquery()
    )
    rows = db.session.execute(
        select(Asset, AssetCheck)
        .outerjoin(AssetCheck, and_(AssetCheck.asset_id == Asset.id, AssetCheck.id == latest_check_id))
        .where(Asset.group_id == group.id)
        .options(joinedload(Asset.grant))
        .order_by(Asset.received_on, Asset.id)
    ).all()
    return [AssetRow(asset, check) for asset, check in rows]


def group_ledger(group: Group) -> GroupLedger:
    """Grants, capital statement and equipment of one group, in three queries."""
    grants = db.session.scalars(
        select(Grant).where(Grant.group_id == group.id)
        .options(joinedload(Grant.budget), joinedload(Grant.member)).order_by(Grant.id.desc())
    ).all()
    return GroupLedger(group=group, grants=list(grants), statement=operations.group_capital_statement(group),
                       assets=group_assets(group))


# -- account statements -----------------------------------------------------------------------

def reversed_by(entry_ids: list[int]) -> dict[int, int]:
    """Entry id -> id of the entry that reversed it, for those among `entry_ids` that were reversed."""
    if not entry_ids:
        return {}
    return dict(db.session.execute(
        select(JournalEntry.reverses_entry_id, JournalEntry.id).where(JournalEntry.reverses_entry_id.in_(entry_ids))
    ).all())


# -- the trial balance's period ---------------------------------------------------------------

#: A day (2026-06-30) or a whole month (2026-06) in the trial balance's URL.
_DAY_OR_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _read_day(text: str, *, last_of_month: bool) -> date | None:
    """The day `text` names (YYYY-MM-DD), or a month's first or last day (YYYY-MM); None when it names none."""
    found = _DAY_OR_MONTH.fullmatch(text)
    if found is None:
        return None
    year, month, day = int(found[1]), int(found[2]), found[3]
    try:
        if day is not None:
            return date(year, month, int(day))
        return date(year, month, calendar.monthrange(year, month)[1] if last_of_month else 1)
    except (ValueError, calendar.IllegalMonthError):
        return None


@dataclass(frozen=True)
class LedgerPeriod:
    """The days a trial balance covers, both included: from `start` (None: the first entry) to `end`.

    Read from the URL's `from` and `to` (`?from=2026-01-01&to=2026-06-30`, or months: `?from=2026-01&to=2026-06`);
    without `to` it ends today. `error` says in words why the URL's dates cannot be used (then nothing is shown).
    """

    start: date | None
    end: date | None
    raw_start: str = ""
    raw_end: str = ""
    error: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], today: date) -> LedgerPeriod:
        """The period the URL asks for; an unreadable date or a start after the end gives a period with `error`."""
        raw_start, raw_end = (args.get("from") or "").strip()[:20], (args.get("to") or "").strip()[:20]
        start = _read_day(raw_start, last_of_month=False) if raw_start else None
        end = _read_day(raw_end, last_of_month=True) if raw_end else today
        error = ""
        for raw, read in ((raw_start, start), (raw_end, end)):
            if raw and read is None:
                error = _("Tanggal \"%(text)s\" tidak dapat dibaca. Tulis tanggal sebagai TTTT-BB-HH (misalnya "
                          "2026-06-30) atau bulan sebagai TTTT-BB (misalnya 2026-06).", text=raw)
                break
        if not error and start and end and start > end:
            error = _("Tanggal awal (%(start)s) jatuh sesudah tanggal akhir (%(end)s).",
                      start=format_long_date(start), end=format_long_date(end))
        if error:
            return cls(None, None, raw_start, raw_end, error)
        return cls(start, end, raw_start, raw_end)

    @property
    def args(self) -> dict[str, str]:
        """The URL arguments that ask for this period again (for the export links)."""
        return {key: value for key, value in (("from", self.raw_start), ("to", self.raw_end)) if value}


def trial_balance_sheet(rows: list[dict]) -> tuple[list[str], list[list]]:
    """The trial balance page's rows as an export's header and rows (the same rows, in the same order),
    closed by the totals row; amounts stay numbers."""
    headers = [_("Nama akun"), _("Kode akun"), _("Debit"), _("Kredit"), _("Saldo")]
    body = [[row["label"], row["account"].code, row["debit"], row["credit"], row["balance"]] for row in rows]
    body.append([_("Jumlah"), "", sum(row["debit"] for row in rows), sum(row["credit"] for row in rows),
                 sum(row["balance"] for row in rows)])
    return headers, body
