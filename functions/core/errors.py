"""Typed errors. Domains raise these (or subclasses); `core.problems` turns them into RFC 9457 documents.

Each error carries a stable machine-readable `code` and a `kind`; the HTTP status is decided by the kind
in exactly one place, so a domain never thinks in status codes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the request is malformed or breaks a field rule
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the resource's state does not allow it now
    UNPROCESSABLE = "unprocessable"  # well-formed, but a business rule refuses it
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"


class DomainError(Exception):
    """Base of every expected error. Subclasses set `code`, `kind` and a human `title`."""

    code: ClassVar[str] = "error"
    kind: ClassVar[ErrorKind] = ErrorKind.UNPROCESSABLE
    title: ClassVar[str] = "The request could not be completed"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


def error_class(code: str, kind: ErrorKind, title: str) -> type[DomainError]:
    """Build a DomainError subclass for a code; used where a bespoke class would add nothing."""
    return type(
        "".join(part.capitalize() for part in code.split("_")),
        (DomainError,),
        {"code": code, "kind": kind, "title": title},
    )


class InvalidRequest(DomainError):
    code = "invalid_request"
    kind = ErrorKind.INVALID
    title = "The request is invalid"


class MalformedJson(DomainError):
    code = "malformed_json"
    kind = ErrorKind.INVALID
    title = "The body is not valid JSON"


class ValidationFailed(DomainError):
    code = "validation_failed"
    kind = ErrorKind.INVALID
    title = "Some fields are invalid"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    kind = ErrorKind.UNSUPPORTED_MEDIA_TYPE
    title = "Send the body as application/json"


class BodyTooLarge(DomainError):
    code = "body_too_large"
    kind = ErrorKind.TOO_LARGE
    title = "The body is too large"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    kind = ErrorKind.UNAUTHENTICATED
    title = "Sign in to continue"


class Forbidden(DomainError):
    code = "forbidden"
    kind = ErrorKind.FORBIDDEN
    title = "You are not allowed to do this"


class PasswordChangePending(DomainError):
    code = "password_change_required"
    kind = ErrorKind.FORBIDDEN
    title = "Change your password before anything else"


class NotFound(DomainError):
    code = "not_found"
    kind = ErrorKind.NOT_FOUND
    title = "Not found"


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    kind = ErrorKind.INVALID
    title = "The cursor is invalid"


class IdempotencyKeyMissing(DomainError):
    code = "idempotency_key_missing"
    kind = ErrorKind.INVALID
    title = "An Idempotency-Key header is required"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    kind = ErrorKind.UNPROCESSABLE
    title = "This Idempotency-Key was used with a different request"


class RateLimited(DomainError):
    code = "rate_limited"
    kind = ErrorKind.RATE_LIMITED
    title = "Too many requests; slow down"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Try again in {retry_after} seconds", retry_after_seconds=retry_after)


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    kind = ErrorKind.UNAVAILABLE
    title = "A dependency is unavailable; try again"
