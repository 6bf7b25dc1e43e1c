"""On PostgreSQL, concurrent submissions for the same group and month: one report, nothing lost.

Decision (PUT semantics): report changes for a group are serialised by a row lock on the group,
so of two concurrent first submissions one creates the report (201) and the other, waiting for
the lock, finds it and replaces it (200). Exactly one row exists, and the values the second one
replaced are kept in the audit log. A leader's change racing an officer's verification waits
for it and is then refused as locked.
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.auth.models import User
from kube.core.errors import Conflict
from kube.extensions import db as _db
from kube.groups.models import Group
from kube.reports.models import IncomeReport
from kube.reports.operations import ReportLocked, submit_report, verify_report

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("report_day")]  # concurrency: PostgreSQL only

JUNE = date(2025, 6, 1)


def _run(*targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


def test_two_concurrent_first_submissions_give_one_report_created_once_and_replaced_once(app, db, group, leader,
                                                                                          bearer):
    bodies = {"leader": {"revenue": 1_500_000, "expenses": 400_000},
              "officer": {"revenue": 1_450_000, "expenses": 400_000}}
    headers = {"leader": bearer(leader), "officer": bearer("officer")}
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def submit(who: str):
        def run():
            with app.app_context():
                thread_client = app.test_client()
                barrier.wait()
                response = thread_client.put(f"/api/v1/groups/{group.id}/income-reports/2025-06",
                                             json=bodies[who], headers=headers[who])
                answers[who] = response.status_code
                _db.session.remove()
        return run

    _run(submit("leader"), submit("officer"))
    assert sorted(answers.values()) == [200, 201], answers
    db.session.expire_all()
    assert db.session.scalar(select(func.count(IncomeReport.id))) == 1
    actions = sorted(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "income_report")))
    assert actions == ["report.create", "report.update"]  # the replaced values are in the audit log


def test_the_second_submission_waits_for_the_first_and_replaces_it(app, db, users, group):
    """Deterministic: the first transaction holds the lock while the second starts; no duplicate-key error."""
    officer_id, group_id = users["officer"].id, group.id
    first_flushed = threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        with app.app_context():
            report, created = submit_report(_db.session.get(Group, group_id), JUNE,
                                                    {"revenue": 100_000, "expenses": 0},
                                                    _db.session.get(User, officer_id))
            first_flushed.set()
            time.sleep(0.5)  # the second submission is now waiting on the group's lock
            _db.session.commit()
            outcomes["first"] = created
            _db.session.remove()

    def second():
        with app.app_context():
            first_flushed.wait(10)
            try:
                _report, created = submit_report(_db.session.get(Group, group_id), JUNE,
                                                         {"revenue": 120_000, "expenses": 0},
                                                         _db.session.get(User, officer_id))
                _db.session.commit()
                outcomes["second"] = created
            except Conflict as error:
                _db.session.rollback()
                outcomes["second"] = error
            _db.session.remove()

    _run(first, second)
    assert outcomes == {"first": True, "second": False}
    db.session.expire_all()
    [report] = db.session.scalars(select(IncomeReport)).all()
    assert report.revenue == 120_000


def test_a_leader_change_racing_verification_is_refused_after_it(app, db, users, group, leader):
    submit_report(group, JUNE, {"revenue": 100_000, "expenses": 0}, leader)
    db.session.commit()
    officer_id, leader_id, group_id = users["officer"].id, leader.id, group.id
    verified = threading.Event()
    outcomes: dict[str, object] = {}

    def verify():
        with app.app_context():
            verify_report(_db.session.get(Group, group_id), JUNE, _db.session.get(User, officer_id))
            verified.set()
            time.sleep(0.5)
            _db.session.commit()
            _db.session.remove()

    def change():
        with app.app_context():
            verified.wait(10)
            try:
                submit_report(_db.session.get(Group, group_id), JUNE, {"revenue": 1, "expenses": 0},
                                      _db.session.get(User, leader_id))
                _db.session.commit()
                outcomes["change"] = "saved"
            except ReportLocked:
                _db.session.rollback()
                outcomes["change"] = "locked"
            _db.session.remove()

    _run(verify, change)
    assert outcomes == {"change": "locked"}
    db.session.expire_all()
    assert db.session.scalar(select(IncomeReport.revenue)) == 100_000
