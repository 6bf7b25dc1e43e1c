"""The city-wide register of granted equipment: its filters, pages, totals, export and the checks-due count.

One statement shape (`filtered_equipment`) serves the page (`/equipment`), its totals, its CSV/XLSX export
and the inbox's `checks_due_count`, so the inbox's number is always the number of rows `/equipment?due=1`
lists. Which rows exist: an asset is registered when its grant is handed over and is never removed (a
handed-over grant cannot be cancelled), so only assets of handed-over grants are listed; every group's
equipment is listed, whatever the group's status today (a dissolved group's tent is still followed up).
An item is due for a check when it was never checked, or its latest check (by `checked_on`, then id) was
more than `KUBE_EQUIPMENT_CHECK_MONTHS` months before the office's today (`kube.core.periods.months_before`:
checked exactly that many months ago is not yet due) and did not find it lost or sold (`GONE_CONDITIONS`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from kube.auth.models import User
from kube.auth.roles import visible_groups
from kube.core.pagination import paginate
from kube.core.periods import months_before
from kube.extensions import db
from kube.groups.models import Group, Region
from kube.groups.queries import in_kecamatan, mine_first
from kube.ledger.models import CONDITIONS, Asset, AssetCheck, Grant

#: The `condition` filter's value for items never checked.
UNCHECKED = "unchecked"
#: Every value the `condition` filter takes: the recorded conditions, and never checked.
CONDITION_FILTERS = (*CONDITIONS, UNCHECKED)
#: Latest conditions that end the checks: a lost or sold item has nothing left to inspect.
GONE_CONDITIONS = ("hilang", "dijual")
#: Months after which an item's last check is stale, when the app's config does not say (tests, scripts).
DEFAULT_CHECK_MONTHS = 6

#: Each item's latest check, joined to its asset row (absent when the item was never checked).
LastCheck = aliased(AssetCheck, name="last_check")
#: A group's kelurahan, whose parent is the kecamatan the register is ordered by.
Kelurahan = aliased(Region, name="kelurahan")
Kecamatan = aliased(Region, name="kecamatan")


def _latest_check_id():
    """A scalar subquery: the id of the asset's latest check (latest `checked_on`, then highest id)."""
    later = aliased(AssetCheck)
    # asset_checks.asset_id is indexed, so this reads only the item's own checks.
    return (
        select(later.id).where(later.asset_id == Asset.id)
        .order_by(later.checked_on.desc(), later.id.desc()).limit(1)
        .correlate(Asset).scalar_subquery()
    )


def check_months() -> int:
    """The setting `KUBE_EQUIPMENT_CHECK_MONTHS`: a check older than this many months is due again."""
    return int(current_app.config.get("EQUIPMENT_CHECK_MONTHS", DEFAULT_CHECK_MONTHS))


@dataclass
class EquipmentFilters:
    """Which items the register lists, for `viewer` on the office's day `today`; read from the page's URL.

    Unknown values in the URL are ignored, not errors: `due=1`, `kecamatan=<code>`,
    `condition=<baik|rusak|hilang|dijual|unchecked>` (the latest check's) and `officer=mine`.
    """

    viewer: object = None
    today: date | None = None
    months: int = DEFAULT_CHECK_MONTHS
    due: bool = False
    kecamatan: str = ""
    condition: str = ""
    #: Only the groups whose pendamping is the viewer.
    mine: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], viewer, today: date) -> EquipmentFilters:
        """Filters from `request.args`, with the due cutoff from the app's setting."""
        kecamatan = (args.get("kecamatan") or "").strip()
        condition = (args.get("condition") or "").strip()
        return cls(
            viewer=viewer, today=today, months=check_months(),
            due=args.get("due") == "1",
            kecamatan=kecamatan if len(kecamatan) <= 13 else "",
            condition=condition if condition in CONDITION_FILTERS else "",
            mine=args.get("officer") == "mine",
        )

    @classmethod
    def checks_due(cls, viewer, today: date) -> EquipmentFilters:
        """The filters of `/equipment?due=1` (`due_args`): the items whose check is due, nothing else narrowed."""
        return cls(viewer=viewer, today=today, months=check_months(), due=True)

    @staticmethod
    def due_args() -> dict[str, str]:
        """The URL arguments of the list of items due for a check (the rows `checks_due_count` counts)."""
        return {"due": "1"}

    @property
    def due_before(self) -> date:
        """A latest check dated before this day is due again (that many months before today)."""
        return months_before(self.today, self.months)

    def is_due(self, last_check: AssetCheck | None) -> bool:
        """Whether an item with this latest check is due for a check (the `due` rule, for one row already loaded)."""
        return last_check is None or (last_check.checked_on < self.due_before
                                      and last_check.condition not in GONE_CONDITIONS)

    def conditions(self) -> list:
        """WHERE clauses over Asset joined with its Group and its latest check (`LastCheck`)."""
        clauses = [visible_groups(self.viewer, Asset.group_id)]
        if self.due:
            clauses.append(or_(LastCheck.id.is_(None), and_(LastCheck.checked_on < self.due_before,
                                                              LastCheck.condition.notin_(GONE_CONDITIONS))))
        if self.kecamatan:
            clauses.append(in_kecamatan(Group.kelurahan_code, self.kecamatan))
        if self.condition == UNCHECKED:
            clauses.append(LastCheck.id.is_(None))
        elif self.condition:
            clauses.append(LastCheck.condition == self.condition)
        if self.mine:
            clauses.append(Group.officer_id == getattr(self.viewer, "id", None))
        return clauses

    def url_args(self) -> dict[str, str]:
        """The filters as the register's URL arguments (the inverse of `from_args`), for the export links."""
        args = {"due": "1" if self.due else "", "kecamatan": self.kecamatan, "condition": self.condition,
                "officer": "mine" if self.mine else ""}
        return {name: value for name, value in args.items() if value}


def filtered_equipment(filters: EquipmentFilters, *columns) -> Select:
    """`select(*columns)` (Asset, Group, LastCheck by default) of the items the filters allow, in one statement:
    each asset joined with its group and its latest check (outer: never checked gives NULLs)."""
    return (
        select(*(columns or (Asset, Group, LastCheck)))
        .select_from(Asset)
        .join(Group, Group.id == Asset.group_id)
        .outerjoin(LastCheck, and_(LastCheck.asset_id == Asset.id, LastCheck.id == _latest_check_id()))
        .where(*filters.conditions())
    )


def _ordered(statement: Select, filters: EquipmentFilters) -> Select:
    """The register's order: the viewer's own groups (pendamping) first, then kecamatan, group code, item."""
    return (
        statement.join(Kelurahan, Kelurahan.code == Group.kelurahan_code)
        .order_by(mine_first(Group.officer_id, filters.viewer), Kelurahan.parent_code, Group.code, Asset.item,
                  Asset.id)
    )


def checks_due_count(viewer, today: date) -> int:
    """How many items are due for a check on `today`: exactly the rows `/equipment?due=1` lists (one statement)."""
    return count_equipment(EquipmentFilters.checks_due(viewer, today))


def count_equipment(filters: EquipmentFilters) -> int:
    """How many items the filters allow (one statement)."""
    return db.session.scalar(filtered_equipment(filters, func.count(Asset.id))) or 0


@dataclass(frozen=True)
class EquipmentTotals:
    """How many items the filters allow and their value in Rupiah."""

    count: int
    value: int


def equipment_totals(filters: EquipmentFilters) -> EquipmentTotals:
    """Count and value of the filtered items (one statement), for the line above the page's table."""
    count, value = db.session.execute(
        filtered_equipment(filters, func.count(Asset.id), func.coalesce(func.sum(Asset.value), 0))
    ).one()
    return EquipmentTotals(int(count or 0), int(value or 0))


@dataclass
class EquipmentRow:
    """One item of the register: the asset, its group and its latest check (None when never checked)."""

    asset: Asset
    group: Group
    last_check: AssetCheck | None


def paginate_equipment(filters: EquipmentFilters) -> Pagination:
    """One page of the register (items are `EquipmentRow`s) in its order; two statements: the rows and the count."""
    page = paginate(_ordered(filtered_equipment(filters), filters),
                    count_statement=filtered_equipment(filters, func.count(Asset.id)))
    page.items = [EquipmentRow(asset, group, check) for asset, group, check in page.items]
    return page


# -- export -----------------------------------------------------------------------------------

#: The export's columns: fixed Indonesian, like the group exports, so files stay comparable between users.
#: No NIK: the register names groups and items, never people's numbers.
EQUIPMENT_HEADERS = [
    "Kode Kelompok", "Nama Kelompok", "Kecamatan", "Kelurahan", "Pendamping", "Barang", "Spesifikasi", "Jumlah",
    "Satuan", "Nilai", "Tanggal Serah Terima", "No BAST", "Tanggal Pemeriksaan Terakhir", "Kondisi Terakhir",
    "Catatan Pemeriksaan", "Perlu Diperiksa",
]
#: Rows fetched per round trip while streaming.
BATCH = 1000


def equipment_sheet(filters: EquipmentFilters) -> tuple[list[str], Iterator[list]]:
    """Every filtered item (not one page) as the export's header and rows, in the page's order; one statement.

    Amounts stay numbers and dates stay dates; an item never checked has "belum diperiksa" as its condition.
    """
    officer = aliased(User)
    statement = _ordered(filtered_equipment(
        filters, Group.code, Group.name, Kecamatan.name, Kelurahan.name, officer.full_name, Asset.item,
        Asset.specification, Asset.quantity, Asset.unit, Asset.value, Asset.received_on, Grant.letter_number,
        LastCheck.checked_on, LastCheck.condition, LastCheck.note,
    ), filters).join(Kecamatan, Kecamatan.code == Kelurahan.parent_code) \
        .join(Grant, Grant.id == Asset.grant_id).outerjoin(officer, officer.id == Group.officer_id)
    cutoff = filters.due_before

    def rows() -> Iterator[list]:
        result = db.session.execute(statement.execution_options(yield_per=BATCH))
        for (code, name, kecamatan, kelurahan, officer_name, item, specification, quantity, unit, value,
             received_on, letter_number, checked_on, condition, note) in result:
            due = checked_on is None or checked_on < cutoff
            yield [code, name, kecamatan, kelurahan, officer_name or "", item, specification or "", quantity, unit,
                   value, received_on, letter_number or "", checked_on, condition or "belum diperiksa", note or "",
                   "ya" if due else "tidak"]

    return EQUIPMENT_HEADERS, rows()
