"""The role-by-route matrix: every route is checked for every role, and undeclared routes are closed."""
from __future__ import annotations

import pytest

from tests.factories import api_token

ROLES = ("admin", "officer", "leader", "viewer")
ALL = set(ROLES)
STAFF = {"admin", "officer", "viewer"}
PUBLIC = "public"

#: endpoint -> who may use it. A new route fails `test_matrix_covers_every_route` until listed here.
ACCESS = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "api_docs_ui.page": PUBLIC,
    "api_docs_ui.asset": PUBLIC,
    "auth.login": PUBLIC,
    "auth.choose_language": PUBLIC,
    "api_auth.create_token": PUBLIC,
    "auth.logout": ALL,
    "auth.account": ALL,
    "main.index": ALL,
    "api_auth.revoke_token": ALL,
    "api_regions.list_regions": ALL,
    "api_groups.list_groups": ALL,
    "api_groups.create_group": {"admin", "officer"},
    "api_groups.get_group": ALL,
    "api_groups.update_group": {"admin", "officer", "leader"},
    "api_groups.transition_group": {"admin", "officer"},
    "api_groups.list_members": ALL,
    "api_groups.add_member": {"admin", "officer"},
    "api_groups.update_member": {"admin", "officer", "leader"},
    "api_ledger.list_budgets": STAFF,
    "api_ledger.create_budget": {"admin", "officer"},
    "api_ledger.list_grants": ALL,  # a leader sees only their own group's
    "api_ledger.create_grant": {"admin", "officer"},
    "api_ledger.get_grant": ALL,
    "api_ledger.submit_grant": {"admin", "officer"},
    "api_ledger.approve_grant": {"admin", "officer"},
    "api_ledger.handover_grant": {"admin", "officer"},
    "api_ledger.cancel_grant": {"admin", "officer"},
    "api_ledger.trial_balance": STAFF,
    "api_ledger.group_statement": ALL,  # a leader: their own group only (404 otherwise)
    "api_ledger.list_asset_checks": ALL,  # likewise
    "api_ledger.create_asset_check": {"admin", "officer"},
    "api_history.create_historical_grant": {"admin"},
    "api_history.upload_letter_scan": {"admin"},
    "groups.index": ALL,  # a leader is redirected to their own group
    "groups.detail": ALL,
    "groups.new": {"admin", "officer"},
    "groups.edit": {"admin", "officer", "leader"},
    "groups.transition": {"admin", "officer"},
    "groups.leader_new": {"admin", "officer"},
    "groups.leader_sign_out": {"admin", "officer"},
    "groups.member_new": {"admin", "officer"},
    "groups.member_edit": {"admin", "officer", "leader"},
    "groups.member_leave": {"admin", "officer"},
    "groups.members": STAFF,
    "groups.import_members": {"admin", "officer"},
    "groups.import_template": {"admin", "officer"},
    "groups.export_groups": STAFF,
    "groups.export_members": STAFF,
    "history.index": {"admin"},
    "history.template": {"admin"},
    "auth.users": {"admin"},
    "auth.user_new": {"admin"},
    "auth.user_edit": {"admin"},
    "auth.user_deactivate": {"admin"},
    "auth.user_reset_password": {"admin"},
    "audit.index": {"admin"},
    "audit.access_log": {"admin"},
    "audit.export": {"admin"},
    "api_privacy.member_access_log": {"admin"},
    "privacy.notice": PUBLIC,
    "pwa.manifest": PUBLIC,  # the installable web app: no personal data
    "pwa.service_worker": PUBLIC,
    "privacy.person_report_page": {"admin"},
    "privacy.person_report_pdf": {"admin"},
    "api_people.person_report_api": {"admin"},
    "reports.mine": {"leader"},
    "reports.form": {"admin", "officer", "leader"},
    "reports.verify": {"admin", "officer"},
    "reports.group": ALL,
    "reports.discipline": STAFF,
    "reports.verify_many": {"admin", "officer"},
    "reports.entry_grid": {"admin", "officer"},
    "api_reports.put_report": {"admin", "officer", "leader"},
    "api_reports.list_reports": ALL,
    "api_reports.verify_report": {"admin", "officer"},
    "api_reports.verify_many": {"admin", "officer"},
    "monitoring.flags": STAFF,
    "monitoring.follow_up": {"admin", "officer"},
    "monitoring.group_follow_ups": STAFF,
    "monitoring.dashboard": STAFF,
    "overview.index": STAFF,
    "overview.pdf": STAFF,
    "overview.xlsx": STAFF,
    "monitoring.group_chart": ALL,  # a leader: their own group only (404 otherwise)
    "api_inbox.get_inbox": {"admin", "officer"},
    "api_monitoring.list_flags": ALL,  # a leader gets only their own group's flags
    "api_monitoring.group_trend": ALL,  # a leader: their own group only (404 otherwise)
    "api_cases.flag_history": STAFF,  # a group's flag cases and their follow-ups
    "ledger.grant_letters": ALL,  # a leader: their own group's letters only (404 otherwise)
    "ledger.grant_letter_pdf": ALL,  # likewise
    "ledger.letter_pdf": ALL,  # likewise
    "ledger.grant_letter_scan": {"admin"},
    "ledger.letter_replace": {"admin", "officer"},
    "ledger.letters_index": STAFF,
    "ledger.letters_export": {"admin", "officer"},
    "ledger.verify_letter": PUBLIC,
    "api_letters.get_grant_letter": ALL,  # a leader: their own group's letter only (404 otherwise)
    "api_letters.verify_letter": PUBLIC,
    "ledger.budgets": STAFF,
    "ledger.budget_new": {"admin", "officer"},
    "ledger.budget_revise": {"admin"},
    "ledger.grants": STAFF,
    "ledger.grant_new": {"admin", "officer"},
    "ledger.grant_detail": ALL,  # a leader: their own group's grants only (404 otherwise)
    "ledger.grant_submit": {"admin", "officer"},
    "ledger.grant_approve": {"admin", "officer"},
    "ledger.grant_handover": {"admin", "officer"},
    "ledger.grant_cancel": {"admin", "officer"},
    "ledger.trial_balance": STAFF,
    "ledger.trial_balance_export": STAFF,
    "ledger.account_statement": STAFF,
    "ledger.group_statement": ALL,  # a leader: their own group only (404 otherwise)
    "ledger.group_assets": ALL,  # likewise
    "ledger.asset_check": {"admin", "officer"},
    "ledger.photo": STAFF,  # photos of checks and handovers: never a leader or a visitor
    "ledger.equipment_register": STAFF,
    "ledger.equipment_register_export": STAFF,
}

#: Pages a leader may open only for their own group: the sample group is someone else's, so 404.
LEADER_OWN_GROUP_ONLY = {"groups.detail", "groups.edit", "groups.member_edit",
                         "reports.form", "reports.group",
                         "monitoring.group_chart", "api_monitoring.group_trend",
                         "ledger.group_statement", "ledger.group_assets"}

#: Values for URL arguments, filled in by the fixture.
SAMPLE_ARGS: dict = {}


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), endpoints ^ set(ACCESS)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        yield rule, method


def _request(client, rule, method, args, headers=None):
    url = rule.build({arg: args.get(arg, 1) for arg in rule.arguments}, append_unknown=False)[1]
    return client.open(url, method=method, headers=headers or {}, json={} if rule.rule.startswith("/api/") else None)


@pytest.mark.parametrize("role", ROLES + ("anonymous",))
def test_every_route_for_every_role(app, client, db, users, login, role):
    from tests.factories import make_group

    group = make_group(users["officer"], members=1)  # not the leader's group
    db.session.commit()
    args = {"user_id": users["viewer"].id, "code": "id", "group_id": group.id, "member_id": group.ketua.id,
            "to": "active"}
    headers = {}
    if role != "anonymous":
        login(users[role])
        headers = api_token(client, users[role])
    checked = 0
    for rule, method in _routes(app):
        allowed = ACCESS[rule.endpoint]
        is_api = rule.rule.startswith("/api/")
        response = _request(client, rule, method, args, headers if is_api else None)
        status = response.status_code
        if role == "leader" and rule.endpoint in LEADER_OWN_GROUP_ONLY:
            assert status == 404, (role, rule.rule, status)
        elif allowed == PUBLIC or (role != "anonymous" and role in allowed):
            assert status not in (401, 403), (role, rule.rule, status)
            if not is_api and rule.endpoint != "auth.logout":
                assert not response.headers.get("Location", "").startswith("/login"), (role, rule.rule)
        elif role == "anonymous":
            expected = 401 if is_api else 302
            assert status == expected, (role, rule.rule, status)
        else:
            assert status == 403, (role, rule.rule, status)
        checked += 1
        if rule.endpoint == "auth.logout" and role != "anonymous":
            login(users[role])  # logging out was the point of that route; log back in
        if rule.endpoint == "api_auth.revoke_token" and role != "anonymous":
            headers = api_token(client, users[role])  # likewise for revoking the token
    assert checked == len(ACCESS) - 1


def test_a_route_without_declared_access_is_denied(app, client, users, login):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    login(users["admin"])
    response = client.get("/forgotten")
    assert response.status_code == 403 and b"secret" not in response.data
