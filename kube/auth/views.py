"""Login, logout, own account and the administrators' user pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from kube.auth import bp, operations
from kube.auth.forms import (
    ChangePasswordForm, ConfirmForm, LoginForm, NewUserForm, PreferencesForm, ResetPasswordForm,
    UserForm,
)
from kube.auth.models import User
from kube.auth.permissions import allowed, login_required, public
from kube.auth.rate_limits import login_limits
from kube.auth.roles import can_manage_users
from kube.core.pagination import paginate
from kube.core.transaction import attempt, committed
from kube.extensions import db


def _safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@login_limits
def login():
    """Show the login form and start a fresh session on success."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        with committed():  # the last login moment, and a stronger hash when the old one was weak
            user = operations.authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("Nama pengguna atau kata sandi salah, atau akun tidak aktif."), "error")
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a new session on login prevents session fixation
            login_user(user, remember=form.remember.data)
            return redirect(next_url)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session completely: this cookie, copies of it and the remember-me cookie, on every device."""
    user = current_user._get_current_object()
    with committed():
        operations.end_sessions(user, actor=user)
    session.clear()
    # After clear(): logout_user() marks the remember-me cookie for deletion in the session.
    logout_user()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def choose_language(code: str):
    """Switch the interface language for this browser (and the user, when logged in)."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            with committed():
                operations.update_user(current_user, locale=code, actor=current_user)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """A user's own password and language."""
    password_form = ChangePasswordForm(prefix="pw")
    preferences_form = PreferencesForm(prefix="pref", locale=current_user.locale)
    if password_form.submit.data and password_form.validate_on_submit():
        with attempt(password_form) as outcome:
            operations.change_own_password(
                current_user, password_form.current_password.data, password_form.new_password.data
            )
        if outcome.ok:
            login_user(current_user._get_current_object())  # stay logged in with the new session version
            flash(_("Kata sandi berhasil diubah."), "success")
            return redirect(url_for("auth.account"))
    elif preferences_form.submit.data and preferences_form.validate_on_submit():
        with committed():
            operations.update_user(current_user, locale=preferences_form.locale.data, actor=current_user)
        session["locale"] = preferences_form.locale.data
        flash(_("Pengaturan disimpan."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", password_form=password_form, preferences_form=preferences_form)


@bp.route("/admin/users")
@allowed(can_manage_users)
def users():
    """All accounts, paginated."""
    page = paginate(select(User).order_by(User.role, User.username))
    return render_template("admin/users.html", page=page)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allowed(can_manage_users)
def user_new():
    """Create an account."""
    form = NewUserForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            user = operations.create_user(
                form.username.data, form.full_name.data, form.role.data, form.password.data,
                nip=form.nip.data, position=form.position.data, locale=form.locale.data,
                active=form.active.data, actor=current_user,
            )
        if outcome.ok:
            flash(_("Pengguna %(u)s dibuat.", u=user.username), "success")
            return redirect(url_for("auth.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allowed(can_manage_users)
def user_edit(user_id: int):
    """Edit an account's profile, role and active flag."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            operations.update_user(
                user, full_name=form.full_name.data, role=form.role.data, nip=form.nip.data,
                position=form.position.data, locale=form.locale.data, active=form.active.data,
                actor=current_user,
            )
        if outcome.ok:
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("auth.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@allowed(can_manage_users)
def user_deactivate(user_id: int):
    """Deactivate an account after confirmation; its sessions and tokens end."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt() as outcome:
            operations.update_user(user, active=False, actor=current_user)
        if outcome.ok:
            flash(_("Pengguna %(u)s dinonaktifkan.", u=user.username), "success")
        return redirect(url_for("auth.users"))
    return render_template(
        "confirm.html", form=form,
        title=_("Nonaktifkan pengguna"),
        question=_("Nonaktifkan %(u)s (%(n)s)? Pengguna ini tidak dapat masuk lagi sampai diaktifkan kembali.",
                   u=user.username, n=user.full_name),
        cancel_url=url_for("auth.users"),
    )


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@allowed(can_manage_users)
def user_reset_password(user_id: int):
    """Set a new password for another user."""
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with attempt(form, resolve=lambda name: form.new_password if name == "password" else None) as outcome:
            operations.set_password(user, form.new_password.data, actor=current_user, reason="reset")
        if outcome.ok:
            flash(_("Kata sandi %(u)s diatur ulang.", u=user.username), "success")
            return redirect(url_for("auth.users"))
    return render_template("admin/reset_password.html", form=form, user=user)
