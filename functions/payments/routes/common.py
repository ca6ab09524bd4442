"""What the payments routes share: the caller's context, the idempotency key, idempotent responses and
the `failures` metric. Each helper that reads the request takes the calling module's blueprint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalice import Response  # type: ignore[attr-defined]

from core.errors import DomainError, IdempotencyKeyMissing, InvalidRequest
from core.http import BankBlueprint, correlation_id_of, json_response
from core.observability import MetricUnit, metrics
from core.problems import PROBLEM_CONTENT_TYPE
from payments.service.common import Caller

MAX_KEY_LENGTH = 255


def caller(bp: BankBlueprint) -> Caller:
    return Caller(
        principal=bp.principal(),
        correlation_id=correlation_id_of(bp.request),
        lambda_context=getattr(bp, "lambda_context", None),
    )


def idempotency_key(bp: BankBlueprint) -> str:
    key = (bp.header("Idempotency-Key") or "").strip()
    if not key:
        raise IdempotencyKeyMissing()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters")
    return key


def stored_response(result: dict[str, Any], location: str | None = None) -> Response:
    """An idempotent operation's answer; a replay says so in `Idempotency-Replayed`."""
    status = int(result["status"])
    headers = {"Idempotency-Replayed": "true"} if result.get("replayed") else {}
    if status >= 400:
        headers["Content-Type"] = PROBLEM_CONTENT_TYPE
    elif location:
        headers["Location"] = location
    return json_response(result["body"], status, headers)


@contextmanager
def counted_failures() -> Iterator[None]:
    """Count refused money operations (the `failures` metric) without changing the error."""
    try:
        yield
    except DomainError:
        metrics.add_metric(name="failures", unit=MetricUnit.Count, value=1)
        raise
