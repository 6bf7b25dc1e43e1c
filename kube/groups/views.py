"""HTML pages for groups and members (list, detail, forms, transitions, member search)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kube.audit.operations import record_access
from kube.auth.models import User
from kube.auth.permissions import allowed, login_required
from kube.auth.roles import (
    LEADER, OFFICER, can_edit_group_details, can_manage_groups, can_see_all_groups, can_see_full_nik,
    can_use_leader_pages,
)
from kube.auth.forms import ConfirmForm
from kube.core.errors import DomainError, NeedsConfirmation, NotFound
from kube.core.pagination import paginate
from kube.core.transaction import attempt, committed_after_response
from kube.extensions import db
from kube.groups import bp, labels, operations
from kube.groups.access import get_group_or_404, get_member_or_404
from kube.groups.forms import (
    GroupContactForm, GroupForm, LeaderAccountForm, LeaveForm, MemberContactForm, MemberForm, NewMemberForm,
    TransitionForm,
)
from kube.groups.labels import STATUS_LABELS, TRANSITION_ACTIONS, business_type_labels
from kube.groups.models import GROUP_STATUSES, Group, GroupStatusChange, Member, Region
from kube.groups.queries import (
    GroupFilters, MemberFilters, RegionCatalogue, member_search_query, officer_choices,
    paginate_groups,
)
from kube.ledger.views import group_panel as ledger_panel
from kube.monitoring.views import group_panel as monitoring_panel
from kube.reports.views import group_panel as reports_panel

for _name, _filter in labels.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


# -- the list ---------------------------------------------------------------------------------

@bp.route("/groups")
@login_required
def index():
    """Groups with search, filters, sorting and pagination; a leader is sent to their own group."""
    if can_use_leader_pages(current_user):
        if current_user.group_id:
            return redirect(url_for("groups.detail", group_id=current_user.group_id))
        flash(_("Akun Anda belum dihubungkan ke kelompok. Hubungi petugas Dinas Sosial."), "warning")
        return redirect(url_for("main.index"))
    business_types = business_type_labels()
    filters = GroupFilters.from_args(request.args, current_user, business_types)
    regions = RegionCatalogue.load()
    officers = officer_choices()
    page = paginate_groups(filters)

    def sort_url(key: str) -> str:
        args = request.args.to_dict()
        args.pop("page", None)
        args["sort"] = f"-{key}" if filters.sort == key and not filters.descending else key
        return url_for("groups.index", **args)

    return render_template(
        "groups/index.html", page=page, filters=filters, regions=regions, officers=officers,
        business_types=business_types, statuses=STATUS_LABELS, sort_url=sort_url,
        can_manage=can_manage_groups(current_user),
        export_available="groups.export_groups" in current_app.view_functions,
        export_args={k: v for k, v in request.args.items() if k not in ("page", "fmt")},
    )


# -- one group --------------------------------------------------------------------------------

@bp.route("/groups/<int:group_id>")
@login_required
def detail(group_id: int):
    """A group's facts, members (current and former), status history, leader logins and next steps.

    The group's own leader gets a page of their own (`_leader_view`).
    """
    get_group_or_404(group_id)  # the access rule, before anything is shown
    if can_use_leader_pages(current_user):
        return _leader_view(group_id)
    group = db.session.get(Group, group_id, populate_existing=True, options=[
        joinedload(Group.kelurahan),
        joinedload(Group.officer),
        selectinload(Group.members).joinedload(Member.kelurahan),
        selectinload(Group.status_changes).joinedload(GroupStatusChange.user),
    ])
    kecamatan = db.session.get(Region, group.kelurahan.parent_code)
    leaders = db.session.scalars(
        select(User).where(User.group_id == group.id, User.role == LEADER).order_by(User.username)
    ).all()
    current = group.current_members
    former = sorted((m for m in group.members if m.left_on is not None), key=lambda m: (m.left_on, m.id))
    can_manage = can_manage_groups(current_user)
    transitions = operations.allowed_transitions(group) if can_manage else ()
    full_nik = can_see_full_nik(current_user)
    if full_nik and group.members:
        shown = [member.id for member in group.members]
        committed_after_response(lambda: record_access("group_page", actor=current_user, member_ids=shown))
    return render_template(
        "groups/detail.html", group=group, kecamatan=kecamatan, leaders=leaders, current=current, former=former,
        transitions=transitions, transition_actions=TRANSITION_ACTIONS, can_manage=can_manage,
        can_edit_members=group.status in operations.OPEN_STATUSES,
        full_nik=full_nik, monitoring=monitoring_panel(group),
        **reports_panel(group), **ledger_panel(group),
    )


def _leader_view(group_id: int):
    """The leader's view of their own group: its facts and its members' names and roles, nothing more.

    No welfare labels (desil, miskin ekstrem), no NIK or No. KK (not even masked), no status history
    and no links to change what the office keeps (name, kelurahan, formed date, bank account, officer):
    a leader sees their neighbours here, and none of it is theirs to judge or to change.
    """
    group = db.session.get(Group, group_id, populate_existing=True, options=[
        joinedload(Group.kelurahan), joinedload(Group.officer), selectinload(Group.members),
    ])
    kecamatan = db.session.get(Region, group.kelurahan.parent_code)
    return render_template("groups/leader_view.html", group=group, kecamatan=kecamatan,
                           current=group.current_members,
                           can_edit_members=group.status in operations.OPEN_STATUSES)


def _refuse_office_fields(fields: tuple[str, ...], leader_fields: tuple[str, ...]) -> None:
    """403 when a leader posts a field only the office changes (their own form never sends one).

    The same refusal as the API's: what oversees the group or identifies a member is not its leader's.
    """
    if request.method == "POST" and not can_manage_groups(current_user) and \
            (set(request.form) & set(fields)) - set(leader_fields):
        abort(403)


def _group_form_choices(form, officer_id: int | None = None) -> None:
    if "business_type" not in form:  # a leader's form holds the address only
        return
    form.business_type.choices = list(business_type_labels().items())
    form.kelurahan_code.choices = {"": [("", _("Pilih kelurahan"))], **RegionCatalogue.load().kelurahan_choices()}
    form.officer_id.choices = [("", _("Belum ditentukan"))] + [
        (user.id, user.full_name if user.active else _("%(n)s (nonaktif)", n=user.full_name))
        for user in officer_choices(include_id=officer_id)
    ]


def _group_values(form: GroupForm) -> dict:
    values = {name: form[name].data for name in operations.GROUP_FIELDS if name in form}
    for name in ("bank_name", "bank_account"):
        if name in values:
            values[name] = (values[name] or "").strip() or None
    return values


@bp.route("/groups/new", methods=["GET", "POST"])
@allowed(can_manage_groups)
def new():
    """Register a group (status `proposed`)."""
    form = GroupForm()
    _group_form_choices(form)
    if request.method == "GET" and current_user.role == OFFICER:
        form.officer_id.data = current_user.id
    if form.validate_on_submit():
        with attempt(form) as outcome:
            group = operations.create_group(_group_values(form), current_user)
        if outcome.ok:
            flash(_("Kelompok %(c)s (%(n)s) didaftarkan.", c=group.code, n=group.name), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/form.html", form=form, group=None)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@allowed(can_edit_group_details)
def edit(group_id: int):
    """Change a group's details; a leader may change their own group's address only."""
    group = get_group_or_404(group_id)
    _refuse_office_fields(operations.GROUP_FIELDS, operations.LEADER_GROUP_FIELDS)
    form = (GroupForm if can_manage_groups(current_user) else GroupContactForm)(obj=group)
    _group_form_choices(form, officer_id=group.officer_id)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.update_group(group, _group_values(form), current_user)
        if outcome.ok:
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/form.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/status/<to>", methods=["GET", "POST"])
@allowed(can_manage_groups)
def transition(group_id: int, to: str):
    """Confirm and apply a status change; a refused change is shown and nothing is saved."""
    if to not in GROUP_STATUSES:
        abort(404)
    group = get_group_or_404(group_id)
    form = TransitionForm()
    if form.validate_on_submit():
        before = group.status
        with attempt(form) as outcome:
            operations.transition_group(group, to, current_user, note=form.note.data or "")
        if outcome.ok:
            flash(_("Status %(c)s diubah dari %(a)s menjadi %(b)s.", c=group.code, a=STATUS_LABELS[before],
                    b=STATUS_LABELS[to]), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    allowed = to in operations.allowed_transitions(group)
    # Shown before the officer confirms, so a group that cannot be activated says why up front.
    problems = operations.activation_problems(group) if allowed and to == "active" else []
    return render_template(
        "groups/transition.html", form=form, group=group, to=to, allowed=allowed, problems=problems,
        action=TRANSITION_ACTIONS.get(to, STATUS_LABELS[to]),
    )


@bp.route("/groups/<int:group_id>/leader", methods=["GET", "POST"])
@allowed(can_manage_groups)
def leader_new(group_id: int):
    """Create the login of the group's leader (ketua)."""
    group = get_group_or_404(group_id)
    form = LeaderAccountForm()
    if request.method == "GET" and group.ketua is not None:
        form.full_name.data = group.ketua.name
    if form.validate_on_submit():
        with attempt(form) as outcome:
            user = operations.create_leader_account(group, form.username.data, form.full_name.data,
                                                    form.password.data, current_user)
        if outcome.ok:
            flash(_("Akun ketua %(u)s dibuat untuk %(c)s.", u=user.username, c=group.code), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/leader_form.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/leaders/<int:user_id>/sign-out", methods=["GET", "POST"])
@allowed(can_manage_groups)
def leader_sign_out(group_id: int, user_id: int):
    """After confirmation, end a leader's logins on every phone; they log in again with their password."""
    group = get_group_or_404(group_id)
    try:
        leader = operations.group_leader_or_404(group, user_id)
    except NotFound:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt() as outcome:
            operations.sign_out_leader(group, leader, current_user)
        if outcome.ok:
            flash(_("%(u)s dikeluarkan dari semua HP; ketua masuk lagi dengan kata sandinya.", u=leader.username),
                  "success")
        return redirect(url_for("groups.detail", group_id=group.id))
    return render_template(
        "confirm.html", form=form, title=_("Keluarkan akun ketua dari semua HP"),
        question=_("Keluarkan %(u)s (%(n)s) dari semua HP dan browser, termasuk yang diingat selama 60 hari? "
                   "Pakai ini bila HP ketua hilang atau dipakai orang lain.", u=leader.username, n=leader.full_name),
        cancel_url=url_for("groups.detail", group_id=group.id),
    )


# -- members ----------------------------------------------------------------------------------

def _member_values(form) -> dict:
    values = {name: form[name].data for name in operations.MEMBER_FIELDS if name in form}
    if "phone" in values:
        values["phone"] = (values["phone"] or "").strip() or None
    for name in ("nik", "kk", "name", "address"):
        if name in values:
            values[name] = (values[name] or "").strip()
    return values


def _member_form_choices(form) -> None:
    if "kelurahan_code" in form:  # a leader's form holds contact details only
        form.kelurahan_code.choices = RegionCatalogue.load().kelurahan_choices()


def _take_confirmations(form) -> None:
    """Label the age confirmation with the configured range, and read the confirmations from this request only.

    The edit form is filled from the member, whose stored reason was given for the NIK of that time;
    a reason is never carried over to a new NIK without the officer typing it.
    """
    low, high = current_app.config["MEMBER_AGE_RANGE"]
    form.confirm_age.label.text = _("Umur di luar %(low)d-%(high)d tahun sudah diperiksa dan memang benar",
                                    low=low, high=high)
    for name in ("confirm_age", "prior_kube_override"):
        form[name].process(request.form if request.method == "POST" else None)


def _member_checks(form) -> operations.MemberChecks:
    return operations.MemberChecks(confirm_age=form.confirm_age.data,
                                   prior_kube_override=form.prior_kube_override.data or None)


def _asked_confirmations(form, error: DomainError | None = None) -> dict:
    """Which confirmations the page shows: those already given (so nothing typed is lost) and the one asked for."""
    if "confirm_age" not in form:
        return {"ask_age": False, "ask_override": False}
    return {
        "ask_age": bool(form.confirm_age.data) or isinstance(error, NeedsConfirmation),
        "ask_override": bool(form.prior_kube_override.data) or isinstance(error, operations.PriorKubeGrant),
    }


@bp.route("/groups/<int:group_id>/members/new", methods=["GET", "POST"])
@allowed(can_manage_groups)
def member_new(group_id: int):
    """Register a member; unusual ages and former grant recipients ask for the officer's confirmation."""
    group = get_group_or_404(group_id)
    form = NewMemberForm()
    _member_form_choices(form)
    if request.method == "GET":
        form.kelurahan_code.data = group.kelurahan_code
    _take_confirmations(form)
    asked = _asked_confirmations(form)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            member = operations.add_member(group, _member_values(form), current_user, _member_checks(form))
        asked = _asked_confirmations(form, outcome.error)
        if outcome.ok:
            flash(_("%(n)s ditambahkan ke %(c)s.", n=member.name, c=group.code), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/member_form.html", form=form, group=group, member=None, **asked)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@allowed(can_edit_group_details)
def member_edit(member_id: int):
    """Change a member's data; the group's leader may change only contact details.

    A new NIK or birth date asks for the same confirmations as a new member.
    """
    member = get_member_or_404(member_id)
    group = member.group
    form_class = MemberForm if can_manage_groups(current_user) else MemberContactForm
    _refuse_office_fields(operations.MEMBER_FIELDS, operations.LEADER_MEMBER_FIELDS)
    form = form_class(obj=member)
    _member_form_choices(form)
    checks = operations.MemberChecks()
    if "confirm_age" in form:
        _take_confirmations(form)
        checks = _member_checks(form)
    asked = _asked_confirmations(form)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.update_member(member, _member_values(form), current_user, checks)
        asked = _asked_confirmations(form, outcome.error)
        if outcome.ok:
            flash(_("Data %(n)s disimpan.", n=member.name), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    if "nik" in form:  # the officers' form shows the stored NIK and No. KK; the leader's has neither
        committed_after_response(lambda: record_access("member_form", actor=current_user, member_ids=[member_id]))
    return render_template("groups/member_form.html", form=form, group=group, member=member, **asked)


@bp.route("/members/<int:member_id>/leave", methods=["GET", "POST"])
@allowed(can_manage_groups)
def member_leave(member_id: int):
    """Record, after confirmation, that a member left; the membership stays in the history."""
    member = get_member_or_404(member_id)
    group = member.group
    form = LeaveForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.member_leaves(member, form.left_on.data, current_user, reason=form.reason.data or "")
        if outcome.ok:
            flash(_("%(n)s tercatat keluar dari %(c)s.", n=member.name, c=group.code), "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/member_leave.html", form=form, member=member, group=group)


@bp.route("/members")
@allowed(can_see_all_groups)
def members():
    """Search members across groups by name or NIK, by kecamatan of residence, current or former."""
    filters = MemberFilters.from_args(request.args, current_user)
    regions = RegionCatalogue.load()
    page = paginate(member_search_query(filters))
    full_nik = can_see_full_nik(current_user)
    if full_nik and page.items:
        shown = [member.id for member in page.items]
        committed_after_response(lambda: record_access("member_list", actor=current_user, member_ids=shown))
    return render_template("groups/members.html", page=page, filters=filters, regions=regions, full_nik=full_nik)
