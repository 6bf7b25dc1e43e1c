"""Monthly income reports: the rules in the operations, the leader's phone pages, verification and discipline."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import render_template
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.core.errors import Conflict, InvalidTransition, NeedsConfirmation, NotFound, PermissionDenied, ValidationFailed
from kube.core.periods import add_months, months_ending
from kube.reports import queries, schedule
from kube.reports.models import IncomeReport
from kube.reports.operations import ReportLocked, questionable_reasons, submit_report, verify_report
from kube.reports.views import group_panel
from tests.factories import jakarta, make_group, make_user
from tests.statements import page_statement_count

JUNE = date(2025, 6, 1)
pytestmark = pytest.mark.usefixtures("report_day")  # every test starts on REPORT_DAY; `frozen(moment)` moves


def values(revenue=1_500_000, expenses=400_000, **extra) -> dict:
    return {"revenue": revenue, "expenses": expenses, **extra}


def stored(db) -> list[IncomeReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(IncomeReport).order_by(IncomeReport.period)))


def add_history(db, group, officer, nets: list[int], last: date = date(2025, 5, 1)) -> None:
    """Reports with these nets for the months up to `last` (oldest first), stored directly."""
    for offset, net in enumerate(reversed(nets)):
        period = add_months(last, -offset)
        revenue, expenses = (net, 0) if net >= 0 else (0, -net)
        db.session.add(IncomeReport(group_id=group.id, period=period, revenue=revenue, expenses=expenses, net=net,
                                    active_members=5, submitted_by_id=officer.id,
                                    submitted_at=jakarta(period.year, period.month, 28)))
    db.session.commit()


# -- due dates and month statuses -------------------------------------------------------------

def test_due_date_is_the_tenth_of_the_next_month_counted_in_jakarta(app):
    assert schedule.due_date(JUNE, 10) == date(2025, 7, 10)
    assert schedule.due_date(date(2025, 12, 1), 10) == date(2026, 1, 10)
    assert schedule.is_on_time(jakarta(2025, 7, 10, 23, 59), JUNE, 10)
    assert not schedule.is_on_time(jakarta(2025, 7, 11, 0, 0), JUNE, 10)
    # 17:30 UTC on the 10th is already the 11th in Jakarta.
    assert not schedule.is_on_time(datetime(2025, 7, 10, 17, 30), JUNE, 10)
    assert schedule.is_on_time(datetime(2025, 7, 10, 16, 59), JUNE, 10)
    assert schedule.deadline_utc(JUNE, 10) == datetime(2025, 7, 10, 17, 0, tzinfo=timezone.utc)


def test_month_status_covers_every_case(app):
    formed = date(2024, 3, 15)

    def status(period, submitted, today):
        return schedule.month_status(period, submitted, formed, today, 10)

    assert status(date(2024, 2, 1), None, date(2025, 7, 5)) == schedule.NOT_FORMED
    assert status(date(2024, 3, 1), None, date(2025, 7, 5)) == schedule.MISSING  # the month it was formed counts
    assert status(JUNE, None, date(2025, 7, 10)) == schedule.NOT_DUE  # the due day itself is still on time
    assert status(JUNE, None, date(2025, 7, 11)) == schedule.MISSING
    assert status(JUNE, jakarta(2025, 7, 10, 22), date(2025, 8, 1)) == schedule.ON_TIME
    assert status(JUNE, jakarta(2025, 7, 11, 8), date(2025, 8, 1)) == schedule.LATE


def test_due_day_comes_from_the_configuration(app):
    from config import ConfigError, TestConfig
    from kube import create_app

    assert app.config["REPORT_DUE_DAY"] == 10
    with pytest.raises(ConfigError):
        create_app(TestConfig, REPORT_DUE_DAY=31)


def test_on_time_and_late_by_the_submission_moment(app, db, group, leader, frozen):
    frozen(jakarta(2025, 7, 10, 23, 59))
    report, _ = submit_report(group, JUNE, values(), leader)
    frozen(jakarta(2025, 7, 11, 0, 0))
    late, _ = submit_report(group, date(2025, 5, 1), values(), leader)
    db.session.commit()
    due = app.config["REPORT_DUE_DAY"]
    assert schedule.is_on_time(report.submitted_at, JUNE, due)
    assert not schedule.is_on_time(late.submitted_at, late.period, due)
    # A correction after the due date does not make an on-time report late.
    frozen(jakarta(2025, 8, 20))
    corrected, created = submit_report(group, JUNE, values(revenue=1_600_000), leader)
    db.session.commit()
    assert not created and schedule.is_on_time(corrected.submitted_at, JUNE, due)


# -- submitting -------------------------------------------------------------------------------

def test_leader_submits_last_month_with_defaults(app, db, group, leader, frozen):
    report, created = submit_report(group, JUNE, values(revenue=1_500_000, expenses=1_545_000, note="  hujan  "),
                                    leader)
    db.session.commit()
    assert created
    [row] = stored(db)
    assert (row.revenue, row.expenses, row.net) == (1_500_000, 1_545_000, -45_000)  # a loss is allowed
    assert row.active_members == 5 and row.note == "hujan"
    assert row.submitted_by_id == leader.id and not row.entered_on_behalf and not row.confirmed_unusual
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.create"))
    assert entry.object_id == str(row.id) and "Rp1.500.000" in entry.summary


def test_officer_enters_a_report_on_the_leaders_behalf(app, db, group, officer, frozen):
    submit_report(group, JUNE, values(active_members=4), officer)
    db.session.commit()
    [row] = stored(db)
    assert row.entered_on_behalf and row.submitted_by_id == officer.id and row.active_members == 4
    summary = db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "report.create"))
    assert "atas nama ketua" in summary


def test_a_second_submission_replaces_the_first_and_the_audit_keeps_the_old_values(app, db, group, leader, frozen):
    submit_report(group, JUNE, values(revenue=1_500_000), leader)
    db.session.commit()
    report, created = submit_report(group, JUNE, values(revenue=1_700_000), leader)
    db.session.commit()
    assert not created and len(stored(db)) == 1 and report.net == 1_300_000
    summary = db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "report.update"))
    assert "revenue: 1500000 -> 1700000" in summary and "net: 1100000 -> 1300000" in summary


@pytest.mark.parametrize("field, value, fragment", [
    # Anything but a whole, non-negative amount gets the one Rupiah message (kube.core.money).
    ("revenue", -1, "tanpa koma, desimal atau tanda minus"),
    ("expenses", -50_000, "tanpa koma, desimal atau tanda minus"),
    ("revenue", 1_500_000.5, "tanpa koma, desimal atau tanda minus"),
    ("revenue", "1500000", "tanpa koma, desimal atau tanda minus"),
    ("revenue", True, "tanpa koma, desimal atau tanda minus"),
    ("revenue", None, "Wajib"),
    ("revenue", 1_000_000_001, "Rp1.000.000.000"),
    ("expenses", 10**20, "Rp1.000.000.000"),
    ("active_members", -1, "0 sampai 20"),
    ("active_members", 21, "0 sampai 20"),
    ("active_members", 2.5, "angka bulat"),
    ("note", "x" * 501, "500"),
    ("note", "a\x00b", "karakter"),
])
def test_bad_values_are_refused_with_a_field_message(app, db, group, leader, frozen, field, value, fragment):
    with pytest.raises(ValidationFailed) as refused:
        submit_report(group, JUNE, values(**{field: value}), leader)
    db.session.rollback()
    assert fragment in " ".join(refused.value.fields[field]) and refused.value.status == 422
    assert stored(db) == []


def test_the_largest_amount_and_whole_floats_are_accepted(app, db, group, leader, frozen):
    report, _ = submit_report(group, JUNE, values(revenue=1_000_000_000, expenses=400_000_000.0), leader)
    db.session.commit()
    assert (report.revenue, report.expenses) == (1_000_000_000, 400_000_000)


def test_several_bad_fields_are_reported_together(app, db, group, leader, frozen):
    with pytest.raises(ValidationFailed) as refused:
        submit_report(group, JUNE, {"revenue": -1, "expenses": 1.5}, leader)
    assert set(refused.value.fields) == {"revenue", "expenses"}


@pytest.mark.parametrize("period, fragment", [
    (date(2025, 7, 1), "belum selesai"),  # the current month
    (date(2025, 8, 1), "belum datang"),  # the future
    (date(2023, 12, 1), "baru terbentuk"),  # before the group was formed (10 January 2024)
])
def test_months_that_cannot_be_reported(app, db, group, leader, frozen, period, fragment):
    with pytest.raises(ValidationFailed) as refused:
        submit_report(group, period, values(), leader)
    assert fragment in refused.value.fields["period"][0]
    assert stored(db) == []


def test_the_month_the_group_was_formed_can_be_reported(app, db, group, leader, frozen):
    submit_report(group, date(2024, 1, 1), values(), leader)
    db.session.commit()
    assert len(stored(db)) == 1


@pytest.mark.parametrize("status", ["proposed", "graduated", "dissolved"])
def test_groups_that_are_not_active_cannot_report(app, db, officer, frozen, status):
    group = make_group(officer, members=5, status=status)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        submit_report(group, JUNE, values(), officer)
    assert "aktif" in refused.value.fields["group"][0]


def test_leaders_report_only_for_their_own_group_and_viewers_never(app, db, group, officer, users, frozen):
    other = make_group(officer, members=5, status="active")
    stranger = make_user("leader", group_id=other.id)
    db.session.commit()
    with pytest.raises(NotFound):
        submit_report(group, JUNE, values(), stranger)
    with pytest.raises(PermissionDenied):
        submit_report(group, JUNE, values(), users["viewer"])
    with pytest.raises(PermissionDenied):
        verify_report(group, JUNE, users["viewer"])
    assert stored(db) == []


# -- questionable values ----------------------------------------------------------------------

def test_expenses_over_three_times_revenue_need_confirmation(app, db, group, leader, frozen):
    submit_report(group, date(2025, 4, 1), values(revenue=100_000, expenses=300_000), leader)  # exactly 3x: fine
    with pytest.raises(NeedsConfirmation) as asked:
        submit_report(group, JUNE, values(revenue=100_000, expenses=300_001), leader)
    assert asked.value.code == "needs_confirmation" and asked.value.status == 422
    assert asked.value.fields["confirmed"][0] == "Apakah angka ini sudah benar?"
    db.session.rollback()
    report, _ = submit_report(group, JUNE, values(revenue=100_000, expenses=300_001), leader, confirmed=True)
    db.session.commit()
    assert report.confirmed_unusual


def test_expenses_without_any_revenue_need_confirmation(app, db, group, leader, frozen):
    with pytest.raises(NeedsConfirmation):
        submit_report(group, JUNE, values(revenue=0, expenses=1), leader)
    db.session.rollback()
    submit_report(group, JUNE, values(revenue=0, expenses=0), leader)  # a month without business is ordinary


@pytest.mark.parametrize("history, net, asked", [
    ([1_000_000, 1_200_000, 800_000], 3_000_000, False),  # median 1.000.000: exactly 3x is fine
    ([1_000_000, 1_200_000, 800_000], 3_000_001, True),
    ([1_000_000, 1_200_000, 800_000], -3_000_000, False),
    ([1_000_000, 1_200_000, 800_000], -3_000_001, True),
    ([-100_000, -100_000, -50_000], 300_001, True),  # a usual loss: the absolute median counts
    ([-100_000, -100_000, -50_000], 300_000, False),
    ([0, 0, 5_000], 9_000_000, False),  # median 0: no usual level to compare with
    ([], 900_000_000, False),  # no earlier reports
])
def test_net_far_from_the_groups_median_needs_confirmation(app, db, group, officer, leader, frozen, history, net,
                                                           asked):
    add_history(db, group, officer, history)
    revenue, expenses = (net, 0) if net >= 0 else (0, -net)
    if asked:
        with pytest.raises(NeedsConfirmation) as question:
            submit_report(group, JUNE, values(revenue=revenue, expenses=expenses), leader)
        # The question names the figure typed far from its usual value, on its own field.
        named = {name for name in ("revenue", "expenses") if name in question.value.fields}
        assert named and all("biasanya, sekitar Rp" in question.value.fields[name][0] for name in named)
    elif net >= 0:
        submit_report(group, JUNE, values(revenue=revenue, expenses=expenses), leader)
    else:
        # Expenses without revenue are asked about by the expenses rule, whatever the usual net.
        with pytest.raises(NeedsConfirmation):
            submit_report(group, JUNE, values(revenue=revenue, expenses=expenses), leader)


def test_only_the_latest_twelve_earlier_reports_give_the_usual_net(app, db, group, officer, leader, frozen):
    # 13 old months at Rp10.000.000 then 12 recent at Rp100.000: over all 25 the median would be Rp10.000.000.
    add_history(db, group, officer, [10_000_000] * 13 + [100_000] * 12)
    with pytest.raises(NeedsConfirmation):
        submit_report(group, JUNE, values(revenue=1_000_000, expenses=0), leader)


def test_later_months_do_not_count_as_earlier_reports(app, db, group, officer, leader, frozen):
    add_history(db, group, officer, [100_000, 100_000, 100_000], last=date(2025, 6, 1))
    # Back-filling January 2025: the only reports are later ones, so there is nothing to compare with.
    submit_report(group, date(2025, 1, 1), values(revenue=5_000_000, expenses=0), leader)


def test_questionable_reasons_is_a_plain_function(app):
    assert questionable_reasons(100, 300, [], 3) == []
    assert questionable_reasons(100, 301, [], 3) == ["Biaya Rp301 lebih dari 3 kali omzet (Rp100)."]
    # Usually revenue 10 and no expenses: both figures are far from theirs, each is named once.
    assert questionable_reasons(100, 301, [(10, 0)], 3) == ["Omzet Rp100 jauh di atas biasanya, sekitar Rp10.",
                                                           "Biaya Rp301 jauh di atas biasanya, sekitar Rp0."]


# -- verification -----------------------------------------------------------------------------

def test_verification_locks_the_report_for_its_leader(app, db, group, leader, officer, frozen):
    submit_report(group, JUNE, values(), leader)
    db.session.commit()
    report = verify_report(group, JUNE, officer)
    db.session.commit()
    assert report.verified_by_id == officer.id and report.verified_at is not None
    with pytest.raises(ReportLocked) as refused:
        submit_report(group, JUNE, values(revenue=1), leader)
    assert refused.value.status == 409 and refused.value.code == "report_verified"
    db.session.rollback()
    assert stored(db)[0].revenue == 1_500_000


def test_officer_changes_a_verified_report_only_with_a_reason(app, db, group, leader, officer, frozen):
    submit_report(group, JUNE, values(), leader)
    verify_report(group, JUNE, officer)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        submit_report(group, JUNE, values(revenue=1_600_000), officer, reason="   ")
    assert "alasan" in refused.value.fields["reason"][0]
    db.session.rollback()
    report, created = submit_report(group, JUNE, values(revenue=1_600_000), officer,
                                    reason="Nota penjualan 28 Juni belum dihitung")
    db.session.commit()
    assert not created and report.revenue == 1_600_000 and report.verified_at is not None
    assert report.entered_on_behalf
    summary = db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "report.update"))
    assert "Nota penjualan 28 Juni belum dihitung" in summary and "revenue: 1500000 -> 1600000" in summary


def test_verify_refuses_twice_a_missing_report_and_leaders(app, db, group, leader, officer, frozen):
    with pytest.raises(NotFound):
        verify_report(group, JUNE, officer)
    submit_report(group, JUNE, values(), leader)
    with pytest.raises(PermissionDenied):
        verify_report(group, JUNE, leader)
    verify_report(group, JUNE, officer)
    with pytest.raises(InvalidTransition):
        verify_report(group, JUNE, officer)


# -- the leader's pages -----------------------------------------------------------------------

def test_leader_landing_page_shows_months_and_a_big_button_for_last_month(client, db, group, leader, officer,
                                                                          login, frozen):
    add_history(db, group, officer, [500_000], last=date(2025, 4, 1))
    login(leader)
    page = client.get("/reports").get_data(as_text=True)
    assert "big-button" in page and "Laporkan Juni 2025" in page
    assert f"/groups/{group.id}/reports/form?period=2025-06" in page
    assert "Laporan Juni 2025 paling lambat 10 Juli." in page  # June: due 10 July
    assert "Masih ada 4 bulan yang belum dilaporkan:" in page and ">Mei 2025</a>" in page  # May: due 10 June, passed
    assert '<span class="badge ok">Sudah</span>' in page  # April's report came in before its due date
    assert "Januari 2025" in page and "Desember 2024" not in page  # the last six months


def test_leader_without_a_group_is_told_so(client, db, login, frozen):
    user = make_user("leader")
    db.session.commit()
    login(user)
    assert "belum dihubungkan" in client.get("/reports").get_data(as_text=True)


def test_report_form_is_phone_first(client, group, leader, login, frozen):
    login(leader)
    page = client.get(f"/groups/{group.id}/reports/form").get_data(as_text=True)
    assert "Laporan Juni 2025" in page  # default: last month
    assert page.count('inputmode="numeric"') == 3 and 'class="big-input"' in page
    assert 'name="active_members"' in page and 'value="5"' in page  # default: the current member count
    assert "style=" not in page and "<script>" not in page  # scripts only from files (CSP)
    assert 'src="/static/js/report-form.js"' in page


def test_leader_reports_with_dots_and_rp_through_the_form(client, db, group, leader, login, frozen):
    login(leader)
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                           data={"revenue": "Rp 1.500.000", "expenses": "1.545.000", "active_members": "5",
                                 "note": "Sewa tenda sepi"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    [row] = stored(db)
    assert (row.revenue, row.expenses, row.net, row.note) == (1_500_000, 1_545_000, -45_000, "Sewa tenda sepi")
    page = client.get("/reports").get_data(as_text=True)
    assert "tersimpan" in page and '<span class="money loss">-Rp45.000</span>' in page


@pytest.mark.parametrize("form, fragment", [
    ({"revenue": "-5.000", "expenses": "0"}, "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "1,5", "expenses": "0"}, "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "1.5", "expenses": "0"}, "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "²", "expenses": "0"}, "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "١٥٠٠", "expenses": "0"}, "tanpa koma, desimal atau tanda minus"),
    ({"revenue": "2.000.000.000", "expenses": "0"}, "Paling banyak Rp1.000.000.000."),
    ({"revenue": "", "expenses": "0"}, "Wajib diisi."),
    ({"revenue": "100.000", "expenses": "0", "active_members": "lima"}, "Harus berupa angka bulat."),
    ({"revenue": "100.000", "expenses": "0", "active_members": "50"}, "0 sampai 20"),
    ({"revenue": "100.000", "expenses": "0", "note": "x" * 501}, "500 karakter"),
])
def test_bad_form_input_is_reshown_with_its_message(client, db, group, leader, login, frozen, form, fragment):
    login(leader)
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment in page
    assert f'value="{form["revenue"]}"' in page  # what was typed is kept
    assert stored(db) == []


@pytest.mark.parametrize("period, fragment", [
    ("2025-07", "belum selesai"), ("2025-09", "belum datang"), ("2023-12", "baru terbentuk"),
])
def test_form_refuses_months_that_cannot_be_reported(client, db, group, leader, login, frozen, period, fragment):
    login(leader)
    assert fragment in client.get(f"/groups/{group.id}/reports/form?period={period}").get_data(as_text=True)
    response = client.post(f"/groups/{group.id}/reports/form?period={period}",
                           data={"revenue": "100.000", "expenses": "0"})
    assert response.status_code == 200 and fragment in response.get_data(as_text=True)
    assert stored(db) == []


def test_form_refuses_groups_that_are_not_active(client, db, officer, login, frozen):
    group = make_group(officer, members=5, status="dissolved")
    db.session.commit()
    login(officer)
    response = client.post(f"/groups/{group.id}/reports/form", data={"revenue": "100.000", "expenses": "0"})
    assert "aktif" in response.get_data(as_text=True) and stored(db) == []


def test_malformed_period_in_the_address_is_not_found(client, group, leader, login, frozen):
    login(leader)
    assert client.get(f"/groups/{group.id}/reports/form?period=2025-13").status_code == 404


def test_form_asks_for_confirmation_of_unusual_values(client, db, group, leader, login, frozen):
    login(leader)
    data = {"revenue": "100.000", "expenses": "900.000"}
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Apakah angka ini sudah benar?" in page
    assert 'name="confirmed"' in page and "lebih dari 3 kali omzet" in page and 'value="900.000"' in page
    assert stored(db) == []
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06", data=dict(data, confirmed="y"))
    assert response.status_code == 302
    [row] = stored(db)
    assert row.confirmed_unusual and row.net == -800_000


def test_leader_cannot_change_a_verified_report_in_the_form(client, db, group, leader, officer, login, frozen):
    submit_report(group, JUNE, values(), leader)
    verify_report(group, JUNE, officer)
    db.session.commit()
    login(leader)
    page = client.get(f"/groups/{group.id}/reports/form?period=2025-06").get_data(as_text=True)
    assert "sudah diverifikasi" in page and 'name="revenue"' not in page
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                           data={"revenue": "1", "expenses": "0"})
    assert response.status_code == 200 and "tidak dapat diubah lagi" in response.get_data(as_text=True)
    assert stored(db)[0].revenue == 1_500_000


def test_officer_changes_a_verified_report_in_the_form_with_a_reason(client, db, group, leader, officer, login,
                                                                     frozen):
    submit_report(group, JUNE, values(), leader)
    verify_report(group, JUNE, officer)
    db.session.commit()
    login(officer)
    url = f"/groups/{group.id}/reports/form?period=2025-06"
    assert 'name="reason"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"revenue": "1.600.000", "expenses": "400.000"})
    assert "tuliskan alasan" in response.get_data(as_text=True) and stored(db)[0].revenue == 1_500_000
    response = client.post(url, data={"revenue": "1.600.000", "expenses": "400.000", "reason": "Salah ketik"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/groups/{group.id}/reports")
    assert stored(db)[0].revenue == 1_600_000
    assert "Salah ketik" in db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "report.update"))


def test_officer_enters_a_report_for_the_leader_in_the_form(client, db, group, officer, login, frozen):
    login(officer)
    url = f"/groups/{group.id}/reports/form?period=2025-05"
    assert "atas nama ketua" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"revenue": "800.000", "expenses": "200.000"}).status_code == 302
    assert stored(db)[0].entered_on_behalf
    assert "Diisi petugas" in client.get(f"/groups/{group.id}/reports").get_data(as_text=True)


def test_verify_asks_first_then_verifies(client, db, group, leader, officer, login, frozen):
    submit_report(group, JUNE, values(), leader)
    db.session.commit()
    login(officer)
    url = f"/groups/{group.id}/reports/2025-06/verify"
    page = client.get(url).get_data(as_text=True)
    assert "Rp1.100.000" in page and "ketua tidak dapat mengubahnya lagi" in page
    assert stored(db)[0].verified_at is None
    response = client.post(url)
    assert response.status_code == 302
    assert stored(db)[0].verified_by_id == officer.id
    assert "sudah diverifikasi" in client.get(url, follow_redirects=True).get_data(as_text=True)
    assert client.get(f"/groups/{group.id}/reports/2025-05/verify").status_code == 404
    assert client.get(f"/groups/{group.id}/reports/bulan/verify").status_code == 404


def test_leaders_see_only_their_own_groups_reports(client, db, group, officer, login, frozen):
    other = make_group(officer, members=5, status="active")
    stranger = make_user("leader", group_id=other.id)
    submit_report(group, JUNE, values(), officer)
    db.session.commit()
    login(stranger)
    assert client.get(f"/groups/{group.id}/reports").status_code == 404
    assert client.get(f"/groups/{group.id}/reports/form").status_code == 404
    assert client.post(f"/groups/{group.id}/reports/form", data={"revenue": "1", "expenses": "0"}).status_code == 404
    assert client.get(f"/groups/{other.id}/reports").status_code == 200
    assert len(stored(db)) == 1 and stored(db)[0].revenue == 1_500_000


def test_viewers_read_but_never_write(client, db, group, officer, users, login, frozen):
    submit_report(group, JUNE, values(), officer)
    db.session.commit()
    login(users["viewer"])
    page = client.get(f"/groups/{group.id}/reports").get_data(as_text=True)
    assert "Rp1.100.000" in page and "/reports/form" not in page and "/verify" not in page
    assert client.get(f"/groups/{group.id}/reports/form").status_code == 403
    assert client.post(f"/groups/{group.id}/reports/2025-06/verify").status_code == 403
    assert client.get("/reports/discipline").status_code == 200
    assert client.get("/reports").status_code == 403


# -- the group page's section -----------------------------------------------------------------

def test_group_panel_and_partial(app, db, group, officer, leader, frozen):
    submit_report(group, JUNE, values(revenue=100_000, expenses=150_000), leader)
    db.session.commit()
    with app.test_request_context():
        from flask_login import login_user

        login_user(officer)
        context = group_panel(group)
        assert [cell.period for cell in context["report_months"]][:2] == [JUNE, date(2025, 5, 1)]
        assert len(context["report_months"]) == 12
        assert context["report_months"][0].report.net == -50_000
        assert context["can_submit_report"] and context["can_verify_report"]
        html = render_template("reports/_group_reports.html", **context)
    assert '<span class="money loss">-Rp50.000</span>' in html and "Verifikasi" in html
    assert "Juli 2024" in html and "Juni 2024" not in html  # the last 12 complete months


# -- reporting discipline ---------------------------------------------------------------------

def _grid_dataset(db, officer):
    """Three active groups in two kecamatan, with reports chosen so every status and rate is known.

    On 15 August 2025 the last complete month is July 2025, so the window is August 2024 - July 2025,
    and every month in it is due (July's report was due on 10 August).
    """
    curug = make_group(officer, members=5, status="active", name="A Curug", formed_on=date(2024, 1, 10))
    late_former = make_group(officer, members=5, status="active", name="B Curug", formed_on=date(2025, 5, 20))
    serang = make_group(officer, members=5, status="active", name="C Serang", kelurahan_code="36.73.01.1002",
                        formed_on=date(2024, 1, 10))
    make_group(officer, members=5, status="dissolved", name="D Bubar")  # not counted anywhere
    db.session.commit()
    # A: every month reported; Aug-Dec 2024 on the 10th (on time), Jan-Jul 2025 on the 11th (late).
    for month in months_ending(date(2025, 7, 1), 12):
        due = add_months(month, 1)
        day = 10 if month.year == 2024 else 11
        db.session.add(IncomeReport(group_id=curug.id, period=month, revenue=1, expenses=0, net=1, active_members=5,
                                    submitted_at=jakarta(due.year, due.month, day, 23, 59)))
    # B: formed 20 May 2025, so May-Jul are due; it reported June on time only.
    db.session.add(IncomeReport(group_id=late_former.id, period=date(2025, 6, 1), revenue=1, expenses=0, net=1,
                                active_members=5, submitted_at=jakarta(2025, 7, 1)))
    # C: nothing at all.
    db.session.commit()
    return curug, late_former, serang


def test_discipline_grid_and_rates_on_a_fixed_dataset(client, db, officer, login, frozen):
    curug, late_former, serang = _grid_dataset(db, officer)
    frozen(jakarta(2025, 8, 15))
    with client.application.test_request_context():
        summary = queries.discipline(1, 25)
    assert summary.months[0] == date(2024, 8, 1) and summary.months[-1] == date(2025, 7, 1)
    assert summary.due_months == summary.months
    rows = {row.group.name: row for row in summary.rows}
    assert set(rows) == {"A Curug", "B Curug", "C Serang"}
    assert [c.status for c in rows["A Curug"].cells] == ["on_time"] * 5 + ["late"] * 7
    assert [c.status for c in rows["B Curug"].cells] == ["not_formed"] * 9 + ["missing", "on_time", "missing"]
    assert [c.status for c in rows["C Serang"].cells] == ["missing"] * 12
    counts = rows["B Curug"].counts
    assert (counts.expected, counts.received, counts.on_time) == (3, 1, 1)
    rates = {r.code: r for r in summary.rates}
    curug_rates, serang_rates = rates["36.73.04"], rates["36.73.01"]
    assert (curug_rates.groups, curug_rates.expected, curug_rates.received, curug_rates.on_time) == (2, 15, 13, 6)
    assert curug_rates.completeness == pytest.approx(13 / 15) and curug_rates.on_time_rate == pytest.approx(6 / 15)
    assert (serang_rates.groups, serang_rates.expected, serang_rates.received) == (1, 12, 0)
    assert rates["36.73.02"].completeness is None  # Kasemen has no active group
    assert (summary.total.expected, summary.total.received, summary.total.on_time) == (27, 13, 6)

    login(officer)
    page = client.get("/reports/discipline").get_data(as_text=True)
    assert "87%" in page and "40%" in page and "48%" in page  # Curug completeness, on time; Kota Serang 13/27
    assert "D Bubar" not in page
    filtered = client.get("/reports/discipline?kecamatan=36.73.01").get_data(as_text=True)
    assert "C Serang" in filtered and "A Curug" not in filtered


def test_discipline_before_the_due_day_leaves_last_month_out_of_the_rates(client, db, officer, frozen):
    _grid_dataset(db, officer)
    frozen(jakarta(2025, 8, 10, 20))  # July is due today, not yet missing
    with client.application.test_request_context():
        summary = queries.discipline(1, 25)
    assert summary.due_months == summary.months[:-1]
    rows = {row.group.name: row for row in summary.rows}
    assert rows["C Serang"].cells[-1].status == "not_due"
    assert rows["C Serang"].counts.expected == 11
    assert summary.total.expected == 11 + 2 + 11  # B: May and June only


def _groups_with_reports(db, officer, count: int) -> None:
    for index in range(count):
        group = make_group(officer, members=1, status="proposed", name=f"Kube {index:03d}",
                           kelurahan_code="36.73.01.1002" if index % 2 else "36.73.04.1002")
        group.status = "active"  # activation rules need 5 members; the grid only needs the status
        for month in months_ending(date(2025, 6, 1), 3):
            db.session.add(IncomeReport(group_id=group.id, period=month, revenue=10, expenses=0, net=10,
                                        active_members=1, submitted_at=jakarta(2025, 7, 1)))
    db.session.commit()


def test_discipline_page_needs_a_fixed_number_of_queries(app, client, db, officer, login, frozen):
    login(officer)
    _groups_with_reports(db, officer, 10)
    small = page_statement_count(app, db, client, "/reports/discipline")
    _groups_with_reports(db, officer, 30)
    assert db.session.scalar(select(func.count(IncomeReport.id))) == 120
    assert page_statement_count(app, db, client, "/reports/discipline") == small
    assert page_statement_count(app, db, client, "/reports/discipline?page=2") == small


def test_group_report_pages_need_a_fixed_number_of_queries(app, client, db, group, officer, login, frozen):
    login(officer)
    add_history(db, group, officer, [100_000] * 3)
    few = page_statement_count(app, db, client, f"/groups/{group.id}/reports")
    add_history(db, group, officer, [100_000] * 20, last=date(2025, 2, 1))
    assert page_statement_count(app, db, client, f"/groups/{group.id}/reports") == few


def test_odd_addresses_never_break_the_pages(client, group, officer, login, frozen):
    login(officer)
    huge = "9" * 20
    assert client.get(f"/groups/{group.id}/reports?page={huge}").status_code == 200
    assert client.get(f"/reports/discipline?page={huge}&kecamatan=zz").status_code == 200
    assert client.get(f"/groups/{group.id}/reports?page=-3").status_code == 200
    assert client.get(f"/groups/{group.id}/reports/form?period=0000-01").status_code == 404
    assert "belum datang" in client.get(f"/groups/{group.id}/reports/form?period=9999-12").get_data(as_text=True)


def test_a_month_stored_meanwhile_is_a_clean_conflict_and_the_session_stays_usable(db, frozen, group, leader,
                                                                                    monkeypatch):
    """Should the (group, month) unique index catch a report the lookup missed, only its savepoint is undone."""
    submit_report(group, JUNE, values(), leader)
    db.session.commit()
    # As if another request stored it meanwhile (the operations read it through their own import).
    monkeypatch.setattr("kube.reports.operations.get_report", lambda *_args: None)
    group.address = "Kp. Baru RT 01/02"  # earlier work in the same transaction

    with pytest.raises(Conflict) as refused:
        submit_report(group, JUNE, values(revenue=9_000_000), leader)
    assert "baru saja dikirim dari tempat lain" in refused.value.message
    assert [report.revenue for report in db.session.scalars(select(IncomeReport))] == [1_500_000]
    db.session.commit()  # no rollback needed: the earlier work is kept
    db.session.expire_all()
    assert group.address == "Kp. Baru RT 01/02"
