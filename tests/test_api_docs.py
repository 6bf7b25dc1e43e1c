"""The API documentation page: Swagger UI served from the app itself, under the strict CSP, linked for staff."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import swagger_ui_bundle

from kube.security import CONTENT_SECURITY_POLICY

DOCS = "/api/v1/docs"
ASSETS = f"{DOCS}/assets"
JS_TYPES = {"text/javascript", "application/javascript"}


class _Page(HTMLParser):
    """Collects every URL-bearing attribute, every script, and any inline style or event handler."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[dict] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "poster") or name.startswith("data-") and "url" in name:
                self.urls.append((tag, name, value or ""))
            if name.startswith("on") or name == "style":
                self.inline.append(f"<{tag} {name}>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            self.scripts.append({"src": attributes.get("src"), "body": ""})
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1]["body"] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _same_origin_path(url: str) -> bool:
    parts = urlsplit(url)
    # No scheme and no host (which also refuses protocol-relative //host/...): a path on this app.
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


@pytest.mark.parametrize("role", ("anonymous", "admin", "leader"))
def test_the_page_answers_html_to_anyone_without_a_session(client, users, login, role):
    if role != "anonymous":
        login(users[role])
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'id="swagger-ui"' in html and 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "Dokumentasi API" in html
    assert "Set-Cookie" not in response.headers  # /api/ paths never get a cookie session


def test_the_page_references_only_same_origin_urls_that_answer(client):
    page = _parse(client.get(DOCS).get_data(as_text=True))
    assert page.urls, "the parser found no URLs at all"
    for tag, attribute, url in page.urls:
        assert _same_origin_path(url), (tag, attribute, url)
    loaded = [url for tag, attribute, url in page.urls if attribute == "src" or tag == "link"]
    for url in loaded:
        assert client.get(url).status_code == 200, url
    srcs = {script["src"] for script in page.scripts}
    assert f"{ASSETS}/swagger-ui-bundle.js" in srcs and "/static/js/api-docs.js" in srcs
    assert any(url == f"{ASSETS}/swagger-ui.css" for _, _, url in page.urls)


def test_the_page_has_no_inline_script_style_or_handler(client):
    page = _parse(client.get(DOCS).get_data(as_text=True))
    assert page.scripts
    for script in page.scripts:
        assert script["src"] and not script["body"].strip(), script
    assert page.inline == []


def test_our_script_starts_swagger_ui_from_the_data_attribute(client):
    response = client.get("/static/js/api-docs.js")
    assert response.status_code == 200 and response.mimetype in JS_TYPES
    script = response.get_data(as_text=True)
    assert "SwaggerUIBundle(" in script and "data-openapi-url" in script
    assert "validatorUrl: null" in script  # else a badge is fetched from validator.swagger.io


@pytest.mark.parametrize("name, mimetypes", [("swagger-ui-bundle.js", JS_TYPES), ("swagger-ui.css", {"text/css"})])
def test_the_bundle_files_are_served_with_their_type_and_a_day_of_cache(client, name, mimetypes):
    response = client.get(f"{ASSETS}/{name}")
    assert response.status_code == 200
    assert response.mimetype in mimetypes
    assert response.data == (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes()
    cache = response.headers["Cache-Control"]
    assert "max-age=86400" in cache and "no-store" not in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", [
    "../__init__.py",
    "..%2F__init__.py",
    "%2e%2e/%2e%2e/__init__.py",
    "../../../../../../etc/passwd",
    "swagger-ui.css/../../__init__.py",
    "nested/swagger-ui.css",
    "index.html",  # the bundle's demo page, not ours
    "swagger-initializer.js",  # it points at the Petstore
    "oauth2-redirect.html",
    "swagger-ui-bundle.js.map",
    "favicon-32x32.png",
    "unknown.js",
    "",
])
def test_other_files_and_traversal_are_404(client, path):
    response = client.get(f"{ASSETS}/{path}")
    assert response.status_code == 404, path
    assert response.is_json and response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", [DOCS, f"{ASSETS}/swagger-ui-bundle.js", f"{ASSETS}/swagger-ui.css"])
def test_the_strict_content_security_policy_still_applies(client, path):
    csp = client.get(path).headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in csp


def test_the_page_is_not_an_operation_of_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert not [path for path in paths if path.startswith(DOCS)]


@pytest.mark.parametrize("role, shown", [
    ("admin", True), ("officer", True), ("viewer", True), ("leader", False), ("anonymous", False),
])
def test_the_footer_links_the_page_for_staff_only(client, users, login, role, shown):
    if role != "anonymous":
        login(users[role])
    response = client.get("/account" if role != "anonymous" else "/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    footer = html[html.index("<footer"):html.index("</footer>")]
    assert (f'href="{DOCS}"' in footer) is shown
    assert ("Dokumentasi API" in footer) is shown
