"""The one transaction edge: committed on success, rolled back on a refusal or an error, nothing half-saved."""
from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.audit.operations import record_audit
from kube.core.errors import ValidationFailed
from kube.core.transaction import attempt, committed, transactional


def _entries(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEntry.id)))


def test_committed_keeps_the_work_of_a_block_that_ends_well(db):
    with committed():
        record_audit("test.kept", "test", 1, actor=None)
    db.session.rollback()  # nothing pending: it is committed already
    assert _entries(db) == 1


def test_committed_rolls_back_and_raises_on_any_error(db):
    with pytest.raises(ZeroDivisionError):
        with committed():
            record_audit("test.lost", "test", 1, actor=None)
            db.session.flush()
            1 / 0
    assert _entries(db) == 0


def test_attempt_shows_a_refusal_on_the_form_and_keeps_nothing(app, db):
    with app.test_request_context(method="POST"):
        form = FlaskForm(meta={"csrf": False})
        with attempt(form) as outcome:
            record_audit("test.refused", "test", 1, actor=None)
            db.session.flush()
            raise ValidationFailed("Ditolak karena aturan.")
        assert not outcome.ok and outcome.error.message == "Ditolak karena aturan."
        assert form.form_errors == ["Ditolak karena aturan."]
    assert _entries(db) == 0


def test_attempt_without_a_form_flashes_the_refusal(app, db):
    from flask import get_flashed_messages

    with app.test_request_context(method="POST"):
        with attempt() as outcome:
            raise ValidationFailed("Tidak boleh.")
        assert not outcome.ok
        assert get_flashed_messages(with_categories=True) == [("error", "Tidak boleh.")]


def test_attempt_lets_other_errors_through_after_rolling_back(app, db):
    with app.test_request_context(method="POST"):
        with pytest.raises(KeyError):
            with attempt():
                record_audit("test.crash", "test", 1, actor=None)
                db.session.flush()
                raise KeyError("bug")
    assert _entries(db) == 0


@pytest.mark.parametrize("status, kept", [(201, 1), (200, 1), (409, 0), (422, 0)])
def test_transactional_commits_a_success_and_rolls_back_an_error_answer(app, db, status, kept):
    @transactional
    def view():
        record_audit("test.api", "test", 1, actor=None)
        db.session.flush()
        return {"ok": status < 400}, status

    with app.test_request_context(method="POST"):
        assert view().status_code == status
    assert _entries(db) == kept
