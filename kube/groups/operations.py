"""Rules for groups and members: codes, status transitions, identity checks, duplicates, leaders."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from kube.audit.operations import describe_changes, record_audit
from kube.auth.models import User
from kube.auth.roles import LEADER, OFFICER, can_manage_groups
from kube.core.clock import office_today, utc_now
from kube.core.database import saved_or_conflict
from kube.core.dates import check_recorded_date
from kube.core.formatting import format_long_date
from kube.core.errors import Conflict, InvalidTransition, NeedsConfirmation, NotFound, PermissionDenied, ValidationFailed
from kube.core.identity import IdentityError, age_on, normalize_number, parse_kk, parse_nik
from kube.extensions import db
from kube.groups.labels import business_type_labels, group_status
from kube.groups.models import MEMBER_ROLES, SINGLE_ROLES, Group, GroupStatusChange, Member, Region

#: The group state machine: from status -> statuses it may move to.
GROUP_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("active", "rejected"),
    "active": ("graduated", "dissolved"),
    "graduated": (),
    "dissolved": (),
    "rejected": (),
}
#: Members may be added or changed only while a group is still running.
OPEN_STATUSES = ("proposed", "active")

class PriorKubeGrant(Conflict):
    """The person was in a Kube that received a grant; an officer's written override is needed."""

    code = "prior_kube_grant"


GROUP_FIELDS = ("name", "business_type", "kelurahan_code", "address", "formed_on", "officer_id",
                "bank_name", "bank_account")
MEMBER_FIELDS = ("nik", "kk", "name", "sex", "birth_date", "address", "kelurahan_code", "phone",
                 "household_size", "decile", "decile_as_of", "extreme_poor", "role", "joined_on")
#: What a group's leader may keep current: the group's address and its members' contact details. The rest
#: (name, kelurahan, formed date, bank account, identities, offices) oversees the group and stays with officers.
LEADER_GROUP_FIELDS = ("address",)
LEADER_MEMBER_FIELDS = ("address", "phone", "household_size")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def identity_message(error: IdentityError) -> str:
    """Why a NIK or No. KK was refused, in the reader's language."""
    return _(error.message, **error.params)


# -- groups -----------------------------------------------------------------------------------

def _refuse_beyond_leader_fields(actor: User, values: dict, allowed: tuple[str, ...], message: str) -> None:
    """A leader (who may not manage groups) sending any other field is refused as a whole, nothing changed."""
    refused = sorted(set(values) - set(allowed))
    if refused and not can_manage_groups(actor):
        raise PermissionDenied(message, fields={name: [message] for name in refused})


def _check_group_values(values: dict) -> None:
    if "name" in values and not (values["name"] or "").strip():
        raise _invalid("name", _("Nama kelompok wajib diisi."))
    if "business_type" in values and values["business_type"] not in business_type_labels():
        raise _invalid("business_type", _("Jenis usaha tidak dikenal."))
    if "kelurahan_code" in values:
        region = db.session.get(Region, values["kelurahan_code"] or "")
        if region is None or region.level != "kelurahan":
            raise _invalid("kelurahan_code", _("Kelurahan tidak dikenal."))
    if "formed_on" in values:
        formed = values["formed_on"]
        if not isinstance(formed, date):
            raise _invalid("formed_on", _("Tanggal terbentuk wajib diisi."))
        check_recorded_date("formed_on", formed, _("Tanggal terbentuk"))
    if values.get("officer_id") is not None:
        officer = db.session.get(User, values["officer_id"])
        if officer is None or officer.role != OFFICER or not officer.active:
            raise _invalid("officer_id", _("Pendamping harus petugas program yang aktif."))


def create_group(values: dict, actor: User, *, code: str | None = None, at: datetime | None = None) -> Group:
    """Register a new group in status `proposed` with a generated code.

    The history import passes the `code` the office's records use (never one of the generated
    pattern, see `kube.history.importer`) and `at`, when the group was registered in those records.
    """
    values = {key: values.get(key) for key in GROUP_FIELDS if key in values}
    values.setdefault("address", "")
    for required in ("name", "business_type", "kelurahan_code", "formed_on"):
        values.setdefault(required, None)
    _check_group_values(values)
    group = Group(code=code or f"new-{uuid.uuid4().hex[:24]}", status="proposed", **values)
    group.name = group.name.strip()
    db.session.add(group)
    db.session.flush()
    if code is None:
        # The code comes from the id, so concurrent registrations can never collide.
        group.code = f"{current_app.config['GROUP_CODE_PREFIX']}-{group.id:04d}"
    # No note: the group page says "Kelompok didaftarkan" for the first change, in the reader's language.
    db.session.add(GroupStatusChange(group=group, from_status=None, to_status="proposed", user_id=actor.id,
                                     at=at or utc_now()))
    db.session.flush()
    record_audit("group.create", "group", group.id, f"{group.code} {group.name}", actor=actor)
    return group


def update_group(group: Group, values: dict, actor: User) -> Group:
    """Change a group's details (not its status, which has its own transitions)."""
    values = {key: value for key, value in values.items() if key in GROUP_FIELDS}
    _refuse_beyond_leader_fields(actor, values, LEADER_GROUP_FIELDS,
                                 _("Ketua kelompok hanya dapat mengubah alamat kelompok; data lain diubah petugas."))
    _check_group_values(values)
    before = {key: getattr(group, key) for key in values}
    for key, value in values.items():
        setattr(group, key, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    summary = describe_changes(before, {key: getattr(group, key) for key in values})
    if summary:
        record_audit("group.update", "group", group.id, summary, actor=actor)
    return group


def activation_problems(group: Group) -> list[str]:
    """Why a group cannot be activated yet (empty when it can)."""
    low, high = current_app.config["GROUP_MIN_MEMBERS"], current_app.config["GROUP_MAX_MEMBERS"]
    members = group.current_members
    problems = []
    if not low <= len(members) <= high:
        problems.append(_("Jumlah anggota harus %(low)d sampai %(high)d orang (sekarang %(n)d).",
                          low=low, high=high, n=len(members)))
    ketua_count = sum(1 for m in members if m.role == "ketua")
    if ketua_count != 1:
        problems.append(_("Kelompok harus punya tepat satu ketua (sekarang %(n)d).", n=ketua_count))
    return problems


def allowed_transitions(group: Group) -> tuple[str, ...]:
    """Statuses this group may move to from where it is."""
    return GROUP_TRANSITIONS.get(group.status, ())


def transition_group(group: Group, to_status: str, actor: User, note: str = "", *,
                     at: datetime | None = None) -> Group:
    """Move a group along its state machine, or raise InvalidTransition; `at` dates a change from the records."""
    if to_status not in allowed_transitions(group):
        raise InvalidTransition(_("Status kelompok tidak dapat diubah dari %(a)s ke %(b)s.",
                                  a=group_status(group.status), b=group_status(to_status)))
    if to_status == "active":
        problems = activation_problems(group)
        if problems:
            raise InvalidTransition(" ".join(problems))
    before = group.status
    group.status = to_status
    db.session.add(GroupStatusChange(group=group, from_status=before, to_status=to_status,
                                     user_id=actor.id, note=(note or "").strip()[:500], at=at or utc_now()))
    db.session.flush()
    record_audit("group.transition", "group", group.id, f"{before} -> {to_status}. {note}".strip(), actor=actor)
    return group


# -- members ----------------------------------------------------------------------------------

@dataclass
class MemberChecks:
    """Confirmations an officer may give when a member breaks a soft rule."""

    confirm_age: bool = False
    prior_kube_override: str | None = None


def _identity(values: dict, today: date) -> None:
    """Normalise NIK and KK, and check that sex and birth date agree with the NIK."""
    try:
        nik = parse_nik(values.get("nik") or "", today=today)
    except IdentityError as error:
        raise _invalid("nik", identity_message(error)) from error
    try:
        kk = parse_kk(values.get("kk") or "", today=today)
    except IdentityError as error:
        raise _invalid("kk", identity_message(error)) from error
    values["nik"], values["kk"] = nik.nik, kk.kk
    if not values.get("sex"):
        values["sex"] = nik.sex
    elif values["sex"] != nik.sex:
        raise _invalid("sex", _("Jenis kelamin tidak sesuai dengan NIK (NIK menunjukkan %(s)s).",
                                s=_("perempuan") if nik.sex == "P" else _("laki-laki")))
    if not values.get("birth_date"):
        values["birth_date"] = nik.birth_date
    elif values["birth_date"] != nik.birth_date:
        # The NIK carries only two year digits: the day and month must match, and the year modulo 100.
        typed = values["birth_date"]
        if (typed.day, typed.month, typed.year % 100) != (nik.birth_date.day, nik.birth_date.month,
                                                          nik.birth_date.year % 100):
            raise _invalid("birth_date", _("Tanggal lahir tidak sesuai dengan NIK (NIK menunjukkan %(d)s).",
                                           d=format_long_date(nik.birth_date)))


def _check_member_values(values: dict, today: date) -> None:
    if "name" in values and not (values.get("name") or "").strip():
        raise _invalid("name", _("Nama wajib diisi."))
    if "role" in values and values["role"] not in MEMBER_ROLES:
        raise _invalid("role", _("Peran dalam kelompok tidak dikenal."))
    if "kelurahan_code" in values:
        region = db.session.get(Region, values["kelurahan_code"] or "")
        if region is None or region.level != "kelurahan":
            raise _invalid("kelurahan_code", _("Kelurahan tidak dikenal."))
    for name, what in (("joined_on", _("Tanggal bergabung")), ("decile_as_of", _("Tanggal data desil"))):
        if isinstance(values.get(name), date):
            check_recorded_date(name, values[name], what, today)
    if values.get("decile") is not None and not 1 <= int(values["decile"]) <= 10:
        raise _invalid("decile", _("Desil harus 1 sampai 10."))
    if "household_size" in values and not 1 <= int(values["household_size"] or 0) <= 30:
        raise _invalid("household_size", _("Jumlah anggota keluarga harus 1 sampai 30."))
    if values.get("phone"):
        phone = normalize_number(values["phone"]).replace("+", "")
        if not phone.isdigit() or not 8 <= len(phone) <= 15:
            raise _invalid("phone", _("Nomor telepon berisi 8 sampai 15 angka."))
        values["phone"] = phone


def _check_unique(group: Group, values: dict, member: Member | None = None) -> None:
    """Duplicates: one current membership per NIK anywhere, one KK per group, one of each office."""
    others = Member.left_on.is_(None)
    if member is not None:
        others = others & (Member.id != member.id)
    holder = db.session.execute(
        select(Member.id, Group.code, Group.name).join(Group)
        .where(others, Member.nik == values["nik"])
    ).first()
    if holder:
        raise Conflict(_("NIK ini sudah terdaftar sebagai anggota aktif kelompok %(c)s (%(n)s).",
                         c=holder.code, n=holder.name), fields={"nik": [_("NIK sudah terdaftar di kelompok lain.")]})
    if db.session.scalar(select(exists().where(others, Member.group_id == group.id, Member.kk == values["kk"]))):
        message = _("No. KK ini sudah dipakai anggota lain di kelompok ini (satu KK satu anggota).")
        raise Conflict(message, fields={"kk": [message]})
    role = values.get("role", "anggota")
    if role in SINGLE_ROLES and db.session.scalar(
        select(exists().where(others, Member.group_id == group.id, Member.role == role))
    ):
        message = _("Kelompok ini sudah punya %(r)s.", r=role)
        raise Conflict(message, fields={"role": [message]})


def was_in_granted_kube(nik: str, exclude_group_id: int | None = None) -> Group | None:
    """A group that received a Kube grant and ever counted this NIK as a member, if any."""
    query = (select(Group).join(Member).where(Member.nik == nik, Group.kube_grant_received_on.is_not(None)))
    if exclude_group_id is not None:
        query = query.where(Group.id != exclude_group_id)
    return db.session.scalars(query.limit(1)).first()


def _prior_grant_override(group: Group, nik: str, actor: User, checks: MemberChecks) -> str | None:
    """The officer's reason to keep, when this NIK was in another Kube that received a grant; else None.

    Raises PriorKubeGrant while no reason is given, and PermissionDenied when a non-officer gives one.
    """
    previous = was_in_granted_kube(nik, exclude_group_id=group.id)
    if previous is None:
        return None
    override = (checks.prior_kube_override or "").strip() or None
    if override is None:
        message = _("Orang ini pernah menjadi anggota Kube %(c)s yang sudah menerima bantuan. "
                    "Petugas dapat menerimanya hanya dengan alasan tertulis.", c=previous.code)
        raise PriorKubeGrant(message, fields={"nik": [message]})
    if not can_manage_groups(actor):
        raise PermissionDenied(_("Hanya petugas yang dapat memberi pengecualian ini."))
    return override


def _age_confirmed(birth_date: date, today: date, checks: MemberChecks) -> bool:
    """Whether the age is outside the configured range (so confirmed); raises NeedsConfirmation until it is."""
    age = age_on(birth_date, today)
    low, high = current_app.config["MEMBER_AGE_RANGE"]
    if low <= age <= high:
        return False
    if not checks.confirm_age:
        raise NeedsConfirmation(_("Umur %(a)d tahun di luar rentang %(low)d-%(high)d tahun. Konfirmasi bila memang benar.",
                                  a=age, low=low, high=high), fields={"birth_date": [_("Umur perlu dikonfirmasi.")]})
    return True


def add_member(group: Group, values: dict, actor: User, checks: MemberChecks | None = None,
               today: date | None = None) -> Member:
    """Register a member after the identity, duplicate, prior-grant and age rules."""
    checks = checks or MemberChecks()
    today = today or office_today()
    if group.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Anggota tidak dapat ditambahkan ke kelompok berstatus %(s)s.",
                                  s=group_status(group.status)))
    values = {key: values.get(key) for key in MEMBER_FIELDS if key in values}
    values.setdefault("role", "anggota")
    values.setdefault("kelurahan_code", group.kelurahan_code)
    values.setdefault("household_size", 1)
    values["joined_on"] = values.get("joined_on") or today
    _identity(values, today)
    _check_member_values(values, today)
    if group.status == "active" and len(group.current_members) >= current_app.config["GROUP_MAX_MEMBERS"]:
        raise Conflict(_("Kelompok sudah mencapai jumlah anggota maksimum (%(n)d).",
                         n=current_app.config["GROUP_MAX_MEMBERS"]))
    _check_unique(group, values)
    override = _prior_grant_override(group, values["nik"], actor, checks)
    age_confirmed = _age_confirmed(values["birth_date"], today, checks)
    with saved_or_conflict(_clash_message()):
        member = Member(group=group, prior_kube_override=override, age_confirmed=age_confirmed, **values)
        member.name = member.name.strip()
        db.session.add(member)
    summary = f"{member.name} ({member.role})" + (f"; pengecualian: {override}" if override else "")
    record_audit("member.create", "member", member.id, f"{group.code}: {summary}", actor=actor)
    return member


def update_member(member: Member, values: dict, actor: User, checks: MemberChecks | None = None,
                  today: date | None = None) -> Member:
    """Change a current member's data, re-checking identity and duplicates, and the soft rules on what changed.

    A new NIK is checked against former Kube grants, and a new birth date against the age range,
    with the same confirmations (`checks`) as when adding a member.
    """
    checks = checks or MemberChecks()
    today = today or office_today()
    if member.left_on is not None:
        raise InvalidTransition(_("Data anggota yang sudah keluar tidak dapat diubah."))
    if member.group.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Anggota kelompok berstatus %(s)s tidak dapat diubah.",
                                  s=group_status(member.group.status)))
    values = {key: value for key, value in values.items() if key in MEMBER_FIELDS}
    _refuse_beyond_leader_fields(actor, values, LEADER_MEMBER_FIELDS,
                                 _("Ketua kelompok hanya dapat mengubah alamat, nomor telepon dan jumlah anggota "
                                   "keluarga; data lain diubah petugas."))
    merged = {key: getattr(member, key) for key in MEMBER_FIELDS} | values
    if {"nik", "kk", "sex", "birth_date"} & set(values):
        _identity(merged, today)
    _check_member_values(merged, today)
    _check_unique(member.group, merged, member=member)
    soft: dict = {}
    if merged["nik"] != member.nik:
        # The stored reason was given for the old NIK; a new one needs its own.
        soft["prior_kube_override"] = _prior_grant_override(member.group, merged["nik"], actor, checks)
    if merged["birth_date"] != member.birth_date:
        soft["age_confirmed"] = _age_confirmed(merged["birth_date"], today, checks)
    before = {key: getattr(member, key) for key in values}
    with saved_or_conflict(_clash_message()):
        for key in values:
            setattr(member, key, merged[key].strip() if isinstance(merged[key], str) else merged[key])
        for key, value in soft.items():
            setattr(member, key, value)
    summary = describe_changes(before, {key: getattr(member, key) for key in values})
    if soft.get("prior_kube_override"):
        summary = f"{summary}; pengecualian: {soft['prior_kube_override']}".lstrip("; ")
    if summary:
        record_audit("member.update", "member", member.id, summary, actor=actor)
    return member


def member_leaves(member: Member, left_on: date, actor: User, reason: str = "") -> Member:
    """Record that a member left; the membership stays in the history."""
    if member.left_on is not None:
        raise InvalidTransition(_("Anggota ini sudah keluar."))
    check_recorded_date("left_on", left_on, _("Tanggal keluar"))
    if left_on < member.joined_on:
        raise _invalid("left_on", _("Tanggal keluar tidak boleh sebelum tanggal bergabung."))
    member.left_on = left_on
    db.session.flush()
    record_audit("member.leave", "member", member.id, f"{member.name} keluar {left_on.isoformat()}. {reason}".strip(),
                 actor=actor)
    return member


def _clash_message() -> str:
    return _("Data bentrok dengan data yang baru saja disimpan (NIK, KK atau peran ganda).")


# -- leaders ----------------------------------------------------------------------------------

def link_leader(user: User, group: Group, actor: User | None = None) -> None:
    """Make `user` the leader account of `group`."""
    if user.role != LEADER:
        raise _invalid("role", _("Hanya akun ketua kelompok yang dapat dihubungkan ke kelompok."))
    user.group_id = group.id
    db.session.flush()
    record_audit("group.leader_link", "group", group.id, user.username, actor=actor)


def create_leader_account(group: Group, username: str, full_name: str, password: str, actor: User) -> User:
    """An officer creates the login of a group's leader."""
    from kube.auth.operations import create_user

    user = create_user(username, full_name, LEADER, password, actor=actor, group_id=group.id)
    record_audit("group.leader_link", "group", group.id, user.username, actor=actor)
    return user


def group_leader_or_404(group: Group, user_id: int) -> User:
    """The leader account `user_id` of this group; NotFound for any other account."""
    user = db.session.get(User, user_id)
    if user is None or user.role != LEADER or user.group_id != group.id:
        raise NotFound(_("Akun ketua tidak ditemukan di kelompok ini."))
    return user


def sign_out_leader(group: Group, leader: User, actor: User) -> None:
    """End the leader's logins on every phone (a lost or shared phone): their sessions and "ingat saya" cookies.

    The account stays usable: the leader logs in again with the same password.
    """
    from kube.auth.operations import end_sessions

    end_sessions(leader, actor=actor)
    record_audit("group.leader_sign_out", "group", group.id, leader.username, actor=actor)


def leader_link_for_code(group_code: str, role: str) -> dict:
    """Extra account values for `user create --group CODE` (CLI)."""
    if role != LEADER:
        raise ValidationFailed(_("--group hanya untuk peran leader."))
    group = db.session.scalar(select(Group).where(func.upper(Group.code) == group_code.strip().upper()))
    if group is None:
        raise NotFound(_("Kelompok %(c)s tidak ditemukan.", c=group_code))
    return {"group_id": group.id}
