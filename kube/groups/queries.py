"""Read-side queries for the group list (page, API and CSV/XLSX export) and member search: filters, sorting, counts."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from kube.auth.models import User
from kube.auth.roles import OFFICER, can_see_full_nik, visible_groups
from kube.core.identity import normalize_number
from kube.core.pagination import paginate
from kube.extensions import db
from kube.groups.labels import business_type_labels
from kube.groups.models import GROUP_STATUSES, Group, Member, Region

#: Sort keys offered on the group list -> what they order by (the member count is added per query).
GROUP_SORTS = ("code", "name", "formed_on", "members")
MEMBERSHIP_FILTERS = ("current", "former")
#: Digits needed before a partial NIK is searched (fewer would match almost everyone).
MIN_PARTIAL_NIK_DIGITS = 4


# -- regions ----------------------------------------------------------------------------------

@dataclass
class RegionCatalogue:
    """Every kecamatan and kelurahan, loaded in one query, for select boxes and names."""

    kecamatan: list[Region] = field(default_factory=list)
    kelurahan: list[Region] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    #: Kelurahan names that occur in more than one kecamatan (Sukawana).
    repeated_names: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> RegionCatalogue:
        """All regions in code order."""
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        kelurahan = [r for r in regions if r.level == "kelurahan"]
        counts = Counter(r.name for r in kelurahan)
        return cls(
            kecamatan=[r for r in regions if r.level == "kecamatan"],
            kelurahan=kelurahan,
            names={r.code: r.name for r in regions},
            repeated_names={name for name, n in counts.items() if n > 1},
        )

    def kelurahan_label(self, region: Region) -> str:
        """A kelurahan's name, with its kecamatan when the name repeats: Sukawana (Curug)."""
        if region.name in self.repeated_names:
            return f"{region.name} ({self.names.get(region.parent_code, region.parent_code)})"
        return region.name

    def kelurahan_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Kelurahan grouped by kecamatan (WTForms renders a dict as <optgroup>s), values are codes."""
        return {
            kecamatan.name: [(k.code, self.kelurahan_label(k)) for k in self.kelurahan
                             if k.parent_code == kecamatan.code]
            for kecamatan in self.kecamatan
        }

    def kecamatan_name_of(self, kelurahan_code: str | None) -> str:
        """The kecamatan name of a kelurahan code."""
        kecamatan_code = ".".join((kelurahan_code or "").split(".")[:3])  # 36.73.04.1002 -> 36.73.04
        return self.names.get(kecamatan_code, "-")


def officer_choices(include_id: int | None = None) -> list[User]:
    """Active officers, plus the given officer (e.g. a group's current, now inactive, pendamping)."""
    condition = User.active.is_(True)
    if include_id is not None:
        condition = condition | (User.id == include_id)
    return list(db.session.scalars(
        select(User).where(User.role == OFFICER, condition).order_by(User.full_name, User.id)
    ))


# -- NIK search -------------------------------------------------------------------------------

def nik_condition(column, text: str, viewer):
    """Match a NIK typed with or without separators: whole NIKs for everyone, parts only for full-NIK roles.

    Roles that see masked NIKs may find a person by the full number, but not probe digit by
    digit, or a search box would reveal what the masking hides. This is the one place the rule
    lives: the group list, its API and its export, and the member search all match NIKs here.
    """
    digits = normalize_number(text)
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) == 16:
        return column == digits
    if len(digits) >= MIN_PARTIAL_NIK_DIGITS and can_see_full_nik(viewer):
        return column.contains(digits, autoescape=True)
    return None


# -- the group list ---------------------------------------------------------------------------

def _choice(value: str | None, allowed) -> str:
    value = (value or "").strip()
    return value if value in allowed else ""


def mine_first(officer_column, viewer):
    """An ORDER BY key putting rows of the groups `viewer` accompanies (pendamping) before the rest."""
    return case((officer_column == getattr(viewer, "id", None), 0), else_=1)


def in_kecamatan(kelurahan_code_column, kecamatan_code: str):
    """A WHERE clause: the kelurahan in `kelurahan_code_column` lies in this kecamatan.

    The one definition of "in a kecamatan" for groups, members, grants, flags and reports.
    """
    return kelurahan_code_column.in_(
        select(Region.code).where(Region.parent_code == kecamatan_code, Region.level == "kelurahan"))


@dataclass
class GroupFilters:
    """What the group list is narrowed and ordered by, parsed from query arguments (unknown values ignored).

    `viewer` is the user asking: the list only ever holds the groups they may see.
    """

    viewer: object = None
    q: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    status: str = ""
    business_type: str = ""
    #: A user id, "none" for groups without a pendamping, or "" for any.
    officer: str = ""
    sort: str = "code"
    descending: bool = False

    @classmethod
    def from_args(cls, args, viewer, business_types=None) -> GroupFilters:
        """Read `q`, `kecamatan`, `kelurahan`, `status`, `business_type`, `officer` and `sort` (`-name` = descending).

        The list page and its CSV/XLSX export both read their arguments here, so the export link
        (the list's own arguments) exports the list. `business_types` (code -> label) is loaded
        when not given.
        """
        if business_types is None:
            business_types = business_type_labels()
        sort = (args.get("sort") or "code").strip()
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in GROUP_SORTS:
            sort, descending = "code", False
        officer = (args.get("officer") or "").strip()
        if officer != "none" and not (officer.isascii() and officer.isdigit()):
            officer = ""
        return cls(
            viewer=viewer,
            q=(args.get("q") or "").strip()[:100],
            kecamatan=(args.get("kecamatan") or "").strip()[:13],
            kelurahan=(args.get("kelurahan") or "").strip()[:13],
            status=_choice(args.get("status"), GROUP_STATUSES),
            business_type=_choice(args.get("business_type"), business_types),
            officer=officer,
            sort=sort,
            descending=descending,
        )

    @property
    def sort_arg(self) -> str:
        """The `sort` argument that gives this order."""
        return ("-" if self.descending else "") + self.sort


def current_member_count(group: Group) -> int:
    """The group's current members (those who have not left), counted in SQL."""
    return db.session.scalar(
        select(func.count(Member.id)).where(Member.group_id == group.id, Member.left_on.is_(None))
    ) or 0


def current_ketuas(group_ids: list[int]) -> dict[int, Member]:
    """The current ketua of each of these groups, by group id, in one query (groups without one are left out)."""
    if not group_ids:
        return {}
    query = select(Member).where(Member.group_id.in_(group_ids), Member.role == "ketua", Member.left_on.is_(None))
    return {member.group_id: member for member in db.session.scalars(query)}


def member_count_column():
    """Current members of the group in the enclosing query (a correlated scalar subquery)."""
    return (
        select(func.count(Member.id))
        .where(Member.group_id == Group.id, Member.left_on.is_(None))
        .correlate(Group)
        .scalar_subquery()
        .label("member_count")
    )


def group_conditions(filters: GroupFilters) -> list:
    """WHERE clauses for the filters, limited to the groups the current user may see."""
    conditions = [visible_groups(filters.viewer, Group.id)]
    if filters.q:
        member = aliased(Member)  # an alias: the member export selects Member itself
        member_match = member.name.icontains(filters.q, autoescape=True)
        by_nik = nik_condition(member.nik, filters.q, filters.viewer)
        if by_nik is not None:
            member_match = or_(member_match, by_nik)
        conditions.append(or_(
            Group.name.icontains(filters.q, autoescape=True),
            Group.code.icontains(filters.q, autoescape=True),
            exists().where(member.group_id == Group.id, member.left_on.is_(None), member_match),
        ))
    if filters.kecamatan:
        conditions.append(in_kecamatan(Group.kelurahan_code, filters.kecamatan))
    if filters.kelurahan:
        conditions.append(Group.kelurahan_code == filters.kelurahan)
    if filters.status:
        conditions.append(Group.status == filters.status)
    if filters.business_type:
        conditions.append(Group.business_type == filters.business_type)
    if filters.officer == "none":
        conditions.append(Group.officer_id.is_(None))
    elif filters.officer:
        conditions.append(Group.officer_id == int(filters.officer))
    return conditions


def filtered_groups(filters: GroupFilters, *columns, member_count=None) -> Select:
    """`select(*columns)` from Group, narrowed by the filters to groups the user may see, in the list's order.

    The one statement behind the group list page, its API and the CSV/XLSX exports, so an
    export holds exactly the list's groups, in the list's order. Callers join more tables onto
    Group (regions, ketua, members) and add loader options. `member_count` is the column the
    `members` sort orders by when the caller selects it already; otherwise a fresh one is used.
    """
    count = member_count if member_count is not None else member_count_column()
    order = {
        "code": Group.id,  # the code is derived from the id; the id sorts KUBE-3673-10000 after -9999
        "name": func.lower(Group.name),
        "formed_on": Group.formed_on,
        "members": count,
    }[filters.sort]
    order = order.desc() if filters.descending else order.asc()
    tie = Group.id.desc() if filters.descending else Group.id.asc()
    return select(*columns).select_from(Group).where(*group_conditions(filters)).order_by(order, tie)


def group_list_query(filters: GroupFilters) -> Select:
    """Rows of (Group, member_count), kelurahan and officer loaded in the same statement, in the chosen order."""
    count = member_count_column()
    return filtered_groups(filters, Group, count, member_count=count).options(
        joinedload(Group.kelurahan), joinedload(Group.officer))


def group_count_query(filters: GroupFilters) -> Select:
    """How many groups match the filters."""
    return select(func.count(Group.id)).where(*group_conditions(filters))


def paginate_groups(filters: GroupFilters) -> Pagination:
    """One page of (Group, member_count) rows in two statements: the page and the total."""
    return paginate(group_list_query(filters), count_statement=group_count_query(filters))


# -- member search ----------------------------------------------------------------------------

@dataclass
class MemberFilters:
    """Member search across groups: name or NIK, kecamatan of residence, current or former, as `viewer` may see."""

    viewer: object = None
    q: str = ""
    kecamatan: str = ""
    membership: str = ""

    @classmethod
    def from_args(cls, args, viewer) -> MemberFilters:
        """Read `q`, `kecamatan` and `membership` (current, former or empty for both)."""
        return cls(
            viewer=viewer,
            q=(args.get("q") or "").strip()[:100],
            kecamatan=(args.get("kecamatan") or "").strip()[:13],
            membership=_choice(args.get("membership"), MEMBERSHIP_FILTERS),
        )


def member_search_query(filters: MemberFilters) -> Select:
    """Members matching the filters, with their group and kelurahan loaded in the same statement."""
    query = (
        select(Member)
        .join(Member.group)
        .where(visible_groups(filters.viewer, Member.group_id))
        .options(joinedload(Member.group), joinedload(Member.kelurahan))
        .order_by(func.lower(Member.name), Member.id)
    )
    if filters.q:
        match = Member.name.icontains(filters.q, autoescape=True)
        by_nik = nik_condition(Member.nik, filters.q, filters.viewer)
        query = query.where(or_(match, by_nik) if by_nik is not None else match)
    if filters.kecamatan:
        query = query.where(in_kecamatan(Member.kelurahan_code, filters.kecamatan))
    if filters.membership == "current":
        query = query.where(Member.left_on.is_(None))
    elif filters.membership == "former":
        query = query.where(Member.left_on.is_not(None))
    return query

