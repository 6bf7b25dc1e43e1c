"""Helpers for the browser tests: logging in, README screenshots, and groups and reports seeded through the operations."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timezone
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from kube.core import clock
from kube.core.periods import add_months, last_complete_month
from kube.groups import operations
from kube.reports.operations import submit_report
from tests.factories import PASSWORD, member_values

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: A mid-range phone, as group leaders use: 390 x 844 CSS pixels, touch, mobile layout.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
CURUG_TINGGAR = "36.73.04.1002"  # kelurahan Tinggar, kecamatan Curug


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form as a person would, and wait to be let in."""
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def screenshot_dir() -> Path | None:
    """Where README screenshots go (KUBE_SCREENSHOT_DIR), or None when they are not wanted."""
    target = os.environ.get("KUBE_SCREENSHOT_DIR")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_screenshot(target: Page | Locator, name: str, **options) -> Path | None:
    """Save a README screenshot of a page or an element when KUBE_SCREENSHOT_DIR is set."""
    folder = screenshot_dir()
    if folder is None:
        return None
    path = folder / name
    target.screenshot(path=path, animations="disabled", **options)
    return path


# -- seeding ----------------------------------------------------------------------------------

def last_month() -> date:
    """The month a leader reports today: the last one that has ended in Asia/Jakarta."""
    return last_complete_month(clock.office_today())


def named_group(officer, name: str, business_type: str, people: list[tuple[str, str, date]],
                formed_on: date = date(2024, 1, 10), status: str = "active"):
    """A group registered through the operations with members named like people (the first is ketua); flushed.

    `people` holds (name, sex L/P, birth date); each gets a valid NIK and KK matching sex and birth.
    """
    group = operations.create_group({"name": name, "business_type": business_type, "kelurahan_code": CURUG_TINGGAR,
                                     "address": "Kp. Tinggar RT 02/03", "formed_on": formed_on,
                                     "officer_id": officer.id}, officer)
    for index, (full_name, sex, birth) in enumerate(people):
        values = member_values("ketua" if index == 0 else "anggota", sex=sex, birth=birth, name=full_name,
                               joined_on=formed_on)
        operations.add_member(group, values, officer)
    if status == "active":
        operations.transition_group(group, "active", officer)
    return group


#: Net income in thousands of Rupiah, oldest first: a year and a half of good months, then six falling ones.
FALLING = [3000, 3200, 3100, 3400, 3300, 3500,
           3500, 3700, 3300, 3800, 4000, 3600, 3900, 4200, 3800, 3700, 4000, 3900,
           3300, 3100, 2900, 2700, 2500, 2300]


def figures_for(nets_in_thousands: list[int], margin: float) -> list[tuple[int, int]]:
    """(revenue, expenses) giving these nets at roughly this margin, revenue rounded to Rp50.000."""
    figures = []
    for net in (n * 1000 for n in nets_in_thousands):
        revenue = round(net / margin / 50_000) * 50_000
        figures.append((revenue, revenue - net))
    return figures


def add_reports(group, actor, figures: list[tuple[int, int]], last: date, members: int | None = None) -> None:
    """Monthly reports through the report operations, the last one for `last`, each sent on the 5th of the next month.

    `figures` holds (revenue, expenses) for consecutive months, oldest first.
    """
    first = add_months(last, 1 - len(figures))
    for offset, (revenue, expenses) in enumerate(figures):
        period = add_months(first, offset)
        sent = datetime.combine(add_months(period, 1).replace(day=5), time(3, 0), tzinfo=timezone.utc)
        with clock.frozen_at(sent):  # sent on the 5th of the next month, as a leader on time would
            submit_report(group, period, {"revenue": revenue, "expenses": expenses, "active_members": members,
                                          "note": ""}, actor, confirmed=True)
