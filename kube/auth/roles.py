"""Roles and what each may do: the one place that says who may do what.

Routes declare a capability (`@allowed(can_verify_reports)`), operations check the actor they
are given against the same capability, and templates ask `can_verify_reports(current_user)`,
so a change of who may do something is made here once. The object rule "a leader sees only
their own group" is `can_see_group` (one object) and `visible_groups` (a WHERE clause for lists).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import true

ADMIN, OFFICER, LEADER, VIEWER = "admin", "officer", "leader", "viewer"
ROLES = (ADMIN, OFFICER, LEADER, VIEWER)
#: Roles that see every group: administrators, program officers and read-only viewers.
STAFF = (ADMIN, OFFICER, VIEWER)
#: Roles that change things: register groups and members, record grants and follow-ups, verify reports.
EDITORS = (ADMIN, OFFICER)
#: Roles that run the system itself: accounts, the audit log, budget revisions.
ADMINS = (ADMIN,)


@dataclass(frozen=True)
class Capability:
    """A named permission and the roles holding it; calling it with a user says whether they hold it."""

    name: str
    roles: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown or not self.roles:
            raise ValueError(f"capability {self.name}: unknown roles {unknown}")

    def __call__(self, user) -> bool:
        """Whether `user` (a User, Flask-Login's anonymous user or None) holds this capability."""
        return bool(getattr(user, "is_authenticated", False) and user.role in self.roles)


#: Any logged-in user, whatever the role.
can_log_in = Capability("log_in", ROLES)
can_see_all_groups = Capability("see_all_groups", STAFF)
#: Full NIK and No. KK; everyone else sees them masked.
can_see_full_nik = Capability("see_full_nik", EDITORS)
can_manage_groups = Capability("manage_groups", EDITORS)
#: Change a group's details and its members' contact details (a leader: their own group, fewer fields).
can_edit_group_details = Capability("edit_group_details", (ADMIN, OFFICER, LEADER))
#: Enter or correct any group's report (for a leader: on their behalf), and verify reports.
can_verify_reports = Capability("verify_reports", EDITORS)
#: The leader's own pages: their group's monthly reports.
can_use_leader_pages = Capability("use_leader_pages", (LEADER,))
#: A leader reports for their own group only (see `can_report_for`).
can_report = Capability("report", (ADMIN, OFFICER, LEADER))
can_record_grants = Capability("record_grants", EDITORS)
#: Approval also needs another officer than the grant's maker (the ledger's rule).
can_approve_grants = Capability("approve_grants", EDITORS)
can_revise_budgets = Capability("revise_budgets", ADMINS)
#: Record grants handed over before go-live from the archive, and attach scans of their paper letters.
can_record_history = Capability("record_history", ADMINS)
can_correct_letters = Capability("correct_letters", EDITORS)
can_follow_up_flags = Capability("follow_up_flags", EDITORS)
#: The work inbox: grants to approve and hand over, reports to verify, missing reports, flags, equipment checks.
can_use_inbox = Capability("use_inbox", EDITORS)
can_import_members = Capability("import_members", EDITORS)
can_manage_users = Capability("manage_users", ADMINS)
can_read_audit_log = Capability("read_audit_log", ADMINS)


def own_group_id(user) -> int | None:
    """The only group `user` may see (-1 when a leader has none yet), or None when they see every group."""
    if can_see_all_groups(user):
        return None
    return getattr(user, "group_id", None) or -1


def can_see_group(user, group_id: int | None) -> bool:
    """Staff see every group; a leader only their own: the rule for pages, API, letters and exports."""
    only = own_group_id(user)
    return only is None or (group_id is not None and group_id == only)


def visible_groups(user, group_id_column):
    """A WHERE clause limiting `group_id_column` to the groups `user` may see (the list form of `can_see_group`)."""
    only = own_group_id(user)
    return true() if only is None else group_id_column == only


def can_report_for(user, group_id: int) -> bool:
    """Whether `user` may enter or correct this group's monthly reports: editors, or the group's own leader."""
    return can_verify_reports(user) or (can_report(user) and getattr(user, "group_id", None) == group_id)


def capabilities() -> dict[str, Capability]:
    """Every capability by its Python name, for templates (`can_verify_reports(current_user)`)."""
    return {name: value for name, value in globals().items() if isinstance(value, Capability)}
