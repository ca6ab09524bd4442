"""Transfers and history as their owners and staff see them; staff reversals."""

from __future__ import annotations

import re

from core import errors as shared
from core.clock import now
from core.errors import IdempotencyKeyReused, InvalidRequest
from core.events import Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.domain import errors
from payments.domain.movement import swapped
from payments.domain.rules import PaymentStatus, Reversible, check_reversible, reversal_id
from payments.models import HistoryPage, PaymentView, ReversePayload, StaffPaymentsPage
from payments.service.common import Caller
from payments.service.views import entry_view, payment_view, staff_entry_view
from payments.store import engine, items, repository
from payments.store.models import Payment


def _legs(payment: Payment) -> list[Leg]:
    return [Leg.model_validate(leg) for leg in payment.legs]


def _accounts_of(payment: Payment) -> set[str]:
    legs = _legs(payment)
    return {leg.from_account for leg in legs} | {leg.to_account for leg in legs}


def get_transfer(caller: Caller, payment_id: str) -> PaymentView:
    payment = repository.payment(payment_id)
    if payment is None:
        raise shared.TransferNotFound()
    if not caller.principal.is_staff:
        owners = {position.owner_id for position in repository.positions(_accounts_of(payment)).values()}
        if caller.principal.user_id not in owners:
            raise shared.TransferNotFound()
    return payment_view(payment)


def account_history(caller: Caller, account: str, cursor: str | None, limit: int) -> HistoryPage:
    position = repository.position(account)
    if position is None or not caller.principal.can_see(position.owner_id):
        raise shared.AccountNotFound()
    lines, next_cursor = repository.history(account, cursor, limit)
    return HistoryPage(items=[entry_view(line) for line in lines], next_cursor=next_cursor)


def staff_search(account: str | None, day: str | None, cursor: str | None, limit: int) -> StaffPaymentsPage:
    if account:
        lines, next_cursor = repository.history(account, cursor, limit)
        return StaffPaymentsPage(items=[staff_entry_view(line) for line in lines], next_cursor=next_cursor)
    moment = day or now().date().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", moment):
        raise InvalidRequest("date must be YYYY-MM-DD")
    payments, next_cursor = repository.payments_on(moment, cursor, limit)
    return StaffPaymentsPage(items=[payment_view(item) for item in payments], next_cursor=next_cursor)


def check_reversal(payment_id: str) -> PaymentView:
    """The payment if it may be reversed now (accounts checks a reversal proposal before it is made;
    the reversal's own transaction checks again as it commits)."""
    return payment_view(_reversible_original(payment_id))


def _reversible_original(payment_id: str) -> Payment:
    """The stored payment, if it exists and may be reversed now (else `transfer_not_found`, or the
    reversal rule's refusal)."""
    original = repository.payment(payment_id)
    if original is None:
        raise shared.TransferNotFound()
    check_reversible(
        Reversible(
            kind=original.kind,
            status=original.status,
            reverses=original.reverses,
            reversed_by=original.reversed_by,
        )
    )
    return original


def reverse(payload: ReversePayload, correlation_id: str = "") -> PaymentView:
    """A new movement with the legs swapped and `reverses` set. In the same transaction the original
    and its history lines get `reversed_by`: the original's condition (not reversed yet) and the
    reversal's conditional put (its id is derived from the original's) make it at most once.
    Only accounts calls it, once a second staff member approved the proposal (four eyes)."""
    payment_id, reason = payload.payment_id, payload.reason
    original = _reversible_original(payment_id)
    legs = _legs(original)
    movement = items.Movement(
        payment_id=reversal_id(payment_id),
        kind=MovementKind.REVERSAL,
        legs=tuple(swapped(legs)),
        at=now(),
        description=reason,
        correlation_id=correlation_id,
        initiated_by=payload.initiated_by,
        reverses=payment_id,
        extra=items.reversal_marks(payment_id, original.sort_key, legs, reversal_id(payment_id)),
    )
    try:
        engine.commit(engine.movement_items(movement))
    except (errors.Duplicate, IdempotencyKeyReused):
        raise shared.AlreadyReversed() from None
    metrics.add_metric(name="reversals", unit=MetricUnit.Count, value=1)
    return payment_view(items.payment_record(items.payment_values(movement, PaymentStatus.COMPLETED)))
