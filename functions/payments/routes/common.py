"""What the payments routes share: the caller's context, the idempotency key, idempotent responses and
the `failures` metric. Each helper that reads the request takes the calling module's blueprint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalice import Response  # type: ignore[attr-defined]
from pydantic import BaseModel

from core import errors as shared
from core.errors import DomainError, IdempotencyKeyMissing, InvalidRequest
from core.http import BankBlueprint, correlation_id_of, json_response, model_response
from core.observability import MetricUnit, metrics
from core.problems import PROBLEM_CONTENT_TYPE
from payments.domain import errors as e
from payments.service.common import Answer, Caller

MAX_KEY_LENGTH = 255
# What may refuse any movement out of an account (a transfer, a card authorization): the route documents.
MOVEMENT_DECLINES: list[type[DomainError]] = [
    shared.InsufficientFunds,
    shared.AccountNotActive,
    e.AmountLimitExceeded,
    e.VelocityLimitExceeded,
    e.DailyLimitExceeded,
    e.CustomerVelocityLimitExceeded,
    e.CustomerDailyLimitExceeded,
]


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


def stored_response[ViewT: BaseModel](answer: Answer[ViewT], location: Callable[[ViewT], str]) -> Response:
    """An idempotent operation's answer: what it created, at `location(view)`, or a recorded decline;
    a replay says so in `Idempotency-Replayed`."""
    headers = {"Idempotency-Replayed": "true"} if answer.replayed else {}
    if isinstance(answer.body, BaseModel):
        return model_response(answer.body, answer.status, {**headers, "Location": location(answer.body)})
    return json_response(answer.body, answer.status, {**headers, "Content-Type": PROBLEM_CONTENT_TYPE})


@contextmanager
def counted_failures() -> Iterator[None]:
    """Count refused money operations (the `failures` metric) without changing the error."""
    try:
        yield
    except DomainError:
        metrics.add_metric(name="failures", unit=MetricUnit.Count, value=1)
        raise
