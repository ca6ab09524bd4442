"""The one engine that moves money: every movement is a single conditional TransactWriteItems.

Per account a netted update conditioned on `state = active` (and, for a debit, on `available >= amount`
unless the account may go negative), the payment record (`attribute_not_exists`), one history entry per
account, fraud counters and the outbox event — all or nothing. The items are built in `store.items`;
they are committed with the low-level client (`core.dynamo.commit`) because PynamoDB reorders the items
by operation type, and cancellation reasons come back by position: see
docs/decisions/0035-payments-transactions.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import dynamo
from core.clock import iso
from core.dynamo import TxItem
from core.errors import DomainError, IdempotencyKeyReused
from core.events import EventType, MoneyMoved, new_event
from payments.domain import errors
from payments.domain.movement import net_changes
from payments.domain.rules import PaymentStatus
from payments.store import repository
from payments.store.items import (
    Movement,
    counter_update,
    entry_values,
    payment_record,
    payment_values,
    position_active_check,
    position_put,
    position_update,
    put_item,
)
from payments.store.models import Entry, OutboxRecord, Payment

# Lower wins when several items of a cancelled transaction failed: say first what the caller can fix least.
_PRIORITY = {
    "duplicate": 0,
    "account_not_found": 1,
    "account_not_active": 2,
    "account_exists": 3,
    "insufficient_funds": 5,
    "velocity_limit_exceeded": 6,
    "daily_limit_exceeded": 7,
    "customer_velocity_limit_exceeded": 8,
    "customer_daily_limit_exceeded": 9,
}
SOURCE = "payments"
OUTBOX_TTL_SECONDS = 14 * 24 * 3600


def commit(items: Sequence[TxItem]) -> None:
    """Write the items atomically; a failed condition raises the most telling item's typed error."""
    dynamo.commit(items, rank=lambda error: _PRIORITY.get(error.code, 4))


def outbox_put(event_type: EventType, data: Mapping[str, Any], correlation_id: str, at: datetime) -> TxItem:
    event = new_event(event_type, SOURCE, data, correlation_id, at)
    values = {
        "event_id": event.event_id,
        "type": event.type.value,
        "body": event.model_dump_json(),
        "correlation_id": correlation_id,
        "created_at": iso(at),
        "expires_at": int(at.timestamp()) + OUTBOX_TTL_SECONDS,
    }
    return put_item(OutboxRecord.Meta.table_name, values, key="event_id")


def movement_items(movement: Movement) -> list[TxItem]:
    changes = net_changes(movement.legs)
    items: list[TxItem] = []
    for account, delta in changes.items():
        if account in movement.custom_positions:
            items.append(movement.custom_positions[account])
        elif account in movement.new_positions:
            items.append(position_put(account, movement.new_positions[account], delta, movement.at))
        elif delta < 0:
            items.append(
                position_update(
                    account,
                    ledger=delta,
                    at=movement.at,
                    need_available=-delta,
                    give_back_try=account == movement.give_back_try,
                )
            )
        elif delta > 0:
            items.append(position_update(account, ledger=delta, at=movement.at))
        else:
            items.append(position_active_check(account))
    items.append(
        put_item(Payment.Meta.table_name, payment_values(movement, PaymentStatus.COMPLETED), key="payment_id")
    )
    for account, delta in changes.items():
        if delta:
            others = [other for other in changes if other != account and (changes[other] > 0) != (delta > 0)]
            items.append(
                put_item(
                    Entry.Meta.table_name,
                    entry_values(movement, account, delta, others, status=PaymentStatus.COMPLETED),
                )
            )
    items.extend(counter_update(check) for check in movement.counters)
    moved = MoneyMoved(
        payment_id=movement.payment_id,
        kind=movement.kind,
        legs=list(movement.legs),
        description=movement.description,
        reverses=movement.reverses,
        committed_at=iso(movement.at),
    )
    items.append(
        outbox_put(EventType.MONEY_MOVED, moved.model_dump(mode="json"), movement.correlation_id, movement.at)
    )
    items.extend(movement.extra)
    return items


@dataclass(frozen=True)
class Moved:
    payment: Payment
    committed: bool  # False: the payment existed already (a replay), nothing was written now


def move(movement: Movement) -> Moved:
    """Commit a movement; idempotent by payment id: the same content answers the stored payment, a
    different one raises `idempotency_key_reused`."""
    try:
        commit(movement_items(movement))
    except errors.Duplicate as duplicate:
        return Moved(_same_payment(movement, duplicate), committed=False)
    return Moved(payment_record(payment_values(movement, PaymentStatus.COMPLETED)), committed=True)


def _same_payment(movement: Movement, duplicate: errors.Duplicate) -> Payment:
    """The payment stored under the movement's id, if it has the same content (a replay)."""
    existing = payment_record(duplicate.existing) if duplicate.existing else None
    existing = existing or repository.payment(movement.payment_id)
    if existing is None or existing.fingerprint != movement.fingerprint:
        raise IdempotencyKeyReused(f"Payment {movement.payment_id} exists with different content") from None
    return existing


def record_decline(movement: Movement, decline: DomainError, extra: Sequence[TxItem] = ()) -> Moved:
    """Write a declined attempt (payment record + the payer's history line, with `extra` items in the
    same transaction); nothing moves. Idempotent like `move`: a payment already stored under the id
    answers if its content is the same."""
    first = movement.legs[0]
    values = payment_values(movement, PaymentStatus.DECLINED, decline)
    items = [
        put_item(Payment.Meta.table_name, values, key="payment_id"),
        put_item(
            Entry.Meta.table_name,
            entry_values(
                movement,
                first.from_account,
                -first.amount,
                [first.to_account],
                status=PaymentStatus.DECLINED,
                decline_code=decline.code,
            ),
        ),
    ]
    try:
        commit([*items, *extra])
    except errors.Duplicate as duplicate:
        return Moved(_same_payment(movement, duplicate), committed=False)
    return Moved(payment_record(values), committed=True)
