"""Flags from the database, follow-ups, the dashboard, the income chart, the group panel and the demo reports."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user

from kube.audit.models import AuditEntry
from kube.core.errors import ValidationFailed
from kube.groups.models import Group
from kube.reports.models import IncomeReport
from kube.core.pagination import ListPage
from kube.core.periods import format_month_index
from kube.monitoring import charts, operations, trends
from kube.monitoring.models import FollowUp
from kube.monitoring.trends import (
    BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING, GroupSeries,
)
from tests.factories import make_budget, make_grant, make_group
from tests.monitoring_data import (
    AS_OF, CURUG_KELURAHAN, GRANT_FLAT, SERANG_KELURAHAN, TODAY, M,
    add_reports, bare_group,
)
from tests.statements import recorded_statements

def text(response) -> str:
    return response.get_data(as_text=True)


pytestmark = pytest.mark.usefixtures("monitoring_day")


def kinds_by_group(flags) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for flag in flags:
        found.setdefault(flag.group_id, set()).add(flag.kind)
    return found


def test_every_kind_appears_and_each_group_gets_its_own(app, dataset):
    result = operations.compute_flags(AS_OF, TODAY)
    found = kinds_by_group(result.flags)
    groups = dataset["groups"]
    assert found[groups["falling"].id] == {NOT_IMPROVING}
    assert found[groups["grant_flat"].id] == {NO_GAIN_AFTER_GRANT}
    assert found[groups["silent"].id] == {MISSING_REPORTS}
    assert found[groups["poor"].id] == {BELOW_EXTREME_POVERTY}
    assert groups["rising"].id not in found
    assert groups["seasonal"].id not in found  # down in the window, up on last year
    assert result.counts_by_kind() == {NOT_IMPROVING: 1, NO_GAIN_AFTER_GRANT: 1, BELOW_EXTREME_POVERTY: 1,
                                       MISSING_REPORTS: 1}
    severities = [flag.severity for flag in result.flags]
    assert severities == sorted(severities, reverse=True)
    assert result.groups[groups["poor"].id].kecamatan_code == "36.73.01"
    assert result.groups[groups["poor"].id].kecamatan_name == "Serang"


@pytest.mark.parametrize("as_of", [AS_OF, M(2026, 3), M(2025, 12), M(2025, 8)])
def test_database_flags_equal_the_pure_evaluation_as_of_any_month(app, dataset, as_of):
    settings = operations.flag_settings()
    expected_all = trends.evaluate_groups(dataset["series"].values(), as_of, TODAY, settings)
    got = operations.compute_flags(as_of, TODAY, settings=settings).flags
    assert got == expected_all
    # "As it stood": the same as evaluating series cut at the as-of month (later reports and grants unseen).
    truncated = [
        GroupSeries(s.group_id, s.formed_month, s.reports_up_to(as_of), tuple(h for h in s.handovers if h[0] <= as_of))
        for s in dataset["series"].values()
    ]
    assert got == trends.evaluate_groups(truncated, as_of, TODAY, settings)


def test_reports_after_the_as_of_month_change_nothing(app, db, dataset):
    before = operations.compute_flags(M(2026, 3), TODAY).flags
    add_reports(dataset["groups"]["falling"], {M(2026, 7): 9_000_000})  # a month after, even an odd one
    db.session.commit()
    assert operations.compute_flags(M(2026, 3), TODAY).flags == before


def test_load_gives_the_same_series_as_built_by_hand(app, dataset):
    data = operations.load_monitoring_data(AS_OF)
    by_id = {s.group_id: s for s in data.series}
    for name, expected in dataset["series"].items():
        assert by_id[expected.group_id] == expected, name


def test_only_active_groups_formed_by_the_as_of_month_are_evaluated(app, db, users, dataset):
    officer_id = users["officer"].id
    proposed = bare_group(officer_id, "Usulan", status="proposed")
    later = bare_group(officer_id, "Baru", formed_on=date(2026, 7, 1))
    dissolved = bare_group(officer_id, "Bubar", status="dissolved")
    for group in (proposed, later, dissolved):
        add_reports(group, {M(2026, 1) + i: 100_000 for i in range(6)})
    db.session.commit()
    data = operations.load_monitoring_data(AS_OF)
    assert {proposed.id, later.id, dissolved.id}.isdisjoint(data.groups)
    assert len(data.groups) == 6


def test_filters_kecamatan_kind_and_officer(app, dataset):
    groups = dataset["groups"]
    by_kecamatan = operations.compute_flags(AS_OF, TODAY, operations.check_filters("36.73.01", None))
    assert [(f.group_id, f.kind) for f in by_kecamatan.flags] == [(groups["poor"].id, BELOW_EXTREME_POVERTY)]
    assert set(by_kecamatan.groups) == {groups["poor"].id}
    by_kind = operations.compute_flags(AS_OF, TODAY, operations.check_filters(None, MISSING_REPORTS))
    assert [(f.group_id, f.kind) for f in by_kind.flags] == [(groups["silent"].id, MISSING_REPORTS)]
    by_officer = operations.compute_flags(
        AS_OF, TODAY, operations.check_filters(None, None, dataset["other_officer"].id))
    assert [f.group_id for f in by_officer.flags] == [groups["poor"].id]
    none = operations.compute_flags(AS_OF, TODAY, operations.check_filters("36.73.04", BELOW_EXTREME_POVERTY))
    assert none.flags == []


def test_invalid_filters_and_months_are_refused(app, dataset):
    with pytest.raises(ValidationFailed) as error:
        operations.check_filters("36.73.99", "bogus")
    assert set(error.value.fields) == {"kecamatan", "kind"}
    with pytest.raises(ValidationFailed):
        operations.check_filters("36.73.04.1002", None)  # a kelurahan, not a kecamatan
    for bad in ("2026-13", "26-06", "2026/06", "juni", "2026-6", "0000-01"):
        with pytest.raises(ValidationFailed) as error:
            operations.parse_as_of(bad, TODAY)
        assert "YYYY-MM" in error.value.message or "lama" in error.value.message, bad
    with pytest.raises(ValidationFailed) as error:
        operations.parse_as_of("2026-07", TODAY)  # the month is not over
    assert "belum selesai" in error.value.message
    with pytest.raises(ValidationFailed):
        operations.parse_as_of("1999-12", TODAY)
    assert operations.parse_as_of(None, TODAY) == AS_OF
    assert operations.parse_as_of("", TODAY) == AS_OF
    assert operations.parse_as_of("2025-02", TODAY) == M(2025, 2)


def test_settings_come_from_the_configuration(app):
    settings = operations.flag_settings({**app.config, "MONITORING_WINDOW_MONTHS": 9, "EXTREME_POVERTY_LINE": 350_000,
                                         "REPORT_DUE_DAY": 15})
    assert (settings.window_months, settings.extreme_poverty_line, settings.due_day) == (9, 350_000, 15)
    assert operations.flag_settings() == trends.FlagSettings()
    with pytest.raises(ValueError):
        operations.flag_settings({**app.config, "MONITORING_WINDOW_MONTHS": 3})  # shorter than min reports


def test_app_refuses_to_start_with_nonsense_thresholds(database_url):
    from tests.conftest import make_app

    with pytest.raises(ValueError):
        make_app(database_url, MONITORING_MIN_REPORTS=1)


def test_flags_take_a_fixed_number_of_queries(app, db, users):
    officer_id = users["officer"].id

    def seed(count: int) -> None:
        groups = [Group(code=f"KUBE-T-{count}-{n}", name=f"Kube {n}", business_type="warung",
                        kelurahan_code=CURUG_KELURAHAN if n % 2 else SERANG_KELURAHAN, formed_on=date(2024, 1, 1),
                        status="active", officer_id=officer_id) for n in range(count)]
        db.session.add_all(groups)
        db.session.flush()
        for n, group in enumerate(groups):
            add_reports(group, {M(2026, 1) + i: 3_000_000 - (n % 3) * 50_000 * i for i in range(6)})
        db.session.commit()

    def measure() -> tuple[int, int]:
        db.session.expunge_all()
        with recorded_statements(db.engine, transaction_control=False) as statements:
            result = operations.compute_flags(AS_OF, TODAY)
        return len(statements), len(result.flags)

    seed(10)
    small, small_flags = measure()
    seed(50)
    large, large_flags = measure()
    assert small == large == 3
    assert large_flags > small_flags > 0


def test_list_page_slices_and_clamps():
    rows = list(range(53))
    page = ListPage.of(rows, 3, 25)
    assert (page.items, page.pages, page.has_prev, page.has_next, page.prev_num) == ([50, 51, 52], 3, True, False, 2)
    assert ListPage.of(rows, 99, 25).page == 3
    assert ListPage.of([], 1, 25).pages == 1


# -- the flags page ---------------------------------------------------------------------------

def test_flags_page_lists_most_serious_first_with_reasons(app, client, login, users, dataset):
    login(users["viewer"])
    response = client.get("/monitoring/flags")
    assert response.status_code == 200
    page = text(response)
    groups = dataset["groups"]
    rows = re.findall(r'<tr data-group="(\d+)" data-kind="([a-z_]+)">', page)
    result = operations.compute_flags(AS_OF, TODAY)
    assert rows == [(str(f.group_id), f.kind) for f in result.flags]
    assert "Pendapatan bersih turun rata-rata Rp100.000 per bulan (6 laporan, Januari–Juni 2026)." in page
    assert "Laporan tidak masuk" in page and "Kube Diam" in page and "Serang" in page
    assert "Catat tindak lanjut" not in page  # a viewer reads only
    assert groups["rising"].name not in page


def test_flags_page_filters_and_officer_sees_follow_up_links(app, client, login, users, dataset):
    login(users["officer"])
    page = text(client.get("/monitoring/flags?kecamatan=36.73.01&kind=below_extreme_poverty"))
    rows = re.findall(r'<tr data-group="(\d+)" data-kind="([a-z_]+)">', page)
    assert rows == [(str(dataset["groups"]["poor"].id), BELOW_EXTREME_POVERTY)]
    assert "Catat tindak lanjut" in page
    page = text(client.get(f"/monitoring/flags?officer={dataset['other_officer'].id}"))
    assert re.findall(r'<tr data-group="(\d+)"', page) == [str(dataset["groups"]["poor"].id)]
    past = text(client.get("/monitoring/flags?as_of=2026-03"))
    assert "Maret 2026" in past


@pytest.mark.parametrize(("query", "field_message"), [
    ("as_of=2026-13", "Bulan harus berformat YYYY-MM"),
    ("as_of=2026-07", "belum selesai"),
    ("kind=bogus", "Jenis peringatan tidak dikenal."),
    ("kecamatan=36.73.99", "Kode kecamatan tidak dikenal."),
    ("officer=abc", "Pendamping tidak dikenal."),
    (f"officer={2**64}", "Pendamping tidak dikenal."),
    ("kecamatan=36.73.0%00", "Kode kecamatan tidak dikenal."),
])
def test_flags_page_shows_bad_filters_with_a_message(app, client, login, users, dataset, query, field_message):
    login(users["officer"])
    response = client.get(f"/monitoring/flags?{query}")
    assert response.status_code == 422
    page = text(response)
    assert field_message in page
    assert "data-group=" not in page  # no list for a bad question, but the form is there to fix it
    assert 'name="as_of"' in page


def test_flags_page_shows_the_last_follow_up_state(app, client, db, login, users, dataset):
    group = dataset["groups"]["falling"]
    operations.record_follow_up(group, NOT_IMPROVING, "2026-06", "kunjungan", date(2026, 7, 15), "Dikunjungi",
                                "in_progress", users["officer"], today=TODAY)
    operations.record_follow_up(group, NOT_IMPROVING, "2026-06", "pelatihan", date(2026, 7, 18), "Pelatihan",
                                "resolved", users["officer"], today=TODAY)
    db.session.commit()
    login(users["officer"])
    page = text(client.get("/monitoring/flags?kind=not_improving"))
    row = page.split(f'<tr data-group="{group.id}" data-kind="not_improving">')[1].split("</tr>")[0]
    assert "Selesai" in row and "Pelatihan" in row and "18 Juli 2026" in row
    # As of May the June follow-ups had not happened.
    page = text(client.get("/monitoring/flags?kind=not_improving&as_of=2026-05"))
    row = page.split(f'<tr data-group="{group.id}" data-kind="not_improving">')[1].split("</tr>")[0]
    assert "Belum ada" in row


def test_flags_page_and_api_take_the_same_number_of_queries_for_more_groups(app, client, db, login, users):
    from tests.factories import api_token

    officer = users["officer"]
    officer_id = officer.id
    login(officer)
    headers = api_token(client, officer)

    def seed(count: int) -> None:
        groups = [Group(code=f"KUBE-P-{count}-{n}", name=f"Kube {n}", business_type="warung",
                        kelurahan_code=CURUG_KELURAHAN, formed_on=date(2024, 1, 1), status="active",
                        officer_id=officer_id) for n in range(count)]
        db.session.add_all(groups)
        db.session.flush()
        for group in groups:
            add_reports(group, {M(2026, 1) + i: 3_000_000 - 50_000 * i for i in range(6)})
        db.session.commit()

    def measure(url: str, **kwargs) -> int:
        db.session.expunge_all()
        with recorded_statements(db.engine, transaction_control=False) as statements:
            assert client.get(url, **kwargs).status_code == 200
        return len(statements)

    urls = [("/monitoring/flags", {}), ("/monitoring/dashboard", {}), ("/api/v1/flags", {"headers": headers})]
    seed(5)
    small = [measure(url, **kwargs) for url, kwargs in urls]
    seed(40)
    large = [measure(url, **kwargs) for url, kwargs in urls]
    assert small == large


# -- follow-ups -------------------------------------------------------------------------------

def follow_up_form(**values) -> dict:
    form = {"flag_kind": NOT_IMPROVING, "flag_period": "2026-06", "action": "kunjungan", "action_date": "2026-07-15",
            "state": "in_progress", "note": "Kunjungan ke lokasi usaha; tenda jarang disewa."}
    form.update(values)
    return form


def test_officer_records_follow_ups_and_history_keeps_every_state(app, client, db, login, users, dataset):
    group = dataset["groups"]["falling"]
    login(users["officer"])
    form_page = client.get(f"/monitoring/groups/{group.id}/follow-ups/new?kind=not_improving&as_of=2026-06")
    assert form_page.status_code == 200
    assert 'value="2026-06"' in text(form_page) and "Pendapatan bersih turun" in text(form_page)
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new", data=follow_up_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/monitoring/groups/{group.id}/follow-ups")
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new",
                           data=follow_up_form(action="pelatihan", action_date="2026-07-18", state="resolved",
                                               note="Pelatihan pemasaran."))
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(FollowUp).order_by(FollowUp.id)).all()
    assert [(f.action, f.state, f.flag_period, f.officer_id) for f in rows] == [
        ("kunjungan", "in_progress", date(2026, 6, 1), users["officer"].id),
        ("pelatihan", "resolved", date(2026, 6, 1), users["officer"].id),
    ]
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "follow_up.create")).all()
    assert len(audit) == 2 and audit[0].object_id == str(group.id)
    history = text(client.get(f"/monitoring/groups/{group.id}/follow-ups"))
    assert history.index("Pelatihan pemasaran.") < history.index("tenda jarang disewa")  # newest first
    assert "Sedang ditangani" in history and "Selesai" in history
    login(users["viewer"])
    assert client.get(f"/monitoring/groups/{group.id}/follow-ups").status_code == 200


@pytest.mark.parametrize(("values", "message"), [
    ({"action_date": "2026-07-21"}, "Tanggal tindakan tidak boleh di masa depan."),
    ({"action_date": "2023-01-01"}, "Tanggal tindakan tidak boleh sebelum kelompok terbentuk."),
    ({"action_date": "kemarin"}, "Tanggal tidak valid."),
    ({"flag_period": "2026-07"}, "belum selesai"),
    ({"flag_period": "Juni"}, "Bulan harus berformat YYYY-MM"),
    ({"flag_kind": "bogus"}, "Jenis peringatan tidak dikenal."),
    ({"action": "telepon"}, "Tindakan harus kunjungan"),
    ({"state": "closed"}, "Status tindak lanjut tidak dikenal."),
    ({"action": "catatan", "note": "  "}, "Catatan wajib diisi"),
    ({"note": "x" * 1001}, "Paling banyak 1000 karakter."),
])
def test_bad_follow_up_is_shown_again_with_a_message_and_nothing_saved(app, client, db, login, users, dataset,
                                                                       values, message):
    group = dataset["groups"]["falling"]
    login(users["officer"])
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new", data=follow_up_form(**values))
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


def test_follow_up_note_with_control_characters_is_refused_as_by_the_api(app, client, db, login, users, dataset):
    group = dataset["groups"]["falling"]
    login(users["officer"])
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new",
                           data=follow_up_form(note="Kunjungan\x00 pertama\x07\nbaris dua"))
    assert response.status_code == 200 and "karakter kendali" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new",
                           data=follow_up_form(note="Kunjungan pertama\r\nbaris dua\tdengan tab"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(FollowUp.note)) == "Kunjungan pertama\r\nbaris dua\tdengan tab"
    # The operation holds the rule itself, so no other door can store a NUL PostgreSQL would refuse.
    with pytest.raises(ValidationFailed) as error:
        operations.record_follow_up(group, NOT_IMPROVING, "2026-06", "catatan", date(2026, 7, 16), "a\x00b",
                                    "in_progress", users["officer"], today=TODAY)
    assert "karakter kendali" in error.value.fields["note"][0]


def test_follow_up_refused_for_a_group_never_active(app, client, db, login, users):
    group = make_group(users["officer"])
    db.session.commit()
    login(users["officer"])
    response = client.post(f"/monitoring/groups/{group.id}/follow-ups/new", data=follow_up_form())
    assert response.status_code == 200 and "belum pernah aktif" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


def test_viewers_and_leaders_cannot_record_follow_ups(app, client, db, login, users, dataset):
    group = dataset["groups"]["falling"]
    for role in ("viewer", "leader"):
        login(users[role])
        assert client.post(f"/monitoring/groups/{group.id}/follow-ups/new", data=follow_up_form()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


# -- dashboard --------------------------------------------------------------------------------

@pytest.fixture
def dashboard_data(db, users):
    """A fixed office: three groups owing June's report in two kecamatan, one too new, one only proposed."""
    officer, admin = users["officer"], users["admin"]
    make_budget(admin, year=2025)
    on_time = make_group(officer, members=5, status="active", name="Tepat")
    late = make_group(officer, members=5, status="active", name="Telat")
    silent = make_group(officer, members=5, status="active", name="Diam", kelurahan_code=SERANG_KELURAHAN)
    new = make_group(officer, members=5, status="active", name="Baru")
    new.formed_on = date(2026, 7, 1)
    make_group(officer, members=2, status="proposed", name="Usulan")  # members of a proposal do not count
    from kube.groups import operations as groups

    groups.member_leaves(late.current_members[-1], date(2026, 5, 1), officer, "Pindah")
    # Due 10 July, office time (UTC+7): 10 July 16:59 UTC is still on time, 17:00 is late.
    add_reports(on_time, {AS_OF: 3_000_000}, submitted=datetime(2026, 7, 10, 16, 59, tzinfo=timezone.utc))
    add_reports(late, {AS_OF: 3_000_000}, submitted=datetime(2026, 7, 10, 17, 0, tzinfo=timezone.utc))
    add_reports(late, {AS_OF - 1: 3_000_000})
    make_grant(officer, admin, status="handed_over", group=on_time, handover_date=date(2026, 2, 10))
    make_grant(officer, admin, status="handed_over", group=late, handover_date=date(2025, 12, 20))
    db.session.commit()
    return {"silent": silent}


def test_dashboard_figures_on_a_fixed_dataset(app, dashboard_data):
    figures = operations.dashboard_figures(TODAY)
    total = figures.totals
    assert (figures.as_of, figures.year, figures.due_date) == (AS_OF, 2026, date(2026, 7, 10))
    assert (total.active_groups, total.members, total.reporting.expected, total.reporting.received,
            total.reporting.on_time) == (4, 19, 3, 2, 1)
    assert (total.grants, total.grants_total) == (1, 17_500_000)
    assert total.reporting.completeness == pytest.approx(2 / 3)
    assert total.reporting.on_time_rate == pytest.approx(1 / 3)
    assert figures.flags_by_kind == {NOT_IMPROVING: 0, NO_GAIN_AFTER_GRANT: 0, BELOW_EXTREME_POVERTY: 0,
                                     MISSING_REPORTS: 1}
    rows = {row.code: row for row in figures.kecamatan}
    assert len(rows) == 6  # every kecamatan has a row, even without groups
    curug, serang = rows["36.73.04"], rows["36.73.01"]
    assert (curug.active_groups, curug.members, curug.reporting.expected, curug.reporting.received, curug.reporting.on_time, curug.grants,
            curug.flagged_groups) == (3, 14, 2, 2, 1, 1, 0)
    assert (serang.active_groups, serang.members, serang.reporting.expected, serang.reporting.received, serang.flagged_groups) == (1, 5, 1, 0, 1)
    assert rows["36.73.02"].reporting.completeness is None
    june = figures.months[-1]
    assert (june.month, june.reports, june.median_net) == (AS_OF, 2, 3_000_000)
    assert len(figures.months) == 12


def test_dashboard_page_shows_the_figures_and_a_chart(app, client, login, users, dashboard_data):
    login(users["viewer"])
    response = client.get("/monitoring/dashboard")
    assert response.status_code == 200
    page = text(response)
    assert re.search(r'id="stat-groups">4<', page) and re.search(r'id="stat-members">19<', page)
    assert re.search(r'id="stat-grants">1<', page) and "Rp17.500.000" in page
    assert re.search(r'id="stat-reporting">67%<', page) and re.search(r'id="stat-on-time">33%<', page)
    assert "Juni 2026" in page and "10 Juli 2026" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="bar" data-month="2026-06"' in page
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>")[0]


def test_dashboard_is_for_staff_only(app, client, login, users):
    login(users["leader"])
    assert client.get("/monitoring/dashboard").status_code == 403
    assert client.get("/monitoring/flags").status_code == 403


# -- the chart --------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_group_chart_has_points_trend_line_and_handover_marker(app, client, login, users, dataset):
    group = dataset["groups"]["grant_flat"]
    login(users["officer"])
    response = client.get(f"/monitoring/groups/{group.id}/chart.svg?as_of=2026-06")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = text(response)
    root = ET.fromstring(svg)  # well-formed XML
    points = {c.get("data-month"): int(c.get("data-net")) for c in root.iter(f"{SVG}circle") if c.get("class") == "point"}
    assert points == {format_month_index(m): net for m, net in GRANT_FLAT.items()}
    trend_lines = [line for line in root.iter(f"{SVG}line") if line.get("class") == "trend"]
    assert len(trend_lines) == 1
    handovers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "handover"]
    assert [g.get("data-month") for g in handovers] == ["2025-09"]
    assert "<style" not in svg and "style=" not in svg and "<script" not in svg
    assert "Serah terima bantuan: September 2025" in svg


def test_chart_as_of_a_past_month_ignores_later_reports(app, client, login, users, dataset):
    group = dataset["groups"]["falling"]
    login(users["officer"])
    svg = text(client.get(f"/monitoring/groups/{group.id}/chart.svg?as_of=2026-03"))
    months = re.findall(r'class="point" data-month="([0-9-]+)"', svg)
    assert months == ["2026-01", "2026-02", "2026-03"]
    assert 'class="trend"' not in svg and "data belum cukup" in svg  # three reports: no trend line


def test_chart_refuses_a_bad_month_and_unknown_groups(app, client, login, users, dataset):
    login(users["officer"])
    group = dataset["groups"]["falling"]
    assert client.get(f"/monitoring/groups/{group.id}/chart.svg?as_of=2026-13").status_code == 422
    assert client.get(f"/monitoring/groups/{group.id}/chart.svg?as_of=2030-01").status_code == 422
    for group_id in (999999, 2**64):
        assert client.get(f"/monitoring/groups/{group_id}/chart.svg").status_code == 404
        assert client.get(f"/monitoring/groups/{group_id}/follow-ups").status_code == 404
        assert client.get(f"/monitoring/groups/{group_id}/follow-ups/new").status_code == 404


def test_chart_functions_draw_gaps_negative_values_and_empty_charts():
    svg = charts.income_chart_svg([(M(2025, 1), 100_000), (M(2025, 2), -50_000), (M(2025, 4), 80_000)],
                                  M(2024, 11), M(2025, 4), handovers=[M(2023, 1)])
    root = ET.fromstring(svg)
    polylines = [p for p in root.iter(f"{SVG}polyline")]
    assert len(polylines) == 1  # Jan-Feb joined; April stands alone after the missing March
    assert 'data-net="-50000"' in svg and "-Rp50.000" in svg
    assert 'class="handover"' not in svg  # a handover before the chart's months is not drawn
    empty = charts.income_chart_svg([], M(2025, 1), M(2025, 6))
    assert "Belum ada laporan" in empty
    ET.fromstring(empty)
    bars = charts.bar_chart_svg([(M(2025, 1), None, 0), (M(2025, 2), 2_500_000, 3)], title="<judul>", description="d")
    assert "&lt;judul&gt;" in bars and 'class="bar" data-month="2025-02"' in bars
    ET.fromstring(bars)
    assert charts.format_compact_rupiah(1_500_000) == "Rp1,5\xa0jt"
    assert charts.format_compact_rupiah(-200_000) == "-Rp200\xa0rb" and charts.format_compact_rupiah(0) == "Rp0"


# -- leaders and the group panel ----------------------------------------------------------------

def test_a_leader_sees_only_their_own_groups_chart(app, client, db, login, users, dataset):
    own, other = dataset["groups"]["falling"], dataset["groups"]["rising"]
    users["leader"].group_id = own.id
    db.session.commit()
    login(users["leader"])
    assert client.get(f"/monitoring/groups/{own.id}/chart.svg").status_code == 200
    assert client.get(f"/monitoring/groups/{other.id}/chart.svg").status_code == 404
    assert client.get(f"/monitoring/groups/{own.id}/follow-ups").status_code == 403


def _panel(app, user, group):
    from kube.monitoring.views import group_panel

    with app.test_request_context("/"):
        login_user(user)
        context = group_panel(group)
        html = render_template("monitoring/_group_panel.html", group=group, monitoring=context)
    return context, html


def test_group_panel_for_staff_shows_chart_flags_and_follow_ups(app, db, users, dataset):
    group = dataset["groups"]["falling"]
    operations.record_follow_up(group, NOT_IMPROVING, "2026-06", "kunjungan", date(2026, 7, 15), "Sudah dikunjungi",
                                "in_progress", users["officer"], today=TODAY)
    db.session.commit()
    context, html = _panel(app, users["officer"], group)
    assert context["chart_url"] == f"/monitoring/groups/{group.id}/chart.svg?as_of=2026-06"
    assert [flag.kind for flag in context["flags"]] == [NOT_IMPROVING]
    assert context["trend_label"] == "turun Rp100.000 per bulan"
    assert len(context["follow_ups"]) == 1 and context["can_follow_up"]
    assert context["latest_follow_ups"][(group.id, NOT_IMPROVING)].state == "in_progress"
    assert "Sudah dikunjungi" in html and context["chart_url"] in html and "Sedang ditangani" in html


def test_group_panel_says_data_is_insufficient_and_hides_follow_ups_from_leaders(app, db, users, dataset):
    group = bare_group(users["officer"].id, "Kube Baru Lapor")
    add_reports(group, {AS_OF - 1: 3_000_000, AS_OF: 3_100_000})
    users["leader"].group_id = group.id
    db.session.commit()
    context, html = _panel(app, users["leader"], group)
    assert context["trend_label"] == "data belum cukup" and "data belum cukup" in html
    assert context["follow_ups"] == [] and context["history_url"] is None and not context["can_follow_up"]
    assert "Tindak lanjut terakhir" not in html


def test_group_panel_query_count_does_not_grow_with_history(app, db, users, dataset):
    from kube.auth.models import User
    from kube.monitoring.views import group_panel

    group_id, officer_id = dataset["groups"]["grant_flat"].id, users["officer"].id

    def measure() -> int:
        db.session.expunge_all()
        group, officer = db.session.get(Group, group_id), db.session.get(User, officer_id)
        with app.test_request_context("/"):
            login_user(officer)
            with recorded_statements(db.engine, transaction_control=False) as statements:
                group_panel(group)
        return len(statements)

    before = measure()
    group, officer = db.session.get(Group, group_id), db.session.get(User, officer_id)
    for day in range(1, 6):
        operations.record_follow_up(group, NO_GAIN_AFTER_GRANT, "2026-06", "kunjungan", date(2026, 7, day), "x",
                                    "open", officer, today=TODAY)
    db.session.commit()
    assert measure() == before


# -- demo ---------------------------------------------------------------------------------------

def test_demo_reports_show_every_kind_and_spare_the_healthy_groups(app, db):
    from kube.demo import load_demo
    from kube.monitoring.demo import load_demo_reports, plan_patterns

    today = date(2026, 11, 28)
    load_demo(today)
    groups = db.session.scalars(sa.select(Group).order_by(Group.id)).all()
    patterns = {group_id: pattern for group_id, (pattern, _first) in plan_patterns(groups, today).items()}
    # Once kube/demo.py calls load_demo_reports itself, the reports are already there.
    if not db.session.scalar(sa.select(sa.func.count(IncomeReport.id))):
        assert load_demo_reports(groups, today) == patterns
    db.session.commit()
    assert set(patterns.values()) >= {"seasonal", "grant_gain", "grant_no_gain", "falling", "stopped", "poor",
                                      "rising"}
    result = operations.compute_flags(operations.default_as_of(today), today)
    found = kinds_by_group(result.flags)
    assert set().union(*found.values()) == set(trends.FLAG_KINDS)
    by_pattern = {pattern: found.get(group_id, set()) for group_id, pattern in patterns.items()}
    assert NOT_IMPROVING in by_pattern["falling"]
    assert MISSING_REPORTS in by_pattern["stopped"]
    assert NO_GAIN_AFTER_GRANT in by_pattern["grant_no_gain"]
    assert BELOW_EXTREME_POVERTY in by_pattern["poor"]
    for healthy in ("seasonal", "grant_gain", "rising", "steady"):
        assert by_pattern[healthy] == set(), healthy
    # 24-36 months for groups old enough, whole Rupiah in the asked range, net = revenue - expenses.
    reports = db.session.scalars(sa.select(IncomeReport)).all()
    counts: dict[int, int] = {}
    for report in reports:
        counts[report.group_id] = counts.get(report.group_id, 0) + 1
        assert report.net == report.revenue - report.expenses and report.expenses >= 0
    old = [g for g in groups if g.status == "active" and g.formed_on <= date(2023, 11, 1)]
    assert old and all(21 <= counts[g.id] <= 36 for g in old)
    assert 500_000 <= min(r.net for r in reports) and max(r.net for r in reports) <= 8_000_000
