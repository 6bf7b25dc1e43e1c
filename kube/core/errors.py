"""Named domain errors raised by operations and mapped to responses in one place."""
from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; `code` and `status` tell the API what to answer."""

    code = "domain_error"
    status = 409

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class ValidationFailed(DomainError):
    """Input values break a rule about the fields themselves."""

    code = "validation_error"
    status = 422


class NeedsConfirmation(DomainError):
    """Values are plausible but unusual; the caller must confirm them."""

    code = "needs_confirmation"
    status = 422


class Conflict(DomainError):
    """The change conflicts with data already stored (duplicates, stale state)."""

    code = "conflict"
    status = 409


class InvalidTransition(DomainError):
    """A state machine refused the requested transition."""

    code = "invalid_transition"
    status = 409


class PermissionDenied(DomainError):
    """The user may not do this to this object."""

    code = "forbidden"
    status = 403


class NotFound(DomainError):
    """The object does not exist or is not visible to the user."""

    code = "not_found"
    status = 404
