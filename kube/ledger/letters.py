"""Grant letters (Berita Acara Serah Terima): numbering, issuing at handover, replacing, verifying, exporting.

A letter is issued once, in the handover's transaction: it takes the next number of the handover
year's sequence (a counter row locked until commit, so numbers are never reused or skipped),
is rendered to PDF and stored with its SHA-256, and is never changed afterwards. A correction is a
new letter with a new number that names the one it replaces; the old one stays, marked replaced.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import string
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import segno
from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload, undefer

from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.core.errors import Conflict, InvalidTransition, ValidationFailed
from kube.core.formatting import format_long_date, format_rupiah
from kube.core.identity import mask_nik
from kube.core.pdf import render_pdf
from kube.core.spreadsheet import csv_row
from kube.core.terbilang import date_digits, date_in_words, quantity_in_words, rupiah_in_words
from kube.extensions import db
from kube.groups.models import MEMBER_ROLES, Member, Region
from kube.ledger.models import PROGRAMS, Grant, Letter, LetterSequence

#: Indexed by month number (index 0 unused): letter numbers carry the month in Roman numerals.
ROMAN_MONTHS = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
#: 16 random bytes (128 bits): 22 URL-safe characters, short to print and impossible to guess.
TOKEN_BYTES = 16
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
EXPORT_FORMATS = ("pdf", "zip")
PROGRAM_NAMES = {"KUBE": "Kelompok Usaha Bersama (KUBE)", "UEP": "Usaha Ekonomi Produktif (UEP)"}
MANIFEST_NAME = "daftar-berita-acara.csv"


# -- numbers ----------------------------------------------------------------------------------

def format_letter_number(pattern: str, seq: int, on: date, program: str) -> str:
    """A letter number from the configured pattern: 460/017/BAST-Dinsos/VIII/2024."""
    return pattern.format(seq=seq, year=on.year, month=on.month, month_roman=ROMAN_MONTHS[on.month],
                          program=program)


#: The largest seq a number read back may hold; more letters than this in a year is not plausible.
MAX_SEQ = 999_999
#: What each field of LETTER_NUMBER_PATTERN looks like inside a number, for reading numbers back.
_FIELD_SHAPES = {
    "seq": r"[0-9]+",
    "year": r"[0-9]{4}",
    "month": r"[0-9]{1,2}",
    # Longest first, so that XII is not read as XI followed by a stray I.
    "month_roman": "|".join(sorted(ROMAN_MONTHS[1:], key=len, reverse=True)),
    "program": "|".join(PROGRAMS),
}


@lru_cache(maxsize=8)
def letter_number_regex(pattern: str) -> re.Pattern:
    """A regular expression reading numbers made by `pattern` back into their fields (seq, year, ...).

    Built from the pattern's own format fields, so a changed KUBE_LETTER_NUMBER_PATTERN is read
    the same way it is written. Letter case is ignored and a zero-padded seq may have more or fewer
    digits: a number the office wrote by hand in another case still names the same (year, seq).
    """
    parts, seen = [], set()
    for literal, field, _spec, _conversion in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field not in _FIELD_SHAPES:  # e.g. {year.real}: passes the start-up check, matched loosely
            parts.append("(?:.+?)")
        elif field in seen:  # a field used twice must say the same both times
            parts.append(f"(?P={field})")
        else:
            parts.append(f"(?P<{field}>{_FIELD_SHAPES[field]})")
            seen.add(field)
    return re.compile("".join(parts), re.IGNORECASE)


def parse_letter_number(pattern: str, number: str) -> tuple[int, int] | None:
    """The (year, seq) of a number made by `pattern` (460/741/BAST-Dinsos/III/2025 -> (2025, 741)), else None."""
    found = letter_number_regex(pattern).fullmatch((number or "").strip())
    if found is None:
        return None
    fields = found.groupdict()
    if "month" in fields and not 1 <= int(fields["month"]) <= 12:
        return None
    seq, year = int(fields["seq"]), int(fields["year"])
    # Beyond these a number is a typing slip, not a place a sequence could reach (nor fit its column).
    if not (1 <= seq <= MAX_SEQ and 1945 <= year <= 2100):
        return None
    return year, seq


def _upsert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def raise_sequence_to(year: int, seq: int) -> None:
    """Make `year`'s sequence stand at `seq` or later, so live letters of that year take higher numbers.

    The same INSERT ... ON CONFLICT DO UPDATE as `take_sequence_number`: on PostgreSQL it locks the
    year's counter row until the transaction ends, so a handover taking a number waits for it
    (and the other way round); it never lowers the counter.
    """
    statement = _upsert()(LetterSequence).values(year=year, last_seq=seq)
    statement = statement.on_conflict_do_update(
        index_elements=[LetterSequence.year],
        set_={"last_seq": case((LetterSequence.last_seq < statement.excluded.last_seq, statement.excluded.last_seq),
                               else_=LetterSequence.last_seq)},
    )
    db.session.execute(statement)


def take_sequence_number(year: int) -> int:
    """The next number of `year`'s sequence, starting at 1.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: on PostgreSQL it locks the year's counter row
    until the transaction ends, so concurrent handovers queue and each gets the next number; a
    rollback undoes the increment, so no number is skipped. SQLite write transactions already hold
    the database's write lock (BEGIN IMMEDIATE, see kube.core.database).
    """
    statement = (
        _upsert()(LetterSequence).values(year=year, last_seq=1)
        .on_conflict_do_update(index_elements=[LetterSequence.year],
                               set_={"last_seq": LetterSequence.last_seq + 1})
        .returning(LetterSequence.last_seq)
    )
    return db.session.execute(statement).scalar_one()


# -- what a letter says -----------------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    """One side of the handover as printed: name, identity number, position and address."""

    name: str
    id_label: str
    id_number: str
    position: str
    address: str = ""


@dataclass(frozen=True)
class ItemLine:
    """One row of the item table."""

    number: int
    kind: str
    item: str
    specification: str
    quantity: int
    unit: str
    quantity_in_words: str
    unit_value: int
    total: int


@dataclass(frozen=True)
class AnnexMember:
    """One row of the member list on the second page (a UEP letter's only row is its recipient); NIK masked."""

    number: int
    name: str
    masked_nik: str
    role: str
    sex: str


@dataclass(frozen=True)
class LetterContent:
    """Everything the letter template prints, computed here so the template only lays it out."""

    number: str
    title: str
    letter_date: date
    opening: str
    place_and_date: str
    program: str
    program_name: str
    budget_year: int
    funding_source: str
    what: str
    giver: Party
    receiver: Party
    group_name: str
    group_code: str
    group_address: str
    kelurahan: str
    kecamatan: str
    lines: tuple[ItemLine, ...]
    total: int
    total_in_words: str
    has_equipment: bool
    has_cash: bool
    #: The officer's note on the grant (free text, printed as "Keterangan"; not on the public page).
    note: str
    stamp_duty: int | None
    head: Party | None
    members: tuple[AnnexMember, ...]
    replaces_number: str | None
    replaces_date: date | None
    verify_url: str
    #: segno's SVG drawing of the QR code (generated here from the URL, never from user input).
    qr_svg: Markup
    office_government: str
    office_name: str
    office_address: str
    logo: str

    def public_facts(self) -> dict:
        """The facts the public verification page shows: no NIK, no member or recipient data."""
        return {
            "number": self.number,
            "date": self.letter_date.isoformat(),
            "program": self.program,
            "budget_year": self.budget_year,
            "office": {"government": self.office_government, "name": self.office_name},
            "group": {"name": self.group_name, "code": self.group_code, "kelurahan": self.kelurahan,
                      "kecamatan": self.kecamatan},
            "items": [{"kind": line.kind, "item": line.item, "specification": line.specification,
                       "quantity": line.quantity, "unit": line.unit, "unit_value": line.unit_value,
                       "total": line.total} for line in self.lines],
            "total": self.total,
            "replaces": self.replaces_number,
        }


def verification_url(token: str) -> str:
    """The public address printed on a letter; built from configuration so CLI and threads can make it too."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{token}"


def qr_code_svg(url: str) -> Markup:
    """An inline SVG QR code for `url` (nothing to fetch while rendering)."""
    code = segno.make(url, error="m", micro=False)
    # omitsize: the stylesheet sets the printed size. A one-module border, because the letter's white
    # margin around the code completes the four-module quiet zone scanners need.
    return Markup(code.svg_inline(scale=1, border=1, omitsize=True, dark="#000"))


def _members_on(group_id: int, on: date) -> list[Member]:
    """The group's members on the handover day, ketua first."""
    members = db.session.scalars(
        select(Member).where(Member.group_id == group_id, Member.joined_on <= on,
                             or_(Member.left_on.is_(None), Member.left_on > on))
    ).all()
    return sorted(members, key=lambda m: (MEMBER_ROLES.index(m.role), m.name.casefold(), m.id))


def _letter_title(lines) -> str:
    if any(line.kind == "equipment" for line in lines):
        return "BERITA ACARA SERAH TERIMA BARANG"
    return "BERITA ACARA SERAH TERIMA BANTUAN"


def _what_is_handed_over(has_equipment: bool, has_cash: bool) -> str:
    if has_equipment and has_cash:
        return "barang dan uang tunai"
    return "barang" if has_equipment else "uang tunai"


def letter_content(grant: Grant, number: str, token: str, replaces: Letter | None = None) -> LetterContent:
    """What the letter of `grant` prints, from the grant, its group, its people and the configuration.

    The text is Indonesian whatever the reader's interface language: the letter is an official
    document of the office, so none of it goes through translation.
    """
    config = current_app.config
    on = grant.handover_date
    group = grant.group
    kelurahan = group.kelurahan
    kecamatan = db.session.get(Region, kelurahan.parent_code)
    officer: User = grant.handed_over_by
    recipient: Member = grant.received_by
    giver = Party(officer.full_name, "NIP", officer.nip or "-",
                  officer.position or f"Petugas {config['OFFICE_NAME']}")
    if grant.program == "UEP":
        position = f"Penerima Bantuan UEP, anggota {group.name} ({group.code})"
        annexed = [grant.member]  # one member's grant: the letter names that member, not the whole group
    else:
        position = f"Ketua {group.name} ({group.code})"
        annexed = _members_on(group.id, on)
    home_kecamatan = db.session.get(Region, recipient.kelurahan.parent_code)
    home = ", ".join(part for part in (recipient.address, f"Kelurahan {recipient.kelurahan.name}",
                                       f"Kecamatan {home_kecamatan.name}" if home_kecamatan else "") if part)
    receiver = Party(recipient.name, "NIK", recipient.nik, position, home)
    head = None
    if config.get("OFFICE_HEAD_NAME"):
        head = Party(config["OFFICE_HEAD_NAME"], "NIP", config.get("OFFICE_HEAD_NIP") or "-",
                     config.get("OFFICE_HEAD_POSITION") or "")
    lines = tuple(
        ItemLine(index, line.kind, line.item, line.specification, line.quantity, line.unit,
                 quantity_in_words(line.quantity, line.unit), line.unit_value, line.total)
        for index, line in enumerate(grant.lines, start=1)
    )
    has_equipment = any(line.kind == "equipment" for line in lines)
    has_cash = any(line.kind == "cash" for line in lines)
    members = tuple(
        AnnexMember(index, member.name, mask_nik(member.nik), member.role.capitalize(), member.sex)
        for index, member in enumerate(annexed, start=1)
    )
    url = verification_url(token)
    stamp_duty = config["STAMP_DUTY_AMOUNT"] if grant.total > config["STAMP_DUTY_THRESHOLD"] else None
    return LetterContent(
        number=number,
        title=_letter_title(lines),
        letter_date=on,
        opening=f"Pada hari ini {date_in_words(on)} ({date_digits(on)}), kami yang bertanda tangan di bawah ini:",
        place_and_date=f"{config['OFFICE_CITY']}, {format_long_date(on, 'id')}",
        program=grant.program,
        program_name=PROGRAM_NAMES.get(grant.program, grant.program),
        budget_year=grant.budget.year,
        funding_source=grant.budget.source,
        what=_what_is_handed_over(has_equipment, has_cash),
        giver=giver,
        receiver=receiver,
        group_name=group.name,
        group_code=group.code,
        group_address=group.address,
        kelurahan=kelurahan.name,
        kecamatan=kecamatan.name if kecamatan else "",
        lines=lines,
        total=grant.total,
        total_in_words=rupiah_in_words(grant.total),
        has_equipment=has_equipment,
        has_cash=has_cash,
        note=(grant.note or "").strip(),
        stamp_duty=stamp_duty,
        head=head,
        members=members,
        replaces_number=replaces.number if replaces else None,
        replaces_date=replaces.letter_date if replaces else None,
        verify_url=url,
        qr_svg=qr_code_svg(url),
        office_government=config["OFFICE_GOVERNMENT"],
        office_name=config["OFFICE_NAME"],
        office_address=config["OFFICE_ADDRESS"],
        logo=config.get("OFFICE_LOGO") or "",
    )


def render_letter_html(content: LetterContent) -> str:
    """The letter as HTML for WeasyPrint (Jinja escapes every value taken from the database)."""
    return render_template("letters/letter.html", letter=content, rupiah=lambda amount: format_rupiah(amount, "id"),
                           long_date=lambda d: format_long_date(d, "id"))


# -- issuing and replacing --------------------------------------------------------------------

def _issue(grant: Grant, actor: User, replaces: Letter | None = None, reason: str = "") -> Letter:
    on = grant.handover_date
    seq = take_sequence_number(on.year)
    number = format_letter_number(current_app.config["LETTER_NUMBER_PATTERN"], seq, on, grant.program)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    content = letter_content(grant, number, token, replaces)
    pdf = render_pdf(render_letter_html(content))
    letter = Letter(grant_id=grant.id, number=number, year=on.year, seq=seq, letter_date=on,
                    issued_by_id=actor.id if actor else None, token=token, pdf=pdf,
                    sha256=hashlib.sha256(pdf).hexdigest(), public_facts=content.public_facts(),
                    replaces=replaces, reason=reason)
    db.session.add(letter)
    grant.letter_number = number
    db.session.flush()
    return letter


def issue_letter(grant: Grant, actor: User) -> Letter:
    """Number, render and store the letter of a grant being handed over, in the handover's transaction."""
    if grant.status != "handed_over" or grant.handover_date is None:
        raise InvalidTransition(_("Berita acara dibuat pada saat serah terima bantuan."))
    if grant.historical:
        raise InvalidTransition(_("Bantuan riwayat sudah punya berita acara kertas; Kube hanya menyimpan pindaiannya."))
    if db.session.scalar(select(Letter.id).where(Letter.grant_id == grant.id).limit(1)) is not None:
        raise Conflict(_("Bantuan ini sudah memiliki berita acara; koreksi dilakukan dengan surat pengganti."))
    letter = _issue(grant, actor)
    record_audit("letter.issue", "grant", grant.id, f"{letter.number} sha256 {letter.sha256}", actor=actor)
    return letter


def replace_letter(letter: Letter, reason: str, actor: User) -> Letter:
    """Issue a corrected letter with a new number that names `letter`; the old one stays, marked replaced."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Alasan penggantian wajib diisi.")
        raise ValidationFailed(message, fields={"reason": [message]})
    if letter.scanned:
        # Kube did not write a scanned letter and cannot render one for a handover it did not record.
        raise InvalidTransition(_("Pindaian berita acara dari sebelum Kube tidak dapat diganti di Kube."))
    # Lock the letter being replaced, so two officers correcting it at once cannot both succeed.
    db.session.execute(select(Letter.id).where(Letter.id == letter.id).with_for_update())
    replacement = db.session.scalar(select(Letter).where(Letter.replaces_id == letter.id))
    if replacement is not None:
        raise InvalidTransition(_("Surat ini sudah diganti dengan surat nomor %(n)s.", n=replacement.number))
    new = _issue(letter.grant, actor, replaces=letter, reason=reason[:500])
    record_audit("letter.replace", "grant", letter.grant_id,
                 f"{letter.number} diganti {new.number}: {reason}", actor=actor)
    return new


# -- finding letters --------------------------------------------------------------------------

def current_letter(grant_id: int) -> Letter | None:
    """The letter in force for a grant: the one no other letter replaces."""
    replaced = select(Letter.replaces_id).where(Letter.replaces_id.is_not(None))
    return db.session.scalar(
        select(Letter).where(Letter.grant_id == grant_id, Letter.id.not_in(replaced))
        .order_by(Letter.id.desc()).limit(1)
    )


def grant_letters(grant_id: int) -> list[Letter]:
    """Every letter of a grant, newest first, with who replaced which (two queries, no PDF bytes)."""
    return list(db.session.scalars(
        select(Letter).where(Letter.grant_id == grant_id)
        .options(selectinload(Letter.replaced_by), selectinload(Letter.replaces))
        .order_by(Letter.id.desc())
    ))


def letter_for_token(token: str) -> Letter | None:
    """The letter a verification token names, or None (also for anything not shaped like a token)."""
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return db.session.scalar(
        select(Letter).where(Letter.token == token)
        .options(selectinload(Letter.replaced_by), selectinload(Letter.replaces))
    )


def verification_facts(letter: Letter) -> dict:
    """The public facts of a letter plus its state: valid, or replaced (and by which number)."""
    facts = dict(letter.public_facts)
    replacement = letter.replaced_by
    facts.update({
        "status": "valid" if replacement is None else "replaced",
        "replaced_by": None if replacement is None else {
            "number": replacement.number, "date": replacement.letter_date.isoformat(),
            "verify_url": verification_url(replacement.token)},
        "total_in_words": rupiah_in_words(facts["total"]),
        "sha256": letter.sha256,
        "verify_url": verification_url(letter.token),
        "scanned": letter.scanned,
        "archive_note": _("Pindaian arsip berita acara kertas yang diterbitkan sebelum Kube digunakan; "
                          "Kube menyimpan berkas ini apa adanya beserta sidik SHA-256-nya.") if letter.scanned else None,
    })
    return facts


# -- bulk export ------------------------------------------------------------------------------

def letters_query(year: int, program: str | None = None) -> Select:
    """Issued letters of one year (the year of their number), optionally of one program, in number order."""
    statement = select(Letter).where(Letter.year == year)
    if program:
        statement = statement.join(Grant, Grant.id == Letter.grant_id).where(Grant.program == program)
    # Scans whose numbers follow no pattern have no seq: after the numbered ones, in upload order.
    return statement.order_by(Letter.seq.is_(None), Letter.seq, Letter.id)


def count_letters(year: int, program: str | None = None) -> int:
    """How many letters an export of (year, program) holds."""
    return db.session.scalar(select(func.count()).select_from(letters_query(year, program).order_by(None)
                                                              .subquery()))


def export_file_name(letter: Letter) -> str:
    """A file name for one letter inside an export: the number with only safe characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", letter.number).strip("-.")
    place = "arsip" if letter.seq is None else f"{letter.seq:04d}"
    return f"{letter.year}-{place}_{safe}.pdf"


def _iter_letters(year: int, program: str | None) -> Iterator[Letter]:
    # A few letters' bytes in memory at a time, however many the year has.
    statement = (letters_query(year, program)
                 .options(undefer(Letter.pdf), selectinload(Letter.replaced_by), selectinload(Letter.replaces))
                 .execution_options(yield_per=25))
    yield from db.session.scalars(statement)


def _manifest_row(letter: Letter) -> list[str]:
    facts = letter.public_facts
    # A group name such as =HYPERLINK(...) stays text when the list is opened in a spreadsheet.
    return csv_row((
        letter.number, facts["date"], facts["program"], facts["group"]["code"], facts["group"]["name"],
        facts["total"], letter.sha256, "berlaku" if letter.replaced_by is None else "diganti",
        letter.replaced_by.number if letter.replaced_by else "", letter.replaces.number if letter.replaces else "",
        export_file_name(letter),
    ))


MANIFEST_HEADERS = ["nomor", "tanggal", "program", "kode_kelompok", "nama_kelompok", "total_rupiah", "sha256",
                    "status", "diganti_oleh", "menggantikan", "berkas"]


def write_export(year: int, program: str | None, fmt: str, target, progress: Callable[[Letter], None] | None = None
                 ) -> int:
    """Write the issued letters of (year, program) to a binary file as one PDF or a ZIP; returns how many.

    The ZIP holds each stored PDF byte for byte (their SHA-256 still match) and a CSV list; the
    PDF puts the stored letters one after another, with a bookmark per number, for printing.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"export format must be one of {EXPORT_FORMATS}")
    written = 0
    if fmt == "zip":
        manifest = io.StringIO()
        rows = csv.writer(manifest, lineterminator="\r\n")
        rows.writerow(csv_row(MANIFEST_HEADERS))
        with zipfile.ZipFile(target, "w") as archive:
            for letter in _iter_letters(year, program):
                stamp = letter.issued_at.timetuple()[:6]
                # PDFs are compressed already: stored as they are.
                archive.writestr(zipfile.ZipInfo(export_file_name(letter), stamp), letter.pdf,
                                 compress_type=zipfile.ZIP_STORED)
                rows.writerow(_manifest_row(letter))
                written += 1
                if progress:
                    progress(letter)
            archive.writestr(MANIFEST_NAME, "\ufeff" + manifest.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
        return written
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for letter in _iter_letters(year, program):
        writer.append(PdfReader(io.BytesIO(letter.pdf)), outline_item=letter.number)
        written += 1
        if progress:
            progress(letter)
    if written:
        writer.write(target)
    return written
