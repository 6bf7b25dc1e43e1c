"""Export groups and members to CSV or XLSX with the group list's filters, in one query each.

The filters, their order and the NIK-probing rule are the list's own (`kube.groups.queries.
filtered_groups`), so an export holds exactly the groups the list shows for the same arguments.

Headers are fixed Indonesian (not translated with the interface language) so files stay
comparable between users, and the member export uses the importer's column names so an
exported list can be corrected and imported again. Full NIK and No. KK only for roles
that may see them (`mask` decides); everyone else gets `3673**********01`.
Every cell is written by `kube.core.spreadsheet` (stored text never runs as a formula).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Select, and_, case
from sqlalchemy.orm import aliased

from kube.auth.models import User
from kube.core.identity import mask_nik
from kube.core.spreadsheet import csv_row, xlsx_row
from kube.extensions import db
from kube.groups.importer import COLUMN_LABELS
from kube.groups.labels import STATUS_LABELS, business_type_labels
from kube.groups.models import Group, Member, Region
from kube.groups.queries import GroupFilters, filtered_groups, member_count_column

#: Rows fetched per round trip while streaming.
BATCH = 1000


# -- rows -------------------------------------------------------------------------------------

GROUP_HEADERS = [
    "Kode Kelompok", "Nama Kelompok", "Jenis Usaha", "Status", "Kecamatan", "Kelurahan", "Kode Kelurahan",
    "Alamat", "Tanggal Terbentuk", "Pendamping", "Jumlah Anggota", "Ketua", "NIK Ketua", "Telepon Ketua",
    "Bank", "No Rekening", "Tanggal Bantuan Kube",
]

MEMBER_HEADERS = [
    COLUMN_LABELS["group"], "Nama Kelompok", COLUMN_LABELS["nik"], COLUMN_LABELS["kk"], COLUMN_LABELS["name"],
    COLUMN_LABELS["sex"], COLUMN_LABELS["birth_date"], COLUMN_LABELS["role"], COLUMN_LABELS["address"],
    COLUMN_LABELS["kelurahan"], "Nama Kelurahan", "Kecamatan", COLUMN_LABELS["phone"],
    COLUMN_LABELS["household_size"], COLUMN_LABELS["decile"], COLUMN_LABELS["decile_as_of"],
    COLUMN_LABELS["extreme_poor"], COLUMN_LABELS["joined_on"],
]


def groups_rows_query(filters: GroupFilters) -> Select:
    """One query for the group export: regions, officer, current member count and ketua joined in."""
    kelurahan, kecamatan, officer, ketua = aliased(Region), aliased(Region), aliased(User), aliased(Member)
    member_count = member_count_column()
    return (
        filtered_groups(filters, Group.code, Group.name, Group.business_type, Group.status, kecamatan.name,
                        kelurahan.name, Group.kelurahan_code, Group.address, Group.formed_on, officer.full_name,
                        member_count, ketua.name, ketua.nik, ketua.phone, Group.bank_name, Group.bank_account,
                        Group.kube_grant_received_on, member_count=member_count)
        .join(kelurahan, kelurahan.code == Group.kelurahan_code)
        .join(kecamatan, kecamatan.code == kelurahan.parent_code)
        .outerjoin(officer, officer.id == Group.officer_id)
        .outerjoin(ketua, and_(ketua.group_id == Group.id, ketua.role == "ketua", ketua.left_on.is_(None)))
    )


def members_rows_query(filters: GroupFilters) -> Select:
    """One query for the member export: current members of the filtered groups in the list's order, offices first."""
    kelurahan, kecamatan = aliased(Region), aliased(Region)
    office_order = case({"ketua": 0, "sekretaris": 1, "bendahara": 2}, value=Member.role, else_=3)
    return (
        filtered_groups(filters, Group.code, Group.name, Member.nik, Member.kk, Member.name, Member.sex,
                        Member.birth_date, Member.role, Member.address, Member.kelurahan_code, kelurahan.name,
                        kecamatan.name, Member.phone, Member.household_size, Member.decile, Member.decile_as_of,
                        Member.extreme_poor, Member.joined_on)
        .join(Member, Member.group_id == Group.id)
        .join(kelurahan, kelurahan.code == Member.kelurahan_code)
        .join(kecamatan, kecamatan.code == kelurahan.parent_code)
        .where(Member.left_on.is_(None))
        .order_by(office_order, Member.id)  # after the list's group order
    )


def group_rows(filters: GroupFilters, mask: bool) -> Iterator[list]:
    """The group export's rows (Python values: dates stay dates), fetched in batches; `mask` hides NIKs."""
    labels = business_type_labels()
    statuses = {code: str(label) for code, label in STATUS_LABELS.items()}  # translated once, not per row
    query = groups_rows_query(filters)
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for (code, name, business, status, kecamatan, kelurahan, kelurahan_code, address, formed_on, officer, count,
         ketua, ketua_nik, ketua_phone, bank, account, grant_on) in result:
        yield [code, name, labels.get(business, business), statuses.get(status, status), kecamatan,
               kelurahan, kelurahan_code, address, formed_on, officer or "", count, ketua or "",
               (mask_nik(ketua_nik) if mask else ketua_nik) or "", ketua_phone or "", bank or "", account or "",
               grant_on]


def member_rows(filters: GroupFilters, mask: bool) -> Iterator[list]:
    """The member export's rows, fetched in batches."""
    query = members_rows_query(filters)
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for (code, group_name, nik, kk, name, sex, birth, role, address, kelurahan_code, kelurahan, kecamatan, phone,
         household, decile, decile_as_of, extreme_poor, joined_on) in result:
        yield [code, group_name, mask_nik(nik) if mask else nik, mask_nik(kk) if mask else kk, name, sex, birth,
               role, address, kelurahan_code, kelurahan, kecamatan, phone or "", household, decile, decile_as_of,
               "ya" if extreme_poor else "tidak", joined_on]


# -- formats ----------------------------------------------------------------------------------

def csv_stream(headers: list[str], rows: Iterator[list]) -> Iterator[str]:
    """CSV text in chunks, starting with a UTF-8 byte-order mark so Excel reads the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(csv_row(headers))
    for index, row in enumerate(rows, start=1):
        writer.writerow(csv_row(row))
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


#: Columns written as text so Excel keeps all 16 digits and leading zeros.
_TEXT_COLUMNS = {"NIK", "No KK", "NIK Ketua", "Telepon", "Telepon Ketua", "No Rekening"}


def xlsx_bytes(headers: list[str], rows: Iterator[list], title: str) -> bytes:
    """An XLSX workbook (one sheet, frozen bold header, dates as Excel dates) as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 4))
    sheet.append(xlsx_row(sheet, headers, font=Font(bold=True)))
    text_columns = {index for index, header in enumerate(headers) if header in _TEXT_COLUMNS}
    for row in rows:
        sheet.append(xlsx_row(sheet, row, text_columns))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
