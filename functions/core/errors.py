"""Typed errors, and the one catalogue of error codes. Domains raise these (or subclasses); `core.problems`
turns them into RFC 9457 documents.

Each error carries a stable machine-readable `code` and a `kind`; the HTTP status is decided by the kind
in exactly one place, so a domain never thinks in status codes. Every code is registered here when its
class is made, with one `kind` and one `title`: a second declaration that differs fails at import, so a
client never meets one code with two meanings. Codes that more than one service raises or relays are
declared at the end of this module and imported by the services, never declared twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar

CODE = re.compile(r"^[a-z][a-z0-9_]*$")  # the problem document's `code` pattern (tools/openapi.py)


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


class ErrorCodeConflict(TypeError):
    """A code declared again with another kind or title (raised while the second class is made)."""


_CATALOGUE: dict[str, type[DomainError]] = {}


class DomainError(Exception):
    """Base of every expected error. Subclasses set `code`, `kind` and a human `title`; a subclass that
    sets its own `code` is registered in the catalogue (one that inherits its parent's is not)."""

    code: ClassVar[str] = "error"
    kind: ClassVar[ErrorKind] = ErrorKind.UNPROCESSABLE
    title: ClassVar[str] = "The request could not be completed"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _register(cls)

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


def _register(cls: type[DomainError]) -> None:
    if not CODE.match(cls.code):
        raise ValueError(f"Error code {cls.code!r} is not snake_case ({cls.__qualname__})")
    known = _CATALOGUE.get(cls.code)
    if known is not None and (known.kind, known.title) != (cls.kind, cls.title):
        raise ErrorCodeConflict(
            f"Error code {cls.code!r} is declared twice: as ({known.kind}, {known.title!r}) and as "
            f"({cls.kind}, {cls.title!r}); declare it once (core.errors for shared codes) and import it"
        )
    # The same code, kind and title again means the same error: the first class stays the catalogue's.
    # (That each code is written once in the source is tests/unit/core/test_errors_catalogue.py's job.)
    _CATALOGUE.setdefault(cls.code, cls)


def catalogue() -> Mapping[str, type[DomainError]]:
    """Every code registered so far in this process → its class (read-only)."""
    return MappingProxyType(_CATALOGUE)


def error_class(code: str, kind: ErrorKind, title: str) -> type[DomainError]:
    """The class of a code: the registered one when the code is known with this kind and title (so an
    error relayed from another service is raised as the local class), else a new DomainError subclass,
    registered. Another kind or title for a known code is refused (`ErrorCodeConflict`)."""
    known = _CATALOGUE.get(code)
    if known is not None and (known.kind, known.title) == (kind, title):
        return known
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


# ------------------------------------------------------------------ shared by services
# Raised by one service and relayed by another through core.internal (with the same code), or raised by
# two: declared once here, imported by each service's domain/errors.py.
AccountNotFound = error_class("account_not_found", ErrorKind.NOT_FOUND, "No such account")
AccountNotActive = error_class("account_not_active", ErrorKind.UNPROCESSABLE, "The account is not active")
AccountClosed = error_class("account_closed", ErrorKind.CONFLICT, "The account is closed")
AccountNotEmpty = error_class(
    "account_not_empty", ErrorKind.CONFLICT, "Only an account with a zero balance and no holds can be closed"
)
BalanceChanged = error_class(
    "balance_changed", ErrorKind.CONFLICT, "The account's balance or holds changed meanwhile; try again"
)
InsufficientFunds = error_class(
    "insufficient_funds", ErrorKind.UNPROCESSABLE, "The available balance is too low"
)
TransferNotFound = error_class("transfer_not_found", ErrorKind.NOT_FOUND, "No such transfer")
NotReversible = error_class(
    "not_reversible", ErrorKind.CONFLICT, "Only a completed transfer or card payment can be reversed"
)
AlreadyReversed = error_class("already_reversed", ErrorKind.CONFLICT, "The transfer was already reversed")
CardInvalid = error_class("card_invalid", ErrorKind.UNPROCESSABLE, "The card details are wrong")
CardBlocked = error_class("card_blocked", ErrorKind.UNPROCESSABLE, "The card is blocked")
CardExpired = error_class("card_expired", ErrorKind.UNPROCESSABLE, "The card has expired")
CardBusy = error_class(
    "card_busy", ErrorKind.CONFLICT, "Other payments with this card are being checked; try again in a moment"
)
