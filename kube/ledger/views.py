"""HTML pages for budgets, grants, the ledger reports and the equipment register.

Views parse the form, check the role (and, for leaders, that the group is their own) and call one
operation from `kube.ledger.operations` inside the transaction edge (`attempt`): a refused rule is
rolled back and shown on the form it came from, with nothing saved.
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kube.auth.models import User
from kube.auth.permissions import allowed, login_required
from kube.auth.roles import can_record_grants, can_record_history, can_revise_budgets, can_see_all_groups
from kube.core.clock import office_date, office_today
from kube.core.formatting import format_rupiah
from kube.core.pagination import ListPage, page_arg, paginate
from kube.core.transaction import attempt
from kube.extensions import csrf, db
from kube.groups import exporter
from kube.groups.access import get_group_or_404, visible_or_404
from kube.groups.labels import member_role
from kube.groups.models import Group, Member
from kube.groups.queries import RegionCatalogue
from kube.ledger import bp, history, labels, operations, photos, queries
from kube.ledger.forms import (
    MORE_ROWS, ApproveForm, AssetCheckForm, BudgetForm, BudgetRevisionForm, CancelGrantForm, ConfirmActionForm,
    GrantForm, HandoverForm, LetterScanForm,
)
from kube.ledger.labels import GRANT_STATUS_LABELS, PROGRAM_LABELS, condition_label
from kube.ledger.models import Account, Asset, Budget, Grant
from kube.ledger.photo_views import accept_photo_uploads, uploads

for _name, _filter in labels.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

#: Grant status reached -> the page that moves a grant there.
ACTION_ENDPOINTS = {
    "submitted": "ledger.grant_submit",
    "approved": "ledger.grant_approve",
    "handed_over": "ledger.grant_handover",
    "cancelled": "ledger.grant_cancel",
}


# -- helpers ----------------------------------------------------------------------------------

def _grant_or_404(grant_id: int, with_history: bool = False) -> Grant:
    """The grant with what its pages show; 404 when missing or not the current user's to see."""
    return visible_or_404(queries.load_grant(grant_id, with_history=with_history))


def _member_label(member: Member) -> str:
    return f"{member.name} ({member_role(member.role)})"


def group_panel(group: Group) -> dict:
    """Template values for the group page's ledger section (`ledger/_group_ledger.html`)."""
    return {"group_ledger": queries.group_ledger(group)}


# -- budgets ----------------------------------------------------------------------------------

@bp.route("/budgets")
@allowed(can_see_all_groups)
def budgets():
    """Budgets per program and year: pagu, committed, disbursed, remaining and funding source."""
    page = paginate(select(Budget).order_by(Budget.year.desc(), Budget.program))
    figures = operations.budget_figures(page.items)
    # Administrators record history before this day, so they are the ones told which day it is.
    go_live = history.go_live() if can_record_history(current_user) else None
    return render_template("ledger/budgets.html", page=page, figures=figures, go_live=go_live,
                           can_manage=can_record_grants(current_user), can_revise=can_revise_budgets(current_user))


@bp.route("/budgets/new", methods=["GET", "POST"])
@allowed(can_record_grants)
def budget_new():
    """Open a program's budget for a fiscal year (its appropriation is posted to the ledger)."""
    form = BudgetForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            budget = operations.create_budget(form.program.data, form.year.data, form.amount.data,
                                              form.source.data, current_user, note=form.note.data or "")
        if outcome.ok:
            flash(_("Anggaran %(p)s %(y)d dicatat: pagu %(a)s.", p=budget.program, y=budget.year,
                    a=format_rupiah(budget.amount)), "success")
            return redirect(url_for("ledger.budgets"))
    return render_template("ledger/budget_form.html", form=form)


@bp.route("/budgets/<int:budget_id>/revise", methods=["GET", "POST"])
@allowed(can_revise_budgets)
def budget_revise(budget_id: int):
    """Confirm and apply a new pagu with its reason; an amount below what is already used is refused."""
    budget = db.get_or_404(Budget, budget_id)
    form = BudgetRevisionForm()
    if request.method == "GET":
        form.amount.data = budget.amount
    refused_amount = None
    if form.validate_on_submit():
        old_amount = budget.amount
        with attempt(form) as outcome:
            operations.revise_budget(budget, form.amount.data, form.reason.data or "", current_user)
        if outcome.error:
            refused_amount = form.amount.data
        if outcome.ok:
            flash(_("Pagu %(p)s %(y)d diubah dari %(a)s menjadi %(b)s.", p=budget.program, y=budget.year,
                    a=format_rupiah(old_amount), b=format_rupiah(budget.amount)), "success")
            return redirect(url_for("ledger.budgets"))
    figures = operations.budget_figures([budget])[budget.id]
    return render_template("ledger/budget_revise.html", form=form, budget=budget, figures=figures,
                           refused_amount=refused_amount)


# -- grants -----------------------------------------------------------------------------------

@bp.route("/grants")
@allowed(can_see_all_groups)
def grants():
    """Grants with filters (program, year, status, kecamatan, group), totals per status and pagination."""
    filters = queries.GrantFilters.from_args(request.args, current_user)
    page = queries.paginate_grants(filters)
    totals = queries.grant_totals(filters)
    return render_template(
        "ledger/grants.html", page=page, filters=filters, totals=totals,
        total_count=sum(t.count for t in totals), total_amount=sum(t.amount for t in totals),
        regions=RegionCatalogue.load(), years=queries.budget_years(), statuses=GRANT_STATUS_LABELS,
        programs=PROGRAM_LABELS, can_manage=can_record_grants(current_user),
    )


def _chosen_group(form: GrantForm) -> tuple[Group | None, tuple[str, str] | None]:
    """The group named by its typed code or picked from the list, or (field, message) saying what is wrong."""
    code = (form.group_code.data or "").strip().upper()
    if code:
        group = db.session.scalar(select(Group).where(Group.code == code))
        if group is None:
            return None, ("group_code", _("Tidak ada kelompok dengan kode %(c)s.", c=code))
        if form.group_id.data and form.group_id.data != group.id:
            return None, ("group_code", _("Kode yang diketik berbeda dengan kelompok yang dipilih."))
        return group, None
    if form.group_id.data:
        group = db.session.get(Group, form.group_id.data)
        if group is not None:
            return group, None
        return None, ("group_id", _("Pilihan tidak valid."))
    return None, ("group_id", _("Pilih kelompok atau ketik kodenya."))


def _line_field_resolver(form: GrantForm, sources: list[str]):
    """Map `lines.N.field` from the ledger rules back to the row (or the cash amount) it came from."""
    def resolve(name: str):
        parts = name.split(".")
        if len(parts) != 3 or parts[0] != "lines" or not parts[1].isdigit() or int(parts[1]) >= len(sources):
            return None
        source, attribute = sources[int(parts[1])], parts[2]
        if source == "cash":
            return form.cash_amount if attribute == "unit_value" else None
        row = form.lines[int(source.split(":")[1])].form
        return getattr(row, attribute, None)
    return resolve


@bp.route("/grants/new", methods=["GET", "POST"])
@allowed(can_record_grants)
def grant_new():
    """Record a draft grant: equipment rows (empty ones ignored) and/or one cash amount."""
    form = GrantForm()
    years = queries.budget_years()
    form.year.choices = [(year, str(year)) for year in years]
    form.group_id.choices = [("", _("Pilih kelompok"))] + [
        (group.id, f"{group.code} · {group.name}") for group in queries.eligible_groups()
    ]
    if request.method == "GET":
        this_year = office_today().year
        form.year.data = this_year if this_year in years else (years[0] if years else None)
        group_arg = request.args.get("group_id", "")
        form.group_id.data = int(group_arg) if group_arg.isdigit() else None
        if request.args.get("program") in PROGRAM_LABELS:
            form.program.data = request.args["program"]
    group, group_problem = _chosen_group(form)
    if group is not None:
        form.group_id.data = group.id  # a typed code also selects the group in the list
    members = queries.recipient_choices(group) if group is not None else []
    form.member_id.choices = [("", _("Bukan UEP (bantuan kelompok)"))] + [(m.id, _member_label(m)) for m in members]

    if form.is_submitted() and (form.add_rows.data or form.show_members.data):
        # Buttons that only redraw the form (more rows, the chosen group's members) save nothing.
        for _row in range(MORE_ROWS if form.add_rows.data else 0):
            if len(form.lines) < form.lines.max_entries:
                form.lines.append_entry()
    elif form.validate_on_submit():
        if form.year.data is None:
            form.year.errors.append(_("Pilih tahun anggaran; bila kosong, buat anggarannya dulu."))
        elif group is None:
            field_name, message = group_problem
            form[field_name].errors.append(message)
        else:
            lines, sources = form.line_values()
            member = db.session.get(Member, form.member_id.data) if form.member_id.data else None
            with attempt(form, resolve=_line_field_resolver(form, sources)) as outcome:
                grant = operations.create_grant(form.program.data, form.year.data, group, lines, current_user,
                                                member=member, note=form.note.data or "")
            if outcome.ok:
                flash(_("Bantuan #%(id)d untuk %(g)s dicatat sebagai draf. Total: %(t)s.", id=grant.id,
                        g=group.code, t=format_rupiah(grant.total)), "success")
                return redirect(url_for("ledger.grant_detail", grant_id=grant.id))
    return render_template("ledger/grant_form.html", form=form, group=group, has_budgets=bool(years))


@bp.route("/grants/<int:grant_id>")
@login_required
def grant_detail(grant_id: int):
    """A grant: lines, total, status history, maker and approver, handover, letter number and actions."""
    grant = _grant_or_404(grant_id, with_history=True)
    actions = []
    # Maker-checker: the officer who recorded a grant is told another officer approves it, not offered a refusal.
    is_maker = grant.recorded_by_id == current_user.id
    if can_record_grants(current_user):
        actions = [(to, ACTION_ENDPOINTS[to]) for to in operations.GRANT_TRANSITIONS[grant.status]
                   if not (to == "approved" and is_maker)]
    entries = queries.grant_entries(grant) if can_see_all_groups(current_user) else []
    # A historical grant's letter is on paper; Kube has it only once a scan is uploaded.
    has_letter = bool(grant.letter_number) and (not grant.historical or history.has_letter(grant.id))
    # The letter pages belong to the letters feature; link to them only where that feature is installed.
    letter_links = None
    if has_letter and {"ledger.grant_letter_pdf", "ledger.grant_letters"} <= set(current_app.view_functions):
        letter_links = {"pdf": url_for("ledger.grant_letter_pdf", grant_id=grant.id),
                        "all": url_for("ledger.grant_letters", grant_id=grant.id)}
    scan_form = None
    if grant.historical and not has_letter and can_record_history(current_user) \
            and "ledger.grant_letter_scan" in current_app.view_functions:
        scan_form = LetterScanForm()
    # Photos are for the office only: a leader's view of their grant shows none.
    staff = can_see_all_groups(current_user)
    return render_template("ledger/grant_detail.html", grant=grant, actions=actions, entries=entries,
                           handover_photos=photos.handover_photos(grant.id) if staff else [],
                           check_photos=photos.grant_check_photos(grant.id) if staff else [],
                           awaits_other_approver=is_maker and grant.status == "submitted",
                           letter_links=letter_links, scan_form=scan_form,
                           scan_max_mb=history.SCAN_MAX_BYTES // (1024 * 1024),
                           # History keeps only the approval's day (office midnight); its UTC date is the day before.
                           approved_on=office_date(grant.approved_at) if grant.approved_at else None)


@bp.route("/grants/<int:grant_id>/submit", methods=["GET", "POST"])
@allowed(can_record_grants)
def grant_submit(grant_id: int):
    """Confirm, then send a draft grant for approval by another officer."""
    grant = _grant_or_404(grant_id)
    form = ConfirmActionForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.submit_grant(grant, current_user)
        if outcome.ok:
            flash(_("Bantuan #%(id)d diajukan untuk disetujui.", id=grant.id), "success")
            return redirect(url_for("ledger.grant_detail", grant_id=grant.id))
    return render_template("ledger/grant_confirm.html", form=form, grant=grant, to="submitted",
                           allowed="submitted" in operations.GRANT_TRANSITIONS[grant.status])


@bp.route("/grants/<int:grant_id>/approve", methods=["GET", "POST"])
@allowed(can_record_grants)
def grant_approve(grant_id: int):
    """Show the budget left, then approve (commit the money); maker-checker and budget refusals are shown."""
    grant = _grant_or_404(grant_id)
    form = ApproveForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.approve_grant(grant, current_user, override_reason=form.override_reason.data)
        if outcome.ok:
            flash(_("Bantuan #%(id)d disetujui; %(t)s terikat pada pagu %(p)s %(y)d.", id=grant.id,
                    t=format_rupiah(grant.total), p=grant.budget.program, y=grant.budget.year), "success")
            return redirect(url_for("ledger.grant_detail", grant_id=grant.id))
    figures = operations.budget_figures([grant.budget])[grant.budget_id]
    prior = operations.prior_grants(grant)
    recent = {other.id for other in operations.recent_grants(grant, office_today(), prior)}
    return render_template("ledger/grant_confirm.html", form=form, grant=grant, to="approved",
                           allowed="approved" in operations.GRANT_TRANSITIONS[grant.status], figures=figures,
                           is_maker=grant.recorded_by_id == current_user.id,
                           prior_grants=prior, recent_ids=recent,
                           recent_months=current_app.config["GRANT_RECENT_MONTHS"])


@bp.route("/grants/<int:grant_id>/handover", methods=["GET", "POST"])
@csrf.exempt  # checked by accept_photo_uploads, once the body limit is raised for the photos
@allowed(can_record_grants)
def grant_handover(grant_id: int):
    """Record the handover: date (today by default), the receiving member, the current user handing over,
    and its photos (dokumentasi penyerahan)."""
    accept_photo_uploads()
    grant = _grant_or_404(grant_id)
    members = queries.recipient_choices(grant.group)
    form = HandoverForm()
    form.received_by_member_id.choices = [("", _("Pilih penerima"))] + [(m.id, _member_label(m)) for m in members]
    if request.method == "GET":
        # The usual receiver (the UEP member, or the group's ketua); the ledger rules check it on save.
        ketua = next((m for m in members if m.role == "ketua"), None)
        form.received_by_member_id.data = grant.member_id if grant.program == "UEP" else (ketua.id if ketua else None)
    if form.validate_on_submit():
        receiver = db.session.get(Member, form.received_by_member_id.data) if form.received_by_member_id.data else None
        with attempt(form, resolve=lambda name: form.handover_date if name == "date" else None) as outcome:
            operations.handover_grant(grant, form.handover_date.data, receiver, current_user,
                                      photos=uploads(form.photos.data))
        if outcome.ok:
            flash(_("Serah terima bantuan #%(id)d dicatat; %(t)s masuk ke modal %(g)s.", id=grant.id,
                    t=format_rupiah(grant.total), g=grant.group.code), "success")
            return redirect(url_for("ledger.grant_detail", grant_id=grant.id))
    return render_template("ledger/grant_handover.html", form=form, grant=grant,
                           allowed="handed_over" in operations.GRANT_TRANSITIONS[grant.status])


@bp.route("/grants/<int:grant_id>/cancel", methods=["GET", "POST"])
@allowed(can_record_grants)
def grant_cancel(grant_id: int):
    """Cancel a grant not yet handed over, with a reason; an approved one gives its money back to the budget."""
    grant = _grant_or_404(grant_id)
    form = CancelGrantForm()
    if form.validate_on_submit():
        was_approved = grant.status == "approved"
        with attempt(form) as outcome:
            operations.cancel_grant(grant, form.reason.data or "", current_user)
        if outcome.ok:
            message = (_("Bantuan #%(id)d dibatalkan; %(t)s kembali ke sisa pagu.", id=grant.id,
                         t=format_rupiah(grant.total)) if was_approved
                       else _("Bantuan #%(id)d dibatalkan.", id=grant.id))
            flash(message, "success")
            return redirect(url_for("ledger.grant_detail", grant_id=grant.id))
    return render_template("ledger/grant_cancel.html", form=form, grant=grant,
                           allowed="cancelled" in operations.GRANT_TRANSITIONS[grant.status])


# -- ledger reports ---------------------------------------------------------------------------

@bp.route("/ledger/trial-balance")
@allowed(can_see_all_groups)
def trial_balance():
    """Every account in words with its debits, credits and balance over a period (`?from=&to=`), totals equal."""
    period = queries.LedgerPeriod.from_args(request.args, office_today())
    rows = [] if period.error else operations.trial_balance(period.start, period.end)
    debit, credit = sum(r["debit"] for r in rows), sum(r["credit"] for r in rows)
    return render_template("ledger/trial_balance.html", rows=rows, debit=debit, credit=credit,
                           balance=sum(r["balance"] for r in rows), period=period), 400 if period.error else 200


@bp.route("/ledger/trial-balance.<fmt>")
@allowed(can_see_all_groups)
def trial_balance_export(fmt: str):
    """The trial balance page's rows for the same period, as CSV or XLSX (every cell through kube.core.spreadsheet)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period = queries.LedgerPeriod.from_args(request.args, office_today())
    if period.error:
        return trial_balance()  # the page with its message (400), not a file
    headers, rows = queries.trial_balance_sheet(operations.trial_balance(period.start, period.end))
    filename = f"neraca-saldo-{period.start.isoformat() if period.start else 'awal'}-{period.end.isoformat()}.{fmt}"
    return sheet_download(fmt, headers, iter(rows), filename, _("Neraca saldo"))


def sheet_download(fmt: str, headers: list[str], rows, filename: str, title: str) -> Response:
    """Rows as a CSV (streamed as they are read, within the request's context) or XLSX attachment."""
    attachment = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(stream_with_context(exporter.csv_stream(headers, rows)),
                        content_type="text/csv; charset=utf-8", headers=attachment)
    return Response(exporter.xlsx_bytes(headers, rows, title),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers=attachment)


@bp.route("/ledger/accounts/<int:account_id>")
@allowed(can_see_all_groups)
def account_statement(account_id: int):
    """An account's entries in order with the running balance; reversals and reversed entries marked."""
    account = db.get_or_404(Account, account_id)
    rows = operations.account_statement(account)
    page = ListPage.of(rows, page_arg(), current_app.config["PER_PAGE"])
    first = page.items[0] if page.items else None
    opening = first["balance"] - first["debit"] + first["credit"] if first else 0
    reversed_by = queries.reversed_by([row["entry"].id for row in page.items])
    return render_template("ledger/account_statement.html", account=account, page=page, opening=opening,
                           reversed_by=reversed_by, closing=rows[-1]["balance"] if rows else 0)


# -- a group's capital and equipment ----------------------------------------------------------

@bp.route("/groups/<int:group_id>/capital")
@login_required
def group_statement(group_id: int):
    """What a group received, when, under which letter, in equipment and cash; and its grants."""
    group = get_group_or_404(group_id)
    return render_template("ledger/group_statement.html", group=group, group_ledger=queries.group_ledger(group))


@bp.route("/groups/<int:group_id>/equipment")
@login_required
def group_assets(group_id: int):
    """The group's equipment register with each item's last check."""
    group = get_group_or_404(group_id)
    assets = queries.group_assets(group)
    # Each item's latest check's photos, for the office only (a leader sees the register without them).
    check_photos = photos.photos_of_checks([row.last_check.id for row in assets if row.last_check]) \
        if can_see_all_groups(current_user) else {}
    return render_template("ledger/group_assets.html", group=group, assets=assets, check_photos=check_photos)


@bp.route("/equipment/<int:asset_id>/checks/new", methods=["GET", "POST"])
@csrf.exempt  # checked by accept_photo_uploads, once the body limit is raised for the photos
@allowed(can_record_grants)
def asset_check(asset_id: int):
    """Record a monitoring visit's finding about one piece of equipment, with photos; earlier checks are listed."""
    accept_photo_uploads()
    asset = db.session.get(Asset, asset_id, options=[joinedload(Asset.grant), selectinload(Asset.checks)])
    if asset is None:
        abort(404)
    group = db.session.get(Group, asset.group_id)
    form = AssetCheckForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.record_asset_check(asset, form.checked_on.data, form.condition.data, form.note.data or "",
                                          current_user, photos=uploads(form.photos.data))
        if outcome.ok:
            flash(_("Pemeriksaan %(i)s dicatat: %(c)s.", i=asset.item, c=condition_label(form.condition.data)),
                  "success")
            return redirect(url_for("ledger.group_assets", group_id=asset.group_id))
    officer_ids = {check.officer_id for check in asset.checks if check.officer_id}
    officers = dict(db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(officer_ids))
    ).all()) if officer_ids else {}
    return render_template("ledger/asset_check.html", form=form, asset=asset, group=group, officers=officers,
                           check_photos=photos.photos_of_checks([check.id for check in asset.checks]))
