"""One definition per question: pages, API and dashboard ask the same queries and so give the same answers."""
from __future__ import annotations

import re
from datetime import date

import pytest

from kube.monitoring import operations as monitoring
from kube.reports import queries as reports
from kube.reports.models import IncomeReport
from tests.factories import jakarta, make_budget, make_grant, make_group

CURUG, SERANG = "36.73.04", "36.73.01"


@pytest.fixture
def two_kecamatan(db, staff):
    """A grant in Curug (Kube Melati) and one in Serang (Kube Mawar), one submitted and one draft."""
    make_budget(staff["maker"])
    melati = make_group(staff["maker"], members=5, status="active", name="Kube Melati", kelurahan_code="36.73.04.1002")
    mawar = make_group(staff["maker"], members=5, status="active", name="Kube Mawar", kelurahan_code="36.73.01.1002")
    curug = make_grant(staff["maker"], status="submitted", group=melati)
    serang = make_grant(staff["maker"], status="draft", group=mawar)
    db.session.commit()
    return {"curug": curug.id, "serang": serang.id}


@pytest.mark.parametrize("query, expected", [
    ("kecamatan=36.73.04", {"curug"}),
    ("kecamatan=36.73.01", {"serang"}),
    ("q=mawar", {"serang"}),
    ("q=KUBE-3673", {"curug", "serang"}),
    ("status=submitted", {"curug"}),
    ("program=KUBE&year=2025", {"curug", "serang"}),
    ("year=2026", set()),
])
def test_the_grant_page_and_the_grant_api_mean_the_same_filters(client, db, staff, bearer, login, two_kecamatan,
                                                                 query, expected):
    ids = {two_kecamatan[name] for name in expected}
    api = client.get(f"/api/v1/grants?{query}", headers=bearer(staff["viewer"]))
    assert api.status_code == 200 and {grant["id"] for grant in api.get_json()} == ids
    login(staff["viewer"])
    page = client.get(f"/grants?{query}").get_data(as_text=True)
    assert set(map(int, re.findall(r'href="/grants/(\d+)"', page))) == ids


def test_a_leader_sees_only_their_own_groups_grants_in_the_api(client, db, staff, bearer, two_kecamatan):
    from kube.ledger.models import Grant
    from tests.factories import make_user

    own_group = db.session.get(Grant, two_kecamatan["curug"]).group_id
    leader = make_user("leader", group_id=own_group)
    db.session.commit()
    listed = client.get("/api/v1/grants", headers=bearer(leader)).get_json()
    assert [grant["id"] for grant in listed] == [two_kecamatan["curug"]]


def test_one_kecamatan_filter_for_groups_members_grants_flags_and_discipline(client, db, staff, login, two_kecamatan):
    login(staff["viewer"])
    pages = {
        "groups": client.get(f"/groups?kecamatan={CURUG}"),
        "members": client.get(f"/members?kecamatan={CURUG}"),
        "discipline": client.get(f"/reports/discipline?kecamatan={CURUG}"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
    assert "Kube Melati" in pages["groups"].get_data(as_text=True)
    assert "Kube Mawar" not in pages["groups"].get_data(as_text=True)
    assert "Kube Mawar" not in pages["discipline"].get_data(as_text=True)
    assert "Kube Melati" in pages["discipline"].get_data(as_text=True)


def test_the_discipline_page_and_the_dashboard_count_a_month_alike(app, db, staff, frozen):
    """Groups formed in July 2025 owe only July in the discipline window: both pages must give the same figures."""
    frozen(jakarta(2025, 8, 15))
    on_time = make_group(staff["maker"], members=5, status="active", name="A", formed_on=date(2025, 7, 3))
    late = make_group(staff["maker"], members=5, status="active", name="B", formed_on=date(2025, 7, 3),
                      kelurahan_code="36.73.01.1002")
    make_group(staff["maker"], members=5, status="active", name="C", formed_on=date(2025, 7, 20))  # silent
    for group, sent in ((on_time, jakarta(2025, 8, 10, 23, 59)), (late, jakarta(2025, 8, 11, 0, 1))):
        db.session.add(IncomeReport(group_id=group.id, period=date(2025, 7, 1), revenue=100, expenses=0, net=100,
                                    active_members=5, submitted_at=sent))
    db.session.commit()
    with app.test_request_context():
        discipline = reports.discipline(1, 25)
        dashboard = monitoring.dashboard_figures(date(2025, 8, 15))
    assert (discipline.total.expected, discipline.total.received, discipline.total.on_time) == (3, 2, 1)
    figures = dashboard.totals.reporting
    assert (figures.expected, figures.received, figures.on_time) == (3, 2, 1)
    by_kecamatan = {rates.code: (rates.expected, rates.received, rates.on_time) for rates in discipline.rates}
    for row in dashboard.kecamatan:
        assert (row.reporting.expected, row.reporting.received, row.reporting.on_time) == by_kecamatan[row.code]
