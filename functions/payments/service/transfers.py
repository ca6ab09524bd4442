"""Customer transfers: checks, PIN, fraud rules, then one atomic, idempotent movement."""

from __future__ import annotations

from typing import Any

from core.clock import now
from core.events import Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.config import conf
from payments.domain.errors import AccountNotFound, Declined
from payments.domain.fraud import check_amount, counters_for
from payments.domain.movement import scoped_id
from payments.domain.rules import PaymentStatus, check_transfer
from payments.models import TransferRequest
from payments.service.common import DECLINE_CLASSES, Caller, declined_response, limits
from payments.service.views import payment_view
from payments.store import accounts, engine, idempotency, repository


def create_transfer(caller: Caller, request: TransferRequest, key: str) -> dict[str, Any]:
    """→ {"status", "body", "replayed"?}: 201 with the payment, or 422 with a recorded decline."""
    check_transfer(request.from_account, request.to_account, request.amount, conf().min_transfer_amount)
    user_id = caller.principal.user_id
    return idempotency.once(
        "transfers",
        scope=user_id,
        key=key,
        fingerprint=request.fingerprint("pin"),
        run=lambda: _execute(caller, request, scoped_id("pay", user_id, key)),
        lambda_context=caller.lambda_context,
    )


def _execute(caller: Caller, request: TransferRequest, payment_id: str) -> dict[str, Any]:
    found = repository.positions([request.from_account, request.to_account])  # one read for both
    source = found.get(request.from_account)
    if source is None or source.owner_id != caller.principal.user_id:
        raise AccountNotFound("You have no account with this number", field="from_account")
    if request.to_account not in found:
        raise AccountNotFound("The recipient account does not exist", field="to_account")
    accounts.verify_pin(request.from_account, request.pin)
    at = now()
    movement = engine.Movement(
        payment_id=payment_id,
        kind=MovementKind.TRANSFER,
        legs=(Leg(from_account=request.from_account, to_account=request.to_account, amount=request.amount),),
        at=at,
        description=request.description,
        correlation_id=caller.correlation_id,
        initiated_by=caller.principal.user_id,
        counters=tuple(counters_for(request.from_account, request.amount, at, limits())),
    )
    try:
        check_amount(request.amount, limits())
        payment = engine.move(movement)
    except Declined as decline:
        engine.record_decline(movement, decline.code)
        return declined_response(decline, payment_id)
    if payment.get("status") == PaymentStatus.DECLINED.value:
        # A retry after a crash that followed a recorded decline: answer the same decline.
        return declined_response(DECLINE_CLASSES[str(payment["decline_code"])](), payment_id)
    metrics.add_metric(name="transfers", unit=MetricUnit.Count, value=1)
    return {"status": 201, "body": payment_view(payment)}
