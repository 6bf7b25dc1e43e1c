"""Marshmallow schemas shared by the JSON API: errors, tokens and regions."""
from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    """The inside of every API error."""

    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ApiErrorSchema(Schema):
    """`{"error": {"code", "message", "fields"}}`."""

    error = fields.Nested(ErrorBodySchema, required=True)


class TokenRequestSchema(Schema):
    """Credentials exchanged for a bearer token."""

    username = fields.String(required=True, validate=lambda s: 0 < len(s) <= 64)
    password = fields.String(required=True, validate=lambda s: 0 < len(s) <= 256, load_only=True)


class TokenSchema(Schema):
    """A new bearer token; shown once."""

    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class KelurahanSchema(Schema):
    """A kelurahan with its Kemendagri code."""

    code = fields.String(required=True, metadata={"example": "36.73.04.1002"})
    name = fields.String(required=True)


class KecamatanSchema(KelurahanSchema):
    """A kecamatan and its kelurahan."""

    kelurahan = fields.List(fields.Nested(KelurahanSchema), required=True)
