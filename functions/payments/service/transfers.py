"""Customer transfers: request checks, the PIN (a try taken first), then one atomic, idempotent movement.

Order (docs/security.md): the request alone, then the caller's own account and PIN, and only after the
PIN is judged right anything about the recipient, so a wrong PIN never tells whether an account exists
or what state it is in.

Idempotency costs no request of its own (decision 0040): the payment id is derived from (caller,
Idempotency-Key) and the payment record, put under `attribute_not_exists` in the movement's own
transaction, is the idempotency record. A replay finds it (the transaction is cancelled on it), compares
the stored fingerprint and answers the stored payment or decline.
"""

from __future__ import annotations

from dataclasses import replace

from core.clock import now
from core.errors import AccountNotFound, DomainError
from core.events import Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.domain import pins as pin_rules
from payments.domain.errors import Declined, PinInvalid, PinLocked
from payments.domain.fraud import check_amount, counters_for
from payments.domain.movement import scoped_id
from payments.domain.rules import PaymentStatus, check_transfer
from payments.models import PaymentView, TransferRequest
from payments.service.common import DECLINE_CLASSES, Answer, Caller, declined_response, limits
from payments.service.views import payment_view
from payments.settings import conf
from payments.store import engine, items, keys, pins
from payments.store.models import Payment


def create_transfer(caller: Caller, request: TransferRequest, key: str) -> Answer[PaymentView]:
    """201 with the payment, or 422 with a recorded decline."""
    check_transfer(request.from_account, request.to_account, request.amount, conf().min_transfer_amount)
    return _execute(caller, request, scoped_id("pay", caller.principal.user_id, key))


def judge_pin(account: str, owner_id: str, pin: str, at: int) -> None:
    """Take a try, then compare: raises `pin_invalid` (tries left) or `pin_locked`; returns when right."""
    taken = pins.take_try(account, owner_id, at)
    if pin_rules.pin_matches(keys.pin_key(), account, pin, taken.pin_hash):
        return
    tries = pins.record_wrong(account)
    left = tries.left(pin_rules.PIN_TRIES.limit)
    if left == 0:
        raise PinLocked(tries.retry_after(at))
    raise PinInvalid(left)


def _execute(caller: Caller, request: TransferRequest, payment_id: str) -> Answer[PaymentView]:
    at = now()
    judge_pin(request.from_account, caller.principal.user_id, request.pin, int(at.timestamp()))
    movement = items.Movement(
        payment_id=payment_id,
        kind=MovementKind.TRANSFER,
        legs=(Leg(from_account=request.from_account, to_account=request.to_account, amount=request.amount),),
        at=at,
        description=request.description,
        correlation_id=caller.correlation_id,
        initiated_by=caller.principal.user_id,
        counters=tuple(
            counters_for(request.from_account, caller.principal.user_id, request.amount, at, limits())
        ),
        give_back_try=request.from_account,
    )
    try:
        check_amount(request.amount, limits())
        moved = engine.move(movement)
    except Declined as decline:
        pins.give_back(request.from_account)
        recorded = engine.record_decline(movement, decline)
        if recorded.committed:
            return declined_response(decline, payment_id)
        return _replay(recorded.payment, payment_id)
    except AccountNotFound as missing:
        pins.give_back(request.from_account)
        # Only now, with the PIN judged right, may the caller learn that the recipient does not exist.
        raise AccountNotFound("The recipient account does not exist", field="to_account") from missing
    except DomainError:
        # The PIN was right and the payment was refused (nothing written): the try goes back. On an
        # unknown outcome the try stays taken until its window ends, so it can never come back twice.
        pins.give_back(request.from_account)
        raise
    if not moved.committed:
        pins.give_back(request.from_account)  # nothing moved now
        return _replay(moved.payment, payment_id)
    metrics.add_metric(name="transfers", unit=MetricUnit.Count, value=1)
    return Answer(payment_view(moved.payment))


def _replay(payment: Payment, payment_id: str) -> Answer[PaymentView]:
    """The answer stored under this key: the same payment, or the same recorded decline."""
    answer: Answer[PaymentView]
    if payment.status == PaymentStatus.DECLINED.value:
        decline = DECLINE_CLASSES[str(payment.decline_code)](payment.decline_detail)
        answer = declined_response(decline, payment_id)
    else:
        answer = Answer(payment_view(payment))
    return replace(answer, replayed=True)
