"""In Chromium: every page of every role fits a 360x640 phone and uses a 1366x900 laptop's width.

The crawl (tests/browser/crawl.py) is the demo office, and for each role (admin, officer, viewer, leader)
the pages of its menu plus the detail pages behind them; the public pages (login, privacy notice, a
letter's verify page) are visited without a login. On each page, at both sizes:

- no horizontal page scroll: `document.documentElement.scrollWidth <= window.innerWidth`, where innerWidth
  must still be the screen's width (a phone zooms out a page that is too wide, widening innerWidth); neither
  <html> nor <body> hides overflow (which would cut content off instead of fixing it);
- no cut-off table column: every visible th/td lies within the table's visible box, which is the window
  narrowed by every ancestor that clips overflow, unless the table scrolls inside a container;
- a table may scroll sideways only on the phone, and only inside a container keyboards can reach
  (tabindex="0", role="region" and an aria-label naming the table); on the laptop no table scrolls;
- on the phone, no two buttons or links styled as buttons overlap or touch (at least 4 px between them),
  so a thumb never hits the next card's button.

Problems are collected over the whole crawl and reported together, page by page.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.crawl import (
    LAPTOP,
    LAYOUT_PROBLEMS_JS,
    ROLE_USERS,
    SMALL_PHONE,
    log_in_as,
    pages_of,
    public_paths,
    seed_office,
    visit,
)
from tests.browser.helpers import save_screenshot

pytestmark = pytest.mark.browser

#: Buttons, and links and labels drawn as buttons, that a thumb taps on a phone.
TAP_BUTTONS = "main button:not(.link), main .button, main input[type=submit]"
#: On the phone: pairs of tap buttons closer than 4 px to each other (overlapping or touching).
CROWDED_BUTTONS_JS = """
(selector) => {
  const boxes = [...document.querySelectorAll(selector)].map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && r.height > 0);
  const problems = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    const gapX = Math.max(rb.left - ra.right, ra.left - rb.right), gapY = Math.max(rb.top - ra.bottom, ra.top - rb.bottom);
    if (gapX < 4 && gapY < 4) problems.push(`buttons "${a.innerText.trim()}" and "${b.innerText.trim()}" touch`);
  }
  return problems.slice(0, 3);
}
"""


def _problems(page, phone: bool) -> list[str]:
    problems = page.evaluate(LAYOUT_PROBLEMS_JS, [phone, page.viewport_size["width"]])
    if phone:
        problems += page.evaluate(CROWDED_BUTTONS_JS, TAP_BUTTONS)
    return problems


def test_every_page_of_every_role_fits_a_phone_and_uses_a_laptops_width(app, db, new_page):
    office = seed_office()
    found: dict[str, list[str]] = {}
    for size, options in (("phone", SMALL_PHONE), ("laptop", LAPTOP)):
        phone = size == "phone"
        for role in ROLE_USERS:
            page = new_page(**options)
            log_in_as(page, role)
            for path in pages_of(page, role, office):
                visit(page, path)
                for problem in _problems(page, phone):
                    found.setdefault(f"{role} {size} {path}", []).append(problem)
                if phone and role == "officer" and path == "/monitoring/flags":
                    save_screenshot(page, "officer-flags-phone.png", full_page=True)
            page.context.close()
        page = new_page(**options)
        for path in public_paths(office):
            visit(page, path)
            for problem in _problems(page, phone):
                found.setdefault(f"public {size} {path}", []).append(problem)
        page.context.close()
    report = "\n".join(f"{where}:\n  " + "\n  ".join(problems) for where, problems in found.items())
    assert not found, f"{len(found)} pages do not fit:\n{report}"


def test_without_javascript_the_menu_is_open_and_wide_tables_scroll_in_reachable_boxes(app, db, new_page):
    """Without scripts nothing is stacked: the menu is simply shown, and a wide table scrolls inside a wrapper that
    keyboards can reach (tabindex="0", role="region", aria-label) while the page itself still fits the phone."""
    office = seed_office()
    page = new_page(**SMALL_PHONE, java_script_enabled=False)
    log_in_as(page, "officer")
    expect(page.locator("#mainnav")).to_be_visible()
    expect(page.locator(".nav-toggle")).to_be_hidden()  # a button that could do nothing is not shown
    for path in ("/monitoring/flags", f"/groups/{office.group}", "/members", "/grants", "/grants/new",
                 f"/verify/{office.letter_token}"):
        visit(page, path)
        assert page.locator("table.stack").count() == 0
        assert _problems(page, phone=True) == [], path
