"""The PDF helper serves only static files, and user text in letters is printed as text: nothing fetched or embedded."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from kube.core import pdf
from kube.core.pdf import RefusedResource, StaticFileFetcher, UnsafeDocument, render_pdf, static_base_url
from kube.ledger import letters
from tests.factories import make_budget, make_grant, make_group, make_user
from tests.test_letters import HANDOVER, pdf_pages

PASSWD_IMG = '<img src="file:///etc/passwd">'
PASSWD_LINK = '<link rel="attachment" href="file:///etc/passwd">'
METADATA_URL = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture
def static(app) -> Path:
    return Path(app.static_folder).resolve()


# -- the fetcher on its own ---------------------------------------------------------------------

@pytest.mark.parametrize("name, media_type", [
    ("css/pdf.css", "text/css"), ("img/logo.svg", "image/svg+xml"), ("fonts/DejaVuSerif.ttf", "font/ttf"),
])
def test_fetcher_serves_static_files(static, name, media_type):
    response = StaticFileFetcher(static).fetch((static / name).as_uri())
    assert response.read() == (static / name).read_bytes()
    assert response.content_type == media_type


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://evil.example/share/x.png",
    METADATA_URL,
    "https://example.com/logo.png",
    "ftp://example.com/logo.png",
    "data:image/svg+xml;base64,PHN2Zy8+",
    "data:text/css,body{}",
    "javascript:alert(1)",
    "img/logo.svg",  # relative: only ever resolved by WeasyPrint against the static folder
])
def test_fetcher_refuses_everything_else(static, url):
    with pytest.raises(RefusedResource):
        StaticFileFetcher(static).fetch(url)


def test_fetcher_refuses_paths_that_climb_out_of_the_static_folder(static):
    fetcher = StaticFileFetcher(static)
    base = static_base_url(static)
    for url in (base + "../../config.py", base + "css/../../__init__.py", base + "%2e%2e/%2e%2e/config.py",
                base + "css/..%2f..%2fmodels.py", base + "img/logo.svg?x=1", base + "css/", base + "nothing.png"):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)


def test_fetcher_refuses_a_symlink_out_of_the_folder(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "inside.txt").write_text("fine")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not print")
    (root / "escape.txt").symlink_to(secret)
    fetcher = StaticFileFetcher(root)
    assert fetcher.fetch((root / "inside.txt").as_uri()).read() == b"fine"
    with pytest.raises(RefusedResource):
        fetcher.fetch((root / "escape.txt").as_uri())


@pytest.mark.parametrize("markup", [
    PASSWD_IMG,
    PASSWD_LINK,
    f'<img src="{METADATA_URL}">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    '<style>@import url("http://169.254.169.254/x.css");</style>',
    '<div style="background: url(file:///etc/passwd)">x</div>',
    '<img src="../../config.py">',
    '<object data="file:///etc/passwd"></object>',
])
def test_render_stops_when_a_document_asks_for_anything_but_static_files(app, markup):
    # As if a template printed markup unescaped: the helper refuses instead of reading or fetching it.
    with pytest.raises(UnsafeDocument):
        render_pdf(f"<html><body><p>Berita acara</p>{markup}</body></html>")


# -- a whole letter full of hostile text ----------------------------------------------------------

@pytest.fixture
def fetched(monkeypatch):
    """Every URL any PDF fetcher is asked for during the test (fonts and stylesheet included)."""
    requested: list[str] = []
    original = StaticFileFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording)
    pdf.forget_shared_resources()  # so the shared stylesheet and fonts are fetched (and recorded) again
    yield requested
    pdf.forget_shared_resources()


HOSTILE = f'<b>Kube</b> {PASSWD_IMG} {PASSWD_LINK} <a href="{METADATA_URL}">x</a><script>alert(1)</script>'


def test_hostile_text_is_printed_as_text_and_nothing_is_fetched_or_embedded(db, static, fetched):
    from kube.groups import operations as group_operations
    from tests.factories import member_values

    maker, checker = make_user("officer"), make_user("officer")
    make_budget(maker)
    group = make_group(maker, members=0, name=f"Kube {PASSWD_IMG}"[:120],
                       address=f'Jl. <img src="{METADATA_URL}">')
    group_operations.add_member(group, member_values("ketua", name='Ujang <link rel="attachment" href="x">'), maker)
    for _ in range(4):
        group_operations.add_member(group, member_values(), maker)
    group_operations.transition_group(group, "active", maker)
    lines = [
        {"kind": "equipment", "item": PASSWD_IMG, "specification": PASSWD_LINK, "quantity": 2, "unit": "<u>unit</u>",
         "unit_value": 6_500_000},
        {"kind": "equipment", "item": f'<img src="{METADATA_URL}">', "specification": HOSTILE[:255], "quantity": 1,
         "unit": "buah", "unit_value": 100_000},
    ]
    grant = make_grant(maker, checker, status="approved", group=group, lines=lines)
    grant.note = HOSTILE
    grant.approved_at = grant.approved_at.replace(year=2025, month=8, day=1)
    from kube.ledger import operations

    operations.handover_grant(grant, HANDOVER, group.ketua, maker, today=HANDOVER)
    db.session.commit()
    letter = letters.current_letter(grant.id)

    html = letters.render_letter_html(letters.letter_content(grant, letter.number, letter.token))
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html and PASSWD_IMG not in html
    assert PASSWD_LINK not in html and "<script>" not in html and METADATA_URL + '">' not in html

    # Only files of the static folder were asked for: the stylesheet, its fonts and the logo.
    base = static_base_url(static)
    assert base + "css/pdf.css" in fetched and base + "img/logo.svg" in fetched, fetched  # the recorder works
    assert all(url.startswith(base) for url in fetched), fetched
    assert not any("passwd" in url or "169.254" in url for url in fetched)
    assert {url.removeprefix(base) for url in fetched} <= {
        "css/pdf.css", "img/logo.svg", "fonts/DejaVuSerif.ttf", "fonts/DejaVuSerif-Bold.ttf",
        "fonts/DejaVuSerif-Italic.ttf", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf"}

    reader = PdfReader(io.BytesIO(letter.pdf))
    assert not reader.attachments
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    text = " ".join(pdf_pages(letter.pdf))
    # The hostile text is there, as the characters that were typed.
    for typed in (PASSWD_IMG, PASSWD_LINK, "<script>alert(1)</script>", "<b>Kube</b>",
                  'Ujang <link rel="attachment" href="x">'):
        assert typed in text, typed
    assert "root:x:0:0" not in text


def test_verification_page_escapes_hostile_group_names(client, db):
    maker, checker = make_user("officer"), make_user("officer")
    make_budget(maker)
    group = make_group(maker, members=5, status="active", name='Kube <script>alert(1)</script>')
    grant = make_grant(maker, checker, status="handed_over", group=group)
    db.session.commit()
    html = client.get(f"/verify/{letters.current_letter(grant.id).token}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


@pytest.mark.parametrize("logo", ["../../config.py", "/etc/passwd", "img/nothing.svg", "file:///etc/passwd"])
def test_a_logo_outside_the_static_folder_is_refused_at_startup(logo):
    from config import ConfigError, TestConfig
    from kube import create_app

    with pytest.raises(ConfigError):
        create_app(TestConfig, OFFICE_LOGO=logo)


@pytest.mark.parametrize("app_overrides", [{"OFFICE_LOGO": ""}])
def test_a_letter_without_a_logo_fetches_only_the_stylesheet_and_fonts(db, static, fetched):
    maker, checker = make_user("officer"), make_user("officer")
    make_budget(maker)
    grant = make_grant(maker, checker, status="handed_over")
    db.session.commit()
    assert letters.current_letter(grant.id).pdf.startswith(b"%PDF-")
    assert fetched and not [url for url in fetched if not url.endswith((".css", ".ttf"))], fetched
