"""Browser fixtures: the app served on 127.0.0.1 from a thread, one headless Chromium per session, contexts per test.

The tests drive Debian's chromium (never a browser downloaded by `playwright install`). When
chromium or Playwright is missing the tests fail rather than skip, so CI cannot pass without them.
A failing test leaves a full-page screenshot of every page it had open in tests/browser/failures/.
With KUBE_SCREENSHOT_DIR set, the tests also write the README screenshots there (scripts/screenshots.sh).
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.helpers import DESKTOP

CHROMIUM = os.environ.get("KUBE_CHROMIUM", "/usr/bin/chromium")
#: Without the network switches chromium waits on lookups this offline machine cannot answer.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAILURES_DIR = Path(__file__).parent / "failures"
#: Letters are rendered by WeasyPrint during the request, which is slow on a busy machine.
ACTION_TIMEOUT_MS = 30_000


@pytest.fixture
def app_overrides() -> dict:
    """The browser posts real forms, so the CSRF protection is on as in production."""
    return {"WTF_CSRF_ENABLED": True}


class _QuietRequestHandler(WSGIRequestHandler):
    """Logs errors but not every request line."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def live_server(app) -> str:
    """The test app served on a free port of 127.0.0.1 by a threaded werkzeug server; yields its base URL.

    Each request runs in its own thread with its own app context (so its own user and database
    session); the test keeps the fixture's context for seeding and must commit before browsing.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base_url  # the letter's verify URL then points at this server
    thread = threading.Thread(target=server.serve_forever, name="kube-live-server", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Browser:
    """One headless Debian chromium for the whole session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(item) -> bool:
    return any(getattr(getattr(item, f"report_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def new_page(browser, live_server, request):
    """new_page(**context_options): a page in a fresh browser context (its own cookies) at the live server.

    tests.browser.helpers has ready-made options (PHONE, DESKTOP). Contexts are closed after the test; when the
    test failed, every open page is first saved as tests/browser/failures/<test>[-n].png.
    """
    contexts: list[BrowserContext] = []

    def _new_page(**options) -> Page:
        settings = {**DESKTOP, "locale": "id-ID", "timezone_id": "Asia/Jakarta", "base_url": live_server,
                    "accept_downloads": True, **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    if _failed(request.node):
        FAILURES_DIR.mkdir(exist_ok=True)
        pages = [page for context in contexts for page in context.pages]
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for index, page in enumerate(pages):
            suffix = f"-{index + 1}" if len(pages) > 1 else ""
            try:
                page.screenshot(path=FAILURES_DIR / f"{name}{suffix}.png", full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no failure screenshot of page {index + 1}: {error}")
    for context in contexts:
        context.close()
