"""The web app manifest, the service worker script, and the mark on the leader pages the service worker may keep.

A group leader reports from a cheap phone with patchy signal; installed from the manifest, the
app opens at their monthly reports. The service worker (templates/pwa/sw.js) keeps copies of
the leader's home and of the report forms they opened so these open without signal; it keeps
only responses this app marks with `OFFLINE_HEADER`, which only a leader's own pages carry.
Officer pages, the API and every POST stay online-only.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kube.auth.permissions import public
from kube.auth.roles import can_use_leader_pages
from kube.pwa import bp

#: The service worker keeps a page only when its response carries this header.
OFFLINE_HEADER = "Kube-Offline"
#: Pages a leader may open without signal: their home and the report form of a month.
OFFLINE_ENDPOINTS = frozenset({"reports.mine", "reports.form"})
#: Files every offline page needs, kept when the service worker installs (those that exist).
OFFLINE_ASSETS = ("css/kube.css", "js/menu.js", "js/tables.js", "js/report-form.js", "js/offline-report.js",
                  "img/logo.svg", "img/icon-192.png", "img/icon-512.png")
#: Matches templates/base.html's <meta name="theme-color"> and the logo's green.
THEME_COLOUR = "#0b6e4f"
BACKGROUND_COLOUR = "#ffffff"


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest: installing Kube puts the leader's monthly reports on the home screen."""
    body = {
        "name": f"Kube · {current_app.config['OFFICE_NAME']}",
        "short_name": "Kube",
        "description": _("Laporan bulanan Kelompok Usaha Bersama, juga tanpa sinyal."),
        "lang": "id",
        "start_url": url_for("reports.mine"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": url_for("static", filename=f"img/icon-{size}.png"), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.cache_control.public = True  # no personal data: the browser may keep it (and revalidate)
    response.cache_control.no_cache = True
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, at the site's root so its scope is the whole site; revalidated on every check."""
    assets = _offline_assets()
    script = render_template("pwa/sw.js", version=_version(assets), assets=[url for url, _path in assets],
                             offline_header=OFFLINE_HEADER, logout_url=url_for("auth.logout"))
    response = current_app.response_class(script, mimetype="application/javascript")
    response.cache_control.public = True
    response.cache_control.no_cache = True  # a new deploy's worker is picked up at once
    return response


@bp.after_app_request
def mark_offline_pages(response):
    """Mark a leader's own home and report form as pages the service worker may keep for offline use."""
    if (request.endpoint in OFFLINE_ENDPOINTS and request.method == "GET" and response.status_code == 200
            and can_use_leader_pages(current_user)):
        response.headers[OFFLINE_HEADER] = "keep"
    return response


def _offline_assets() -> list[tuple[str, Path]]:
    """(URL, file) of the offline pages' static files that exist in this deployment."""
    static = Path(current_app.static_folder)
    return [(url_for("static", filename=name), static / name) for name in OFFLINE_ASSETS if (static / name).is_file()]


def _version(assets: list[tuple[str, Path]]) -> str:
    """A digest of the worker's template and its assets: a deploy that changes them installs a new worker."""
    digest = hashlib.sha256()
    source, _filename, _uptodate = current_app.jinja_loader.get_source(current_app.jinja_env, "pwa/sw.js")
    digest.update(source.encode())
    for _url, path in assets:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
