"""Idempotency keys: an API call retried with the same `Idempotency-Key` replays its first answer.

Design: within the request's one transaction the wrapped view first inserts an
`IdempotencyRecord` placeholder for (user, key) and flushes it. The unique constraint on
(user_id, key) reserves the key: on PostgreSQL a concurrent twin's insert waits on the
first request's uncommitted row and, once that commits, fails and reads the stored answer
instead (on SQLite write requests are serialised by BEGIN IMMEDIATE). Then the operation
runs, the response's status and body are stored in the placeholder, and the transaction
edge (`kube.core.transaction.transactional`) commits everything once. A request that fails
(4xx, 5xx, any exception) rolls back, placeholder included, so a corrected retry with the
same key can still run.
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kube.api.schemas import ApiErrorSchema
from kube.core.errors import DomainError, ValidationFailed
from kube.core.transaction import transactional
from kube.extensions import db
from kube.ledger.models import IdempotencyRecord

HEADER = "Idempotency-Key"
#: Set on a response that replays a stored answer instead of running the call again.
REPLAYED_HEADER = "Idempotent-Replayed"
#: 1 to 128 visible ASCII characters (a UUID fits); the column holds 128.
_KEY = re.compile(r"[!-~]{1,128}")

HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]+$"},
    "description": "Optional. A key unique to this operation (for example a UUID), 1-128 visible ASCII "
                   "characters. Retrying with the same key and the same request returns the first "
                   "answer and changes nothing; the same key with another request is refused (422).",
}


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key was already used by this user for a different request."""

    code = "idempotency_key_reused"
    status = 422


def request_fingerprint() -> str:
    """A hash of the method, the path and the JSON body (key order and spacing do not matter)."""
    payload = request.get_json(silent=True)
    if payload is None:
        body = request.get_data(cache=True)
    else:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body_hash = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{request.method} {request.path} {body_hash}".encode()).hexdigest()


def _key_from_header() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        message = _("Idempotency-Key harus 1 sampai 128 karakter ASCII yang terlihat, misalnya sebuah UUID.")
        raise ValidationFailed(message, fields={HEADER: [message]})
    return key


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key)
    )


def _replay(record: IdempotencyRecord, fingerprint: str):
    if record.fingerprint != fingerprint:
        message = _("Idempotency-Key ini sudah dipakai untuk permintaan lain. Gunakan kunci baru.")
        raise IdempotencyKeyReused(message, fields={HEADER: [message]})
    response = current_app.response_class(record.body, status=record.status_code, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _reserve(key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert and flush the placeholder that reserves `key`; None when a concurrent twin got it first."""
    record = IdempotencyRecord(user_id=current_user.id, key=key, fingerprint=fingerprint, status_code=0, body="")
    try:
        # A savepoint, so a refused insert leaves the rest of the transaction usable.
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    return record


def _claim(key: str):
    """This request's reservation of `key`, or else the stored answer to replay: (record, None) or (None, response)."""
    fingerprint = request_fingerprint()
    stored = _stored(key)
    if stored is None:
        record = _reserve(key, fingerprint)
        if record is not None:
            return record, None
        # A twin's insert won; ours waited for its commit, which READ COMMITTED lets this query see.
        stored = _stored(key)
        if stored is None:
            raise RuntimeError(f"{HEADER} {key!r} was taken but nothing is stored")
    return None, _replay(stored, fingerprint)


def idempotent(blp: Blueprint, *, also_422: str = ""):
    """Make a state-changing API view transactional and honour an optional Idempotency-Key header.

    Apply it below `api_access` (the user must be known) and above `blp.arguments` and
    `blp.response` (it stores the serialised answer), in place of `transactional`.
    `also_422` describes the view's own 422 answers in the OpenAPI document.
    """
    description = "idempotency_key_reused: the Idempotency-Key came with another request; " \
                  "validation_error: the key is not 1-128 visible ASCII characters"
    if also_422:
        description = f"{also_422}; or {description}"

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = _key_from_header()
            record = None
            if key is not None:
                record, replay = _claim(key)
                if replay is not None:
                    return replay
            response = current_app.make_response(view(*args, **kwargs))
            if record is not None and response.status_code < 400:
                record.status_code = response.status_code
                record.body = response.get_data(as_text=True)
            return response

        # An error rolls back the placeholder too, so a corrected retry may use the same key.
        wrapper = blp.doc(parameters=[HEADER_PARAMETER])(transactional(wrapper))
        return blp.alt_response(422, schema=ApiErrorSchema, description=description)(wrapper)

    return decorator
