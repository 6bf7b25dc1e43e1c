"""The one PDF helper: HTML to PDF with bundled fonts, a shared stylesheet and a fetcher limited to static files.

Everything a document may load (the shared stylesheet, the fonts, the office logo) lives in the app's
static folder; the fetcher serves those files and refuses every other URL (other files, `..` escapes,
symlinks out of the folder, http(s), data:), so a template mistake can never read the server's files
or reach the network. Refusals stop the rendering instead of being skipped quietly.
"""
from __future__ import annotations

import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

#: The stylesheet every PDF gets (fonts, A4 page, type), relative to the static folder.
SHARED_STYLESHEET = "css/pdf.css"
#: Media types WeasyPrint relies on, fixed here rather than left to the machine's mime.types.
MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff",
               ".woff2": "font/woff2"}


class RefusedResource(FatalURLFetchingError):
    """A document asked for something other than a file in the static folder.

    WeasyPrint only lets a fetcher stop the rendering with this BaseException subclass;
    `render_pdf` turns it into `UnsafeDocument`, an ordinary exception.
    """


class UnsafeDocument(RuntimeError):
    """Rendering stopped because the document asked for a resource it may not have."""


class StaticFileFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files inside one folder and refuses every other URL."""

    def __init__(self, root: Path | str):
        # No handlers are used: `fetch` below never calls urllib, so nothing can go out on the network.
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(root).resolve()

    def resolve(self, url: str) -> Path:
        """The file `url` names inside the folder, or RefusedResource."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            raise RefusedResource(f"refused {url!r}: only files in the static folder are served")
        # resolve() settles `..`, percent-encoded dots and symlinks before the containment check.
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedResource(f"refused {url!r}: not a file in the static folder")
        return path

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Serve a static file's bytes with its media type."""
        path = self.resolve(url)
        media_type = (MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
                      or "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type})


@dataclass
class _SharedResources:
    """A font configuration and the stylesheet parsed against it, reused for every document."""

    font_config: FontConfiguration
    stylesheet: CSS


# WeasyPrint documents are not meant to share font configurations across threads, so each thread
# keeps its own; reusing them within a thread saves parsing the stylesheet and loading fonts per letter.
_local = threading.local()


def _shared(static_folder: Path) -> _SharedResources:
    cache = getattr(_local, "resources", None)
    if cache is None:
        cache = _local.resources = {}
    resources = cache.get(static_folder)
    if resources is None:
        font_config = FontConfiguration()
        stylesheet = CSS(url=(static_folder / SHARED_STYLESHEET).as_uri(),
                         url_fetcher=StaticFileFetcher(static_folder), font_config=font_config)
        resources = cache[static_folder] = _SharedResources(font_config, stylesheet)
    return resources


def forget_shared_resources() -> None:
    """Drop this thread's cached fonts and stylesheet (after the static files change, or in tests)."""
    _local.resources = {}


def static_base_url(static_folder: Path | str) -> str:
    """The base URL documents resolve relative links against: the static folder, as a file URL."""
    return Path(static_folder).resolve().as_uri() + "/"


def render_pdf(html: str, static_folder: Path | str | None = None) -> bytes:
    """Render an HTML string to PDF bytes with the shared fonts and stylesheet.

    Relative URLs in `html` (e.g. `img/logo.svg`) resolve against `static_folder` (the app's by
    default); anything outside it stops the rendering with UnsafeDocument.
    """
    root = Path(static_folder or current_app.static_folder).resolve()
    resources = _shared(root)
    document = HTML(string=html, base_url=static_base_url(root), url_fetcher=StaticFileFetcher(root))
    try:
        return document.write_pdf(stylesheets=[resources.stylesheet], font_config=resources.font_config)
    except RefusedResource as refused:
        raise UnsafeDocument(str(refused)) from None
