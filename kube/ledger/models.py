"""Budgets, grants with item lines, the append-only double-entry ledger, equipment, idempotency keys and letters."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON, BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event, false,
    inspect, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.core.clock import utc_now
from kube.extensions import db

if TYPE_CHECKING:
    from kube.auth.models import User
    from kube.groups.models import Group, Member

PROGRAMS = ("KUBE", "UEP")
FUNDING_SOURCES = ("APBD", "APBN", "lainnya")
GRANT_STATUSES = ("draft", "submitted", "approved", "handed_over", "cancelled")
LINE_KINDS = ("equipment", "cash")
#: Group statuses in which a group may be given a new grant.
GRANTABLE_GROUP_STATUSES = ("proposed", "active")
ACCOUNT_KINDS = ("appropriation", "available", "committed", "equipment", "cash")
CONDITIONS = ("baik", "rusak", "hilang", "dijual")
ENTRY_KINDS = ("appropriation", "commitment", "disbursement", "release", "reversal")


class Budget(db.Model):
    """The pagu (ceiling) of one program in one fiscal year and where the money comes from."""

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("program", "year"),
        CheckConstraint(f"program IN {PROGRAMS!r}", name="program_known"),
        CheckConstraint(f"source IN {FUNDING_SOURCES!r}", name="source_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    #: Pagu in whole Rupiah.
    amount: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<Budget {self.program} {self.year} {self.amount}>"


class Grant(db.Model):
    """Capital given to a group (KUBE) or to one member (UEP), in equipment and/or cash."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint(f"program IN {PROGRAMS!r}", name="program_known"),
        CheckConstraint(f"status IN {GRANT_STATUSES!r}", name="status_known"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("(program = 'UEP') = (member_id IS NOT NULL)", name="uep_has_member"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> recorded_by_id", name="maker_checker"),
        Index("uq_grants_letter_number", "letter_number", unique=True,
              sqlite_where=text("letter_number IS NOT NULL"), postgresql_where=text("letter_number IS NOT NULL")),
        # A historical number that follows the pattern holds its (year, seq) as a live letter would.
        Index("uq_grants_letter_year_letter_seq", "letter_year", "letter_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(8))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    #: For UEP only: the one member who receives the grant.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    #: Sum of the lines in whole Rupiah, fixed when the grant leaves draft.
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    submitted_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    handover_date: Mapped[date | None]
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    #: Why the approver approved although the recipient had another grant within GRANT_RECENT_MONTHS.
    override_reason: Mapped[str | None] = mapped_column(String(500))
    #: Berita Acara number, assigned at handover (or, for a historical grant, the one on the paper letter).
    letter_number: Mapped[str | None] = mapped_column(String(80))
    #: Handed over before Kube went live and recorded afterwards from the archive (kube.ledger.history).
    historical: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: A historical grant whose number follows LETTER_NUMBER_PATTERN: the (year, seq) in it, which no
    #: live letter may take. NULL for live grants (their Letter holds it) and for numbers in another form.
    letter_year: Mapped[int | None]
    letter_seq: Mapped[int | None]

    budget: Mapped[Budget] = relationship()
    group: Mapped["Group"] = relationship()
    member: Mapped["Member | None"] = relationship(foreign_keys=[member_id])
    received_by: Mapped["Member | None"] = relationship(foreign_keys=[received_by_member_id])
    recorded_by: Mapped["User"] = relationship(foreign_keys=[recorded_by_id])
    approved_by: Mapped["User | None"] = relationship(foreign_keys=[approved_by_id])
    handed_over_by: Mapped["User | None"] = relationship(foreign_keys=[handed_over_by_id])
    lines: Mapped[list[GrantLine]] = relationship(back_populates="grant", order_by="GrantLine.position",
                                                  cascade="all, delete-orphan")

    @property
    def year(self) -> int:
        """The fiscal year whose budget the grant draws on."""
        return self.budget.year

    def __repr__(self) -> str:
        return f"<Grant {self.id} {self.program} {self.status} {self.total}>"


class GrantLine(db.Model):
    """One line of a grant: equipment (item, quantity, unit value) or cash."""

    __tablename__ = "grant_lines"
    __table_args__ = (
        CheckConstraint(f"kind IN {LINE_KINDS!r}", name="kind_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_value > 0", name="unit_value_positive"),
        CheckConstraint("total = quantity * unit_value", name="total_is_product"),
        CheckConstraint("kind = 'equipment' OR quantity = 1", name="cash_is_one_line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(10))
    item: Mapped[str] = mapped_column(String(120))
    specification: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    unit: Mapped[str] = mapped_column(String(20), default="unit")
    unit_value: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)

    grant: Mapped[Grant] = relationship(back_populates="lines")


class Account(db.Model):
    """A ledger account: a budget's appropriation, available and committed money, or a recipient's capital."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(f"kind IN {ACCOUNT_KINDS!r}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key such as `budget:3:available` or `group:12:equipment`.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budgets.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)


class JournalEntry(db.Model):
    """A balanced posting; never updated or deleted, corrected only by a reversing entry."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN {ENTRY_KINDS!r}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(default=utc_now)
    #: The business date of the event (approval day, handover day).
    entry_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(255))
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budgets.id"), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id"), index=True)
    #: Set on a reversal: the entry it cancels (each entry can be reversed once).
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lines: Mapped[list[JournalLine]] = relationship(back_populates="entry", order_by="JournalLine.id")
    grant: Mapped[Grant | None] = relationship()


class JournalLine(db.Model):
    """One side of an entry: a debit or a credit to an account, in whole Rupiah."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="not_negative"),
        CheckConstraint("(debit = 0) <> (credit = 0)", name="one_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()


class Asset(db.Model):
    """Equipment held by a group (or a UEP member), from one grant line."""

    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    grant_line_id: Mapped[int] = mapped_column(ForeignKey("grant_lines.id"), unique=True)
    item: Mapped[str] = mapped_column(String(120))
    specification: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date]

    grant: Mapped[Grant] = relationship()
    checks: Mapped[list[AssetCheck]] = relationship(back_populates="asset", order_by="AssetCheck.checked_on")


class AssetCheck(db.Model):
    """A monitoring visit's finding about one piece of equipment."""

    __tablename__ = "asset_checks"
    __table_args__ = (CheckConstraint(f"condition IN {CONDITIONS!r}", name="condition_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    checked_on: Mapped[date]
    condition: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(500), default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    asset: Mapped[Asset] = relationship(back_populates="checks")


#: What a stored photo is after re-encoding (kube.ledger.photos): JPEG, or PNG where the upload was PNG or had alpha.
PHOTO_CONTENT_TYPES = ("image/jpeg", "image/png")


class Photo(db.Model):
    """A photo of an equipment check or of a handover (dokumentasi penyerahan), kept in the database.

    Kube stores its own re-encoding of the upload (turned upright, at most 1,600 px, no metadata but the
    date taken), never the file as sent: phone photos carry the GPS position of a family's home.
    """

    __tablename__ = "photos"
    __table_args__ = (
        # Each photo documents exactly one thing: a check of one piece of equipment, or one handover.
        CheckConstraint("(asset_check_id IS NULL) <> (grant_id IS NULL)", name="one_subject"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint(f"content_type IN {PHOTO_CONTENT_TYPES!r}", name="content_type_known"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        CheckConstraint("byte_size > 0", name="byte_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_check_id: Mapped[int | None] = mapped_column(ForeignKey("asset_checks.id"), index=True)
    #: Set for the handover's documentation: photos taken when the grant was handed over.
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    #: Pixels of the stored image (after turning it upright and scaling it down).
    width: Mapped[int]
    height: Mapped[int]
    #: Length of `data` in bytes.
    byte_size: Mapped[int]
    #: Hex SHA-256 of `data`; also the photo's ETag.
    sha256: Mapped[str] = mapped_column(String(64))
    #: The stored image; deferred so lists and pages never load it.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: When the camera says it was taken (EXIF DateTimeOriginal, read as office time unless it names its offset).
    taken_at: Mapped[datetime | None]
    uploaded_at: Mapped[datetime] = mapped_column(default=utc_now)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    def fit(self, box: int) -> tuple[int, int]:
        """Width and height of the photo scaled to fit a `box` x `box` square (never enlarged)."""
        scale = min(1.0, box / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.content_type} {self.width}x{self.height}>"


class IdempotencyRecord(db.Model):
    """The first response to an API call made with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    #: Method and path plus a hash of the body: the same key for another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


# -- grant letters (Berita Acara Serah Terima) ------------------------------------------------

class LetterSequence(db.Model):
    """The last letter number used in one year; its row is locked while a number is taken, so none repeats or is skipped."""

    __tablename__ = "letter_sequences"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="last_seq_not_negative"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Letter(db.Model):
    """An issued Berita Acara Serah Terima: its number, the exact PDF and its hash; never changed afterwards.

    A correction is a new letter pointing at the one it replaces (`replaces_id`); the old one stays.
    """

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("replaces_id IS NULL OR replaces_id <> id", name="not_self_replacing"),
        CheckConstraint("scanned OR seq IS NOT NULL", name="issued_has_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    #: The printed number, built from LETTER_NUMBER_PATTERN with (year, seq).
    number: Mapped[str] = mapped_column(String(80), unique=True)
    #: The year whose sequence the number comes from: the handover date's year.
    year: Mapped[int]
    #: NULL only for a scan whose number does not follow LETTER_NUMBER_PATTERN (it took no place in a sequence).
    seq: Mapped[int | None]
    #: The date the letter states (the handover day).
    letter_date: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utc_now)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Unguessable part of the public verification URL /verify/<token>.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: The PDF exactly as issued; deferred so lists never load it.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: Hex SHA-256 of `pdf`, printed on the verification page.
    sha256: Mapped[str] = mapped_column(String(64))
    #: What the verification page may show (no NIK, no member data), as printed on the letter.
    public_facts: Mapped[dict] = mapped_column(JSON)
    #: The letter this one corrects; each letter is replaced at most once.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), unique=True)
    #: Why the letter it replaces was wrong (required for a replacement).
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: A scan of a paper letter issued before Kube went live (a historical grant's), uploaded as it is:
    #: Kube did not write it, only keeps it with its hash.
    scanned: Mapped[bool] = mapped_column(default=False, server_default=false())

    grant: Mapped[Grant] = relationship()
    issued_by: Mapped["User | None"] = relationship()
    replaces: Mapped["Letter | None"] = relationship(remote_side=[id], back_populates="replaced_by")
    replaced_by: Mapped["Letter | None"] = relationship(back_populates="replaces", uselist=False)

    @property
    def is_valid(self) -> bool:
        """Whether this letter is still in force (not replaced by a corrected one)."""
        return self.replaced_by is None

    def __repr__(self) -> str:
        return f"<Letter {self.number} grant {self.grant_id}>"


class Installation(db.Model):
    """The one row saying on which day this database was created: the default go-live day (kube.ledger.history)."""

    __tablename__ = "installation"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    #: The office's date of the earliest user or audit record when the table was made, else that day.
    created_on: Mapped[date]


class LetterIsFinal(RuntimeError):
    """Raised when anything tries to change or remove an issued letter."""


def _refuse_letter_change(mapper, connection, target):
    state = inspect(target)
    # Linking a replacement marks the old letter dirty through the relationship; only column changes count.
    if any(state.attrs[column.key].history.has_changes() for column in mapper.column_attrs):
        raise LetterIsFinal(f"letter {target.number} is issued and cannot be changed; issue a replacement")


def _refuse_letter_delete(mapper, connection, target):
    raise LetterIsFinal(f"letter {target.number} is issued and cannot be deleted")


# Issued once, kept exactly: a letter row is never updated or deleted.
event.listen(Letter, "before_update", _refuse_letter_change)
event.listen(Letter, "before_delete", _refuse_letter_delete)
