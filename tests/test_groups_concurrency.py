"""On PostgreSQL, two officers registering the same NIK at the same moment: one wins, one is refused."""
from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from kube.core.errors import Conflict
from kube.extensions import db as _db
from kube.groups import operations
from kube.groups.models import Group, Member
from tests.factories import make_group, make_user, member_values, valid_kk

pytestmark = pytest.mark.postgres  # concurrency is proven on PostgreSQL only


def test_same_nik_registered_concurrently_in_two_groups(app, db):
    officer = make_user("officer")
    groups = [make_group(officer), make_group(officer)]
    db.session.commit()
    group_ids, officer_id = [g.id for g in groups], officer.id
    person = member_values()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(group_id: int) -> None:
        with app.app_context():
            group = _db.session.get(Group, group_id)
            actor = _db.session.get(type(officer), officer_id)
            barrier.wait()
            try:
                operations.add_member(group, dict(person, kk=valid_kk()), actor, today=date(2026, 11, 28))
                _db.session.commit()
                outcomes.append("created")
            except Conflict:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=register, args=(gid,)) for gid in group_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "refused"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Member.nik == person["nik"])) == 1
