"""Idempotency keys for HTML form posts: a report sent again from a phone is stored once.

A leader's phone keeps a report filled without signal and sends it when the signal returns,
perhaps several times (the answer to the first try may be lost). Each filled form carries one
key (`Idempotency-Key` header or the hidden field `idempotency_key`). The rules and the storage
are the API's (`kube.api.idempotency`): the `IdempotencyRecord` table, one record per (user,
key), 1-128 visible ASCII characters, the same key with other figures refused, and a failed
attempt (a refused rule, an unusual figure still to be confirmed) leaves no record, because the
placeholder is flushed inside the view's one transaction and rolled back with it. What a form
post stores is the place it redirected to, which a replay redirects to again.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kube.core.errors import DomainError, ValidationFailed
from kube.extensions import db
from kube.ledger.models import IdempotencyRecord

HEADER = "Idempotency-Key"
#: The same key as a form field, for a client that cannot set headers.
FIELD = "idempotency_key"
#: The API's rule: 1 to 128 visible ASCII characters (a UUID fits).
_KEY = re.compile(r"[!-~]{1,128}")
#: Stored as the record's status: the form post answered with a redirect.
REDIRECTED = 303


class FormKeyReused(DomainError):
    """The key was already used by this user to send other figures."""

    code = "idempotency_key_reused"
    status = 422


@dataclass
class FormPost:
    """One form post's claim on its key: `replay_to` when it was already done, else `record` to fill (or no key)."""

    record: IdempotencyRecord | None = None
    #: Where the stored post redirected; set only when this post repeats it (nothing is done again).
    replay_to: str | None = None

    @property
    def replayed(self) -> bool:
        """Whether this post repeats one already stored."""
        return self.replay_to is not None


def submitted_key(headers, form) -> str | None:
    """The post's key from the header, or else the hidden field; None without one; ValidationFailed when malformed."""
    key = headers.get(HEADER) or form.get(FIELD) or None
    if key is not None and not _KEY.fullmatch(key):
        message = _("Kunci pengiriman tidak sah. Muat ulang halaman lalu kirim lagi.")
        raise ValidationFailed(message, fields={FIELD: [message]})
    return key


def report_fingerprint(group_id: int, period: date, values: dict) -> str:
    """A hash of what the report post asks for: group, month and the parsed figures (not the CSRF token).

    Amounts are compared as parsed numbers, so "1.500.000" and "1500000" are the same post;
    the confirmation tick is left out, so a confirmed resend of the same figures is the same post.
    """
    payload = json.dumps({"group": group_id, "period": period.isoformat(), **values}, sort_keys=True, default=str)
    return hashlib.sha256(f"report-form {payload}".encode()).hexdigest()


def claim(user_id: int, key: str | None, fingerprint: str) -> FormPost:
    """Reserve `key` for this post, or find the post it repeats; call inside the view's transaction.

    Raises FormKeyReused when the key was used for another post. A concurrent twin's reservation
    is waited for (PostgreSQL's unique index; SQLite serialises writers) and then replayed.
    """
    if key is None:
        return FormPost()
    stored = _stored(user_id, key)
    if stored is None:
        record = IdempotencyRecord(user_id=user_id, key=key, fingerprint=fingerprint, status_code=0, body="")
        try:
            with db.session.begin_nested():  # a refused insert leaves the rest of the transaction usable
                db.session.add(record)
            return FormPost(record=record)
        except IntegrityError:
            stored = _stored(user_id, key)
            if stored is None:
                raise RuntimeError(f"{HEADER} {key!r} was taken but nothing is stored") from None
    if stored.fingerprint != fingerprint:
        message = _("Laporan ini sudah pernah dikirim dengan angka lain. Periksa angkanya lalu kirim lagi.")
        raise FormKeyReused(message, fields={FIELD: [message]})
    return FormPost(replay_to=stored.body or "/")


def done(post: FormPost, location: str) -> None:
    """Remember where the post redirected, for its replays (nothing without a key)."""
    if post.record is not None:
        post.record.status_code = REDIRECTED
        post.record.body = location
        db.session.flush()


def _stored(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )
