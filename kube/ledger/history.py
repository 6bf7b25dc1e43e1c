"""Grants handed over before Kube went live: the go-live day, historical grants and scans of their letters.

The office handed out grants for years before it used Kube. An administrator records each one
from the archive (one at a time through the API, or many through the workbook import) as a grant
that is already handed over, with `historical` set: its commitment and disbursement are posted on
the approval and handover days written in the archive, its equipment enters the register and the
group counts as a Kube recipient, exactly as after a live handover, so budgets, statements and
flags see the whole history.

Kube renders no letter for such a grant: the paper letter already exists, and its number is kept as
written. When that number follows KUBE_LETTER_NUMBER_PATTERN, it took a place (year, seq) in that
year's sequence: the sequence is raised to it, so live letters continue after it and never repeat
it. A scan of the paper letter may be attached; it is kept as a `Letter` marked `scanned`, so the
downloads, the letter pages, exports, backups and the public verification page keep working.

Maker-checker: nobody approves a historical grant in Kube. The administrator who records it is its
maker (`recorded_by`); `approved_by` stays NULL (the approval happened on paper, by someone who may
have no Kube account), so `approved_by_id <> recorded_by_id` holds as the constraint reads it, and the
page says the approval is from the archive. `handed_over_by` stays NULL for the same reason.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kube.audit.models import AuditEntry
from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.auth.roles import can_record_history
from kube.core.clock import office_date, office_midnight, office_today
from kube.core.dates import check_recorded_date
from kube.core.errors import Conflict, DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from kube.core.formatting import format_long_date
from kube.extensions import db
from kube.groups.models import Group, Member, Region
from kube.ledger import letters, operations
from kube.ledger.models import PROGRAMS, Budget, Grant, Installation, Letter

#: The largest scan of a paper letter Kube keeps (a few pages scanned at 300 dpi fit easily).
SCAN_MAX_BYTES = 10 * 1024 * 1024
#: A PDF's header must appear within its first kilobyte (PDF 1.7, annex H).
_PDF_HEADER_WINDOW = 1024


class DuplicateLetterNumber(Conflict):
    """The letter number is already a grant's or a letter's, or its (year, seq) is taken."""

    code = "duplicate_letter_number"


class ScanTooLarge(DomainError):
    """The scanned letter is larger than SCAN_MAX_BYTES."""

    code = "payload_too_large"
    status = 413


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# -- the go-live day --------------------------------------------------------------------------

@dataclass(frozen=True)
class GoLive:
    """The day Kube went live and whether it comes from KUBE_GO_LIVE_DATE or from the database's first day."""

    day: date
    configured: bool


def go_live() -> GoLive:
    """The go-live day: the setting KUBE_GO_LIVE_DATE, else the day the database was created."""
    configured = current_app.config.get("GO_LIVE_DATE")
    if configured is not None:
        return GoLive(configured, True)
    stored = db.session.scalar(select(Installation.created_on).where(Installation.id == 1))
    if stored is None:
        # Migration 0007 writes the row; should it be gone (a database emptied by hand), the same rule
        # it followed still gives the same answer: the earliest user or audit record, else today.
        moments = [db.session.scalar(select(func.min(User.created_at))),
                   db.session.scalar(select(func.min(AuditEntry.at)))]
        days = [office_date(moment) for moment in moments if moment is not None]
        stored = min(days) if days else office_today()
    return GoLive(stored, False)


def go_live_date() -> date:
    """The day the office started recording grants in Kube; handovers before it are history."""
    return go_live().day


# -- historical grants ------------------------------------------------------------------------

def _on_roll(member: Member, group: Group, on: date) -> bool:
    """Whether `member` belonged to `group` on the day `on`."""
    return (member.group_id == group.id and member.joined_on <= on
            and (member.left_on is None or member.left_on > on))


def _check_dates(group: Group, approved_on: date, handover_date: date, today: date) -> None:
    """approved_on <= handover_date < go-live, neither before the group was formed nor in the future."""
    check_recorded_date("approved_on", approved_on, _("Tanggal persetujuan"), today)
    check_recorded_date("handover_date", handover_date, _("Tanggal serah terima"), today)
    problems: dict[str, list[str]] = {}
    start = go_live_date()
    if handover_date >= start:
        problems.setdefault("handover_date", []).append(
            _("Serah terima pada atau sesudah %(d)s (mulai memakai Kube) dicatat sebagai bantuan biasa, bukan riwayat.",
              d=format_long_date(start)))
    if handover_date < group.formed_on:
        problems.setdefault("handover_date", []).append(
            _("Tanggal serah terima tidak boleh sebelum kelompok terbentuk (%(d)s).", d=format_long_date(group.formed_on)))
    if approved_on > handover_date:
        problems.setdefault("approved_on", []).append(
            _("Tanggal persetujuan tidak boleh sesudah tanggal serah terima."))
    if approved_on < group.formed_on:
        problems.setdefault("approved_on", []).append(
            _("Tanggal persetujuan tidak boleh sebelum kelompok terbentuk (%(d)s).", d=format_long_date(group.formed_on)))
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], fields=problems)


def _check_people(program: str, group: Group, member: Member | None, received_by: Member | None,
                  handover_date: date) -> None:
    """UEP goes to a member of the group; the receiver belonged to the group on the handover day."""
    if program == "UEP":
        if member is None or not _on_roll(member, group, handover_date):
            raise _invalid("member_id", _("Bantuan UEP harus untuk anggota kelompok ini pada tanggal serah terima."))
    elif member is not None:
        raise _invalid("member_id", _("Bantuan KUBE diberikan kepada kelompok, bukan perorangan."))
    if received_by is None or not _on_roll(received_by, group, handover_date):
        raise _invalid("received_by_member_id",
                       _("Penerima harus anggota kelompok ini pada tanggal serah terima."))
    if program == "UEP" and received_by.id != member.id:
        raise _invalid("received_by_member_id", _("Bantuan UEP diterima oleh anggota penerimanya sendiri."))


def _clean_letter_number(letter_number: str) -> str:
    number = " ".join((letter_number or "").split())
    if not number:
        raise _invalid("letter_number", _("Nomor berita acara wajib diisi, seperti tertulis pada surat aslinya."))
    if len(number) > 80:
        raise _invalid("letter_number", _("Nomor berita acara paling panjang 80 karakter."))
    return number


def _duplicate(message: str) -> DuplicateLetterNumber:
    return DuplicateLetterNumber(message, fields={"letter_number": [message]})


def _claim_letter_number(number: str) -> tuple[int, int] | None:
    """Refuse a number already used; when it follows the pattern, take its (year, seq) and raise the sequence.

    The sequence is raised before its places are checked: on PostgreSQL that upsert waits for any
    handover taking a number of that year, so the check below sees its letter.
    """
    used = db.session.scalar(select(Grant.letter_number).where(Grant.letter_number == number).limit(1)) \
        or db.session.scalar(select(Letter.number).where(Letter.number == number).limit(1))
    if used:
        raise _duplicate(_("Nomor berita acara %(n)s sudah dipakai.", n=number))
    place = letters.parse_letter_number(current_app.config["LETTER_NUMBER_PATTERN"], number)
    if place is None:
        return None  # kept as written; it takes no place in a sequence, so live numbering is unaffected
    year, seq = place
    letters.raise_sequence_to(year, seq)
    taken = db.session.scalar(select(Letter.number).where(Letter.year == year, Letter.seq == seq).limit(1)) \
        or db.session.scalar(select(Grant.letter_number)
                             .where(Grant.letter_year == year, Grant.letter_seq == seq).limit(1))
    if taken:
        raise _duplicate(_("Nomor urut %(s)d tahun %(y)d sudah dipakai oleh berita acara %(n)s.", s=seq, y=year,
                           n=taken))
    return place


def record_historical_grant(*, program: str, year: int, group: Group, lines: list[dict], approved_on: date,
                            handover_date: date, letter_number: str, received_by: Member, actor: User,
                            member: Member | None = None, note: str = "") -> Grant:
    """Record a grant approved and handed over before go-live, with its ledger entries on the historical dates.

    `lines` as `operations.create_grant` takes them. Refusals: PermissionDenied (not an administrator),
    ValidationFailed naming the field (program, approved_on, handover_date, member_id,
    received_by_member_id, year when the budget is missing, lines.N.*, letter_number), InvalidTransition
    (a rejected group), BudgetExceeded (budget_exceeded) and DuplicateLetterNumber
    (duplicate_letter_number). The work is done in a savepoint: a refusal leaves the session as it was,
    so an import can check every row in one transaction and report each row's problem.
    """
    if not can_record_history(actor):
        raise PermissionDenied(_("Hanya administrator yang mencatat riwayat bantuan sebelum Kube digunakan."))
    try:
        with db.session.begin_nested():
            return _record(program=program, year=year, group=group, lines=lines, approved_on=approved_on,
                           handover_date=handover_date, letter_number=letter_number, received_by=received_by,
                           actor=actor, member=member, note=note)
    except IntegrityError as error:
        # A twin recorded at the same moment got past the checks above; the unique indexes stop it.
        if "letter_" not in str(error.orig):
            raise
        raise _duplicate(_("Nomor berita acara %(n)s sudah dipakai.", n=" ".join(letter_number.split()))) from error


def _record(*, program, year, group, lines, approved_on, handover_date, letter_number, received_by, actor, member,
            note) -> Grant:
    if program not in PROGRAMS:
        raise _invalid("program", _("Program tidak dikenal."))
    number = _clean_letter_number(letter_number)
    _check_dates(group, approved_on, handover_date, office_today())
    if group.status == "rejected":
        raise InvalidTransition(_("Kelompok yang usulannya ditolak tidak pernah menerima bantuan."))
    _check_people(program, group, member, received_by, handover_date)
    budget = db.session.scalar(select(Budget).where(Budget.program == program, Budget.year == year))
    if budget is None:
        raise _invalid("year", _("Belum ada anggaran %(p)s tahun %(y)s. Buat dulu anggaran (pagu) tahun itu "
                                 "di halaman Anggaran, lalu catat riwayat bantuannya.", p=program, y=year))
    grant_lines = operations.clean_grant_lines(lines)
    total = sum(line.total for line in grant_lines)
    # Budget row first, then the sequence's, in the order a live handover locks them: no deadlock.
    budget = operations.lock_budget(budget)
    operations.check_budget_left(budget, total)
    place = _claim_letter_number(number)
    grant = Grant(program=program, budget=budget, group=group, member=member, status="handed_over", total=total,
                  note=(note or "").strip(), recorded_by_id=actor.id, lines=grant_lines, historical=True,
                  approved_at=office_midnight(approved_on), handover_date=handover_date, received_by=received_by,
                  letter_number=number, letter_year=place[0] if place else None,
                  letter_seq=place[1] if place else None)
    db.session.add(grant)
    db.session.flush()
    operations.post_commitment(grant, budget, actor, approved_on)
    operations.post_disbursement(grant, budget, actor, handover_date)
    operations.register_equipment(grant, handover_date)
    # The group's first Kube grant, whatever order history is recorded in: members of a group that
    # received one may not join another Kube.
    if program == "KUBE" and (group.kube_grant_received_on is None or group.kube_grant_received_on > handover_date):
        group.kube_grant_received_on = handover_date
    db.session.flush()
    record_audit("grant.historical", "grant", grant.id,
                 f"{program} {year} {group.code}: {total}; BAST {number}; disetujui {approved_on.isoformat()}, "
                 f"diserahkan {handover_date.isoformat()}, diterima {received_by.name}", actor=actor)
    return grant


# -- scans of paper letters -------------------------------------------------------------------

def is_readable_pdf(data: bytes) -> bool:
    """Whether `data` is a PDF with at least one page that pypdf can open without a password."""
    if b"%PDF-" not in data[:_PDF_HEADER_WINDOW]:
        return False
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return not reader.is_encrypted and len(reader.pages) > 0
    except Exception:  # noqa: BLE001 -- pypdf raises many kinds of error on a damaged file; all mean "not a PDF"
        return False


def _scan_facts(grant: Grant) -> dict:
    """What the verification page shows of a scanned letter: the grant's facts, as a live letter stores them."""
    group = grant.group
    kecamatan = db.session.get(Region, group.kelurahan.parent_code)
    config = current_app.config
    return {
        "number": grant.letter_number,
        "date": grant.handover_date.isoformat(),
        "program": grant.program,
        "budget_year": grant.budget.year,
        "office": {"government": config["OFFICE_GOVERNMENT"], "name": config["OFFICE_NAME"]},
        "group": {"name": group.name, "code": group.code, "kelurahan": group.kelurahan.name,
                  "kecamatan": kecamatan.name if kecamatan else ""},
        "items": [{"kind": line.kind, "item": line.item, "specification": line.specification,
                   "quantity": line.quantity, "unit": line.unit, "unit_value": line.unit_value,
                   "total": line.total} for line in grant.lines],
        "total": grant.total,
        "replaces": None,
    }


def attach_letter_scan(grant: Grant, pdf: bytes, actor: User) -> Letter:
    """Keep the scan of a historical grant's paper letter, byte for byte, with its SHA-256.

    A grant has one scan: a second upload is refused (Conflict), never replaces the first, as an
    issued letter is never changed. Refusals: PermissionDenied, InvalidTransition (not a historical
    grant), Conflict (a scan is already kept), ScanTooLarge (413) and ValidationFailed on `pdf`.
    """
    if not can_record_history(actor):
        raise PermissionDenied(_("Hanya administrator yang mengunggah pindaian berita acara riwayat."))
    if not grant.historical:
        raise InvalidTransition(_("Pindaian hanya untuk bantuan riwayat; berita acara bantuan lain dibuat oleh Kube "
                                  "saat serah terima."))
    if len(pdf) > SCAN_MAX_BYTES:
        message = _("Berkas pindaian paling besar %(m)d MB.", m=SCAN_MAX_BYTES // (1024 * 1024))
        raise ScanTooLarge(message, fields={"pdf": [message]})
    if not is_readable_pdf(pdf):
        raise _invalid("pdf", _("Berkas bukan PDF yang dapat dibuka (atau terkunci kata sandi). Unggah hasil pindaian "
                                "berita acara dalam bentuk PDF."))
    operations.lock_grant(grant)  # two uploads at once: the second waits, then sees the first scan
    kept = db.session.scalar(select(Letter).where(Letter.grant_id == grant.id).limit(1))
    if kept is not None:
        raise Conflict(_("Bantuan ini sudah punya pindaian berita acara (SHA-256 %(h)s); pindaian yang tersimpan "
                         "tidak diganti.", h=kept.sha256))
    letter = Letter(grant_id=grant.id, number=grant.letter_number,
                    year=grant.letter_year or grant.handover_date.year, seq=grant.letter_seq,
                    letter_date=grant.handover_date, issued_by_id=actor.id,
                    token=secrets.token_urlsafe(letters.TOKEN_BYTES), pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                    public_facts=_scan_facts(grant), scanned=True)
    try:
        with db.session.begin_nested():
            db.session.add(letter)
    except IntegrityError as error:
        raise Conflict(_("Bantuan ini sudah punya pindaian berita acara.")) from error
    record_audit("letter.scan", "grant", grant.id, f"{letter.number} sha256 {letter.sha256} ({len(pdf)} byte)",
                 actor=actor)
    return letter


def has_letter(grant_id: int) -> bool:
    """Whether a grant has a letter kept (issued by Kube, or a scan)."""
    return db.session.scalar(select(Letter.id).where(Letter.grant_id == grant_id).limit(1)) is not None

