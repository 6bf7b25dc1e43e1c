"""Forms for logging in, changing passwords and managing accounts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, Length, Optional, Regexp

from kube.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from kube.auth.labels import ROLE_LABELS
from kube.core.forms import REQUIRED, KubeForm

ROLE_CHOICES = list(ROLE_LABELS.items())
LOCALE_CHOICES = [("id", "Bahasa Indonesia"), ("en", "English")]

_new_password_length = Length(
    min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
    message=_l("Kata sandi %(min)d sampai %(max)d karakter.", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
)
_username_format = Regexp(
    r"^[A-Za-z0-9._-]{3,64}$",
    message=_l("3-64 karakter: huruf, angka, titik, garis bawah atau tanda hubung."),
)


class LoginForm(KubeForm):
    """Username and password."""

    username = StringField(_l("Nama pengguna"), validators=[REQUIRED, Length(max=64)])
    password = PasswordField(_l("Kata sandi"), validators=[REQUIRED, Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Ingat saya di HP ini"))
    submit = SubmitField(_l("Masuk"))


class ChangePasswordForm(KubeForm):
    """A user changes their own password."""

    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[REQUIRED])
    new_password = PasswordField(_l("Kata sandi baru"), validators=[REQUIRED, _new_password_length])
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[REQUIRED, EqualTo("new_password", message=_l("Kedua kata sandi tidak sama."))],
    )
    submit = SubmitField(_l("Simpan kata sandi"))


class PreferencesForm(KubeForm):
    """A user's own language."""

    locale = SelectField(_l("Bahasa"), choices=LOCALE_CHOICES)
    submit = SubmitField(_l("Simpan"))


class UserForm(KubeForm):
    """An administrator edits an account's profile."""

    full_name = StringField(_l("Nama lengkap"), validators=[REQUIRED, Length(max=120)])
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES)
    nip = StringField(_l("NIP"), validators=[Optional(), Regexp(r"^[0-9 ]{8,32}$", message=_l("NIP berisi angka."))])
    position = StringField(_l("Jabatan"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Bahasa"), choices=LOCALE_CHOICES)
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class NewUserForm(UserForm):
    """An administrator creates an account with its first password."""

    username = StringField(_l("Nama pengguna"), validators=[REQUIRED, _username_format])
    password = PasswordField(_l("Kata sandi awal"), validators=[REQUIRED, _new_password_length])


class ResetPasswordForm(KubeForm):
    """An administrator sets a new password for someone else."""

    new_password = PasswordField(_l("Kata sandi baru"), validators=[REQUIRED, _new_password_length])
    submit = SubmitField(_l("Atur ulang kata sandi"))


class ConfirmForm(KubeForm):
    """An empty form whose only job is to carry the CSRF token of a confirmed action."""

    submit = SubmitField(_l("Ya, lanjutkan"))
