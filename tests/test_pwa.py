"""The leaders' installable web app: manifest, icons, service worker, and report form posts that are stored once."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.ledger.models import IdempotencyRecord
from kube.reports.models import IncomeReport

JUNE = date(2025, 6, 1)
pytestmark = pytest.mark.usefixtures("report_day")  # 5 July 2025: June is the month a leader reports

KEY = "6f1c2a0e-4b4d-4f7e-9a51-0d6f3c1b2a77"
FIGURES = {"revenue": "1.500.000", "expenses": "400.000", "active_members": "5", "note": "Sewa tenda ramai"}


def _reports(db) -> list[IncomeReport]:
    return list(db.session.scalars(select(IncomeReport)))


def _audit_count(db, action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _form_url(group) -> str:
    return f"/groups/{group.id}/reports/form?period=2025-06"


# -- the manifest and its icons ------------------------------------------------------------------

def test_manifest_describes_an_installable_app_opening_at_the_leaders_reports(client):
    response = client.get("/manifest.webmanifest")  # public: the browser fetches it without cookies
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"].startswith("Kube") and manifest["short_name"] == "Kube"
    assert manifest["start_url"] == "/reports" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b6e4f" and manifest["background_color"].startswith("#")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert all(icon["type"] == "image/png" for icon in manifest["icons"])


def test_the_pages_link_the_manifest_with_the_same_theme_colour(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    theme = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))["theme_color"]
    assert f'<meta name="theme-color" content="{theme}">' in page


def test_manifest_icons_load_as_pngs_of_their_stated_size(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png", icon
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == icon["sizes"]


# -- the service worker -----------------------------------------------------------------------------

def test_service_worker_is_served_at_the_root_as_javascript_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert "no-cache" in response.headers["Cache-Control"] and "no-store" not in response.headers["Cache-Control"]
    assert "Service-Worker-Allowed" not in response.headers  # at /sw.js its scope is / already
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_service_worker_keeps_only_marked_pages_and_never_the_api_or_posts(client):
    script = client.get("/sw.js").get_data(as_text=True)
    assert '"Kube-Offline"' in script  # only pages the server marks are kept
    assert "/api/" in script and "isApi(url)) { return; }" in script  # the API is left to the network
    assert "request.method !== 'GET'" in script  # POSTs are never answered from or put in a cache
    assert "caches.delete(name)" in script and "clients.claim()" in script  # old caches cleared on activate
    assert '"/static/css/kube.css"' in script and '"/static/js/offline-report.js"' in script


def test_service_worker_version_follows_its_assets(app, client, tmp_path):
    first = re.search(r'var VERSION = "(\w+)";', client.get("/sw.js").get_data(as_text=True)).group(1)
    assert re.search(r'var VERSION = "(\w+)";', client.get("/sw.js").get_data(as_text=True)).group(1) == first
    css = tmp_path / "static"
    css.mkdir()
    (css / "css").mkdir()
    (css / "css" / "kube.css").write_text("body{}")
    app.static_folder = str(css)  # another deployment's stylesheet
    assert re.search(r'var VERSION = "(\w+)";', client.get("/sw.js").get_data(as_text=True)).group(1) != first


def test_only_a_leaders_own_pages_are_marked_for_offline_use(app, client, db, group, leader, officer, login):
    login(leader)
    for url in ("/reports", _form_url(group)):
        response = client.get(url)
        assert response.status_code == 200 and response.headers.get("Kube-Offline") == "keep", url
    assert "Kube-Offline" not in client.get(f"/groups/{group.id}/reports").headers  # the history: online only
    assert "Kube-Offline" not in client.get("/api/v1/groups").headers
    assert "Kube-Offline" not in client.post(_form_url(group), data=FIGURES).headers
    office = login(officer, test_client=app.test_client())
    assert "Kube-Offline" not in office.get(_form_url(group)).headers  # an officer's form: online only


def test_leader_pages_carry_the_offline_status_line_and_script_officer_pages_do_not(app, client, group, leader,
                                                                                  officer, login):
    login(leader)
    page = client.get(_form_url(group)).get_data(as_text=True)
    assert 'id="offline-status"' in page and 'role="status"' in page
    assert 'data-saved="Tersimpan di HP. Akan dikirim otomatis saat ada sinyal."' in page
    assert 'data-sent="Laporan Juni 2025 sudah terkirim."' in page
    assert f'data-group="{group.id}" data-period="2025-06"' in page
    assert "js/offline-report.js" in page
    assert "js/offline-report.js" in client.get("/reports").get_data(as_text=True)
    office = login(officer, test_client=app.test_client())
    page = office.get(_form_url(group)).get_data(as_text=True)
    assert "offline-status" not in page and "offline-report.js" not in page


# -- report form posts with an Idempotency-Key ------------------------------------------------------

def test_the_same_key_twice_stores_one_report_and_one_audit_row(client, db, group, leader, login):
    login(leader)
    first = client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY})
    again = client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    [report] = _reports(db)
    assert (report.revenue, report.expenses, report.note) == (1_500_000, 400_000, "Sewa tenda ramai")
    assert _audit_count(db, "report.create") == 1 and _audit_count(db, "report.update") == 0
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


def test_a_replay_creates_no_correction_of_a_report_changed_since(client, db, group, leader, login):
    login(leader)
    client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY})
    corrected = dict(FIGURES, revenue="1.700.000")
    assert client.post(_form_url(group), data=corrected).status_code == 302  # a correction, without a key
    assert client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY}).status_code == 302
    [report] = _reports(db)
    assert report.revenue == 1_700_000  # the late resend of the first figures did not undo the correction
    assert _audit_count(db, "report.update") == 1


def test_the_hidden_field_counts_as_the_key_and_amounts_compare_as_numbers(client, db, group, leader, login):
    login(leader)
    client.post(_form_url(group), data=dict(FIGURES, idempotency_key=KEY))
    same = dict(FIGURES, revenue="1500000", idempotency_key=KEY)
    assert client.post(_form_url(group), data=same).status_code == 302
    assert len(_reports(db)) == 1 and _audit_count(db, "report.create") == 1


def test_a_key_reused_with_other_figures_is_refused_clearly(client, db, group, leader, login):
    login(leader)
    client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY})
    response = client.post(_form_url(group), data=dict(FIGURES, expenses="900.000"),
                           headers={"Idempotency-Key": KEY})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "sudah pernah dikirim dengan angka lain" in page
    [report] = _reports(db)
    assert report.expenses == 400_000 and _audit_count(db, "report.update") == 0


def test_an_unanswered_question_leaves_the_key_free_for_the_confirmed_post(client, db, group, leader, login):
    login(leader)
    unusual = {"revenue": "100.000", "expenses": "900.000"}  # expenses 9 x revenue: asked, not stored
    response = client.post(_form_url(group), data=unusual, headers={"Idempotency-Key": KEY})
    assert response.status_code == 200 and "Apakah angka ini sudah benar?" in response.get_data(as_text=True)
    assert _reports(db) == [] and db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    confirmed = client.post(_form_url(group), data=dict(unusual, confirmed="y"), headers={"Idempotency-Key": KEY})
    assert confirmed.status_code == 302
    [report] = _reports(db)
    assert report.confirmed_unusual and report.net == -800_000


def test_keys_belong_to_their_user(app, client, db, group, leader, officer, login):
    login(leader)
    client.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY})
    office = login(officer, test_client=app.test_client())
    # The same key from someone else is their own post: here an officer's correction.
    response = office.post(_form_url(group), data=dict(FIGURES, revenue="1.600.000"),
                           headers={"Idempotency-Key": KEY})
    assert response.status_code == 302
    [report] = _reports(db)
    assert report.revenue == 1_600_000 and report.entered_on_behalf


@pytest.mark.parametrize("key", ["", "kunci dengan spasi", "x" * 129, "ñ"])
def test_a_malformed_key_is_refused_or_ignored_when_empty(client, db, group, leader, login, key):
    login(leader)
    response = client.post(_form_url(group), data=dict(FIGURES, idempotency_key=key))
    if key == "":
        assert response.status_code == 302 and len(_reports(db)) == 1  # no key: an ordinary post
    else:
        assert response.status_code == 200 and "Kunci pengiriman tidak sah" in response.get_data(as_text=True)
        assert _reports(db) == []


@pytest.mark.postgres  # concurrency: PostgreSQL only (SQLite serialises writers)
def test_two_concurrent_posts_with_one_key_store_one_report(app, db, group, leader, login):
    import threading

    from kube.extensions import db as _db

    phones = [login(leader, test_client=app.test_client()) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send(phone):
        def run():
            with app.app_context():
                barrier.wait()
                answers.append(phone.post(_form_url(group), data=FIGURES, headers={"Idempotency-Key": KEY}).status_code)
                _db.session.remove()
        return run

    threads = [threading.Thread(target=send(phone)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [302, 302]
    assert len(_reports(db)) == 1 and _audit_count(db, "report.create") == 1 and _audit_count(db, "report.update") == 0
