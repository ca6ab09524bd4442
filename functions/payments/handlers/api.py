"""The payments Chalice app and what its routes share (caller context, idempotent responses)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalice import Response  # type: ignore[attr-defined]

from core.errors import DomainError, IdempotencyKeyMissing, InvalidRequest
from core.http import BankApp, add_health_routes, correlation_id_of, json_response
from core.observability import MetricUnit, metrics
from core.problems import PROBLEM_CONTENT_TYPE
from payments.service.common import Caller

app = BankApp("payments")
add_health_routes(app, "payments", "/payments/health")

MAX_KEY_LENGTH = 255


def caller() -> Caller:
    return Caller(
        principal=app.principal(),
        correlation_id=correlation_id_of(app.request),
        lambda_context=getattr(app, "lambda_context", None),
    )


def idempotency_key() -> str:
    key = (app.header("Idempotency-Key") or "").strip()
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
