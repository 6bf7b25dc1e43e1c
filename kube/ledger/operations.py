"""Ledger rules: budgets, the grant state machine, balanced postings, reversals and the equipment register."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.core.clock import office_date, office_today, utc_now
from kube.core.dates import check_recorded_date
from kube.core.formatting import format_long_date, format_rupiah
from kube.core.errors import Conflict, DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from kube.core.periods import months_before
from kube.core.text import CONTROL_MESSAGE, has_control_characters
from kube.extensions import db
from kube.groups.labels import group_status
from kube.groups.models import Group, Member
from kube.ledger.labels import ACCOUNT_KIND_ORDER, account_label, grant_status, natural_key
from kube.ledger.photos import Upload, attach_photos, prepare_photos
from kube.ledger.models import (
    CONDITIONS, FUNDING_SOURCES, GRANTABLE_GROUP_STATUSES, LINE_KINDS, PROGRAMS, Account, Asset, AssetCheck, Budget, Grant, GrantLine,
    JournalEntry, JournalLine,
)

#: The grant state machine: from status -> statuses it may move to.
GRANT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "cancelled"),
    "submitted": ("approved", "cancelled"),
    "approved": ("handed_over", "cancelled"),
    "handed_over": (),
    "cancelled": (),
}
#: No single line or grant may exceed this (a typo guard: Rp1 triliun).
MAX_AMOUNT = 1_000_000_000_000
#: A second grant within GRANT_RECENT_MONTHS is approved only with a reason this long (characters).
OVERRIDE_REASON_MIN, OVERRIDE_REASON_MAX = 10, 500


class BudgetExceeded(Conflict):
    """Approving would commit more than the budget has left."""

    code = "budget_exceeded"


class RecentGrant(Conflict):
    """The recipient had another grant approved or handed over recently; approving needs a written reason."""

    code = "recent_grant"


class UnbalancedEntry(DomainError):
    """A journal entry whose debits and credits differ, or that has no lines."""

    code = "unbalanced_entry"
    status = 422


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# -- accounts and postings --------------------------------------------------------------------

def get_account(code: str, name: str, kind: str, **owner) -> Account:
    """The account with this code, created on first use (once, even by two transactions at the same moment)."""
    account = db.session.scalar(select(Account).where(Account.code == code))
    if account is None:
        account = Account(code=code, name=name, kind=kind, **owner)
        try:
            # Handovers from two budgets lock different rows, so both may create a group's first account:
            # on PostgreSQL the second insert waits for the first commit, then the unique code refuses it.
            with db.session.begin_nested():
                db.session.add(account)
        except IntegrityError:
            account = db.session.scalar(select(Account).where(Account.code == code))  # the twin's, now committed
    return account


def budget_account(budget: Budget, kind: str) -> Account:
    """A budget's appropriation, available or committed account."""
    names = {"appropriation": _("Pagu"), "available": _("Sisa pagu"), "committed": _("Terikat (disetujui)")}
    return get_account(f"budget:{budget.id}:{kind}", f"{names[kind]} {budget.program} {budget.year}", kind,
                       budget_id=budget.id)


def recipient_account(grant: Grant, kind: str) -> Account:
    """The equipment or cash capital account of the grant's recipient (group, or UEP member)."""
    label = _("Peralatan") if kind == "equipment" else _("Modal tunai")
    if grant.member_id is not None:
        member = grant.member
        return get_account(f"member:{member.id}:{kind}", f"{label} {member.name} ({grant.group.code})", kind,
                           group_id=grant.group_id, member_id=member.id)
    return get_account(f"group:{grant.group_id}:{kind}", f"{label} {grant.group.code} {grant.group.name}", kind,
                       group_id=grant.group_id)


@dataclass(frozen=True)
class Posting:
    """One intended line of an entry."""

    account: Account
    debit: int = 0
    credit: int = 0


def post_entry(kind: str, description: str, postings: list[Posting], actor: User | None, *,
               entry_date: date | None = None, budget: Budget | None = None, grant: Grant | None = None,
               reverses: JournalEntry | None = None) -> JournalEntry:
    """Write a balanced journal entry; anything unbalanced, empty, negative or fractional is refused."""
    postings = [p for p in postings if p.debit or p.credit]
    if not postings:
        raise UnbalancedEntry(_("Jurnal tanpa baris tidak dapat dicatat."))
    for p in postings:
        if not isinstance(p.debit, int) or not isinstance(p.credit, int) or isinstance(p.debit, bool):
            raise UnbalancedEntry(_("Jumlah jurnal harus rupiah bulat."))
        if p.debit < 0 or p.credit < 0 or (p.debit and p.credit):
            raise UnbalancedEntry(_("Setiap baris jurnal hanya debit atau kredit, tidak negatif."))
    debits, credits = sum(p.debit for p in postings), sum(p.credit for p in postings)
    if debits != credits:
        raise UnbalancedEntry(_("Jurnal tidak seimbang: debit %(d)d, kredit %(c)d.", d=debits, c=credits))
    entry = JournalEntry(kind=kind, description=description[:255], entry_date=entry_date or office_today(),
                         budget_id=budget.id if budget else None, grant_id=grant.id if grant else None,
                         reverses_entry_id=reverses.id if reverses else None,
                         created_by_id=actor.id if actor else None)
    db.session.add(entry)
    db.session.flush()
    db.session.add_all(JournalLine(entry_id=entry.id, account_id=p.account.id, debit=p.debit, credit=p.credit)
                       for p in postings)
    db.session.flush()
    return entry


def reverse_entry(entry: JournalEntry, reason: str, actor: User) -> JournalEntry:
    """Cancel an entry with a new one that swaps every debit and credit and points to it."""
    if not (reason or "").strip():
        raise _invalid("reason", _("Alasan koreksi wajib diisi."))
    if entry.reverses_entry_id is not None:
        raise InvalidTransition(_("Jurnal pembalik tidak dapat dibalik lagi."))
    if db.session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_entry_id == entry.id)):
        raise InvalidTransition(_("Jurnal ini sudah pernah dibalik."))
    postings = [Posting(line.account, debit=line.credit, credit=line.debit) for line in entry.lines]
    reversal = post_entry("reversal", f"Koreksi jurnal #{entry.id}: {reason.strip()}", postings, actor,
                          budget=db.session.get(Budget, entry.budget_id) if entry.budget_id else None,
                          grant=entry.grant, reverses=entry)
    record_audit("ledger.reverse", "journal_entry", entry.id, f"dibalik oleh #{reversal.id}: {reason}", actor=actor)
    return reversal


def balances(account_ids: list[int]) -> dict[int, int]:
    """Debit-minus-credit balance of each account, as sums of its lines."""
    if not account_ids:
        return {}
    rows = db.session.execute(
        select(JournalLine.account_id, func.sum(JournalLine.debit - JournalLine.credit))
        .where(JournalLine.account_id.in_(account_ids)).group_by(JournalLine.account_id)
    ).all()
    result = dict.fromkeys(account_ids, 0)
    result.update({account_id: int(total) for account_id, total in rows})
    return result


def balance(account: Account) -> int:
    """Debit-minus-credit balance of one account."""
    return balances([account.id])[account.id]


# -- budgets ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetFigures:
    """What the budget page shows, derived from the ledger."""

    pagu: int
    committed: int
    disbursed: int
    remaining: int


def create_budget(program: str, year: int, amount: int, source: str, actor: User, note: str = "") -> Budget:
    """Open a program's budget for a fiscal year and post its appropriation."""
    if program not in PROGRAMS:
        raise _invalid("program", _("Program tidak dikenal."))
    if source not in FUNDING_SOURCES:
        raise _invalid("source", _("Sumber dana tidak dikenal."))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _invalid("year", _("Tahun anggaran tidak valid."))
    _check_amount("amount", amount)
    message = _("Anggaran %(p)s tahun %(y)d sudah ada.", p=program, y=year)
    if db.session.scalar(select(Budget.id).where(Budget.program == program, Budget.year == year)):
        raise Conflict(message, fields={"year": [message]})
    budget = Budget(program=program, year=year, amount=amount, source=source, note=(note or "").strip()[:255],
                    created_by_id=actor.id)
    try:
        with db.session.begin_nested():  # a twin created at the same moment hits the unique constraint
            db.session.add(budget)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(message, fields={"year": [message]}) from error
    post_entry("appropriation", f"Pagu {program} {year} ({source})",
               [Posting(budget_account(budget, "available"), debit=amount),
                Posting(budget_account(budget, "appropriation"), credit=amount)],
               actor, entry_date=date(year, 1, 1), budget=budget)
    record_audit("budget.create", "budget", budget.id, f"{program} {year}: {amount} ({source})", actor=actor)
    return budget


def revise_budget(budget: Budget, new_amount: int, reason: str, actor: User) -> Budget:
    """Change a pagu by reversing its appropriation and posting the new one; never below what is used."""
    _check_amount("amount", new_amount)
    lock_budget(budget)
    used = budget_figures([budget])[budget.id]
    if new_amount < used.committed + used.disbursed:
        raise BudgetExceeded(_("Pagu baru lebih kecil dari dana yang sudah terikat dan tersalurkan."))
    reversal = aliased(JournalEntry)
    current = db.session.scalars(
        select(JournalEntry).where(JournalEntry.budget_id == budget.id, JournalEntry.kind == "appropriation")
        .where(~exists().where(reversal.reverses_entry_id == JournalEntry.id))
        .order_by(JournalEntry.id.desc())
    ).first()
    reverse_entry(current, reason, actor)
    post_entry("appropriation", f"Revisi pagu {budget.program} {budget.year}: {reason.strip()}",
               [Posting(budget_account(budget, "available"), debit=new_amount),
                Posting(budget_account(budget, "appropriation"), credit=new_amount)],
               actor, budget=budget)
    record_audit("budget.revise", "budget", budget.id, f"{budget.amount} -> {new_amount}: {reason}", actor=actor)
    budget.amount = new_amount
    db.session.flush()
    return budget


def budget_figures(budgets: list[Budget]) -> dict[int, BudgetFigures]:
    """Pagu, committed, disbursed and remaining of each budget, in one query over the ledger."""
    ids = [b.id for b in budgets]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Account.budget_id, Account.kind, func.sum(JournalLine.debit - JournalLine.credit))
        .join(JournalLine, JournalLine.account_id == Account.id)
        .where(Account.budget_id.in_(ids), Account.kind.in_(("appropriation", "available", "committed")))
        .group_by(Account.budget_id, Account.kind)
    ).all()
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for budget_id, kind, total in rows:
        sums[budget_id][kind] = int(total)
    result = {}
    for budget_id in ids:
        pagu = -sums[budget_id]["appropriation"]
        remaining, committed = sums[budget_id]["available"], sums[budget_id]["committed"]
        result[budget_id] = BudgetFigures(pagu, committed, pagu - remaining - committed, remaining)
    return result


def lock_budget(budget: Budget) -> Budget:
    """Lock the budget row until commit (PostgreSQL); SQLite write requests already hold the write lock."""
    return db.session.execute(
        select(Budget).where(Budget.id == budget.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _check_amount(field: str, amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise _invalid(field, _("Jumlah harus rupiah bulat."))
    if amount <= 0:
        raise _invalid(field, _("Jumlah harus lebih dari nol."))
    if amount > MAX_AMOUNT:
        raise _invalid(field, _("Jumlah terlalu besar."))


# -- grants -----------------------------------------------------------------------------------

def clean_grant_lines(lines: list[dict]) -> list[GrantLine]:
    """Grant lines from plain values (kind, item, specification, quantity, unit, unit_value), each checked."""
    if not lines:
        raise _invalid("lines", _("Bantuan harus punya paling sedikit satu baris barang atau uang."))
    cleaned = []
    for position, raw in enumerate(lines, start=1):
        kind = raw.get("kind", "equipment")
        prefix = f"lines.{position - 1}"
        if kind not in LINE_KINDS:
            raise _invalid(f"{prefix}.kind", _("Jenis baris harus barang atau uang tunai."))
        item = (raw.get("item") or ("Uang tunai" if kind == "cash" else "")).strip()
        if not item:
            raise _invalid(f"{prefix}.item", _("Nama barang wajib diisi."))
        quantity = raw.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0 or quantity > 100_000:
            raise _invalid(f"{prefix}.quantity", _("Jumlah barang harus bilangan bulat positif."))
        if kind == "cash" and quantity != 1:
            raise _invalid(f"{prefix}.quantity", _("Baris uang tunai berjumlah 1."))
        _check_amount(f"{prefix}.unit_value", raw.get("unit_value"))
        total = quantity * raw["unit_value"]
        _check_amount(f"{prefix}.unit_value", total)
        cleaned.append(GrantLine(position=position, kind=kind, item=item[:120],
                                 specification=(raw.get("specification") or "").strip()[:255],
                                 quantity=quantity, unit=(raw.get("unit") or ("paket" if kind == "cash" else "unit")).strip()[:20],
                                 unit_value=raw["unit_value"], total=total))
    _check_amount("lines", sum(line.total for line in cleaned))
    return cleaned


def create_grant(program: str, year: int, group: Group, lines: list[dict], actor: User, *,
                 member: Member | None = None, note: str = "") -> Grant:
    """Record a draft grant to a group (KUBE) or one of its members (UEP)."""
    if program not in PROGRAMS:
        raise _invalid("program", _("Program tidak dikenal."))
    budget = db.session.scalar(select(Budget).where(Budget.program == program, Budget.year == year))
    if budget is None:
        raise _invalid("year", _("Belum ada anggaran %(p)s untuk tahun %(y)s.", p=program, y=year))
    if program == "UEP":
        if member is None or member.group_id != group.id or member.left_on is not None:
            raise _invalid("member_id", _("Bantuan UEP harus untuk anggota aktif kelompok ini."))
    elif member is not None:
        raise _invalid("member_id", _("Bantuan KUBE diberikan kepada kelompok, bukan perorangan."))
    if group.status not in GRANTABLE_GROUP_STATUSES:
        raise InvalidTransition(_("Kelompok berstatus %(s)s tidak dapat menerima bantuan baru.",
                                  s=group_status(group.status)))
    grant_lines = clean_grant_lines(lines)
    grant = Grant(program=program, budget=budget, group=group, member=member, status="draft",
                  total=sum(line.total for line in grant_lines), note=(note or "").strip(),
                  recorded_by_id=actor.id, lines=grant_lines)
    db.session.add(grant)
    db.session.flush()
    record_audit("grant.create", "grant", grant.id, f"{program} {year} {group.code}: {grant.total}", actor=actor)
    return grant


def lock_grant(grant: Grant) -> Grant:
    """Lock the grant row and re-read its status, so two officers acting at once cannot both move it."""
    return db.session.execute(
        select(Grant).where(Grant.id == grant.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _move(grant: Grant, to_status: str) -> str:
    if to_status not in GRANT_TRANSITIONS.get(grant.status, ()):
        raise InvalidTransition(_("Status bantuan tidak dapat diubah dari %(a)s ke %(b)s.",
                                  a=grant_status(grant.status), b=grant_status(to_status)))
    before, grant.status = grant.status, to_status
    return before


def submit_grant(grant: Grant, actor: User) -> Grant:
    """Send a draft grant for approval by another officer."""
    lock_grant(grant)
    _move(grant, "submitted")
    grant.submitted_at = utc_now()
    db.session.flush()
    record_audit("grant.submit", "grant", grant.id, f"{grant.total}", actor=actor)
    return grant


def prior_grants(grant: Grant) -> list[Grant]:
    """Every other grant but cancelled ones to the same group, the same UEP member or a member on the same KK.

    The family cards are the UEP member's, or for a KUBE grant those of the group's current members:
    a UEP grant to someone of the same family in another group is the same household paid again.
    Newest first (handover, else approval, else recording).
    """
    if grant.member is not None:
        family_cards = select(Member.kk).where(Member.id == grant.member_id)
    else:
        family_cards = select(Member.kk).where(Member.group_id == grant.group_id, Member.left_on.is_(None))
    same_family = select(Member.id).where(Member.kk.in_(family_cards))
    found = db.session.scalars(
        select(Grant)
        .options(joinedload(Grant.group), joinedload(Grant.member), joinedload(Grant.budget))
        .where(Grant.id != grant.id, Grant.status != "cancelled",
               or_(Grant.group_id == grant.group_id, Grant.member_id.in_(same_family)))
    ).unique()
    return sorted(found, key=lambda other: (grant_given_on(other) or office_date(other.recorded_at), other.id),
                  reverse=True)


def grant_given_on(grant: Grant) -> date | None:
    """The day a grant was given: its handover, else its approval (office date); None before approval."""
    if grant.handover_date is not None:
        return grant.handover_date
    return office_date(grant.approved_at) if grant.approved_at is not None else None


def recent_grants(grant: Grant, today: date, prior: list[Grant] | None = None) -> list[Grant]:
    """The prior grants approved or handed over on or after the same day GRANT_RECENT_MONTHS months before `today`.

    `prior` is `prior_grants(grant)` when the caller already has it (the approve page shows both).
    """
    since = months_before(today, int(current_app.config["GRANT_RECENT_MONTHS"]))
    return [other for other in (prior_grants(grant) if prior is None else prior)
            if other.status in ("approved", "handed_over") and (grant_given_on(other) or date.min) >= since]


def _clean_override_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    if not reason:
        return None
    if has_control_characters(reason, multiline=True):
        raise _invalid("override_reason", str(CONTROL_MESSAGE))
    if len(reason) < OVERRIDE_REASON_MIN:
        raise _invalid("override_reason", _("Alasan paling sedikit %(n)d karakter.", n=OVERRIDE_REASON_MIN))
    if len(reason) > OVERRIDE_REASON_MAX:
        raise _invalid("override_reason", _("Alasan paling banyak %(n)d karakter.", n=OVERRIDE_REASON_MAX))
    return reason


def approve_grant(grant: Grant, actor: User, today: date | None = None, override_reason: str | None = None) -> Grant:
    """Approve a submitted grant: another officer than its maker, an active group, enough budget left.

    When the recipient had another grant within GRANT_RECENT_MONTHS, only with the approver's reason
    (RecentGrant otherwise); that reason is kept on the grant and in the audit log (otherwise ignored).
    """
    today = today or office_today()
    lock_grant(grant)
    if grant.status != "submitted":
        _move(grant, "approved")  # raises with the right message
    if actor.id == grant.recorded_by_id:
        raise PermissionDenied(_("Bantuan harus disetujui oleh petugas lain dari yang mencatatnya."))
    if grant.group.status != "active":
        raise InvalidTransition(_("Kelompok harus berstatus aktif agar bantuan dapat disetujui."))
    recent = recent_grants(grant, today)
    # The reason belongs to a second grant within the period; on any other approval it is not asked for nor kept.
    reason = _clean_override_reason(override_reason) if recent else None
    if recent and reason is None:
        raise RecentGrant(
            _("Penerima ini sudah mendapat bantuan dalam %(n)d bulan terakhir: %(list)s. Tulis alasan (paling "
              "sedikit %(min)d karakter) untuk tetap menyetujui.", n=current_app.config["GRANT_RECENT_MONTHS"],
              list="; ".join(_recent_grant_text(other) for other in recent), min=OVERRIDE_REASON_MIN),
            fields={"override_reason": [_("Wajib diisi karena penerima mendapat bantuan lain dalam setahun.")]},
            recent_grants=[other.id for other in recent])
    budget = lock_budget(grant.budget)
    check_budget_left(budget, grant.total)
    _move(grant, "approved")
    grant.approved_by_id, grant.approved_at = actor.id, utc_now()
    grant.override_reason = reason
    post_commitment(grant, budget, actor, today)
    detail = f"{grant.total}" + (f"; alasan bantuan kedua: {reason}" if reason else "")
    record_audit("grant.approve", "grant", grant.id, detail, actor=actor)
    return grant


def _recent_grant_text(grant: Grant) -> str:
    return _("#%(id)d %(p)s %(y)d %(t)s (%(s)s %(d)s)", id=grant.id, p=grant.program, y=grant.year,
             t=format_rupiah(grant.total), s=grant_status(grant.status), d=format_long_date(grant_given_on(grant)))


def check_budget_left(budget: Budget, amount: int) -> None:
    """Refuse (BudgetExceeded) when the locked budget has less than `amount` left."""
    remaining = balance(budget_account(budget, "available"))
    if remaining < amount:
        raise BudgetExceeded(_("Sisa pagu %(p)s %(y)d tidak cukup: sisa %(r)s, bantuan %(t)s.",
                               p=budget.program, y=budget.year, r=format_rupiah(remaining),
                               t=format_rupiah(amount)))


def post_commitment(grant: Grant, budget: Budget, actor: User, on: date) -> JournalEntry:
    """The approval's entry: the grant's total moves from the budget's available to its committed money."""
    return post_entry("commitment", f"Persetujuan bantuan #{grant.id} {grant.group.code}",
                      [Posting(budget_account(budget, "committed"), debit=grant.total),
                       Posting(budget_account(budget, "available"), credit=grant.total)],
                      actor, entry_date=on, budget=budget, grant=grant)


def post_disbursement(grant: Grant, budget: Budget, actor: User, on: date) -> JournalEntry:
    """The handover's entry: the committed money goes to the recipient's equipment and cash capital."""
    by_kind = defaultdict(int)
    for line in grant.lines:
        by_kind[line.kind] += line.total
    postings = [Posting(recipient_account(grant, kind), debit=amount) for kind, amount in sorted(by_kind.items())]
    postings.append(Posting(budget_account(budget, "committed"), credit=grant.total))
    return post_entry("disbursement", f"Serah terima bantuan #{grant.id} {grant.group.code}", postings, actor,
                      entry_date=on, budget=budget, grant=grant)


def register_equipment(grant: Grant, received_on: date) -> None:
    """Put the grant's equipment lines into the recipient group's register, received on `received_on`."""
    for line in grant.lines:
        if line.kind == "equipment":
            db.session.add(Asset(group_id=grant.group_id, member_id=grant.member_id, grant_id=grant.id,
                                 grant_line_id=line.id, item=line.item, specification=line.specification,
                                 quantity=line.quantity, unit=line.unit, value=line.total, received_on=received_on))


def handover_grant(grant: Grant, handover_date: date, receiver: Member, actor: User,
                   today: date | None = None, *, photos: Sequence[Upload] = ()) -> Grant:
    """Hand over an approved grant: disburse into the recipient's accounts and register the equipment.

    `photos` (the handover's documentation) are checked before anything changes and kept on the grant.
    """
    prepared = prepare_photos(photos)  # a bad photo refuses the handover before any lock or number is taken
    today = today or office_today()
    lock_grant(grant)
    if grant.status != "approved":
        _move(grant, "handed_over")
    if grant.group.status != "active":
        raise InvalidTransition(_("Kelompok harus berstatus aktif untuk menerima bantuan."))
    check_recorded_date("date", handover_date, _("Tanggal serah terima"), today)
    if grant.approved_at and handover_date < office_date(grant.approved_at):
        raise _invalid("date", _("Tanggal serah terima tidak boleh sebelum tanggal persetujuan."))
    expected = grant.member if grant.program == "UEP" else grant.group.ketua
    if expected is None or receiver is None or receiver.id != expected.id:
        message = (_("Bantuan UEP diterima oleh anggota penerimanya sendiri.") if grant.program == "UEP"
                   else _("Bantuan KUBE diterima oleh ketua kelompok yang sedang menjabat."))
        raise _invalid("received_by_member_id", message)
    budget = lock_budget(grant.budget)
    _move(grant, "handed_over")
    # Set the relationships, not only the ids, so the letter rendered below sees both people.
    grant.handover_date, grant.handed_over_by, grant.received_by = handover_date, actor, receiver
    post_disbursement(grant, budget, actor, handover_date)
    register_equipment(grant, handover_date)
    if grant.program == "KUBE" and grant.group.kube_grant_received_on is None:
        grant.group.kube_grant_received_on = handover_date
    db.session.flush()
    record_audit("grant.handover", "grant", grant.id, f"{handover_date.isoformat()} oleh {actor.username}, "
                 f"diterima {receiver.name}", actor=actor)
    from kube.ledger.letters import issue_letter  # numbered and rendered in this same transaction
    issue_letter(grant, actor)
    attach_photos(prepared, actor, grant=grant)
    return grant


def cancel_grant(grant: Grant, reason: str, actor: User) -> Grant:
    """Cancel a grant that has not been handed over; an approved one releases its commitment."""
    if not (reason or "").strip():
        raise _invalid("reason", _("Alasan pembatalan wajib diisi."))
    lock_grant(grant)
    was = grant.status
    if was == "approved":
        budget = lock_budget(grant.budget)
        post_entry("release", f"Pembatalan bantuan #{grant.id}: {reason.strip()}",
                   [Posting(budget_account(budget, "available"), debit=grant.total),
                    Posting(budget_account(budget, "committed"), credit=grant.total)],
                   actor, budget=budget, grant=grant)
    _move(grant, "cancelled")
    grant.cancelled_at, grant.cancel_reason = utc_now(), reason.strip()[:500]
    db.session.flush()
    record_audit("grant.cancel", "grant", grant.id, f"{was} -> cancelled: {reason}", actor=actor)
    return grant


# -- equipment register -----------------------------------------------------------------------

def record_asset_check(asset: Asset, checked_on: date, condition: str, note: str, actor: User,
                       today: date | None = None, *, photos: Sequence[Upload] = ()) -> AssetCheck:
    """Record what a monitoring visit found about one piece of equipment, with its photos (all or nothing)."""
    if condition not in CONDITIONS:
        raise _invalid("condition", _("Kondisi harus baik, rusak, hilang atau dijual."))
    check_recorded_date("checked_on", checked_on, _("Tanggal pemeriksaan"), today)
    if checked_on < asset.received_on:
        raise _invalid("checked_on", _("Tanggal pemeriksaan tidak boleh sebelum barang diterima."))
    prepared = prepare_photos(photos)
    check = AssetCheck(asset=asset, checked_on=checked_on, condition=condition, note=(note or "").strip()[:500],
                       officer_id=actor.id)
    db.session.add(check)
    db.session.flush()
    record_audit("asset.check", "asset", asset.id, f"{condition} {checked_on.isoformat()}", actor=actor)
    attach_photos(prepared, actor, asset_check=check)
    return check


# -- reports ----------------------------------------------------------------------------------

def trial_balance(start: date | None = None, end: date | None = None) -> list[dict]:
    """Each account's debit and credit totals and balance over the entries dated `start` to `end` (both
    included; None is open), named in words (`label`) and in the natural order of `trial_balance_key`.

    Without bounds every account is listed; with a bound, only accounts with an entry in the period. The
    balances sum to zero either way, since every entry balances. One query.
    """
    period = [clause for clause in (JournalEntry.entry_date >= start if start else None,
                                    JournalEntry.entry_date <= end if end else None) if clause is not None]
    sums = (
        select(JournalLine.account_id, func.sum(JournalLine.debit).label("debit"),
               func.sum(JournalLine.credit).label("credit"))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(*period)
        .group_by(JournalLine.account_id).subquery()
    )
    statement = (
        select(Account, Budget.program, Budget.year, Group.name, Member.name,
               func.coalesce(sums.c.debit, 0), func.coalesce(sums.c.credit, 0))
        .join(sums, sums.c.account_id == Account.id, isouter=not period)
        .outerjoin(Budget, Budget.id == Account.budget_id)
        .outerjoin(Group, Group.id == Account.group_id)
        .outerjoin(Member, Member.id == Account.member_id)
    )
    rows = [{"account": account, "debit": int(debit), "credit": int(credit), "balance": int(debit) - int(credit),
             "label": account_label(account.kind, program=program, year=year, group_name=group_name,
                                    member_name=member_name, fallback=account.name),
             "sort_key": trial_balance_key(account, year, program)}
            for account, program, year, group_name, member_name, debit, credit in db.session.execute(statement)]
    return sorted(rows, key=lambda row: row["sort_key"])


def trial_balance_key(account: Account, year: int | None = None, program: str | None = None) -> tuple:
    """Budgets first (by year, then program), then each group followed by its UEP members, by id, so group 3
    comes before group 14; an owner's accounts in ACCOUNT_KIND_ORDER; the code read naturally breaks ties."""
    kind = ACCOUNT_KIND_ORDER.get(account.kind, len(ACCOUNT_KIND_ORDER))
    if account.budget_id is not None:
        owner = (0, year or 0, program or "", account.budget_id, 0)
    elif account.group_id is not None:
        owner = (1, account.group_id, 0, account.member_id or 0, 0)
    else:
        owner = (2, 0, "", 0, 0)
    return (*owner, kind, natural_key(account.code))


def account_statement(account: Account) -> list[dict]:
    """An account's lines in order with the running balance."""
    rows = db.session.execute(
        select(JournalLine, JournalEntry).join(JournalEntry)
        .where(JournalLine.account_id == account.id).order_by(JournalEntry.id, JournalLine.id)
    ).all()
    running, result = 0, []
    for line, entry in rows:
        running += line.debit - line.credit
        result.append({"entry": entry, "debit": line.debit, "credit": line.credit, "balance": running})
    return result


def group_capital_statement(group: Group) -> list[dict]:
    """What a group (and its UEP members) received: date, grant, letter, equipment and cash amounts."""
    rows = db.session.execute(
        select(JournalEntry, Grant,
               func.sum(case((Account.kind == "equipment", JournalLine.debit - JournalLine.credit), else_=0)),
               func.sum(case((Account.kind == "cash", JournalLine.debit - JournalLine.credit), else_=0)))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .join(Account, Account.id == JournalLine.account_id)
        .outerjoin(Grant, Grant.id == JournalEntry.grant_id)
        .where(Account.group_id == group.id)
        .group_by(JournalEntry.id, Grant.id).order_by(JournalEntry.entry_date, JournalEntry.id)
    ).all()
    return [{"entry": entry, "grant": grant, "equipment": int(equipment), "cash": int(cash)}
            for entry, grant, equipment, cash in rows]
