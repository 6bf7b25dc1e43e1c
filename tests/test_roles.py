"""Who may do what, said once in kube.auth.roles and read the same way by routes, operations, templates and the menu."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin, login_user

from kube.auth import roles
from kube.extensions import db as _db
from kube.groups.models import Group
from kube.navigation import nav_items

#: The intended matrix; a change of who may do what must be made here and in kube.auth.roles together.
EXPECTED = {
    "can_log_in": {"admin", "officer", "leader", "viewer"},
    "can_see_all_groups": {"admin", "officer", "viewer"},
    "can_see_full_nik": {"admin", "officer"},
    "can_manage_groups": {"admin", "officer"},
    "can_edit_group_details": {"admin", "officer", "leader"},
    "can_verify_reports": {"admin", "officer"},
    "can_use_leader_pages": {"leader"},
    "can_report": {"admin", "officer", "leader"},
    "can_record_grants": {"admin", "officer"},
    "can_approve_grants": {"admin", "officer"},
    "can_revise_budgets": {"admin"},
    "can_correct_letters": {"admin", "officer"},
    "can_follow_up_flags": {"admin", "officer"},
    "can_use_inbox": {"admin", "officer"},
    "can_import_members": {"admin", "officer"},
    "can_manage_users": {"admin"},
    "can_read_audit_log": {"admin"},
    "can_record_history": {"admin"},
}


def person(role: str, group_id: int | None = None):
    return SimpleNamespace(role=role, group_id=group_id, is_authenticated=True)


def test_every_capability_is_held_by_exactly_the_intended_roles():
    capabilities = roles.capabilities()
    assert set(capabilities) == set(EXPECTED)
    for name, holders in EXPECTED.items():
        assert {role for role in roles.ROLES if capabilities[name](person(role))} == holders, name


def test_nobody_who_is_not_logged_in_holds_anything():
    anonymous = AnonymousUserMixin()
    assert not any(capability(anonymous) for capability in roles.capabilities().values())
    assert not any(capability(None) for capability in roles.capabilities().values())
    assert not roles.can_see_group(anonymous, 1) and not roles.can_see_group(None, 1)


@pytest.mark.parametrize("role, group_id, sees_7, sees_8", [
    ("admin", None, True, True), ("officer", None, True, True), ("viewer", None, True, True),
    ("leader", 7, True, False), ("leader", None, False, False),
])
def test_a_leader_sees_only_their_own_group(role, group_id, sees_7, sees_8):
    user = person(role, group_id)
    assert (roles.can_see_group(user, 7), roles.can_see_group(user, 8)) == (sees_7, sees_8)
    assert not roles.can_see_group(user, None) or role != "leader"


def test_the_list_form_of_the_rule_selects_the_same_groups(app, db, users):
    from sqlalchemy import select

    from tests.factories import make_group, make_user

    own, other = make_group(users["officer"]), make_group(users["officer"])
    leader, unlinked = make_user("leader", group_id=own.id), make_user("leader")
    db.session.commit()
    for user in (users["admin"], users["viewer"], leader, unlinked):
        listed = set(_db.session.scalars(select(Group.id).where(roles.visible_groups(user, Group.id))))
        assert listed == {g.id for g in (own, other) if roles.can_see_group(user, g.id)}


def test_reporting_for_a_group_needs_the_capability_and_for_a_leader_their_own_group():
    assert roles.can_report_for(person("officer"), 9) and roles.can_report_for(person("leader", 9), 9)
    assert not roles.can_report_for(person("leader", 9), 8) and not roles.can_report_for(person("viewer"), 9)


@pytest.mark.parametrize("role, expected", [
    ("leader", {"/", "/groups", "/reports"}),
    ("viewer", {"/", "/monitoring/dashboard", "/overview", "/groups", "/members", "/reports/discipline", "/monitoring/flags",
                "/grants", "/equipment", "/budgets", "/ledger/trial-balance", "/letters"}),
])
def test_the_menu_shows_what_the_capabilities_open(app, users, role, expected):
    with app.test_request_context("/"):
        login_user(users[role])
        assert {item["url"] for item in nav_items()} == expected
    with app.test_request_context("/"):
        login_user(users["admin"])
        assert {"/admin/users", "/admin/audit/"} <= {item["url"] for item in nav_items()}
