"""The leader's home and report form guide: what is due and by when, the last six months, whether income goes up,
figures named on their own field in Rupiah, and thanks with the next due date after sending."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from kube.core.errors import NeedsConfirmation
from kube.core.periods import add_months, month_index
from kube.monitoring.trends import TREND_INSUFFICIENT, TREND_OK, Trend
from kube.reports import schedule
from kube.reports.labels import due_sentence, improvement_sentence, next_report_sentence
from kube.reports.models import IncomeReport
from kube.reports.operations import submit_report, unusual_figures
from tests.factories import jakarta

JUNE = date(2025, 6, 1)  # the month due on tests.factories.REPORT_DAY (5 July 2025)
pytestmark = pytest.mark.usefixtures("report_day")


def add_reports(db, group, officer, figures: list[tuple[int, int]], last: date = date(2025, 5, 1),
                submitted: dict[date, datetime] | None = None) -> None:
    """Reports of (revenue, expenses) for the months up to `last`, oldest first, sent on the 28th unless told."""
    submitted = submitted or {}
    for offset, (revenue, expenses) in enumerate(reversed(figures)):
        period = add_months(last, -offset)
        db.session.add(IncomeReport(group_id=group.id, period=period, revenue=revenue, expenses=expenses,
                                    net=revenue - expenses, active_members=5, submitted_by_id=officer.id,
                                    submitted_at=submitted.get(period, jakarta(period.year, period.month, 28))))
    db.session.commit()


def trend(slope: float | None, status: str = TREND_OK, reports: int = 6) -> Trend:
    start = month_index(date(2025, 1, 1))
    return Trend(status, slope, 0.0 if slope is not None else None, reports, start, start + 5, None, (), None)


# -- what is due, and when --------------------------------------------------------------------

def test_the_month_to_report_is_last_month_until_it_is_in_then_the_running_month():
    today, formed = date(2026, 12, 5), date(2024, 1, 10)
    assert schedule.month_to_report(today, set(), formed) == date(2026, 11, 1)
    assert schedule.month_to_report(today, {date(2026, 10, 1)}, formed) == date(2026, 11, 1)
    assert schedule.month_to_report(today, {date(2026, 11, 1)}, formed) == date(2026, 12, 1)
    # A group formed this month owes nothing for last month.
    assert schedule.month_to_report(today, set(), date(2026, 12, 2)) == date(2026, 12, 1)


def test_due_sentences_name_the_month_and_the_day(app):
    with app.test_request_context():
        assert due_sentence(date(2026, 11, 1), 10, date(2026, 12, 5)) == \
            "Laporan November 2026 paling lambat 10 Desember."
        assert due_sentence(date(2026, 11, 1), 10, date(2026, 12, 10)) == \
            "Laporan November 2026 paling lambat 10 Desember."  # the due day itself is still on time
        assert due_sentence(date(2026, 11, 1), 10, date(2026, 12, 11)).startswith(
            "Laporan November 2026 sudah lewat batas (10 Desember).")
        assert due_sentence(date(2026, 12, 1), 10, date(2026, 12, 20)) == \
            "Laporan Desember 2026 dapat dikirim mulai 1 Januari 2027, paling lambat 10 Januari 2027."
        assert next_report_sentence(date(2026, 12, 1), 10) == \
            "Laporan berikutnya: Desember 2026, paling lambat 10 Januari 2027."
        assert next_report_sentence(date(2026, 7, 1), 15) == "Laporan berikutnya: Juli 2026, paling lambat 15 Agustus."


def test_is_my_group_improving_in_one_plain_sentence(app):
    with app.test_request_context():
        assert improvement_sentence(trend(25_000.0), 4) == \
            "Pendapatan bersih kelompok Anda naik dalam 6 bulan terakhir. Bagus, teruskan!"
        assert improvement_sentence(trend(-25_000.0), 4).startswith(
            "Pendapatan bersih kelompok Anda turun dalam 6 bulan terakhir.")
        assert improvement_sentence(trend(0.0), 4) == "Pendapatan bersih kelompok Anda tetap dalam 6 bulan terakhir."
        assert improvement_sentence(trend(None, TREND_INSUFFICIENT, reports=2), 4) == (
            "Belum cukup laporan untuk melihat apakah pendapatan kelompok Anda naik: dalam 6 bulan terakhir ada "
            "2 laporan, perlu 4.")


# -- the leader's home ------------------------------------------------------------------------

def test_home_says_what_is_due_by_when_with_a_big_button(client, db, group, leader, officer, login):
    login(leader)
    page = client.get("/reports").get_data(as_text=True)
    assert '<p class="due-text">Laporan Juni 2025 paling lambat 10 Juli.</p>' in page
    button = re.search(r'<a class="button big-button" href="([^"]+)">([^<]+)</a>', page)
    assert button.groups() == (f"/groups/{group.id}/reports/form?period=2025-06", "Laporkan Juni 2025")


def test_home_after_last_month_is_in_points_at_the_running_month(client, db, group, leader, officer, login):
    add_reports(db, group, officer, [(2_000_000, 500_000)], last=JUNE)
    login(leader)
    page = client.get("/reports").get_data(as_text=True)
    assert "Laporan Juni 2025 sudah terkirim." in page
    assert "Laporan Juli 2025 dapat dikirim mulai 1 Agustus, paling lambat 10 Agustus." in page
    assert "big-button" not in page  # July has not ended: nothing to send yet


def test_home_shows_the_last_six_months_as_done_late_or_not_yet(client, db, group, leader, officer, login):
    # January to May 2025: March came in late (after 10 April), February and May never did.
    add_reports(db, group, officer, [(900_000, 100_000), (0, 0), (1_000_000, 200_000), (1_100_000, 150_000)],
                last=date(2025, 4, 1), submitted={date(2025, 3, 1): jakarta(2025, 4, 11)})
    db.session.execute(IncomeReport.__table__.delete().where(IncomeReport.period == date(2025, 2, 1)))
    db.session.commit()
    login(leader)
    page = client.get("/reports").get_data(as_text=True)
    months = re.findall(r"<strong>(\w+ 2025)</strong>\s*<span class=\"badge (\w+)\">(\w+)</span>", page)
    assert months == [("Juni 2025", "muted", "Belum"), ("Mei 2025", "bad", "Belum"), ("April 2025", "ok", "Sudah"),
                      ("Maret 2025", "warn", "Terlambat"), ("Februari 2025", "bad", "Belum"),
                      ("Januari 2025", "ok", "Sudah")]
    assert "Desember 2024" not in page
    # The overdue months are offered besides the big button for June.
    assert re.search(r"Masih ada 2 bulan yang belum dilaporkan:\s*<a href=\"[^\"]+period=2025-02\">Februari 2025</a>, "
                     r"<a href=\"[^\"]+period=2025-05\">Mei 2025</a>", page)


@pytest.mark.parametrize("nets, sentence", [
    ([1_000_000, 1_100_000, 1_250_000, 1_300_000, 1_450_000, 1_600_000], "naik dalam 6 bulan terakhir"),
    ([1_600_000, 1_450_000, 1_300_000, 1_250_000, 1_100_000, 1_000_000], "turun dalam 6 bulan terakhir"),
    ([1_000_000, 1_100_000], "Belum cukup laporan"),
])
def test_home_says_whether_income_goes_up_with_a_small_chart(client, db, group, leader, officer, login, nets,
                                                             sentence):
    add_reports(db, group, officer, [(net + 500_000, 500_000) for net in nets], last=JUNE)
    login(leader)
    page = client.get("/reports").get_data(as_text=True)
    found = re.search(r'<p class="improvement">([^<]+)</p>', page)
    assert found and sentence in found.group(1)
    chart = page[page.index('<figure class="chart leader-chart">'):]
    assert chart.index("<svg") < chart.index("</figure>") and 'role="img"' in chart


# -- the form ---------------------------------------------------------------------------------

#: A catering group's ordinary year: revenue about Rp21 juta, expenses about Rp15 juta.
USUAL = [(20_500_000, 15_000_000), (21_000_000, 15_200_000), (21_400_000, 14_800_000), (20_800_000, 15_100_000),
         (21_200_000, 15_000_000), (21_000_000, 14_900_000)]


def test_an_unusual_revenue_is_named_on_its_field_with_both_amounts(app, db, group, leader, officer):
    add_reports(db, group, officer, USUAL)
    with pytest.raises(NeedsConfirmation) as asked:
        submit_report(group, JUNE, {"revenue": 210_770_000, "expenses": 15_000_000}, leader)
    fields = asked.value.fields
    assert fields["revenue"] == ["Omzet Rp210.770.000 jauh di atas biasanya, sekitar Rp21.000.000."]
    assert "expenses" not in fields and fields["confirmed"][0] == "Apakah angka ini sudah benar?"
    assert "nilai tengah" not in asked.value.message


@pytest.mark.parametrize("revenue, expenses, expected", [
    # Expenses typed with a zero too many: named on expenses (net rule and expenses rule alike).
    (21_000_000, 150_000_000, {"expenses": ["Biaya Rp150.000.000 jauh di atas biasanya, sekitar Rp15.000.000."]}),
    # Revenue typed without its thousands: named on revenue, below its usual value.
    (21_000, 15_000_000, {"revenue": ["Omzet Rp21.000 jauh di bawah biasanya, sekitar Rp21.000.000."]}),
    # Both far off.
    (210_000_000, 1_500, {"revenue": ["Omzet Rp210.000.000 jauh di atas biasanya, sekitar Rp21.000.000."],
                          "expenses": ["Biaya Rp1.500 jauh di bawah biasanya, sekitar Rp15.000.000."]}),
    # Neither field three times off, but net far from usual: the field furthest from its usual value.
    (40_000_000, 12_000_000, {"revenue": ["Omzet Rp40.000.000 jauh di atas biasanya, sekitar Rp21.000.000."]}),
    # Ordinary figures ask nothing.
    (22_000_000, 15_500_000, {}),
])
def test_unusual_figures_point_at_the_field_typed_wrong(app, revenue, expenses, expected):
    with app.test_request_context():
        assert unusual_figures(revenue, expenses, USUAL, 3) == expected


def test_without_history_expenses_beyond_revenue_are_named_on_expenses(app):
    with app.test_request_context():
        assert unusual_figures(100_000, 300_001, [], 3) == {
            "expenses": ["Biaya Rp300.001 lebih dari 3 kali omzet (Rp100.000)."]}
        assert unusual_figures(100_000, 300_000, [], 3) == {}


def test_form_fields_are_described_by_their_help_and_feed_the_live_net(client, group, leader, login):
    login(leader)
    page = client.get(f"/groups/{group.id}/reports/form").get_data(as_text=True)
    for name in ("revenue", "expenses"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert f'aria-describedby="{name}-help"' in field and "data-amount" in field
        assert f'data-net-part="{name}"' in field and 'inputmode="numeric"' in field
        assert f'id="{name}-help"' in page
    assert 'aria-describedby="active_members-help"' in page
    assert re.search(r'<output id="net-live" for="revenue expenses" aria-live="polite" '
                     r'data-label="Pendapatan bersih" data-loss="rugi">', page)
    assert "Laporan Juni 2025 paling lambat 10 Juli." in page
    assert 'src="/static/js/report-form.js"' in page


def test_unusual_figure_is_echoed_formatted_on_its_field_and_asks_with_a_big_checkbox(client, db, group, leader,
                                                                                     officer, login):
    add_reports(db, group, officer, USUAL)
    login(leader)
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                           data={"revenue": "210770000", "expenses": "15000000", "active_members": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and db.session.scalar(select(IncomeReport).where(
        IncomeReport.period == JUNE)) is None
    revenue = re.search(r'<input[^>]*name="revenue"[^>]*>', page).group(0)
    assert 'value="210.770.000"' in revenue and 'aria-describedby="revenue-help revenue-warning"' in revenue
    assert ('<p class="warning" id="revenue-warning">Omzet Rp210.770.000 jauh di atas biasanya, '
            'sekitar Rp21.000.000.</p>') in page
    assert "expenses-warning" not in page and "210770000" not in page and "nilai tengah" not in page
    assert 'value="15.000.000"' in page
    # The live net starts from the figures sent, so it reads right without scripts too.
    assert re.search(r'<output id="net-live"[^>]*>Pendapatan bersih: <span class="money">Rp195.770.000</span>', page)
    confirm = re.search(r'<div class="field big-check">\s*<label for="confirmed">(.*?)</label>', page, re.DOTALL).group(1)
    assert 'type="checkbox"' in confirm and "Ya, angka ini sudah benar" in confirm

    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                           data={"revenue": "210.770.000", "expenses": "15.000.000", "confirmed": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(IncomeReport.revenue).where(IncomeReport.period == JUNE)) == 210_770_000


def test_errors_are_tied_to_their_field(client, group, leader, login):
    login(leader)
    page = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                       data={"revenue": "1,5", "expenses": ""}).get_data(as_text=True)
    revenue = re.search(r'<input[^>]*name="revenue"[^>]*>', page).group(0)
    assert 'aria-describedby="revenue-help revenue-error"' in revenue and 'aria-invalid="true"' in revenue
    assert 'value="1,5"' in revenue  # a refused amount stays as typed, to be corrected
    assert re.search(r'<p class="error" id="revenue-error" role="alert">[^<]*tanpa koma', page)
    # A rule refused by the operations lands on its field the same way.
    page = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                       data={"revenue": "1.000", "expenses": ""}).get_data(as_text=True)
    expenses = re.search(r'<input[^>]*name="expenses"[^>]*>', page).group(0)
    assert 'aria-describedby="expenses-help expenses-error"' in expenses
    assert '<p class="error" id="expenses-error" role="alert">Wajib diisi.</p>' in page


def test_after_sending_the_leader_is_thanked_and_told_the_next_due_date(client, db, group, leader, login):
    login(leader)
    response = client.post(f"/groups/{group.id}/reports/form?period=2025-06",
                           data={"revenue": "1.500.000", "expenses": "400.000"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    page = client.get("/reports").get_data(as_text=True)
    assert ("Terima kasih. Laporan Juni 2025 tersimpan: pendapatan bersih Rp1.100.000. "
            "Laporan berikutnya: Juli 2025, paling lambat 10 Agustus.") in page


def test_catching_up_an_old_month_points_the_thanks_at_last_month(client, db, group, leader, login):
    login(leader)
    client.post(f"/groups/{group.id}/reports/form?period=2025-05", data={"revenue": "1.500.000", "expenses": "0"})
    page = client.get("/reports").get_data(as_text=True)
    assert "Terima kasih. Laporan Mei 2025 tersimpan" in page
    assert "Laporan berikutnya: Juni 2025, paling lambat 10 Juli." in page


def test_an_officer_entering_a_report_is_not_thanked(client, db, group, officer, login):
    login(officer)
    client.post(f"/groups/{group.id}/reports/form?period=2025-06", data={"revenue": "1.500.000", "expenses": "0"})
    page = client.get(f"/groups/{group.id}/reports").get_data(as_text=True)
    assert "Laporan Juni 2025 tersimpan" in page and "Terima kasih." not in page
