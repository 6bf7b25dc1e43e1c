"""The flags and trend API: shapes, filters, invalid months, leader isolation and the OpenAPI document."""
from __future__ import annotations

import pytest

from kube.core.periods import format_month_index
from kube.monitoring.reasons import flag_reason
from kube.monitoring import operations, trends
from kube.monitoring.trends import BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING
from tests.factories import api_token
from tests.monitoring_data import AS_OF, FALLING, GRANT_FLAT, TODAY, M, add_reports

pytestmark = pytest.mark.usefixtures("monitoring_day")


def test_flags_shape_and_details(app, client, users, dataset):
    headers = api_token(client, users["viewer"])
    response = client.get("/api/v1/flags", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["as_of"] == "2026-06"
    expected = operations.compute_flags(AS_OF, TODAY).flags
    assert [(f["group_id"], f["kind"], f["reason"]) for f in body["flags"]] == [
        (f.group_id, f.kind, flag_reason(f)) for f in expected]
    for flag in body["flags"]:
        assert set(flag) == {"group_id", "kind", "reason", "details", "opened"}
    falling = next(f for f in body["flags"] if f["kind"] == NOT_IMPROVING)
    assert falling["group_id"] == dataset["groups"]["falling"].id
    assert falling["details"] == {"slope_per_month": -100_000.0, "reports": 6, "window_start": "2026-01",
                                  "window_end": "2026-06", "yoy_median": None}
    # Six falling reports since January: the trend needs four, so the run began in April.
    assert falling["opened"] == "2026-04"
    no_gain = next(f for f in body["flags"] if f["kind"] == NO_GAIN_AFTER_GRANT)
    assert no_gain["details"]["grant_id"] == dataset["grant"].id
    assert no_gain["details"]["handover_month"] == "2025-09"


def test_flags_yoy_median_is_given_when_last_year_is_known(app, client, db, users, dataset):
    # The falling group also reported a year earlier, higher: the dip is not seasonal.
    add_reports(dataset["groups"]["falling"], {month - 12: 4_000_000 for month in FALLING})
    db.session.commit()
    body = client.get("/api/v1/flags?kind=not_improving", headers=api_token(client, users["officer"])).get_json()
    (flag,) = body["flags"]
    expected_median = sorted(net - 4_000_000 for net in FALLING.values())
    assert flag["details"]["yoy_median"] == (expected_median[2] + expected_median[3]) / 2


def test_flags_filters_and_past_month(app, client, users, dataset):
    headers = api_token(client, users["officer"])
    body = client.get("/api/v1/flags?kecamatan=36.73.01", headers=headers).get_json()
    assert [(f["group_id"], f["kind"]) for f in body["flags"]] == [(dataset["groups"]["poor"].id,
                                                                    BELOW_EXTREME_POVERTY)]
    body = client.get("/api/v1/flags?kind=missing_reports", headers=headers).get_json()
    assert [f["group_id"] for f in body["flags"]] == [dataset["groups"]["silent"].id]
    body = client.get(f"/api/v1/flags?officer={dataset['other_officer'].id}", headers=headers).get_json()
    assert {f["group_id"] for f in body["flags"]} == {dataset["groups"]["poor"].id}
    body = client.get("/api/v1/flags?as_of=2026-03", headers=headers).get_json()
    assert body["as_of"] == "2026-03"
    past = operations.compute_flags(M(2026, 3), TODAY, with_opened=True)
    assert body["flags"] == [
        {"group_id": f.group_id, "kind": f.kind, "reason": flag_reason(f), "details": f.details,
         "opened": format_month_index(past.opened[(f.group_id, f.kind)])}
        for f in past.flags
    ]


@pytest.mark.parametrize(("query", "field"), [
    ("as_of=2026-13", "as_of"),
    ("as_of=juni", "as_of"),
    ("as_of=2026-07", "as_of"),  # not over yet
    ("as_of=1999-01", "as_of"),
    ("kind=bogus", "kind"),
    ("kecamatan=36.73.99", "kecamatan"),
    ("officer=abc", "officer"),
    (f"officer={2**64}", "officer"),
    ("kecamatan=36.73.0%00", "kecamatan"),
    ("as_of=2026-06%00", "as_of"),
    ("colour=red", "colour"),
])
def test_flags_invalid_query_is_422(app, client, users, dataset, query, field):
    response = client.get(f"/api/v1/flags?{query}", headers=api_token(client, users["officer"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"] and error["message"]


def test_a_leader_gets_only_their_own_groups_flags(app, client, db, users, dataset):
    leader = users["leader"]
    headers = api_token(client, leader)
    assert client.get("/api/v1/flags", headers=headers).get_json()["flags"] == []  # not linked yet
    leader.group_id = dataset["groups"]["silent"].id
    db.session.commit()
    body = client.get("/api/v1/flags", headers=headers).get_json()
    assert [(f["group_id"], f["kind"]) for f in body["flags"]] == [(dataset["groups"]["silent"].id, MISSING_REPORTS)]
    assert client.get("/api/v1/flags?kecamatan=36.73.01", headers=headers).get_json()["flags"] == []


def test_trend_shape(app, client, users, dataset):
    group = dataset["groups"]["grant_flat"]
    response = client.get(f"/api/v1/groups/{group.id}/trend?as_of=2026-06", headers=api_token(client, users["viewer"]))
    assert response.status_code == 200
    body = response.get_json()
    window = {m: n for m, n in GRANT_FLAT.items() if M(2026, 1) <= m <= AS_OF}
    slope, intercept = trends.theil_sen(list(window), list(window.values()))
    assert body["group_id"] == group.id and body["as_of"] == "2026-06"
    assert body["status"] == "ok" and body["label"] == "data cukup"
    assert body["slope_per_month"] == slope and body["intercept"] == intercept
    assert body["reports"] == 6 and body["window"] == {"start": "2026-01", "end": "2026-06"}
    assert body["yoy_median"] == GRANT_FLAT[AS_OF] - GRANT_FLAT[AS_OF - 12]  # only June has last year
    assert body["points"] == [{"month": format_month_index(m), "net": n} for m, n in window.items()]
    assert body["handovers"] == [{"month": "2025-09", "grant_id": dataset["grant"].id}]
    assert [f["kind"] for f in body["flags"]] == [NO_GAIN_AFTER_GRANT]


def test_trend_insufficient_data(app, client, users, dataset):
    group = dataset["groups"]["falling"]
    body = client.get(f"/api/v1/groups/{group.id}/trend?as_of=2026-03",
                      headers=api_token(client, users["officer"])).get_json()
    assert body["status"] == "insufficient" and body["label"] == "data belum cukup"
    assert body["slope_per_month"] is None and body["intercept"] is None and body["reports"] == 3
    assert body["window"] == {"start": "2025-10", "end": "2026-03"}
    assert [p["month"] for p in body["points"]] == ["2026-01", "2026-02", "2026-03"]


def test_trend_leader_isolation_and_errors(app, client, db, users, dataset):
    own, other = dataset["groups"]["falling"], dataset["groups"]["rising"]
    users["leader"].group_id = own.id
    db.session.commit()
    headers = api_token(client, users["leader"])
    assert client.get(f"/api/v1/groups/{own.id}/trend", headers=headers).status_code == 200
    response = client.get(f"/api/v1/groups/{other.id}/trend", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    staff = api_token(client, users["officer"])
    assert client.get("/api/v1/groups/999999/trend", headers=staff).status_code == 404
    assert client.get(f"/api/v1/groups/{2**40}/trend", headers=staff).status_code == 404
    for bad in ("2026-13", "2026-07", "x"):
        response = client.get(f"/api/v1/groups/{own.id}/trend?as_of={bad}", headers=staff)
        assert response.status_code == 422 and "as_of" in response.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/groups/{own.id}/trend").status_code == 401


def test_openapi_documents_the_answers(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    flags = spec["paths"]["/api/v1/flags"]["get"]
    assert {"200", "401", "403", "422"} <= set(flags["responses"])
    assert {p["name"] for p in flags["parameters"]} >= {"as_of", "kecamatan", "kind"}
    trend = spec["paths"]["/api/v1/groups/{group_id}/trend"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(trend["responses"])
    schema = spec["components"]["schemas"]["Trend"]
    assert {"status", "slope_per_month", "reports", "window", "points", "handovers"} <= set(schema["properties"])
