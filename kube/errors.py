"""Errors mapped to responses in one place: styled pages for people, JSON for the API."""
from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from kube.core.errors import DomainError
from kube.extensions import db
from kube.security import is_api_request

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def _messages() -> dict[int, str]:
    return {
        400: _("Permintaan tidak valid."),
        401: _("Silakan masuk terlebih dahulu."),
        403: _("Anda tidak berhak membuka halaman ini."),
        404: _("Halaman atau data yang dicari tidak ditemukan."),
        405: _("Metode ini tidak diizinkan."),
        409: _("Perubahan ditolak karena bertentangan dengan data yang ada."),
        413: _("Berkas terlalu besar."),
        415: _("Jenis isi permintaan tidak didukung."),
        422: _("Isian tidak valid."),
        429: _("Terlalu banyak percobaan. Silakan coba lagi beberapa saat lagi."),
        500: _("Terjadi kesalahan pada sistem. Perubahan Anda tidak disimpan."),
    }


def api_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    """A JSON error body in the shape every API client can rely on."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    body["error"].update(extra)
    return jsonify(body), status


def _flatten_webargs_messages(messages) -> dict[str, list[str]]:
    """webargs nests errors by location (json, query); clients want one message list per field."""
    fields: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    for location_errors in messages.values():
        if not isinstance(location_errors, dict):
            fields.setdefault("_schema", []).extend(map(str, location_errors))
            continue
        for field, errors in location_errors.items():
            if isinstance(errors, dict):  # nested schema: keep the first level's key
                errors = [f"{key}: {value}" for key, value in errors.items()]
            elif not isinstance(errors, list):
                errors = [str(errors)]
            fields.setdefault(field, []).extend(map(str, errors))
    return fields


def handle_http_exception(error: HTTPException):
    """Render any HTTP error as an API error or a styled page."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    message = _messages().get(status, error.description or "")
    if is_api_request():
        fields = {}
        data = getattr(error, "data", None) or {}
        if "messages" in data:
            fields = _flatten_webargs_messages(data["messages"])
        response, status = api_error(status, API_CODES.get(status, "error"), message, fields)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="kube"'
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, status
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def handle_domain_error(error: DomainError):
    """A refused business rule that no view caught: answer with its status and message."""
    db.session.rollback()
    if is_api_request():
        return api_error(error.status, error.code, error.message, error.fields, **error.extra)
    template = f"errors/{error.status}.html" if error.status in (403, 404) else "errors/generic.html"
    return render_template(template, status=error.status, message=error.message), error.status


def handle_unexpected_error(error: Exception):
    """Roll back whatever the request changed and show the 500 page."""
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    return handle_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for HTTP errors, domain errors and anything unexpected."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.config.get("TESTING") or app.config.get("HANDLE_UNEXPECTED_ERRORS"):
        app.register_error_handler(Exception, handle_unexpected_error)
