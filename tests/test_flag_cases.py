"""Flag cases: closing and reopening, stored equal to live, the history API, the group page and the
dashboard's effectiveness of follow-ups (the pure tally and its SQL counterpart on known data)."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from kube.core.periods import from_month_index, month_index
from kube.core.transaction import committed
from kube.monitoring import cases, stored, tallies
from kube.monitoring.cases import CaseRecord, EffectRow
from kube.monitoring.models import FlagCase, FollowUp
from kube.monitoring.trends import BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING
from tests.factories import make_user
from tests.monitoring_data import AS_OF, TODAY, M, add_reports, bare_group

POVERTY = BELOW_EXTREME_POVERTY
#: Rp60.000 a month for each of 5 members, rising a little (so never "not improving"), with a good March:
#: below the extreme poverty line in January and February, above it (the mean of the last three reports)
#: from March to May, below again in June.
BROKEN = {M(2026, 1) + i: 300_000 + 1_000 * i for i in range(6)} | {M(2026, 3): 9_000_000}


def refresh(today: date) -> None:
    """What cron does: a full refresh of the stored flags and cases, committed."""
    with committed():
        stored.refresh_all(today)


def broken_group(officer_id: int):
    """A group formed in January 2026 reporting every month since (no missing reports), poor but for March."""
    group = bare_group(officer_id, "Kube Sempat Membaik", formed_on=date(2026, 1, 2))
    add_reports(group, BROKEN)
    return group


def _rows(group_id: int, kind: str):
    from kube.extensions import db

    return db.session.execute(sa.select(FlagCase.opened, FlagCase.closed, FlagCase.months_open)
                              .where(FlagCase.group_id == group_id, FlagCase.kind == kind)
                              .order_by(FlagCase.opened)).all()


def follow_up(group, kind: str, period: int, action: str, on: date, officer=None, state: str = "in_progress",
              note: str = "") -> FollowUp:
    """A follow-up row written directly (record_follow_up is tested elsewhere)."""
    from kube.extensions import db

    row = FollowUp(group_id=group.id, flag_kind=kind, flag_period=from_month_index(period), action=action,
                   action_date=on, note=note, state=state, officer_id=officer.id if officer else None)
    db.session.add(row)
    db.session.flush()
    return row


# -- closing and reopening ------------------------------------------------------------------------

def test_a_case_closes_at_the_first_month_the_flag_no_longer_holds_and_a_new_one_opens_later(app, db, users, frozen):
    frozen(date(2026, 3, 20))  # February is the as-of month
    group = broken_group(users["officer"].id)
    db.session.commit()
    refresh(date(2026, 3, 20))
    assert _rows(group.id, POVERTY) == [(date(2026, 1, 1), None, None)]
    assert [(c.kind, c.opened, c.closed) for c in cases.group_cases(group, date(2026, 3, 20))] == [
        (POVERTY, M(2026, 1), None)]

    frozen(date(2026, 4, 20))  # March: the good month lifts the mean above the line, the case closes
    refresh(date(2026, 4, 20))
    assert _rows(group.id, POVERTY) == [(date(2026, 1, 1), date(2026, 3, 1), 2)]

    frozen(TODAY)  # June: below again, a new case; the old one stays closed as it was
    refresh(TODAY)
    assert _rows(group.id, POVERTY) == [(date(2026, 1, 1), date(2026, 3, 1), 2), (date(2026, 6, 1), None, None)]
    found = cases.group_cases(group, TODAY)
    assert [(c.kind, c.opened, c.closed) for c in found] == [(POVERTY, M(2026, 6), None), (POVERTY, M(2026, 1), M(2026, 3))]
    assert [c.months_open(AS_OF) for c in found] == [1, 2]
    assert [c.is_open for c in found] == [True, False]
    # Nothing else was ever flagged on this group.
    assert {kind for (kind,) in db.session.execute(sa.select(FlagCase.kind).where(FlagCase.group_id == group.id))} \
        == {POVERTY}


@pytest.mark.usefixtures("monitoring_day")
def test_group_cases_are_the_same_live_off_basis_and_stored(app, db, users, dataset):
    officer = users["officer"]
    group = broken_group(officer.id)
    falling = dataset["groups"]["falling"]
    follow_up(group, POVERTY, M(2026, 2), "kunjungan", date(2026, 2, 20), officer)
    follow_up(group, POVERTY, M(2026, 6), "pelatihan", date(2026, 7, 5), officer)
    follow_up(falling, NOT_IMPROVING, M(2026, 5), "pendampingan", date(2026, 6, 3), officer)
    db.session.commit()
    groups = [group, *dataset["groups"].values()]
    assert not stored.is_current(TODAY)  # never refreshed: computed from each group's whole history
    live = {g.id: cases.group_cases(g, TODAY) for g in groups}
    refresh(TODAY)
    assert stored.is_current(TODAY)
    assert {g.id: cases.group_cases(g, TODAY) for g in groups} == live
    assert [len(c.follow_ups) for c in live[group.id]] == [1, 1]
    assert any(record.closed is not None for found in live.values() for record in found)
    (falling_case,) = [c for c in live[falling.id] if c.kind == NOT_IMPROVING]
    assert (falling_case.opened, falling_case.closed, falling_case.last_follow_up.action) == \
        (M(2026, 4), None, "pendampingan")


def test_case_record_months_open():
    assert CaseRecord(POVERTY, M(2026, 1), M(2026, 3)).months_open(AS_OF) == 2
    assert CaseRecord(POVERTY, M(2026, 6), None).months_open(AS_OF) == 1
    assert CaseRecord(POVERTY, M(2026, 1), None).months_open(AS_OF) == 6
    assert CaseRecord(POVERTY, M(2026, 1), None).last_follow_up is None


def test_the_attach_rule():
    assert cases.attaches(POVERTY, M(2026, 1), M(2026, 3), POVERTY, M(2026, 1))
    assert cases.attaches(POVERTY, M(2026, 1), M(2026, 3), POVERTY, M(2026, 2))
    assert not cases.attaches(POVERTY, M(2026, 1), M(2026, 3), POVERTY, M(2026, 3))  # the month it closed
    assert not cases.attaches(POVERTY, M(2026, 1), M(2026, 3), POVERTY, M(2025, 12))
    assert not cases.attaches(POVERTY, M(2026, 1), None, MISSING_REPORTS, M(2026, 2))
    assert cases.attaches(POVERTY, M(2026, 1), None, POVERTY, M(2030, 1))


# -- the history API ----------------------------------------------------------------------------

@pytest.fixture
def history(db, users):
    """The broken group with its two poverty cases stored, and follow-ups on, between and beside them."""
    officer = users["officer"]
    group = broken_group(officer.id)
    first = follow_up(group, POVERTY, M(2026, 2), "kunjungan", date(2026, 2, 20), officer, note="Rumah dikunjungi")
    # March is the month the first case closed, and no case is open then: it belongs to none.
    follow_up(group, POVERTY, M(2026, 3), "catatan", date(2026, 3, 25), officer, note="Sudah membaik")
    # Another kind than any case of the group: it belongs to none.
    follow_up(group, NO_GAIN_AFTER_GRANT, M(2026, 6), "kunjungan", date(2026, 7, 1), officer)
    later = follow_up(group, POVERTY, M(2026, 6), "pelatihan", date(2026, 7, 8), officer, state="resolved")
    earlier = follow_up(group, POVERTY, M(2026, 6), "pendampingan", date(2026, 7, 2), None, state="open")
    db.session.commit()
    refresh(TODAY)
    return {"group": group, "first": first, "later": later, "earlier": earlier}


@pytest.mark.usefixtures("monitoring_day")
def test_history_endpoint_shape_and_follow_ups_attached_by_the_rule(app, client, users, bearer, history):
    group = history["group"]
    response = client.get(f"/api/v1/flags/history?group_id={group.id}", headers=bearer("viewer"))
    assert response.status_code == 200
    officer_name = users["officer"].full_name
    assert response.get_json() == {"group_id": group.id, "cases": [
        {"kind": POVERTY, "opened": "2026-06", "closed": None, "follow_ups": [
            {"id": history["earlier"].id, "action": "pendampingan", "action_date": "2026-07-02", "state": "open",
             "flag_period": "2026-06", "note": "", "officer": None},
            {"id": history["later"].id, "action": "pelatihan", "action_date": "2026-07-08", "state": "resolved",
             "flag_period": "2026-06", "note": "", "officer": officer_name},
        ]},
        {"kind": POVERTY, "opened": "2026-01", "closed": "2026-03", "follow_ups": [
            {"id": history["first"].id, "action": "kunjungan", "action_date": "2026-02-20", "state": "in_progress",
             "flag_period": "2026-02", "note": "Rumah dikunjungi", "officer": officer_name},
        ]},
    ]}


@pytest.mark.usefixtures("monitoring_day")
def test_history_endpoint_answers_the_same_off_basis(app, client, db, bearer, history, frozen):
    group = history["group"]
    url = f"/api/v1/flags/history?group_id={group.id}"
    current = client.get(url, headers=bearer("officer")).get_json()
    db.session.execute(sa.delete(FlagCase).where(FlagCase.group_id == group.id))
    db.session.commit()
    # Still on the basis the stored rows say nothing; another settings digest makes it live again.
    assert client.get(url, headers=bearer("officer")).get_json()["cases"] == []
    app.config["EXTREME_POVERTY_LINE"] = 400_001  # another basis, hardly other flags
    try:
        assert client.get(url, headers=bearer("officer")).get_json() == current
    finally:
        app.config["EXTREME_POVERTY_LINE"] = 400_000


@pytest.mark.usefixtures("monitoring_day")
def test_history_endpoint_for_a_group_without_cases(app, client, db, users, bearer):
    group = bare_group(users["officer"].id, "Kube Baru", formed_on=date(2026, 6, 3))
    db.session.commit()
    response = client.get(f"/api/v1/flags/history?group_id={group.id}", headers=bearer("admin"))
    assert response.status_code == 200 and response.get_json() == {"group_id": group.id, "cases": []}


@pytest.mark.usefixtures("monitoring_day")
def test_history_endpoint_refuses_leaders_unknown_groups_and_bad_ids(app, client, db, users, bearer, history):
    group = history["group"]
    own_leader = make_user("leader", group_id=group.id)
    db.session.commit()
    for leader in (users["leader"], own_leader):  # even their own group: the cases are staff's
        response = client.get(f"/api/v1/flags/history?group_id={group.id}", headers=bearer(leader))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/flags/history?group_id={group.id}").status_code == 401
    headers = bearer("officer")
    response = client.get("/api/v1/flags/history?group_id=999999", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    for query in ("", "?group_id=", "?group_id=abc", "?group_id=0", "?group_id=-3", "?group_id=1.5",
                  "?group_id=2147483648", f"?group_id={group.id}&as_of=2026-06", f"?group_id={group.id}&x=1"):
        response = client.get(f"/api/v1/flags/history{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["fields"], query


def test_history_endpoint_is_documented(app, client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/flags/history"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [("group_id", "query", True)]


# -- the group page -------------------------------------------------------------------------------

@pytest.mark.usefixtures("monitoring_day")
def test_group_page_lists_past_cases_for_staff_only(app, client, db, login, users, history):
    group = history["group"]
    login(users["officer"])
    page = html.unescape(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert "Riwayat kasus peringatan" in page
    table = page[page.index('id="flag-cases"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr data-kind=.*?</tr>", table, flags=re.S)
    assert len(rows) == 2
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert text[0] == "Di bawah garis kemiskinan ekstrem Juni 2026 Masih terbuka 1 2 Pelatihan, 8 Juli 2026"
    assert text[1] == "Di bawah garis kemiskinan ekstrem Januari 2026 Maret 2026 2 1 Kunjungan, 20 Februari 2026"

    leader = make_user("leader", group_id=group.id)
    db.session.commit()
    client.post("/logout")
    login(leader)
    response = client.get(f"/groups/{group.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="flag-cases"' not in page and "Riwayat kasus peringatan" not in page and "Masih terbuka" not in page


@pytest.mark.usefixtures("monitoring_day")
def test_group_page_says_when_a_group_never_had_a_case(app, client, db, login, users):
    group = bare_group(users["officer"].id, "Kube Baru", formed_on=date(2026, 6, 3))
    db.session.commit()
    login(users["viewer"])
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Kelompok ini belum pernah mendapat peringatan." in page


# -- effectiveness ---------------------------------------------------------------------------------

def test_tally_effect_is_pure_and_counts_only_decided_cases():
    as_of = AS_OF
    items = [
        ("kunjungan", M(2026, 1), M(2026, 4)),  # closed exactly at the end of the window
        ("kunjungan", M(2026, 1), M(2026, 5)),  # a month too late
        ("kunjungan", M(2026, 3), None),  # window passed exactly at the as-of month: decided, not closed
        ("kunjungan", M(2026, 4), None),  # still inside its window: not judged
        ("kunjungan", M(2026, 5), M(2026, 6)),  # closed within, though the window has not passed
        (None, M(2025, 1), None),
    ]
    assert cases.tally_effect(items, as_of, 3) == {"kunjungan": (4, 2), None: (1, 0)}
    assert cases.tally_effect([], as_of) == {}
    rows = cases.effect_rows({"kunjungan": (4, 2), None: (1, 0)})
    assert [row.action for row in rows] == ["kunjungan", "pelatihan", "pendampingan", "catatan", None]
    assert [(row.cases, row.closed_within, row.share) for row in rows] == [
        (4, 2, 0.5), (0, 0, None), (0, 0, None), (0, 0, None), (1, 0, 0.0)]
    assert cases.case_effect_items(M(2026, 1), None, {}) == [(None, M(2026, 1), None)]
    assert cases.case_effect_items(M(2026, 1), M(2026, 3), {"kunjungan": M(2026, 2), "catatan": M(2026, 1)}) == [
        ("kunjungan", M(2026, 2), M(2026, 3)), ("catatan", M(2026, 1), M(2026, 3))]


def _case(group, kind: str, opened: int, closed: int | None) -> None:
    from kube.extensions import db

    db.session.add(FlagCase(group_id=group.id, kind=kind, opened=from_month_index(opened),
                            closed=None if closed is None else from_month_index(closed),
                            months_open=None if closed is None else closed - opened))


@pytest.fixture
def effect_data(db, users):
    """Ten cases written directly on four groups, with follow-ups; the stored cases current (as of June 2026).

    The groups are formed in June 2026 without reports, so their own data gives them no case: the refreshes
    at their commit leave the cases written here alone.
    """
    refresh(TODAY)
    officer = users["officer"]
    g1, g2, g3, g4 = (bare_group(officer.id, f"Kube Efek {n}", formed_on=date(2026, 6, 1)) for n in range(4))
    db.session.commit()
    # Followed up.
    _case(g1, POVERTY, M(2026, 1), M(2026, 3))  # c1
    follow_up(g1, POVERTY, M(2026, 1), "kunjungan", date(2026, 1, 15), officer)  # window to April: closed within
    follow_up(g1, POVERTY, M(2026, 2), "pelatihan", date(2026, 2, 10), officer)  # window to May: closed within
    _case(g1, POVERTY, M(2026, 4), None)  # c3
    follow_up(g1, POVERTY, M(2026, 4), "kunjungan", date(2026, 5, 10), officer)  # window to August: not judged
    _case(g2, NOT_IMPROVING, M(2026, 1), None)  # c2
    follow_up(g2, NOT_IMPROVING, M(2026, 2), "kunjungan", date(2026, 2, 5), officer)  # window to May: not closed
    follow_up(g2, NOT_IMPROVING, M(2026, 5), "kunjungan", date(2026, 5, 1), officer)  # later: the first counts
    _case(g3, NO_GAIN_AFTER_GRANT, M(2025, 12), M(2026, 6))  # c4
    follow_up(g3, NO_GAIN_AFTER_GRANT, M(2026, 1), "pendampingan", date(2026, 1, 20), officer)  # closed too late
    # Without follow-up.
    _case(g2, MISSING_REPORTS, M(2025, 10), M(2026, 1))  # c5: 3 months, closed within
    follow_up(g2, NO_GAIN_AFTER_GRANT, M(2025, 11), "kunjungan", date(2025, 11, 5), officer)  # another kind
    follow_up(g2, MISSING_REPORTS, M(2026, 1), "catatan", date(2026, 1, 6), officer, note="x")  # the closing month
    _case(g3, MISSING_REPORTS, M(2025, 6), M(2026, 2))  # c6: 8 months
    _case(g3, POVERTY, M(2026, 4), None)  # c7: window not passed
    _case(g4, MISSING_REPORTS, M(2026, 2), None)  # c8: window passed, still open
    _case(g4, POVERTY, M(2026, 5), M(2026, 6))  # c9: 1 month, closed within
    _case(g4, NOT_IMPROVING, M(2026, 3), None)  # c10: window passed exactly at June
    tallies.write_cases()  # cases written directly bypass the dashboard's running count of them
    db.session.commit()
    return [g1, g2, g3, g4]


EXPECTED_EFFECT = [EffectRow("kunjungan", 2, 1), EffectRow("pelatihan", 1, 1), EffectRow("pendampingan", 1, 0),
                   EffectRow("catatan", 0, 0), EffectRow(None, 5, 2)]


@pytest.mark.usefixtures("monitoring_day")
def test_effectiveness_on_known_cases(app, db, effect_data):
    rows = cases.effectiveness(TODAY)
    assert rows == EXPECTED_EFFECT
    assert [row.share for row in rows] == [0.5, 1.0, 0.0, None, 0.4]
    # The SQL agrees with the pure tally over the same cases as group_cases attaches follow-ups to them.
    items = []
    for group in effect_data:
        for record in cases.group_cases(group, TODAY):
            firsts: dict[str, int] = {}
            for f in record.follow_ups:  # oldest first
                firsts.setdefault(f.action, month_index(f.action_date))
            items += cases.case_effect_items(record.opened, record.closed, firsts)
    assert cases.effect_rows(cases.tally_effect(items, AS_OF)) == EXPECTED_EFFECT
    # Another window: everything judged against six months.
    assert cases.effectiveness(TODAY, within=6) == [
        EffectRow("kunjungan", 1, 1), EffectRow("pelatihan", 1, 1), EffectRow("pendampingan", 1, 1),
        EffectRow("catatan", 0, 0), EffectRow(None, 3, 2)]


@pytest.mark.usefixtures("monitoring_day")
def test_effectiveness_takes_three_queries_whatever_the_number_of_cases(app, db, effect_data):
    from tests.statements import recorded_statements

    def measure() -> int:
        with recorded_statements(db.engine, transaction_control=False) as statements:
            cases.effectiveness(TODAY)
        return len(statements)

    before = measure()
    g1 = effect_data[0]
    for n in range(5):
        _case(g1, MISSING_REPORTS, M(2024, 1) + 2 * n, M(2024, 2) + 2 * n)
        follow_up(g1, MISSING_REPORTS, M(2024, 1) + 2 * n, "kunjungan", date(2024, 1 + 2 * n, 3), None)
    db.session.commit()
    assert measure() == before == 3


def test_effectiveness_is_none_off_basis(app, db, frozen):
    frozen(TODAY)
    assert cases.effectiveness(TODAY) is None  # never refreshed


@pytest.mark.usefixtures("monitoring_day")
def test_dashboard_shows_the_effectiveness_table(app, client, login, users, effect_data):
    login(users["viewer"])
    page = client.get("/monitoring/dashboard").get_data(as_text=True)
    assert "Efektivitas tindak lanjut" in page
    table = page[page.index('id="effectiveness-table"'):]
    table = table[:table.index("</table>")]
    assert 'role="region"' in page[:page.index('id="effectiveness-table"')].rsplit("<section", 1)[1]
    rows = {action: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
            for action, body in re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', table, flags=re.S)}
    assert rows == {"kunjungan": "Kunjungan 2 1 50%", "pelatihan": "Pelatihan 1 1 100%",
                    "pendampingan": "Pendampingan 1 0 0%", "catatan": "Catatan 0 0 -",
                    "none": "Tanpa tindak lanjut 5 2 40%"}
    assert "Ditutup dalam 3 bulan" in table


@pytest.mark.usefixtures("monitoring_day")
def test_dashboard_says_when_the_effectiveness_waits_for_the_refresh(app, client, login, users):
    login(users["officer"])
    page = client.get("/monitoring/dashboard").get_data(as_text=True)
    assert 'id="effectiveness-pending"' in page and 'id="effectiveness-table"' not in page
