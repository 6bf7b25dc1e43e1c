"""The pages the layout and accessibility tests visit: realistic data, one login per role, and what each role can open.

The data is the demo office (kube/demo.py: staff of every role, 18 groups with members, grants in every
status with their letters, budgets, two to three years of income reports with every flag) plus a
follow-up, so tables are as wide and lists as long as in real use. Each role's pages are the links of its
menu (read from the page, so a new menu item is crawled without changing this file) and the detail
pages behind them: a group, a grant, the forms, the report form for a leader, the public verify page.
"""
from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from kube.auth.models import User
from kube.core.clock import office_today
from kube.demo import DEMO_PASSWORD, load_demo
from kube.extensions import db
from kube.groups.models import Member
from kube.ledger.models import Account, Budget, Letter
from kube.monitoring.operations import record_follow_up
from kube.monitoring.trends import NOT_IMPROVING
from tests.browser.helpers import last_month, log_in

#: The demo login of each role.
ROLE_USERS = {"admin": "admin", "officer": "petugas", "viewer": "kadis", "leader": "ketua1"}
#: A cheap Android phone in portrait, with touch, as leaders and officers in the field hold it.
SMALL_PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True,
               "has_touch": True}
#: An office laptop.
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


@dataclass
class Office:
    """Paths of the seeded records the crawl visits besides the menu."""

    group: int
    leader_group: int
    grant: int
    letter_token: str
    member: int
    budget: int
    account: int
    user: int


def seed_office() -> Office:
    """Load the demo office and a follow-up, commit, and return the ids of the detail pages to visit."""
    today = office_today()
    load_demo(today)
    officer = db.session.scalar(select(User).where(User.username == "petugas"))
    leader = db.session.scalar(select(User).where(User.username == "ketua1"))
    letter = db.session.scalars(select(Letter).order_by(Letter.id)).first()
    grant = letter.grant
    group = grant.group
    record_follow_up(group, NOT_IMPROVING, last_month(), "kunjungan", today,
                     "Usaha sepi karena musim hujan; kunjungan lagi bulan depan, bersama ketua dan bendahara.",
                     "in_progress", officer, today=today)
    db.session.commit()
    member = db.session.scalars(select(Member).where(Member.group_id == group.id).order_by(Member.id)).first()
    return Office(group=group.id, leader_group=leader.group_id, grant=grant.id, letter_token=letter.token,
                  member=member.id, budget=db.session.scalars(select(Budget).order_by(Budget.id)).first().id,
                  account=db.session.scalars(select(Account).order_by(Account.id)).first().id, user=officer.id)


def detail_paths(role: str, office: Office) -> list[str]:
    """The detail pages a role opens from its menu pages (a group, a grant, the forms it may fill)."""
    if role == "leader":
        group = office.leader_group
        return [f"/groups/{group}", f"/groups/{group}/reports/form", f"/groups/{group}/reports", "/account"]
    group = office.group
    read = [f"/groups/{group}", f"/groups/{group}/reports", f"/groups/{group}/capital", f"/groups/{group}/equipment",
            f"/monitoring/groups/{group}/follow-ups", f"/grants/{office.grant}", f"/grants/{office.grant}/letters",
            "/ledger/trial-balance", f"/ledger/accounts/{office.account}", "/account"]
    if role == "viewer":
        return read
    edit = [f"/groups/{group}/edit", f"/groups/{group}/members/new", f"/members/{office.member}/edit",
            f"/monitoring/groups/{group}/follow-ups/new", "/grants/new", "/budgets/new", "/groups/new",
            "/groups/import"]
    if role == "admin":
        edit += [f"/admin/users/{office.user}", "/admin/users/new", "/admin/audit/access"]
    return read + edit


def menu_paths(page: Page) -> list[str]:
    """The links of the main menu on the current page, as paths."""
    return page.eval_on_selector_all("#mainnav a[href]", "links => links.map(a => new URL(a.href).pathname)")


def log_in_as(page: Page, role: str) -> None:
    """Log the page's browser context in as the demo user of this role."""
    log_in(page, ROLE_USERS[role], DEMO_PASSWORD)


def pages_of(page: Page, role: str, office: Office) -> list[str]:
    """Every page of a role's crawl: its menu links, then its detail pages, each once, in that order."""
    page.goto("/")
    paths = menu_paths(page) + detail_paths(role, office)
    return list(dict.fromkeys(paths))


def visit(page: Page, path: str) -> None:
    """Open a page and check that it was served (no error page), waiting for its images and scripts."""
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
    expect(page.locator("main")).to_be_visible()


def public_paths(office: Office) -> list[str]:
    """Pages anyone may open without logging in: the login page, the privacy notice, a letter's verify page."""
    return ["/login", "/privacy", f"/verify/{office.letter_token}"]


#: Layout problems of the current page, found in the browser (see tests/browser/test_layout.py for the rules).
LAYOUT_PROBLEMS_JS = r"""
([allowScrollingTables, width]) => {
  // A phone browser zooms out a page wider than the screen, which widens window.innerWidth with it: so the
  // width to fit is the screen's (the viewport the test asked for), and innerWidth must not have grown.
  const problems = [];
  const root = document.documentElement;
  if (window.innerWidth > width) problems.push(`the window grew to ${window.innerWidth}px (the page was zoomed out to fit)`);
  if (root.scrollWidth > width) {
    // Name the elements that stick out, so the report says what to fix.
    const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > width + 0.5)
      .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 0.5).slice(0, 5)
      .map(describe);
    problems.push(`page is ${root.scrollWidth}px wide in a ${width}px window: ${wide.join('; ')}`);
  }
  for (const name of ['overflowX']) {
    for (const element of [root, document.body]) {
      const value = getComputedStyle(element)[name];
      if (value === 'hidden' || value === 'clip') problems.push(`${element.tagName} has overflow-x:${value}, which hides overflow`);
    }
  }
  for (const table of document.querySelectorAll('table')) {
    if (!visible(table)) continue;
    const scroller = scrollingAncestor(table);
    if (scroller) {
      const label = describe(table);
      if (!allowScrollingTables) problems.push(`${label} scrolls sideways at ${width}px`);
      if (scroller.tabIndex < 0 || scroller.getAttribute('role') !== 'region' || !scroller.getAttribute('aria-label'))
        problems.push(`${label} scrolls in ${describe(scroller)} that keyboards cannot reach (tabindex="0", role="region", aria-label)`);
      continue;
    }
    const box = visibleBox(table);
    for (const cell of table.querySelectorAll('th, td')) {
      if (!visible(cell)) continue;
      const r = cell.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) {
        problems.push(`${describe(table)}: cell "${cell.innerText.trim().slice(0, 30)}" is cut off (${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(box.left)}..${Math.round(box.right)})`);
        break;
      }
      if (cell.scrollWidth > cell.clientWidth + 1 && getComputedStyle(cell).overflowX !== 'visible') {
        problems.push(`${describe(table)}: the text of cell "${cell.innerText.trim().slice(0, 30)}" is clipped`);
        break;
      }
    }
  }
  return problems;

  function visible(element) {
    // Not drawn: hidden, or inside a closed <details> (checkVisibility sees content-visibility too).
    const r = element.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && element.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  }
  function clips(element) {
    return getComputedStyle(element).overflowX !== 'visible';
  }
  function scrollingAncestor(element) {
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      if (clips(e) && e.scrollWidth > e.clientWidth + 1) return e;
    }
    return null;
  }
  function visibleBox(element) {
    let left = 0, right = width;
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      if (!clips(e)) continue;
      const r = e.getBoundingClientRect();
      left = Math.max(left, r.left); right = Math.min(right, r.right);
    }
    return {left, right};
  }
  function describe(element) {
    const caption = element.querySelector && element.querySelector('caption');
    const label = element.getAttribute('aria-label') || (caption && caption.innerText.trim()) || '';
    const classes = element.classList.length ? '.' + [...element.classList].join('.') : '';
    return `<${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}${classes}>${label ? ' "' + label.slice(0, 40) + '"' : ''}`;
  }
}
"""
