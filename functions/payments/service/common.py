"""What every client-facing flow shares: the caller's context, fraud limits, responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from core import problems
from core.auth import Principal
from core.observability import MetricUnit, metrics
from payments.domain.errors import Declined
from payments.domain.fraud import FraudLimits
from payments.settings import conf


@dataclass(frozen=True)
class Caller:
    principal: Principal
    correlation_id: str = ""
    lambda_context: Any = None


def limits() -> FraudLimits:
    settings = conf()
    return FraudLimits(
        max_single_amount=settings.max_single_amount,
        velocity_per_minute=settings.velocity_per_minute,
        daily_outgoing_limit=settings.daily_outgoing_limit,
        customer_velocity_per_minute=settings.customer_velocity_per_minute,
        customer_daily_outgoing_limit=settings.customer_daily_outgoing_limit,
    )


@dataclass(frozen=True)
class Answer[ViewT: BaseModel]:
    """An idempotent operation's answer, the same for every replay of its key: what it created (201),
    or the problem document of a recorded decline."""

    body: ViewT | dict[str, Any]
    status: int = 201
    replayed: bool = False


def declined_response[ViewT: BaseModel](decline: Declined, payment_id: str) -> Answer[ViewT]:
    """A decline is an answer, not a failure: it is stored under the idempotency key like a success."""
    metrics.add_metric(name="declines", unit=MetricUnit.Count, value=1)
    return Answer({**problems.from_error(decline), "payment_id": payment_id}, problems.status_for(decline))


DECLINE_CLASSES: dict[str, type[Declined]] = {cls.code: cls for cls in Declined.__subclasses__()}
