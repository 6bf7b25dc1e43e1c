"""The API documentation page: Swagger UI for /api/v1/openapi.json, its files served by the app itself."""
from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint, abort, render_template, send_from_directory, url_for

from kube.auth.permissions import public

#: A plain Flask blueprint: flask-smorest would list these pages as operations in the OpenAPI document.
docs_bp = Blueprint("api_docs_ui", __name__, url_prefix="/api/v1/docs")

#: The only files of the bundle the page loads; the rest of its folder (source maps, its own index page
#: and initializer pointing at the Petstore, the OAuth redirect page, favicons: ours is the logo) stays unserved.
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
#: The bundle changes only when the package is upgraded, so browsers may keep it a day.
ASSET_MAX_AGE = 86400


@docs_bp.get("")
@public  # the OpenAPI document it shows is public already
def page():
    """Swagger UI for the API's OpenAPI document."""
    return render_template("api/docs.html", openapi_url=url_for("api-docs.openapi_json"))


@docs_bp.get("/assets/<path:filename>")
@public
def asset(filename: str):
    """One of the Swagger UI bundle's files, cacheable for a day; 404 for any other name."""
    if filename not in ASSETS:
        abort(404)
    # The Cache-Control header this sets (public, max-age) is kept: the app makes every other response `no-store`.
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=ASSET_MAX_AGE)
