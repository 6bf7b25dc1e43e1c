"""On PostgreSQL, concurrent handovers get unique, gap-free letter numbers (the year's counter row is locked)."""
from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from kube.auth.models import User
from kube.extensions import db as _db
from kube.groups.models import Member
from kube.ledger import letters, operations
from kube.ledger.models import Grant, Letter, LetterSequence
from tests.factories import make_budget, make_grant, make_group, make_user

pytestmark = pytest.mark.postgres  # concurrency is proven on PostgreSQL only

CONCURRENT = 12
HANDOVER = date(2025, 8, 28)


@pytest.fixture
def app_overrides():
    # One connection per thread, all released at the barrier together.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CONCURRENT + 4, "max_overflow": 0}}


def _run_together(app, work, arguments) -> list:
    """Run `work(argument)` in one thread each, with its own app context and session, started at a barrier."""
    barrier = threading.Barrier(len(arguments))
    outcomes, lock = [], threading.Lock()

    def run(argument):
        with app.app_context():
            try:
                result = work(argument, barrier)
            except Exception as error:  # noqa: BLE001  (reported to the test thread, which fails on it)
                _db.session.rollback()
                result = error
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(arguments), "a thread did not finish"
    return outcomes


def test_concurrent_handovers_get_unique_gap_free_numbers(app, db):
    maker, checker = make_user("officer", nip="198703152010012004"), make_user("officer")
    make_budget(maker, amount=1_000_000_000)
    make_budget(maker, program="UEP", amount=1_000_000_000)
    groups = [make_group(maker, members=5, status="active") for _ in range(3)]
    grants = []
    # KUBE and UEP grants draw on two budgets, so handovers are not all queued on one budget row.
    for index in range(CONCURRENT):
        group = groups[index % 3]
        program = "UEP" if index % 2 else "KUBE"
        member = group.current_members[index % 4 + 1] if program == "UEP" else None
        lines = [{"kind": "cash", "item": "Uang tunai", "unit_value": 2_500_000}] if program == "UEP" else None
        grant = make_grant(maker, checker, status="approved", group=group, program=program, member=member, lines=lines)
        grant.approved_at = grant.approved_at.replace(year=2025, month=8, day=1)
        grants.append(grant)
    db.session.commit()
    jobs = [(grant.id, (grant.member_id if grant.program == "UEP" else grant.group.ketua.id)) for grant in grants]
    maker_id = maker.id

    def hand_over(job, barrier):
        grant_id, receiver_id = job
        grant = _db.session.get(Grant, grant_id)
        receiver, actor = _db.session.get(Member, receiver_id), _db.session.get(User, maker_id)
        grant.lines, grant.group.members  # loaded before the race, so the race is about the numbers
        barrier.wait(timeout=30)
        operations.handover_grant(grant, HANDOVER, receiver, actor, today=date(2026, 11, 28))
        _db.session.commit()
        return grant_id

    outcomes = _run_together(app, hand_over, jobs)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(outcomes) == sorted(grant.id for grant in grants)

    db.session.expire_all()
    issued = db.session.scalars(sa.select(Letter).order_by(Letter.seq)).all()
    assert [letter.seq for letter in issued] == list(range(1, CONCURRENT + 1))
    assert len({letter.number for letter in issued}) == CONCURRENT
    assert [letter.number for letter in issued] == [f"460/{seq:03d}/BAST-Dinsos/VIII/2025"
                                                    for seq in range(1, CONCURRENT + 1)]
    for letter in issued:
        assert db.session.get(Grant, letter.grant_id).letter_number == letter.number
        assert hashlib.sha256(letter.pdf).hexdigest() == letter.sha256
        assert letter.number in " ".join(letter_text(letter.pdf))
    assert db.session.get(LetterSequence, 2025).last_seq == CONCURRENT


def letter_text(pdf: bytes) -> list[str]:
    from tests.test_letters import pdf_pages

    return pdf_pages(pdf)


def test_numbers_rolled_back_are_given_again_so_none_is_skipped(app, db):
    def take(index, barrier):
        barrier.wait(timeout=30)
        seq = letters.take_sequence_number(2031)
        if index % 2:
            _db.session.rollback()  # a handover that failed after taking its number
            return None
        _db.session.commit()
        return seq

    outcomes = _run_together(app, take, list(range(2 * CONCURRENT)))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    kept = sorted(o for o in outcomes if o is not None)
    assert kept == list(range(1, CONCURRENT + 1))
    assert db.session.get(LetterSequence, 2031).last_seq == CONCURRENT


def test_two_officers_replacing_the_same_letter_at_once_make_one_replacement(app, db):
    maker, checker = make_user("officer"), make_user("officer")
    make_budget(maker)
    grant = make_grant(maker, checker, status="handed_over")
    db.session.commit()
    letter_id, officer_ids = letters.current_letter(grant.id).id, [maker.id, checker.id] * 3

    def replace(officer_id, barrier):
        letter, actor = _db.session.get(Letter, letter_id), _db.session.get(User, officer_id)
        barrier.wait(timeout=30)
        new = letters.replace_letter(letter, "Nama kelompok salah", actor)
        _db.session.commit()
        return new.number

    outcomes = _run_together(app, replace, officer_ids)
    numbers = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if not isinstance(o, str)]
    assert numbers == ["460/002/BAST-Dinsos/VIII/2025"]
    assert len(refused) == len(officer_ids) - 1 and all(getattr(e, "code", "") == "invalid_transition" for e in refused)
    db.session.expire_all()
    assert db.session.get(LetterSequence, 2025).last_seq == 2  # the refused attempts took no number
