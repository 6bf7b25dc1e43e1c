"""Serving the photos of equipment checks and handovers to staff, and reading photo uploads from forms.

Photos live in the database (`Photo.data`), never under static/ or on disk, and are served only by
`ledger.photo` to administrators, officers and viewers: a leader or a visitor never gets one, and no
public page (the letter's verify page) or letter shows them.
"""
from __future__ import annotations

from flask import Response, abort, current_app, request
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kube.auth.permissions import allowed
from kube.auth.roles import can_see_all_groups
from kube.extensions import csrf, db
from kube.ledger import bp
from kube.ledger.models import Photo
from kube.ledger.photos import MAX_PHOTOS, PHOTO_MAX_BYTES, Upload

#: How long the browser may keep a photo without asking again: a stored photo never changes.
CACHE_SECONDS = 7 * 24 * 3600
#: Room for the form's other fields and the multipart envelope around the photos.
MULTIPART_ROOM = 256 * 1024
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


@bp.route("/photos/<int:photo_id>")
@allowed(can_see_all_groups)
def photo(photo_id: int):
    """One stored photo, as stored, with its SHA-256 as ETag; a browser that has it is answered 304."""
    found = db.session.execute(
        select(Photo.sha256, Photo.content_type).where(Photo.id == photo_id)
    ).first()
    if found is None:
        abort(404)
    sha256, content_type = found
    response = Response(mimetype=content_type)
    response.set_etag(sha256)
    # Private: a shared cache (a proxy) never keeps it; the staff member's own browser may, as the bytes never change.
    response.cache_control.private = True
    response.cache_control.max_age = CACHE_SECONDS
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="foto-{photo_id}.{_EXTENSIONS[content_type]}"'
    if sha256 in request.if_none_match:
        response.status_code = 304
        return response
    # Only now are the bytes read (the column is deferred).
    response.set_data(db.session.scalar(select(Photo.data).where(Photo.id == photo_id)))
    return response


# -- uploads, for the check and handover forms ------------------------------------------------

def accept_photo_uploads() -> None:
    """Before a form with photos is read: room for MAX_PHOTOS full-size photos, and the CSRF check.

    The app-wide limit (MAX_CONTENT_LENGTH) is smaller than a few phone photos, and the app-wide CSRF
    check would read the body under it; the views using this are exempt from it and check here instead.
    """
    if request.method != "POST":
        return
    request.max_content_length = MAX_PHOTOS * PHOTO_MAX_BYTES + MULTIPART_ROOM
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


def uploads(files: list[FileStorage] | None) -> list[Upload]:
    """The chosen files with their bytes, each read up to one byte past the limit (enough to refuse it)."""
    return [Upload(storage.filename or "", storage.read(PHOTO_MAX_BYTES + 1)) for storage in files or []
            if storage and storage.filename]
