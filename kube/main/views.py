"""Home page: sends each role to where its work is."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from kube.auth.permissions import login_required
from kube.auth.roles import can_use_inbox, can_use_leader_pages
from kube.core.clock import office_today
from kube.inbox import inbox
from kube.main import bp


@bp.route("/")
@login_required
def index():
    """The landing page: officers and administrators get their inbox, viewers the overview, leaders their reports."""
    if can_use_leader_pages(current_user) and current_user.group_id:
        return redirect(url_for("reports.mine"))
    if can_use_inbox(current_user):
        return render_template("main/index.html", items=inbox(current_user, office_today()))
    if current_user.role == "viewer":
        return redirect(url_for("overview.index"))
    return render_template("main/index.html", items=None)
