"""The one place where errors become RFC 9457 problem documents (application/problem+json)."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError, ErrorKind

STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorKind.UNPROCESSABLE: 422,
    ErrorKind.LOCKED: 423,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
}
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.arhan.financial/problems/"


def status_for(error: DomainError) -> int:
    return STATUS_BY_KIND[error.kind]


def problem_document(
    *, code: str, title: str, status: int, detail: str | None = None, **extra: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
    }
    if detail and detail != title:
        document["detail"] = detail
    document.update(extra)
    return document


def from_error(error: DomainError) -> dict[str, Any]:
    return problem_document(
        code=error.code, title=error.title, status=status_for(error), detail=error.detail, **error.extra
    )


def internal_error(correlation_id: str | None) -> dict[str, Any]:
    """A bug, never a client's fault: no internals leak, the correlation id finds the log line."""
    return problem_document(
        code="internal_error",
        title="Something went wrong on our side",
        status=500,
        correlation_id=correlation_id,
    )
