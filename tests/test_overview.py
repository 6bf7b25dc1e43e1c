"""The head of office's overview (/overview, its PDF and XLSX): each figure equals the list it links to.

One office, known to the Rupiah: three budgets, grants handed over, approved and approved-then-cancelled,
groups of every status in three kecamatan, June 2026 reports on time, late and missing, and groups whose
flags have been open for 1, 3, 4 and 12 or more months. The figures are checked against the trial balance
export, the discipline page, the group list, the flags computation, and numbers worked out by hand.
"""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kube.core import pdf as pdf_helper
from kube.core.pdf import StaticFileFetcher, static_base_url
from kube.ledger import operations as ledger
from kube.monitoring import operations as monitoring
from kube.monitoring.trends import BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING
from kube.overview import queries
from kube.overview.workbook import RUPIAH_FORMAT
from tests.factories import jakarta, make_budget, make_grant, make_user
from tests.monitoring_data import AS_OF, SERANG_KELURAHAN, TODAY, M, add_reports, bare_group

pytestmark = pytest.mark.usefixtures("monitoring_day")  # 20 July 2026: June is complete and due (10 July)

CURUG, SERANG, KASEMEN = "36.73.04", "36.73.01", "36.73.02"
CURUG_KELURAHAN, KASEMEN_KELURAHAN = "36.73.04.1002", "36.73.02.1001"
JUNE = date(2026, 6, 1)
CASH_LINE = [{"kind": "cash", "item": "Uang tunai", "quantity": 1, "unit_value": 5_000_000}]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def office(db, users):
    """The known office described in the module docstring, committed."""
    officer, admin = users["officer"], users["admin"]
    checker = make_user("officer")
    make_budget(admin, "KUBE", 2025, 200_000_000)
    make_budget(admin, "UEP", 2025, 50_000_000)
    make_budget(admin, "KUBE", 2026, 100_000_000)
    # Four active groups in Curug with five members each, and never a report (their grants need a ketua).
    handed = make_grant(officer, checker, status="handed_over")  # KUBE 2025, Rp17.500.000 disbursed
    approved = make_grant(officer, checker, status="approved")  # KUBE 2025, Rp17.500.000 committed
    released = make_grant(officer, checker, status="approved")
    ledger.cancel_grant(released, "Kelompok pindah usaha", officer)  # committed, then released
    uep = make_grant(officer, checker, status="handed_over", program="UEP", lines=CASH_LINE)  # Rp5.000.000
    groups = {
        "handed": handed.group, "approved": approved.group, "released": released.group, "uep": uep.group,
        # Reports of 200.000 per member from April: below the extreme poverty line for three months.
        "poor": bare_group(officer.id, "Kube Miskin", kelurahan_code=SERANG_KELURAHAN),
        # One report in January 2026, nothing since: missing reports flagged March to June, four months.
        "silent": bare_group(officer.id, "Kube Diam"),
        # Fine in April and May, a loss in June: below the line in June only.
        "new_poor": bare_group(officer.id, "Kube Baru Turun"),
        "on_time": bare_group(officer.id, "Kube Tepat"),
        "late": bare_group(officer.id, "Kube Telat", kelurahan_code=SERANG_KELURAHAN),
        # Formed in July: active and counted, but owes no report for June.
        "july": bare_group(officer.id, "Kube Juli", formed_on=date(2026, 7, 2)),
        "graduated": bare_group(officer.id, "Kube Lulus", status="graduated"),
        "proposed_curug": bare_group(officer.id, "Kube Usulan Curug", status="proposed"),
        "proposed_serang": bare_group(officer.id, "Kube Usulan Serang", status="proposed",
                                      kelurahan_code=SERANG_KELURAHAN),
        "rejected": bare_group(officer.id, "Kube Ditolak", status="rejected", kelurahan_code=SERANG_KELURAHAN),
        "dissolved": bare_group(officer.id, "Kube Bubar", status="dissolved", kelurahan_code=KASEMEN_KELURAHAN),
    }
    add_reports(groups["poor"], {M(2026, 4): 1_000_000, M(2026, 5): 1_000_000, M(2026, 6): 1_000_000})
    add_reports(groups["silent"], {M(2026, 1): 2_500_000})
    add_reports(groups["new_poor"], {M(2026, 4): 3_000_000, M(2026, 5): 3_000_000, M(2026, 6): -1_000_000})
    add_reports(groups["on_time"], {M(2026, 6): 3_500_000})
    add_reports(groups["late"], {M(2026, 6): 2_000_000}, members=4, submitted=jakarta(2026, 7, 15))
    db.session.commit()
    return groups


@pytest.fixture
def viewer(client, login, users):
    """The test client, logged in as the head of office (a viewer)."""
    login(users["viewer"])
    return client


# -- the figures on known data --------------------------------------------------------------------

def test_budget_absorption(office):
    rows = {(row.program, row.year): row for row in queries.overview(TODAY).budgets}
    assert list(rows) == [("KUBE", 2026), ("KUBE", 2025), ("UEP", 2025)]
    kube = rows[("KUBE", 2025)]
    assert (kube.pagu, kube.committed, kube.disbursed, kube.remaining) == (
        200_000_000, 17_500_000, 17_500_000, 165_000_000)
    assert kube.absorbed == pytest.approx(0.0875)
    uep = rows[("UEP", 2025)]
    assert (uep.pagu, uep.committed, uep.disbursed, uep.remaining, uep.absorbed) == (
        50_000_000, 0, 5_000_000, 45_000_000, 0.1)
    fresh = rows[("KUBE", 2026)]
    assert (fresh.pagu, fresh.committed, fresh.disbursed, fresh.remaining, fresh.absorbed) == (
        100_000_000, 0, 0, 100_000_000, 0)


def _trial_balance(viewer) -> dict[str, int]:
    """Account name -> balance, read from the trial balance's CSV export."""
    response = viewer.get("/ledger/trial-balance.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert rows[0][0] == "Nama akun" and rows[0][4] == "Saldo"
    return {row[0]: int(row[4]) for row in rows[1:-1]}


def test_absorption_equals_the_trial_balance(office, viewer):
    balances = _trial_balance(viewer)
    budgets = queries.overview(TODAY).budgets
    for row in budgets:
        name = f"Pagu {row.program} {row.year}"
        assert row.pagu == -balances[f"{name}: ditetapkan"]
        assert row.remaining == balances[f"{name}: tersedia"]
        assert row.committed == balances.get(f"{name}: terikat", 0)
    # What was disbursed is what the recipients' accounts hold: groups for KUBE, members (UEP) for UEP.
    recipients = {name: balance for name, balance in balances.items() if not name.startswith("Pagu ")}
    uep = sum(balance for name, balance in recipients.items() if "(UEP, " in name)
    kube = sum(recipients.values()) - uep
    disbursed = {row.program: row.disbursed for row in budgets if row.year == 2025}
    assert disbursed == {"KUBE": kube, "UEP": uep} == {"KUBE": 17_500_000, "UEP": 5_000_000}
    # The page shows the same amounts.
    page = text(viewer.get("/overview"))
    row = re.search(r'<tr data-program="KUBE" data-year="2025">(.*?)</tr>', page, re.S).group(1)
    assert [html.unescape(cell) for cell in re.findall(r'<td class="num">(?:<strong>)?([^<]*)', row)] == [
        "Rp200.000.000", "Rp17.500.000", "Rp17.500.000", "Rp165.000.000", "9%"]


def test_groups_by_kecamatan_and_status(office):
    table = queries.overview(TODAY).groups
    assert table.statuses == ("proposed", "active", "graduated", "dissolved", "rejected")
    rows = {row.code: row.counts for row in table.rows}
    assert list(rows) == ["36.73.01", "36.73.02", "36.73.03", "36.73.04", "36.73.05", "36.73.06"]
    assert rows[CURUG] == {"proposed": 1, "active": 8, "graduated": 1, "dissolved": 0, "rejected": 0}
    assert rows[SERANG] == {"proposed": 1, "active": 2, "graduated": 0, "dissolved": 0, "rejected": 1}
    assert rows[KASEMEN] == {"proposed": 0, "active": 0, "graduated": 0, "dissolved": 1, "rejected": 0}
    assert all(sum(rows[code].values()) == 0 for code in ("36.73.03", "36.73.05", "36.73.06"))
    assert table.totals == {"proposed": 2, "active": 10, "graduated": 1, "dissolved": 1, "rejected": 1}
    assert table.total == 15 == len(office)


def test_the_groups_table_is_one_group_by_query(app, db, office):
    from tests.statements import recorded_statements

    with recorded_statements(db.engine, transaction_control=False) as statements:
        queries.group_table([("36.73.04", "Curug")])
    assert len(statements) == 1 and "GROUP BY" in statements[0].upper()


def _list_codes(viewer, url: str) -> set[str]:
    page = text(viewer.get(url))
    return set(re.findall(r'<td><a href="/groups/\d+">([^<]+)</a></td>', page))


def test_every_groups_link_lists_exactly_the_groups_it_counts(office, viewer):
    page = text(viewer.get("/overview"))
    table = re.search(r'<table id="overview-groups">(.*?)</table>', page, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">(\d+)<span', table)
    # 7 non-zero cells and 3 kecamatan totals in the body; 5 status totals and the grand total in the footer.
    assert len(links) == 16
    groups = list(office.values())
    for href, count in links:
        url = html.unescape(href)
        args = dict(re.findall(r"[?&](\w+)=([^&]+)", url))
        assert set(args) <= {"kecamatan", "status"} and url.startswith("/groups")
        expected = {g.code for g in groups
                    if ("status" not in args or g.status == args["status"])
                    and ("kecamatan" not in args or g.kelurahan_code.startswith(args["kecamatan"] + "."))}
        assert _list_codes(viewer, url) == expected, url
        assert len(expected) == int(count), url
    assert ('href="/groups?kecamatan=36.73.01&amp;status=proposed"' in table
            and _list_codes(viewer, "/groups?kecamatan=36.73.01&status=proposed") == {office["proposed_serang"].code})


def test_the_city_totals_link_by_status_and_to_the_whole_list(office, viewer):
    page = text(viewer.get("/overview"))
    footer = re.search(r'<table id="overview-groups">.*?<tfoot>(.*?)</tfoot>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">(\d+)<span', footer) == [
        ("/groups?status=proposed", "2"), ("/groups?status=active", "10"), ("/groups?status=graduated", "1"),
        ("/groups?status=dissolved", "1"), ("/groups?status=rejected", "1"), ("/groups", "15")]


def test_reporting_of_the_last_complete_month(office):
    reporting = queries.overview(TODAY).reporting
    assert reporting.month == JUNE and reporting.due_date == date(2026, 7, 10) and reporting.due
    rows = {rates.code: (rates.groups, rates.expected, rates.received, rates.on_time) for rates in reporting.rows}
    # Curug: 8 active, 7 owe June (not the July group), 2 sent, both on time; Serang: 2 owe, 2 sent, 1 late.
    assert rows[CURUG] == (8, 7, 2, 2)
    assert rows[SERANG] == (2, 2, 2, 1)
    assert rows[KASEMEN] == (0, 0, 0, 0)
    total = reporting.total
    assert (total.groups, total.expected, total.received, total.on_time) == (10, 9, 4, 3)
    assert total.completeness == pytest.approx(4 / 9) and total.on_time_rate == pytest.approx(3 / 9)


def _discipline_june(viewer) -> dict[str, list[str]]:
    """Kecamatan name -> the June 2026 status of each of its groups, as the discipline grid shows them."""
    page = text(viewer.get("/reports/discipline"))
    grid = re.search(r'<table class="discipline-grid">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    result: dict[str, list[str]] = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", grid, re.S):
        kecamatan = re.findall(r"<td>([^<]*)</td>", row)[0]
        (status,) = re.findall(r'title="Juni 2026: ([^"]+)"', row)
        result.setdefault(kecamatan, []).append(status)
    return result


def test_the_reporting_rate_is_what_the_discipline_page_shows_for_the_month(office, viewer):
    discipline = _discipline_june(viewer)
    reporting = queries.overview(TODAY).reporting
    for rates in [*reporting.rows, reporting.total]:
        cells = ([s for statuses in discipline.values() for s in statuses] if rates is reporting.total
                 else discipline.get(rates.name, []))
        owed = [s for s in cells if s != "Belum terbentuk"]
        assert rates.expected == len(owed), rates.name
        assert rates.received == len([s for s in owed if s in ("Tepat waktu", "Terlambat")]), rates.name
        assert rates.on_time == owed.count("Tepat waktu"), rates.name
    # And the page prints them, with the city's rate.
    page = text(viewer.get("/overview"))
    city = re.search(r'<tr data-kecamatan=""><th scope="row">Kota Serang</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", city) == ["10", "9", "4", "44%", "33%"]
    assert 'href="/reports/discipline"' in page and 'href="/reports/discipline?kecamatan=36.73.01"' in page


def test_before_the_due_day_the_page_says_the_month_is_still_open(office, viewer, frozen):
    frozen(date(2026, 7, 5))
    reporting = queries.overview(date(2026, 7, 5)).reporting
    assert reporting.month == JUNE and not reporting.due
    assert "Batas laporan bulan ini belum lewat" in text(viewer.get("/overview"))


# -- how long flags have been open ----------------------------------------------------------------

def test_flag_run_lengths_on_known_data(office):
    runs = monitoring.flag_run_lengths(AS_OF, today=TODAY)
    ids = {name: group.id for name, group in office.items()}
    assert runs == {
        (ids["poor"], BELOW_EXTREME_POVERTY): 3,  # April, May, June
        (ids["new_poor"], BELOW_EXTREME_POVERTY): 1,  # June only
        (ids["silent"], MISSING_REPORTS): 4,  # March (February and March missing) to June
        # Never a report: flagged every month, as far back as it is followed.
        **{(ids[name], MISSING_REPORTS): 12 for name in ("handed", "approved", "released", "uep")},
    }
    assert monitoring.flag_run_lengths(AS_OF, max_months=3, today=TODAY)[(ids["silent"], MISSING_REPORTS)] == 3
    assert set(monitoring.flag_run_lengths(AS_OF, max_months=1, today=TODAY).values()) == {1}
    with pytest.raises(ValueError):
        monitoring.flag_run_lengths(AS_OF, max_months=0, today=TODAY)


def test_a_run_is_what_compute_flags_says_month_by_month(office):
    ids = {name: group.id for name, group in office.items()}
    runs = monitoring.flag_run_lengths(AS_OF, today=TODAY)
    flagged = {month: {(f.group_id, f.kind) for f in monitoring.compute_flags(month, TODAY).flags}
               for month in range(AS_OF - 12, AS_OF + 1)}
    for key, run in runs.items():
        assert all(key in flagged[AS_OF - back] for back in range(run)), key
        if run < 12:
            assert key not in flagged[AS_OF - run], key
    assert set(runs) == flagged[AS_OF]
    # The group flagged three months in a row: not in March, in April, May and June.
    poor = (ids["poor"], BELOW_EXTREME_POVERTY)
    assert [poor in flagged[m] for m in (M(2026, 3), M(2026, 4), M(2026, 5), M(2026, 6))] == [
        False, True, True, True]


def test_flags_by_kind_and_age(office):
    overview = queries.overview(TODAY)
    ages = {age.kind: age.buckets for age in overview.flags}
    assert list(ages) == [NOT_IMPROVING, NO_GAIN_AFTER_GRANT, BELOW_EXTREME_POVERTY, MISSING_REPORTS]
    assert ages[BELOW_EXTREME_POVERTY] == {"1": 1, "2-3": 1, "4-6": 0, "7+": 0}
    assert ages[MISSING_REPORTS] == {"1": 0, "2-3": 0, "4-6": 1, "7+": 4}
    assert ages[NOT_IMPROVING] == ages[NO_GAIN_AFTER_GRANT] == {"1": 0, "2-3": 0, "4-6": 0, "7+": 0}
    # The same counts as the flags page's list for the month.
    counts = monitoring.compute_flags(AS_OF, TODAY).counts_by_kind()
    assert {age.kind: age.count for age in overview.flags} == counts
    assert overview.open_flags == 7 and overview.flag_bucket_totals == {"1": 1, "2-3": 1, "4-6": 1, "7+": 4}


@pytest.mark.parametrize("run, bucket", [(1, "1"), (2, "2-3"), (3, "2-3"), (4, "4-6"), (6, "4-6"), (7, "7+"),
                                         (12, "7+")])
def test_age_buckets(run, bucket):
    assert queries.age_bucket(run) == bucket


def test_the_flag_rows_link_to_the_flags_page_of_their_kind(office, viewer):
    page = text(viewer.get("/overview"))
    table = re.search(r'<table id="overview-flags">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">', table) == [
        f"/monitoring/flags?kind={kind}"
        for kind in (NOT_IMPROVING, NO_GAIN_AFTER_GRANT, BELOW_EXTREME_POVERTY, MISSING_REPORTS)]
    row = re.search(r'<tr data-kind="missing_reports">(.*?)</tr>', table, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>(\d+)</td>', row) == ["5", "0", "0", "1", "4"]
    flags_page = text(viewer.get(f"/monitoring/flags?kind={MISSING_REPORTS}"))
    for name in ("silent", "handed", "approved", "released", "uep"):
        assert office[name].name in flags_page
    assert office["poor"].name not in flags_page


# -- income per member against the extreme poverty line -----------------------------------------

def test_median_income_per_member(office):
    overview = queries.overview(TODAY)
    months = {m.month: m for m in overview.income}
    assert list(months) == list(range(M(2025, 7), M(2026, 6) + 1))
    assert overview.poverty_line == 400_000
    # June: -200.000 (new_poor), 200.000 (poor), 500.000 (late, 4 members), 700.000 (on_time): median 350.000.
    june = months[M(2026, 6)]
    assert (june.reports, june.median_per_member, june.below_line) == (4, 350_000, True)
    # April and May: 200.000 and 600.000; the median is exactly at the line, which is not below it.
    for month in (M(2026, 4), M(2026, 5)):
        assert (months[month].reports, months[month].median_per_member, months[month].below_line) == (
            2, 400_000, False)
    assert (months[M(2026, 1)].reports, months[M(2026, 1)].median_per_member) == (1, 500_000)
    for month in (M(2025, 7), M(2025, 12), M(2026, 2), M(2026, 3)):
        assert (months[month].reports, months[month].median_per_member, months[month].below_line) == (0, None, None)


def test_a_median_between_two_reports_is_rounded_to_the_rupiah():
    from kube.monitoring.trends import GroupSeries, Report

    series = [GroupSeries(1, 0, (Report(10, 1_000_001, 2),)), GroupSeries(2, 0, (Report(10, 1_000_000, 1),)),
              GroupSeries(3, 0, (Report(10, 999_999, 0),))]  # no active members: left out
    (month,) = queries.income_months(series, 10, 1, 400_000)
    # (500.000,5 + 1.000.000) / 2 = 750.000,25
    assert (month.reports, month.median_per_member) == (2, 750_000)


def test_the_income_chart_starts_at_zero_and_its_figures_are_in_a_table(office, viewer):
    page = text(viewer.get("/overview"))
    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'data-value="0"' in chart and 'class="poverty-line"' in chart
    assert len(re.findall(r'<circle class="point"', chart)) == 4  # January, April, May, June
    table = re.search(r'<table id="overview-income">(.*?)</table>', page, re.S).group(1)
    june = re.search(rf'<tr data-month="{M(2026, 6)}">(.*?)</tr>', table, re.S).group(1)
    assert "Juni 2026" in june and "Rp350.000" in june and "di bawah garis" in june
    assert len(re.findall(r"<tr data-month=", table)) == 12
    assert 'href="/monitoring/dashboard"' in page


# -- the page ---------------------------------------------------------------------------------------

def test_the_page_has_its_downloads_accessible_tables_and_links(office, viewer):
    response = viewer.get("/overview")
    assert response.status_code == 200
    page = text(response)
    assert 'href="/overview.pdf">Unduh PDF</a>' in page and 'href="/overview.xlsx">Unduh XLSX</a>' in page
    assert 'href="/grants?program=KUBE&amp;year=2025"' in page and 'href="/grants?program=UEP&amp;year=2025"' in page
    headings = re.findall(r"<h(\d)", page.split('id="main"')[1])
    assert headings[0] == "1" and set(headings[1:]) == {"2"}
    tables = re.findall(r"<table.*?</table>", page, re.S)
    assert len(tables) == 5
    for table in tables:
        assert "<caption>" in table
        header_cells = re.findall(r"<th(?:\s[^>]*)?>", table)
        assert header_cells and all('scope="' in th for th in header_cells), header_cells
    assert page.count('<div class="table-wrap" tabindex="0" role="region" aria-label=') == 5
    assert "style=" not in page.split('id="main"')[1] and "<script>" not in page


def test_the_grant_links_list_the_budgets_grants(office, viewer):
    grants = text(viewer.get("/grants?program=UEP&year=2025"))
    assert office["uep"].name in grants and office["handed"].name not in grants


def test_the_menu_has_the_overview_after_the_dashboard(office, viewer):
    page = text(viewer.get("/overview"))
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    labels = re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)
    assert labels[labels.index("Dasbor") + 1] == "Ringkasan"
    assert 'href="/overview" aria-current="page"' in nav


def test_the_page_loads_in_a_fixed_number_of_queries(app, db, client, login, users, office):
    from tests.statements import page_statement_count

    login(users["viewer"])
    before = page_statement_count(app, db, client, "/overview")
    for index in range(5):
        group = bare_group(users["officer"].id, f"Kube Tambahan {index}")
        add_reports(group, {M(2026, 5): 2_000_000, M(2026, 6): 2_100_000})
    db.session.commit()
    assert page_statement_count(app, db, client, "/overview") == before


@pytest.mark.parametrize("path", ["/overview", "/overview.pdf", "/overview.xlsx"])
def test_leaders_are_refused(client, login, users, path):
    login(users["leader"])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["admin", "officer", "viewer"])
def test_every_staff_role_sees_it(client, login, users, role):
    login(users[role])
    assert client.get("/overview").status_code == 200


def test_an_empty_office_has_an_overview(viewer):
    page = text(viewer.get("/overview"))
    assert "Belum ada anggaran." in page and "tidak ada laporan" in page
    assert viewer.get("/overview.xlsx").status_code == 200


# -- PDF and XLSX -----------------------------------------------------------------------------------

@pytest.fixture
def fetched(monkeypatch):
    """Every URL any PDF fetcher is asked for during the test (fonts and stylesheet included)."""
    requested: list[str] = []
    original = StaticFileFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording)
    pdf_helper.forget_shared_resources()
    yield requested
    pdf_helper.forget_shared_resources()


def test_the_pdf_is_a4_landscape_with_the_figures(app, office, viewer, fetched):
    response = viewer.get("/overview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "ringkasan-2026-07-20.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(841.89, abs=1) and height == pytest.approx(595.28, abs=1)  # 297 x 210 mm
    content = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for words in ("Penyerapan anggaran", "Rp17.500.000", "Rp165.000.000", "Pelaporan bulan Juni 2026",
                  "Laporan tidak masuk", "Rp350.000", "Kota Serang"):
        assert words in content, words
    # Only the app's own files were fetched, and only its bundled fonts are embedded (the chart's too).
    base = static_base_url(app.static_folder)
    assert fetched and all(url.startswith(base) for url in fetched), fetched
    fonts = {font.get_object()["/BaseFont"].split("+")[-1] for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts and all(font.startswith("Kube-") for font in fonts), fonts


def test_the_xlsx_has_the_same_numbers(office, viewer):
    response = viewer.get("/overview.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Penyerapan anggaran", "Kelompok", "Pelaporan", "Peringatan",
                                   "Pendapatan per anggota"]
    overview = queries.overview(TODAY)

    budgets = list(workbook["Penyerapan anggaran"].iter_rows(min_row=2))
    assert [[cell.value for cell in row[:7]] for row in budgets] == [
        [2026, "KUBE (kelompok)", "APBD", 100_000_000, 0, 0, 100_000_000],
        [2025, "KUBE (kelompok)", "APBD", 200_000_000, 17_500_000, 17_500_000, 165_000_000],
        [2025, "UEP (perorangan)", "APBD", 50_000_000, 0, 5_000_000, 45_000_000]]
    assert [(b.year, b.pagu, b.remaining) for b in overview.budgets] == [
        (row[0].value, row[3].value, row[6].value) for row in budgets]
    for row in budgets:
        for cell in row[3:7]:
            assert isinstance(cell.value, int) and cell.number_format == RUPIAH_FORMAT
    assert budgets[1][7].value == pytest.approx(0.0875)

    groups = [[cell.value for cell in row] for row in workbook["Kelompok"].iter_rows()]
    assert groups[0] == ["Kecamatan", "Diusulkan", "Aktif", "Mandiri (lulus)", "Dibubarkan", "Ditolak", "Jumlah"]
    assert groups[4] == ["Curug", 1, 8, 1, 0, 0, 10]
    assert groups[-1] == ["Kota Serang", 2, 10, 1, 1, 1, 15]

    reporting = [[cell.value for cell in row] for row in workbook["Pelaporan"].iter_rows()]
    city = next(row for row in reporting if row[0] == "Kota Serang")
    assert city[:5] == ["Kota Serang", 10, 9, 4, 3] and city[5] == pytest.approx(4 / 9)

    flags = [[cell.value for cell in row] for row in workbook["Peringatan"].iter_rows()]
    assert flags[0] == ["Jenis", "Jumlah", "1 bulan", "2–3 bulan", "4–6 bulan", "lebih dari 6 bulan"]
    assert flags[-1] == ["Jumlah", 7, 1, 1, 1, 4]

    income = list(workbook["Pendapatan per anggota"].iter_rows(min_row=2))
    june = income[-1]
    assert [june[0].value, june[1].value, june[2].value, june[3].value, june[4].value] == [
        "Juni 2026", 4, 350_000, 400_000, "Ya"]
    assert june[2].number_format == RUPIAH_FORMAT and income[0][2].value is None


def test_one_gather_for_all_three(monkeypatch, office, viewer):
    calls = []
    original = queries.overview

    def counting(today):
        calls.append(today)
        return original(today)

    monkeypatch.setattr(queries, "overview", counting)
    for path in ("/overview", "/overview.pdf", "/overview.xlsx"):
        assert viewer.get(path).status_code == 200
    assert calls == [TODAY, TODAY, TODAY]
