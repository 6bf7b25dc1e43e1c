"""Home page: sends each role to where its work is."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from kube.auth.permissions import login_required
from kube.auth.roles import can_use_leader_pages
from kube.main import bp


@bp.route("/")
@login_required
def index():
    """The landing page after login; a group leader goes straight to their monthly reports."""
    if can_use_leader_pages(current_user) and current_user.group_id:
        return redirect(url_for("reports.mine"))
    return render_template("main/index.html")


