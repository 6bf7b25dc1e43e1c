"""In Chromium: axe-core finds no WCAG 2.1 A/AA violation on any page of the crawl, and a keyboard alone works the phone menu.

axe-core comes from the PyPI package axe-playwright-python (pinned in pyproject.toml), which injects it
through Playwright's page.evaluate: that runs as the browser's own debugger, so the strict
Content-Security-Policy stays as in production. The crawl is tests/browser/crawl.py's: for every role
(admin, officer, viewer, leader) the pages of its menu and the detail pages behind them, and the public
pages, on a 360x640 touch phone and a 1366x900 laptop, plus a few pages in English. Besides the WCAG
2.1 A/AA rules, axe's target-size rule (WCAG 2.2 2.5.8: tap targets of at least 24x24 px, or spaced
as far apart) runs on the phone.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.crawl import (
    LAPTOP,
    ROLE_USERS,
    SMALL_PHONE,
    log_in_as,
    pages_of,
    public_paths,
    seed_office,
    visit,
)

pytestmark = pytest.mark.browser

#: Only violations come back (passes would be a large answer on every page, and slow the crawl down).
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}
#: Colour contrast is by far the slowest rule (a second on a long page); colours do not depend on the role.
WITHOUT_CONTRAST = {"color-contrast": {"enabled": False}}
#: On a phone, also the tap target size rule.
TARGETS = {"target-size": {"enabled": True}}
AXE = Axe()


def _violations(page: Page, options: dict) -> list[str]:
    """axe's violations on the current page, one readable line per rule and element."""
    results = AXE.run(page, options=options)
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"][:5]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} at "
                         f"{', '.join(map(str, node['target']))}: {summary[:300]}")
    return lines


def _audit(page: Page, where: str, phone: bool, found: dict[str, list[str]], contrast: bool = True) -> None:
    """Run axe on the current page and note its violations under `where`."""
    rules = {**(TARGETS if phone else {}), **({} if contrast else WITHOUT_CONTRAST)}
    problems = _violations(page, {**WCAG_21_AA, "rules": rules})
    if problems:
        found[where] = problems


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(lines) for where, lines in found.items())


def test_the_audit_reports_what_axe_finds(new_page):
    """The crawl's audit is not silently empty: a page with a tiny unlabelled button fails it."""
    page = new_page(**SMALL_PHONE)
    page.set_content('<html lang="id"><head><title>x</title></head><body><main><button></button>'
                     '<a href="#">a</a><a href="#">b</a></main></body></html>')
    problems: dict[str, list[str]] = {}
    _audit(page, "sample", True, problems)
    assert any("button-name" in line for line in problems["sample"])
    assert any("target-size" in line for line in problems["sample"])


def test_axe_finds_no_violation_on_any_page_of_any_role(app, db, new_page):
    """Every rule on every page of every role at both sizes; colour contrast once per page and size.

    The roles see the same pages with more or fewer buttons of the same colours, so the slow contrast
    rule runs on the first role that opens a page (at each size) and the other rules on all of them.
    """
    office = seed_office()
    found: dict[str, list[str]] = {}
    for size, options in (("phone", SMALL_PHONE), ("laptop", LAPTOP)):
        phone = size == "phone"
        contrast_checked: set[str] = set()
        for role in ROLE_USERS:
            page = new_page(**options)
            log_in_as(page, role)
            for path in pages_of(page, role, office):
                visit(page, path)
                _audit(page, f"{role} {size} {path}", phone, found, contrast=path not in contrast_checked)
                contrast_checked.add(path)
            if phone:
                # The open phone menu is part of every page too.
                page.get_by_role("button", name="Menu").click()
                _audit(page, f"{role} {size} open menu", phone, found)
            page.context.close()
        page = new_page(**options)
        for path in public_paths(office):
            visit(page, path)
            _audit(page, f"public {size} {path}", phone, found)
        page.context.close()
    assert not found, f"axe found violations on {len(found)} pages:\n{_report(found)}"


def test_axe_finds_no_violation_in_english(app, db, new_page):
    office = seed_office()
    found: dict[str, list[str]] = {}
    for role, paths in (("officer", ["/monitoring/flags", f"/groups/{office.group}", "/grants/new"]),
                        ("leader", [f"/groups/{office.leader_group}/reports/form", "/reports"])):
        page = new_page(**SMALL_PHONE)
        log_in_as(page, role)
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        for path in paths:
            visit(page, path)
            _audit(page, f"{role} English {path}", True, found)
        page.context.close()
    assert not found, f"axe found violations on {len(found)} English pages:\n{_report(found)}"


def test_a_keyboard_alone_opens_the_phone_menu_and_reaches_every_item(app, db, new_page):
    seed_office()
    page = new_page(**SMALL_PHONE)
    log_in_as(page, "officer")
    page.goto("/")
    toggle = page.locator(".nav-toggle")
    menu = page.locator("#mainnav")
    expect(menu).to_be_hidden()  # closed on a phone until asked for
    expect(toggle).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Tab")  # the skip link comes first, and shows itself when focused
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Tab")  # then the brand
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # a visible focus ring

    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    items = menu.locator("a, button")
    count = items.count()
    assert count >= 8  # the officer's menu, their account and logging out
    for index in range(count):
        page.keyboard.press("Tab")
        item = items.nth(index)
        expect(item).to_be_focused()
        expect(item).to_be_in_viewport()
        box = item.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, f"menu item {index} is a {box} tap target"

    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()  # focus returns to the button, not lost in a hidden menu

    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("Space")
    expect(menu).to_be_hidden()


def test_the_skip_link_moves_focus_to_the_main_content(app, db, new_page):
    seed_office()
    page = new_page(**SMALL_PHONE)
    log_in_as(page, "leader")
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


#: Contrast ratio (WCAG 2.1) of an element's text colour on the background behind it, from computed colours.
CONTRAST_JS = """
(element) => {
  const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let behind = element;
  while (behind && getComputedStyle(behind).backgroundColor.replace(/\\s/g, '') === 'rgba(0,0,0,0)') behind = behind.parentElement;
  const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(rgb(getComputedStyle(behind).backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""
#: Every status colour of the stylesheet, as the templates use them (badges, the discipline grid's cells).
STATUS_CLASSES = ["badge", "badge ok", "badge warn", "badge bad", "badge muted", "badge history",
                  "status-cell s-on_time", "status-cell s-late", "status-cell s-missing", "status-cell s-not_due",
                  "muted", "help", "error"]


def test_status_colours_keep_five_to_one_with_their_background(app, db, new_page):
    """WCAG AA asks 4.5:1; the badges and status cells keep 5:1, so a slightly different screen still reads them."""
    page = new_page()
    page.goto("/login")
    ratios = {}
    for classes in STATUS_CLASSES:
        page.evaluate("""(classes) => { const span = document.createElement('span'); span.className = classes;
            span.textContent = 'Terlambat'; span.id = 'sample'; document.querySelector('main').append(span); }""", classes)
        ratios[classes] = round(page.eval_on_selector("#sample", CONTRAST_JS), 2)
        page.evaluate("document.getElementById('sample').remove()")
    assert all(ratio >= 5 for ratio in ratios.values()), ratios


def test_the_focus_ring_stands_out_three_to_one(app, db, new_page):
    """The :focus-visible outline keeps 3:1 against the page and the cards it is drawn on, and on the green top bar."""
    page = new_page()
    page.goto("/login")
    page.keyboard.press("Tab")  # a keyboard was used, so the browser shows focus rings from now on
    ring = page.evaluate("""() => { const probe = document.createElement('a'); probe.href = '#'; probe.textContent = 'x';
        document.querySelector('main').append(probe); probe.focus();
        const style = getComputedStyle(probe); return [style.outlineStyle, style.outlineWidth, style.outlineColor]; }""")
    assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, ring
    page.locator(".brand").focus()
    bar = page.evaluate("[getComputedStyle(document.activeElement).outlineColor,"
                        " getComputedStyle(document.querySelector('.topbar')).backgroundColor]")
    for colour, background in ((ring[2], "rgb(245, 247, 246)"), (ring[2], "rgb(255, 255, 255)"), tuple(bar)):
        page.evaluate("([ring, bg]) => { const s = document.createElement('span'); s.id = 'pair'; s.style.color = ring;"
                      " s.style.backgroundColor = bg; document.querySelector('main').append(s); }", [colour, background])
        assert page.eval_on_selector("#pair", CONTRAST_JS) >= 3, (colour, background)
        page.evaluate("document.getElementById('pair').remove()")
