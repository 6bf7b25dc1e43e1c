"""Forms for groups, members, status transitions, leaving and leader accounts.

Forms only parse input (types, lengths, required fields); the rules themselves (valid NIK,
kelurahan, duplicates, age) live in `kube.groups.operations` and come back as field errors.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import EqualTo, Length, Optional, Regexp

from kube.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from kube.core.clock import office_today
from kube.core.forms import INPUT_REQUIRED, REQUIRED, KubeForm, max_length, optional_int
from kube.groups.labels import ROLE_LABELS, SEX_LABELS
from kube.groups.models import MEMBER_ROLES




# -- groups -----------------------------------------------------------------------------------

class GroupForm(KubeForm):
    """A group's details, as an officer registers or changes them."""

    name = StringField(_l("Nama kelompok"), validators=[REQUIRED, max_length(120)])
    business_type = SelectField(_l("Jenis usaha"), validate_choice=False)
    kelurahan_code = SelectField(_l("Kelurahan"), validate_choice=False)
    address = StringField(_l("Alamat"), validators=[Optional(), max_length(255)])
    formed_on = DateField(_l("Tanggal terbentuk"), validators=[INPUT_REQUIRED], default=office_today)
    officer_id = SelectField(_l("Pendamping"), coerce=optional_int, validate_choice=False)
    bank_name = StringField(_l("Nama bank"), validators=[Optional(), max_length(60)])
    bank_account = StringField(_l("Nomor rekening"), validators=[Optional(), max_length(40)])
    submit = SubmitField(_l("Simpan"))


class GroupContactForm(KubeForm):
    """What a group's leader may keep current about the group: its address."""

    address = StringField(_l("Alamat"), validators=[Optional(), max_length(255)])
    submit = SubmitField(_l("Simpan"))


class TransitionForm(KubeForm):
    """Confirm a status change, with an optional note for the history."""

    note = TextAreaField(_l("Catatan (opsional)"), validators=[Optional(), max_length(500)])
    submit = SubmitField(_l("Ya, ubah status"))


class LeaderAccountForm(KubeForm):
    """The login an officer creates for a group's leader."""

    username = StringField(_l("Nama pengguna"), validators=[
        REQUIRED, Regexp(r"^[A-Za-z0-9._-]{3,64}$",
                          message=_l("3-64 karakter: huruf, angka, titik, garis bawah atau tanda hubung.")),
    ])
    full_name = StringField(_l("Nama lengkap"), validators=[REQUIRED, max_length(120)])
    password = PasswordField(_l("Kata sandi awal"), validators=[
        REQUIRED,
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Kata sandi %(min)d sampai %(max)d karakter.", min=MIN_PASSWORD_LENGTH,
                          max=MAX_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        REQUIRED, EqualTo("password", message=_l("Kedua kata sandi tidak sama.")),
    ])
    submit = SubmitField(_l("Buat akun ketua"))


# -- members ----------------------------------------------------------------------------------

SEX_CHOICES = [("", _l("Sesuai NIK")), *SEX_LABELS.items()]
ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in MEMBER_ROLES]
DECILE_CHOICES = [("", "-")] + [(n, str(n)) for n in range(1, 11)]


class MemberForm(KubeForm):
    """A member's identity, welfare data and role, as an officer edits them."""

    nik = StringField(_l("NIK"), validators=[REQUIRED, max_length(40)],
                      description=_l("16 angka; spasi, titik atau tanda hubung boleh."))
    kk = StringField(_l("No. KK"), validators=[REQUIRED, max_length(40)],
                     description=_l("16 angka; spasi, titik atau tanda hubung boleh."))
    name = StringField(_l("Nama lengkap"), validators=[REQUIRED, max_length(120)])
    sex = SelectField(_l("Jenis kelamin"), choices=SEX_CHOICES, validate_choice=False,
                      description=_l("Kosongkan untuk mengambil dari NIK."))
    birth_date = DateField(_l("Tanggal lahir"), validators=[Optional()],
                           description=_l("Kosongkan untuk mengambil dari NIK."))
    address = StringField(_l("Alamat"), validators=[Optional(), max_length(255)])
    kelurahan_code = SelectField(_l("Kelurahan tempat tinggal"), validate_choice=False)
    phone = StringField(_l("Nomor telepon"), validators=[Optional(), max_length(25)])
    household_size = IntegerField(_l("Jumlah anggota keluarga"), validators=[INPUT_REQUIRED], default=1)
    decile = SelectField(_l("Desil DTKS/DTSEN"), choices=DECILE_CHOICES, coerce=optional_int,
                         validate_choice=False)
    decile_as_of = DateField(_l("Data desil per tanggal"), validators=[Optional()])
    extreme_poor = BooleanField(_l("Miskin ekstrem"))
    role = SelectField(_l("Peran dalam kelompok"), choices=ROLE_CHOICES, validate_choice=False, default="anggota")
    joined_on = DateField(_l("Tanggal bergabung"), validators=[INPUT_REQUIRED])
    # Confirmations an officer gives when a soft rule asks for one (a new member, or a changed NIK or birth date).
    confirm_age = BooleanField(_l("Umur di luar rentang sudah diperiksa dan memang benar"))
    prior_kube_override = TextAreaField(_l("Alasan pengecualian"), validators=[Optional(), max_length(500)],
                                        description=_l("Wajib bila orang ini pernah menjadi anggota Kube "
                                                       "yang sudah menerima bantuan."))
    submit = SubmitField(_l("Simpan"))


class NewMemberForm(MemberForm):
    """A new member: the joining date defaults to today."""

    joined_on = DateField(_l("Tanggal bergabung"), validators=[Optional()],
                          description=_l("Kosongkan untuk hari ini."))


class MemberContactForm(KubeForm):
    """What a group's leader may keep current: contact details and household size."""

    address = StringField(_l("Alamat"), validators=[Optional(), max_length(255)])
    phone = StringField(_l("Nomor telepon"), validators=[Optional(), max_length(25)])
    household_size = IntegerField(_l("Jumlah anggota keluarga"), validators=[INPUT_REQUIRED])
    submit = SubmitField(_l("Simpan"))


class LeaveForm(KubeForm):
    """Record that a member left the group."""

    left_on = DateField(_l("Tanggal keluar"), validators=[INPUT_REQUIRED], default=office_today)
    reason = TextAreaField(_l("Alasan"), validators=[Optional(), max_length(500)])
    submit = SubmitField(_l("Ya, catat keluar"))
