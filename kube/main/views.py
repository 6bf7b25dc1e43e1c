"""Home page: sends each role to where its work is."""
from __future__ import annotations

from flask import render_template

from kube.auth.permissions import login_required
from kube.main import bp


@bp.route("/")
@login_required
def index():
    """The landing page after login."""
    return render_template("main/index.html")


