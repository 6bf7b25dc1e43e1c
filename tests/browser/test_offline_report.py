"""In Chromium on a phone without signal: the leader fills the report form, it waits on the phone, and is stored once."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.auth.operations import issue_token
from kube.core.formatting import format_month
from kube.core.periods import add_months
from kube.groups import operations
from kube.reports.models import IncomeReport
from tests.browser.helpers import PHONE, add_reports, last_month, log_in, named_group, save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

MAWAR = [("Rohayati", "P", date(1980, 4, 2)), ("Enah Suhaenah", "P", date(1984, 9, 14)),
         ("Nurhayati", "P", date(1987, 2, 21)), ("Masitoh", "P", date(1976, 6, 5)),
         ("Iis Aisah", "P", date(1991, 12, 1))]
#: Half a year of ordinary tent-rental months (revenue, expenses).
ORDINARY = [(3_200_000, 1_100_000), (3_500_000, 1_200_000), (2_900_000, 1_000_000), (3_300_000, 1_150_000),
            (3_600_000, 1_300_000), (3_100_000, 1_050_000)]
SAVED = "Tersimpan di HP. Akan dikirim otomatis saat ada sinyal."

KEPT_REPORTS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('kube-offline', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction('reports').objectStore('reports').getAll();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""

#: What a phone does when it sends a kept report again: a fresh form for the CSRF token, then the same key.
RESEND = """async ([url, key, fields]) => {
  const page = await (await fetch(url, {credentials: 'same-origin', cache: 'no-store'})).text();
  const token = new DOMParser().parseFromString(page, 'text/html').querySelector('input[name="csrf_token"]').value;
  const body = new URLSearchParams(fields);
  body.append('csrf_token', token);
  const response = await fetch(url, {method: 'POST', body, credentials: 'same-origin',
                                     headers: {'Idempotency-Key': key}});
  return [response.status, response.redirected, new URL(response.url).pathname];
}"""


def _requests_reaching(app) -> list[str]:
    """From now on, the path of every request the live server receives (the list fills as they come)."""
    reached: list[str] = []
    serve = app.wsgi_app

    def counting(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return serve(environ, start_response)

    app.wsgi_app = counting
    return reached


def _stored(db, group, month) -> list[IncomeReport]:
    db.session.rollback()  # see what the server's threads committed, and end this read before they write
    reports = list(db.session.scalars(select(IncomeReport).where(IncomeReport.group_id == group.id,
                                                                 IncomeReport.period == month)))
    db.session.rollback()
    return reports


def _created_entries(db, month) -> int:
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "report.create", AuditEntry.summary.contains(f"{month:%Y-%m}")))
    db.session.rollback()
    return count


def _reports_through_the_api(app, db, officer, group, month) -> list[dict]:
    """The group's reports of `month` as `GET /api/v1/groups/{id}/income-reports` lists them to an officer."""
    plain, _token = issue_token(officer, timedelta(days=1))
    db.session.commit()
    response = app.test_client().get(f"/api/v1/groups/{group.id}/income-reports",
                                     headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    return [report for report in response.get_json() if report["period"] == f"{month:%Y-%m}"]


def _group_due_last_month(db, officer, name: str, business_type: str, username: str):
    """A group with a leader login and ordinary reports up to the month before last: (group, month due, its name,
    the form's path); committed."""
    group = named_group(officer, name, business_type, MAWAR)
    operations.create_leader_account(group, username, "Rohayati", PASSWORD, officer)
    month = last_month()
    add_reports(group, officer, ORDINARY, last=add_months(month, -1))
    db.session.commit()
    return group, month, format_month(month, "id"), f"/groups/{group.id}/reports/form?period={month:%Y-%m}"


def test_a_report_filled_without_signal_is_kept_on_the_phone_and_stored_once_when_it_returns(
        app, db, users, new_page):
    group, month, month_name, form_path = _group_due_last_month(db, users["officer"], "Kube Mawar Sewa Tenda",
                                                                "sewa_tenda", "ketua.mawar")

    page = new_page(**PHONE)
    context = page.context
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(page, "ketua.mawar")  # the leader's home registers the service worker
    expect(page).to_have_url(re.compile(r"/reports$"))
    page.goto(form_path)  # opened once with signal: the phone keeps the form
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#offline-status")).to_have_attribute("data-offline-ready", "true")

    reached = _requests_reaching(app)
    context.set_offline(True)
    page.reload()  # no signal: the kept form opens all the same
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Laporan {month_name}")
    assert page.evaluate("navigator.onLine") is False
    page.get_by_label("Omzet (pendapatan kotor) bulan ini").fill("3.400.000")
    page.get_by_label("Biaya (pengeluaran usaha) bulan ini").fill("1.250.000")
    page.get_by_label("Catatan (boleh kosong)").fill("Sewa tenda tiga hajatan.")
    page.get_by_role("button", name="Kirim laporan").tap()

    status = page.locator("#offline-status")
    expect(status).to_have_text(SAVED)
    [kept] = page.evaluate(KEPT_REPORTS)
    assert kept["period"] == f"{month:%Y-%m}" and kept["state"] == "waiting" and len(kept["key"]) >= 32
    assert ["revenue", "3.400.000"] in kept["fields"]
    assert _stored(db, group, month) == [] and reached == []  # nothing reached the server, not even the page
    save_screenshot(page, "leader-offline-saved.png", full_page=True)

    context.set_offline(False)  # the signal returns: the `online` event sends the kept report
    expect(status).to_have_text(f"Laporan {month_name} sudah terkirim.")
    [report] = _stored(db, group, month)
    assert (report.revenue, report.expenses, report.net) == (3_400_000, 1_250_000, 2_150_000)
    assert report.note == "Sewa tenda tiga hajatan." and not report.entered_on_behalf
    assert page.evaluate(KEPT_REPORTS) == []
    entries = _created_entries(db, month)

    # The phone sends it again (its answer was lost, say): the same key stores nothing new.
    status_code, redirected, path = page.evaluate(RESEND, [form_path, kept["key"], kept["fields"]])
    assert (status_code, redirected, path) == (200, True, "/reports")
    # And a report still kept on the phone with the same key is sent once more on the next open.
    page.evaluate("""(report) => new Promise((resolve) => {
      const open = indexedDB.open('kube-offline', 1);
      open.onsuccess = () => {
        const transaction = open.result.transaction('reports', 'readwrite');
        transaction.objectStore('reports').put(report);
        transaction.oncomplete = () => { open.result.close(); resolve(); };
      };
    })""", kept)
    page.goto("/reports")
    expect(page.locator("#offline-status")).to_have_text(f"Laporan {month_name} sudah terkirim.")
    assert page.evaluate(KEPT_REPORTS) == []
    assert len(_stored(db, group, month)) == 1 and _created_entries(db, month) == entries == 1
    [listed] = _reports_through_the_api(app, db, users["officer"], group, month)  # once, as the API sees it too
    assert (listed["revenue"], listed["expenses"], listed["net"]) == (3_400_000, 1_250_000, 2_150_000)
    assert errors == []  # no script failed, nothing broke the Content-Security-Policy


def test_an_unusual_figure_kept_offline_is_asked_about_on_the_next_open_of_its_form(app, db, users, new_page):
    group, month, month_name, form_path = _group_due_last_month(db, users["officer"], "Kube Melati Katering",
                                                                "kuliner", "ketua.melati")

    page = new_page(**PHONE)
    log_in(page, "ketua.melati")
    page.goto(form_path)
    expect(page.locator("#offline-status")).to_have_attribute("data-offline-ready", "true")
    page.context.set_offline(True)
    page.reload()
    page.get_by_label("Omzet (pendapatan kotor) bulan ini").fill("21.000.000")  # a zero too many
    page.get_by_label("Biaya (pengeluaran usaha) bulan ini").fill("1.000.000")
    page.get_by_role("button", name="Kirim laporan").tap()
    expect(page.locator("#offline-status")).to_have_text(SAVED)

    page.context.set_offline(False)
    # The server asks whether the figure is right: nothing is stored, the report waits for the leader.
    expect(page.locator("#offline-status")).to_contain_text(f"Laporan {month_name} yang tersimpan di HP belum terkirim")
    assert _stored(db, group, month) == []
    [kept] = page.evaluate(KEPT_REPORTS)
    assert kept["state"] == "check"

    page.goto("/reports")  # the home points at it
    expect(page.locator("#offline-status").get_by_role("link", name="Buka laporan")).to_be_visible()
    page.locator("#offline-status").get_by_role("link", name="Buka laporan").tap()
    # The form opens with the kept figures and the server's question.
    expect(page.get_by_role("alert").filter(has_text="Apakah angka ini sudah benar?")).to_be_visible()
    expect(page.get_by_label("Omzet (pendapatan kotor) bulan ini")).to_have_value("21.000.000")
    page.get_by_label("Omzet (pendapatan kotor) bulan ini").fill("2.100.000")  # the leader corrects it
    page.get_by_role("button", name="Kirim laporan").tap()
    expect(page).to_have_url(re.compile(r"/reports$"))
    [report] = _stored(db, group, month)
    assert (report.revenue, report.expenses) == (2_100_000, 1_000_000) and not report.confirmed_unusual
    assert page.evaluate(KEPT_REPORTS) == []
