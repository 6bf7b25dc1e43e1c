"""Looking up a grant or letter for the current user (404 otherwise), and a letter's PDF as a download.

Shared by the letter pages and the API, which must not import each other's view modules; the
access rule is the groups' (`kube.groups.access.visible_or_404`).
"""
from __future__ import annotations

import io
import re

from flask import send_file
from flask_login import current_user

from kube.audit.operations import record_access
from kube.core.transaction import committed_after_response
from kube.extensions import db
from kube.groups.access import visible_or_404
from kube.ledger.letters import export_file_name
from kube.ledger.models import Grant, Letter


def visible_grant(grant_id: int) -> Grant:
    """The grant, or 404 when it does not exist or the current user may not see its group."""
    return visible_or_404(db.session.get(Grant, grant_id))


def visible_letter(letter_id: int) -> Letter:
    """The letter, or 404 when it does not exist or the current user may not see its group."""
    return visible_or_404(db.session.get(Letter, letter_id), lambda letter: letter.grant.group_id)


def pdf_response(letter: Letter):
    """The stored PDF, byte for byte, with its SHA-256 as the ETag; the receiver's full NIK in it is recorded as shown."""
    receiver_id = letter.grant.received_by_member_id
    committed_after_response(lambda: record_access("letter_pdf", actor=current_user, member_ids=[receiver_id]))
    response = send_file(io.BytesIO(letter.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"BAST-{export_file_name(letter)}", etag=letter.sha256,
                         conditional=False, max_age=0)
    response.headers["X-Letter-Number"] = re.sub(r"[^\x20-\x7e]", "?", letter.number)
    return response
