"""API: budgets, grants and their transitions, the trial balance, a group's capital statement and equipment.

Views are thin: they parse, check access, call one ledger operation and serialise. Views
that create grants or move money are wrapped in `idempotent`, the transaction edge that also
honours an optional Idempotency-Key header; they never commit themselves.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import RAISE
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from kube.api.access import ApiBlueprint, api_access, current_actor, error_documenter
from kube.api.paging import PAGINATION_HEADER, one_page, pagination_header
from kube.api.idempotency import idempotent
from kube.api.ledger_schemas import (
    ApproveSchema,
    AssetCheckCreateSchema,
    AssetCheckSchema,
    AssetSchema,
    BudgetCreateSchema,
    BudgetListArgsSchema,
    BudgetSchema,
    CancelSchema,
    GrantCreateSchema,
    GrantDetailSchema,
    GrantListArgsSchema,
    GrantSchema,
    HandoverSchema,
    StatementSchema,
    TrialBalanceSchema,
)
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_log_in, can_record_grants, can_see_all_groups
from kube.core.errors import ValidationFailed
from kube.extensions import db
from kube.groups.access import get_group_or_404, visible_or_404
from kube.groups.models import Group, Member
from kube.ledger import operations
from kube.ledger.access import visible_grant
from kube.ledger.models import Asset, Budget, Grant
from kube.ledger.queries import GrantFilters, filtered_grants

blp = ApiBlueprint("api_ledger", __name__, url_prefix="/api/v1", description="Budgets, grants and the ledger")

_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON body",
    403: "Role not allowed",
    404: "No such grant or group, or (for a leader) not their own group's",
    409: "Refused: the grant's status does not allow it (invalid_transition)",
}
_INVALID_FIELDS = "validation_error: invalid fields, one message list per field (lines.0.unit_value for a line)"


_errors = error_documenter(blp, _ERROR_DESCRIPTIONS)



# -- lookups: path ids are 404, body ids are field errors --------------------------------------

def _locked_grant(grant_id: int) -> Grant:
    """The grant to change, or 404 when it does not exist or (for a leader) belongs to another group.

    The row is locked first and read fresh, so two officers acting on the same grant at once are
    serialised and the second sees the status the first left.
    """
    query = select(Grant).where(Grant.id == grant_id).with_for_update().execution_options(populate_existing=True)
    return visible_or_404(db.session.scalar(query))


def named_or_422(model, object_id: int | None, field: str, message: str):
    """The object a request body names by id, or a 422 on that field."""
    if object_id is None:
        return None
    found = db.session.get(model, object_id)
    if found is None:
        raise ValidationFailed(message, fields={field: [message]})
    return found


# -- budgets ----------------------------------------------------------------------------------

def _budget_rows(budgets: list[Budget]) -> list[dict]:
    figures = operations.budget_figures(budgets)
    return [{"id": budget.id, "program": budget.program, "year": budget.year, "amount": budget.amount,
             "source": budget.source, "committed": figures[budget.id].committed,
             "disbursed": figures[budget.id].disbursed, "remaining": figures[budget.id].remaining}
            for budget in budgets]


@blp.route("/budgets", methods=["GET"])
@api_access(blp, can_see_all_groups)
@blp.arguments(BudgetListArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, BudgetSchema(many=True), headers={"X-Pagination": PAGINATION_HEADER},
              description="Budgets, newest year first. Page metadata in X-Pagination.")
@blp.alt_response(422, schema=ApiErrorSchema, description=_INVALID_FIELDS)
def list_budgets(args):
    """List budgets with committed, disbursed and remaining amounts, filtered by program or year."""
    conditions = []
    if args.get("program"):
        conditions.append(Budget.program == args["program"])
    if args.get("year"):
        conditions.append(Budget.year == args["year"])
    total = db.session.scalar(select(func.count(Budget.id)).where(*conditions))
    budgets = db.session.scalars(
        one_page(select(Budget).where(*conditions).order_by(Budget.year.desc(), Budget.program), args)
    ).all()
    return _budget_rows(list(budgets)), pagination_header(blp, args, total)


@blp.route("/budgets", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS)
@blp.arguments(BudgetCreateSchema)
@blp.response(201, BudgetSchema)
@_errors(400, 409, e409="conflict: a budget for this program and year already exists")
def create_budget(values):
    """Open a program's budget (pagu) for a fiscal year; its appropriation is posted to the ledger."""
    budget = operations.create_budget(values["program"], values["year"], values["amount"], values["source"],
                                      current_actor(), note=values["note"])
    return _budget_rows([budget])[0]


# -- grants -----------------------------------------------------------------------------------

@blp.route("/grants", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(GrantListArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, GrantSchema(many=True), headers={"X-Pagination": PAGINATION_HEADER},
              description="Grants by id; a leader sees only their own group's. Page metadata in X-Pagination.")
@blp.alt_response(422, schema=ApiErrorSchema, description=_INVALID_FIELDS)
def list_grants(args):
    """List grants (paginated with `page` and `per_page`), filtered as on the grant page, or by group."""
    filters = GrantFilters(viewer=current_user, program=args.get("program", ""), year=args.get("year"),
                           status=args.get("status", ""), kecamatan=args.get("kecamatan", ""),
                           group_id=args.get("group_id"), q=args.get("q", "").strip())
    total = db.session.scalar(filtered_grants(filters, func.count(Grant.id)))
    grants = db.session.scalars(one_page(
        filtered_grants(filters).options(contains_eager(Grant.budget), selectinload(Grant.lines)).order_by(Grant.id),
        args))
    return grants.all(), pagination_header(blp, args, total)


@blp.route("/grants", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS)
@blp.arguments(GrantCreateSchema)
@blp.response(201, GrantSchema, description="The draft grant")
@_errors(400, 409, e409="invalid_transition: the group's status does not allow a new grant")
def create_grant(values):
    """Record a draft grant to a group (KUBE) or one of its members (UEP), with equipment and/or cash lines."""
    group = named_or_422(Group, values["group_id"], "group_id", _("Kelompok tidak ditemukan."))
    member = named_or_422(Member, values["member_id"], "member_id", _("Anggota tidak ditemukan."))
    return operations.create_grant(values["program"], values["year"], group, values["lines"], current_actor(),
                                   member=member, note=values["note"])


@blp.route("/grants/<int:grant_id>", methods=["GET"])
@api_access(blp, can_log_in)
@blp.response(200, GrantDetailSchema)
@_errors(404)
def get_grant(grant_id):
    """One grant with the recipient's other grants (a leader sees only their own group's)."""
    grant = visible_grant(grant_id)
    prior = operations.prior_grants(grant)
    if not can_see_all_groups(current_actor()):  # other groups' grants (same KK) are the office's to see
        prior = [other for other in prior if other.group_id == grant.group_id]
    grant.prior_grants = prior  # read by GrantDetailSchema; not a mapped column
    return grant


@blp.route("/grants/<int:grant_id>/submit", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp)
@blp.response(200, GrantSchema)
@_errors(404, 409)
def submit_grant(grant_id):
    """Send a draft grant for approval by another officer."""
    return operations.submit_grant(_locked_grant(grant_id), current_actor())


@blp.route("/grants/<int:grant_id>/approve", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS + "; override_reason shorter than 10 characters")
@blp.arguments(ApproveSchema, required=False)
@blp.response(200, GrantSchema, description="Approved: the budget is committed")
@_errors(400, 403, 404, 409,
         e403="forbidden: the officer who recorded the grant may not approve it (maker-checker), or role not allowed",
         e409="budget_exceeded: the budget's remaining amount is smaller than the grant; recent_grant: the group, "
              "UEP member or KK had another grant within 12 months and no override_reason was given; or "
              "invalid_transition: not submitted, or the group is not active")
def approve_grant(values, grant_id):
    """Approve a submitted grant: another officer than its maker, an active group, enough budget left."""
    return operations.approve_grant(_locked_grant(grant_id), current_actor(),
                                    override_reason=values.get("override_reason"))


@blp.route("/grants/<int:grant_id>/handover", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS + "; received_by_member_id must be the ketua (KUBE) or the UEP member")
@blp.arguments(HandoverSchema)
@blp.response(200, GrantSchema, description="Handed over: disbursed into the recipient's accounts")
@_errors(400, 404, 409, e409="invalid_transition: not approved, or the group is not active")
def handover_grant(values, grant_id):
    """Hand over an approved grant to the group's ketua (or the UEP member); equipment enters the register."""
    grant = _locked_grant(grant_id)
    receiver = named_or_422(Member, values["received_by_member_id"], "received_by_member_id",
                      _("Anggota tidak ditemukan."))
    return operations.handover_grant(grant, values["date"], receiver, current_actor())


@blp.route("/grants/<int:grant_id>/cancel", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS)
@blp.arguments(CancelSchema)
@blp.response(200, GrantSchema, description="Cancelled; an approved grant's commitment is released")
@_errors(400, 404, 409, e409="invalid_transition: already handed over or cancelled")
def cancel_grant(values, grant_id):
    """Cancel a grant that has not been handed over; an approved one releases its commitment."""
    return operations.cancel_grant(_locked_grant(grant_id), values["reason"], current_actor())


# -- ledger reports ---------------------------------------------------------------------------

@blp.route("/ledger/trial-balance", methods=["GET"])
@api_access(blp, can_see_all_groups)
@blp.response(200, TrialBalanceSchema)
def trial_balance():
    """Every ledger account with its debit and credit totals and balance."""
    rows = operations.trial_balance()
    accounts = [{"code": row["account"].code, "name": row["account"].name, "kind": row["account"].kind,
                 "debit": row["debit"], "credit": row["credit"], "balance": row["balance"]} for row in rows]
    return {"accounts": accounts, "debit_total": sum(row["debit"] for row in rows),
            "credit_total": sum(row["credit"] for row in rows)}


@blp.route("/groups/<int:group_id>/statement", methods=["GET"])
@api_access(blp, can_log_in)
@blp.response(200, StatementSchema)
@_errors(404)
def group_statement(group_id):
    """What a group and its UEP members received: date, grant, letter, equipment and cash; a leader's own only."""
    group = get_group_or_404(group_id)
    rows = []
    for row in operations.group_capital_statement(group):
        entry, grant = row["entry"], row["grant"]
        rows.append({"entry_id": entry.id, "date": entry.entry_date, "kind": entry.kind,
                     "description": entry.description, "grant_id": grant.id if grant else None,
                     "program": grant.program if grant else None, "member_id": grant.member_id if grant else None,
                     "letter_number": grant.letter_number if grant else None,
                     "equipment": row["equipment"], "cash": row["cash"]})
    equipment, cash = sum(row["equipment"] for row in rows), sum(row["cash"] for row in rows)
    return {"group_id": group.id, "rows": rows, "equipment_total": equipment, "cash_total": cash,
            "total": equipment + cash}


# -- equipment register -----------------------------------------------------------------------

@blp.route("/groups/<int:group_id>/assets/checks", methods=["GET"])
@api_access(blp, can_log_in)
@blp.response(200, AssetSchema(many=True), description="The group's equipment by id, each with its checks")
@_errors(404)
def list_asset_checks(group_id):
    """A group's equipment with the grant and letter it came with and every condition check; a leader's own only."""
    group = get_group_or_404(group_id)
    return db.session.scalars(
        select(Asset).where(Asset.group_id == group.id).order_by(Asset.id)
        .options(joinedload(Asset.grant), selectinload(Asset.checks))
    ).all()


@blp.route("/groups/<int:group_id>/assets/checks", methods=["POST"])
@api_access(blp, can_record_grants)
@idempotent(blp, also_422=_INVALID_FIELDS + "; asset_id must be one of this group's assets")
@blp.arguments(AssetCheckCreateSchema)
@blp.response(201, AssetCheckSchema)
@_errors(400, 404)
def create_asset_check(values, group_id):
    """Record a monitoring visit's finding (baik, rusak, hilang, dijual) about one of the group's assets."""
    group = get_group_or_404(group_id)
    message = _("Barang tidak ditemukan di kelompok ini.")
    asset = named_or_422(Asset, values["asset_id"], "asset_id", message)
    if asset.group_id != group.id:
        raise ValidationFailed(message, fields={"asset_id": [message]})
    return operations.record_asset_check(asset, values["checked_on"], values["condition"], values["note"], current_actor())
