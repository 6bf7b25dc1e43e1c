"""The one clock: the office's day in Asia/Jakarta, and freezing it freezes the whole app."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from kube.audit.models import AuditEntry
from kube.core import clock
from kube.core.identity import parse_kk
from tests.factories import make_group


def test_the_offices_day_starts_at_17_utc(frozen):
    frozen(datetime(2025, 7, 10, 16, 59, tzinfo=timezone.utc))
    assert clock.office_today() == date(2025, 7, 10)
    frozen(datetime(2025, 7, 10, 17, 0, tzinfo=timezone.utc))
    assert clock.office_today() == date(2025, 7, 11)
    assert clock.office_date(datetime(2025, 7, 10, 17, 0)) == date(2025, 7, 11)  # stored naive moments are UTC
    assert clock.office_midnight(date(2025, 7, 11)) == datetime(2025, 7, 10, 17, 0, tzinfo=timezone.utc)


def test_a_frozen_day_means_noon_at_the_office_and_the_real_clock_returns_afterwards():
    with clock.frozen_at(date(2031, 1, 2)) as moment:
        assert moment == datetime(2031, 1, 2, 5, 0, tzinfo=timezone.utc)
        assert clock.utc_now() == moment and clock.office_today() == date(2031, 1, 2)
    assert clock.office_today().year < 2031


def test_freezing_the_clock_freezes_pages_operations_and_model_defaults(client, db, frozen, login, users):
    """One fixture moves everything: the default report month, stored moments and 'today' in the rules."""
    frozen(datetime(2025, 3, 2, 18, 0, tzinfo=timezone.utc))  # 3 March 2025 in Serang
    group = make_group(users["officer"], members=5, status="active", formed_on=date(2024, 1, 10))
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert clock.office_date(entry.at) == date(2025, 3, 3)
    # The report form offers the month that ended last in Serang: February 2025.
    login(users["officer"])
    page = client.get(f"/groups/{group.id}/reports/form").get_data(as_text=True)
    assert 'value="2025-02" selected' in page
    # A family card recorded on 3 March 2025 exists on the office's 3 March, though UTC still says 2 March.
    assert parse_kk("3673040303250001").recorded_on == date(2025, 3, 3)
