"""Responses that carry personal data (full NIKs) are never stored by a cache: `Cache-Control: no-store`.

Issue 12: send_file (letter PDFs, letter exports) set its own `no-cache`, which lets browsers and
proxies keep a copy and only revalidate it, and the app then left that header alone.
"""
from __future__ import annotations

from datetime import date

import pytest

from kube.ledger.letters import current_letter
from tests.factories import make_budget, make_grant


@pytest.fixture
def letter(db, staff, group):
    """A grant to `group` handed over, so it has its letter (which lists the members)."""
    make_budget(staff["maker"])
    grant = make_grant(staff["maker"], staff["checker"], status="handed_over", group=group,
                       handover_date=date(2025, 8, 28))
    db.session.commit()
    return grant


def _assert_not_stored(response, content_type: str):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type.startswith(content_type)
    assert response.headers.get_all("Cache-Control") == ["no-store"]


def test_letter_pdfs_are_not_stored(client, login, staff, letter, bearer):
    login(staff["maker"])
    _assert_not_stored(client.get(f"/grants/{letter.id}/letter.pdf"), "application/pdf")
    _assert_not_stored(client.get(f"/letters/{current_letter(letter.id).id}.pdf"), "application/pdf")
    _assert_not_stored(client.get(f"/api/v1/grants/{letter.id}/letter.pdf", headers=bearer(staff["maker"])),
                       "application/pdf")


@pytest.mark.parametrize("fmt, content_type", [("zip", "application/zip"), ("pdf", "application/pdf")])
def test_letter_exports_are_not_stored(client, login, staff, letter, fmt, content_type):
    login(staff["maker"])
    _assert_not_stored(client.get(f"/letters/export?year=2025&fmt={fmt}"), content_type)


@pytest.mark.parametrize("path, content_type", [
    ("/groups/export.csv", "text/csv"),
    ("/groups/export.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("/members/export.csv", "text/csv"),
    ("/members/export.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_group_and_member_exports_are_not_stored(client, login, officer, group, path, content_type):
    login(officer)  # officers export full NIKs
    response = client.get(path)
    _assert_not_stored(response, content_type)
    if path == "/members/export.csv":
        assert group.current_members[0].nik in response.get_data(as_text=True)


def test_the_api_docs_assets_keep_their_public_caching(client):
    # The one deliberate exception: Swagger UI's files, public and the same for everyone.
    from kube.api.docs import ASSETS

    response = client.get(f"/api/v1/docs/assets/{sorted(ASSETS)[0]}")
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age > 0
    assert not response.cache_control.no_store
