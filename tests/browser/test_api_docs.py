"""In Chromium: the API documentation page renders the OpenAPI operations under the strict CSP, from the app alone."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from kube.auth.operations import create_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

#: Runs before the page's own scripts, so every CSP violation the page causes is recorded.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_swagger_ui_renders_the_operations_with_no_csp_violation_or_failed_request(app, db, live_server, new_page):
    create_user("rina", "Rina Marlina, S.Sos.", "officer", PASSWORD)
    db.session.commit()
    page = new_page()
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    console, page_errors, failed, requested = [], [], [], []
    page.on("console", lambda message: message.type in ("error", "warning") and console.append(message.text))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.url} {response.status}"))
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Dokumentasi API", level=1)).to_be_visible()
    # Rendered from the OpenAPI document: the groups tag and its list operation.
    expect(page.locator(".opblock-tag", has_text="api_groups")).to_be_visible()
    expect(page.locator('.opblock-summary-path[data-path="/api/v1/groups"]').first).to_be_visible()

    # "Try it out" on the token endpoint: Swagger UI's own request to the API and its rendered answer.
    token = page.locator("#operations-api_auth-post_api_v1_auth_token")
    token.locator(".opblock-summary").click()
    token.get_by_role("button", name="Try it out").click()
    token.locator("textarea.body-param__text").fill(json.dumps({"username": "rina", "password": PASSWORD}))
    token.get_by_role("button", name="Execute").click()
    expect(token.locator(".live-responses-table .response-col_status")).to_contain_text(["201"])
    page.wait_for_load_state("networkidle")

    assert page.evaluate("window.__cspViolations") == []
    assert not [text for text in console if "Content Security Policy" in text], console
    assert console == [] and page_errors == [], (console, page_errors)
    assert failed == []
    assert f"{live_server}/api/v1/openapi.json" in requested
    assert all(url.startswith(f"{live_server}/") for url in requested), requested
