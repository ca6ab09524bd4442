"""The one engine that moves money: every movement is a single conditional TransactWriteItems.

Per account a netted update conditioned on `state = active` (and, for a debit, on `available >= amount`
unless the account may go negative), the payment record (`attribute_not_exists`), one history entry per
account, fraud counters and the outbox event — all or nothing. The low-level client is used (not
PynamoDB's TransactWrite) because PynamoDB reorders the items by operation type, and cancellation
reasons come back by position: see docs/decisions/0035-payments-transactions.md.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from core import aws
from core.clock import iso
from core.dynamo import ITEM_CONDITION_FAILED, from_item, to_item
from core.errors import DomainError, IdempotencyKeyReused, ServiceUnavailable
from core.events import EventType, Leg, MoneyMoved, MovementKind, new_event
from core.observability import logger
from payments.domain import errors
from payments.domain.fraud import CounterCheck
from payments.domain.movement import fingerprint, net_changes, total_amount
from payments.domain.rules import PaymentStatus, shard_of
from payments.store.models import Counter, Entry, OutboxRecord, Payment, Position

MAX_ATTEMPTS = 6
RETRYABLE_CODES = frozenset(
    {
        "TransactionConflict",
        "TransactionInProgressException",
        "ThrottlingException",
        "ThrottlingError",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
    }
)
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


@dataclass(frozen=True)
class TxItem:
    """One operation of a transaction and the typed error its failed condition means."""

    op: dict[str, Any]
    on_fail: Callable[[dict[str, Any] | None], DomainError]


def commit(items: Sequence[TxItem]) -> None:
    """Write the items atomically; a failed condition raises the most telling item's typed error."""
    token = secrets.token_hex(16)  # the same token across retries: DynamoDB applies it at most once
    for attempt in range(MAX_ATTEMPTS):
        try:
            aws.client("dynamodb").transact_write_items(
                TransactItems=[item.op for item in items], ClientRequestToken=token
            )
            return
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "TransactionCanceledException":
                reasons = _reasons(error)
                failed = [
                    items[index].on_fail(from_item(reason.get("Item")))
                    for index, reason in enumerate(reasons)
                    if index < len(items) and reason.get("Code") == ITEM_CONDITION_FAILED
                ]
                if failed:
                    raise min(failed, key=lambda e: _PRIORITY.get(e.code, 4)) from None
                if not all(reason.get("Code") in RETRYABLE_CODES | {"None", None} for reason in reasons):
                    raise
            elif code not in RETRYABLE_CODES:
                raise
            logger.warning("Transaction retried", extra={"attempt": attempt, "code": code})
            time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + secrets.randbelow(100) / 100))
    raise ServiceUnavailable("The accounts are busy; try again")


def _reasons(error: ClientError) -> list[dict[str, Any]]:
    # As on AWS: the local cloud's DynamoDB provider returns CancellationReasons too (tests/localcloud).
    return [dict(reason) for reason in error.response.get("CancellationReasons") or []]


# ------------------------------------------------------------------ position operations
_POSITION_NAMES = {
    "#st": "state",
    "#lb": "ledger_balance",
    "#av": "available",
    "#held": "held",
    "#neg": "allow_negative",
    "#ver": "version",
    "#upd": "updated_at",
    "#pt": "pin_tries",
}


def _position_failure(account: str) -> Callable[[dict[str, Any] | None], DomainError]:
    def explain(old: dict[str, Any] | None) -> DomainError:
        if old is None:
            return errors.AccountNotFound(f"Account {account} does not exist", account=account)
        if old.get("state") != "active":
            return errors.AccountNotActive(f"Account {account} is {old.get('state')}", account=account)
        return errors.InsufficientFunds(f"Account {account} has too little available", account=account)

    return explain


def position_update(
    account: str,
    *,
    ledger: int = 0,
    held: int = 0,
    at: datetime,
    require_active: bool = True,
    need_available: int = 0,
    need_held: int = 0,
    give_back_try: bool = False,
) -> TxItem:
    """Change a position by `ledger` and `held` (available moves by ledger - held), with conditions:
    active (unless the money is already promised: a release, or the capture of a hold),
    `available >= need_available` unless it may go negative, and `held >= need_held`. `give_back_try`
    returns the PIN try this payment took (its PIN was right) in the same write."""
    conditions = ["attribute_exists(#st)"]
    values: dict[str, Any] = {":lb": ledger, ":held": held, ":av": ledger - held, ":one": 1, ":now": iso(at)}
    if require_active:
        conditions.append("#st = :active")
        values[":active"] = "active"
    if need_available > 0:
        conditions.append("(#neg = :true OR #av >= :need)")
        values[":true"] = True
        values[":need"] = need_available
    if need_held > 0:
        conditions.append("#held >= :needheld")
        values[":needheld"] = need_held
    expression = "SET #lb = #lb + :lb, #held = #held + :held, #av = #av + :av, #upd = :now ADD #ver :one"
    if give_back_try:
        expression += ", #pt :minus"
        values[":minus"] = -1
    condition = " AND ".join(conditions)
    # DynamoDB refuses names an expression does not use.
    names = {k: v for k, v in _POSITION_NAMES.items() if k in expression or k in condition}
    op = {
        "Update": {
            "TableName": Position.Meta.table_name,
            "Key": to_item({"account": account}),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return TxItem(op, _position_failure(account))


def closing_update(account: str, balance: int, reason: str, at: datetime) -> TxItem:
    """Pay out exactly `balance` and close, only if the balance is still that and nothing is held."""
    op = {
        "Update": {
            "TableName": Position.Meta.table_name,
            "Key": to_item({"account": account}),
            "UpdateExpression": "SET #lb = #lb - :bal, #av = #av - :bal, #st = :closed, #why = :why, "
            "#upd = :now ADD #ver :one",
            "ConditionExpression": "#lb = :bal AND #held = :zero AND #st <> :closed",
            "ExpressionAttributeNames": {
                "#lb": "ledger_balance",
                "#av": "available",
                "#st": "state",
                "#why": "state_reason",
                "#upd": "updated_at",
                "#ver": "version",
                "#held": "held",
            },
            "ExpressionAttributeValues": to_item(
                {":bal": balance, ":closed": "closed", ":why": reason, ":now": iso(at), ":one": 1, ":zero": 0}
            ),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return TxItem(op, lambda old: errors.AccountNotFound() if old is None else errors.BalanceChanged())


def position_active_check(account: str) -> TxItem:
    op = {
        "ConditionCheck": {
            "TableName": Position.Meta.table_name,
            "Key": to_item({"account": account}),
            "ConditionExpression": "#st = :active",
            "ExpressionAttributeNames": {"#st": "state"},
            "ExpressionAttributeValues": to_item({":active": "active"}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return TxItem(op, _position_failure(account))


@dataclass(frozen=True)
class NewPosition:
    owner_id: str
    kind: str = "customer"
    allow_negative: bool = False
    pin_hash: str | None = None


def position_put(account: str, new: NewPosition, ledger: int, at: datetime) -> TxItem:
    values = {
        "account": account,
        "shard": shard_of(account),
        "pin_hash": new.pin_hash,
        "pin_tries": 0,
        "pin_wrong": 0,
        "pin_window_end": 0,
        "ledger_balance": ledger,
        "held": 0,
        "available": ledger,
        "state": "active",
        "owner_id": new.owner_id,
        "kind": new.kind,
        "allow_negative": new.allow_negative,
        "version": 1,
        "created_at": iso(at),
        "updated_at": iso(at),
    }
    op = {
        "Put": {
            "TableName": Position.Meta.table_name,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(account)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return TxItem(op, lambda old: errors.AccountExists(f"Account {account} has a position", account=account))


def counter_update(check: CounterCheck) -> TxItem:
    op = {
        "Update": {
            "TableName": Counter.Meta.table_name,
            "Key": to_item({"key": check.key}),
            "UpdateExpression": "ADD #v :inc SET #exp = :exp",
            "ConditionExpression": "attribute_not_exists(#v) OR #v <= :room",
            "ExpressionAttributeNames": {"#v": "value", "#exp": "expires_at"},
            "ExpressionAttributeValues": to_item(
                {":inc": check.increment, ":room": check.maximum - check.increment, ":exp": check.expires_at}
            ),
        }
    }
    decline = next(cls for cls in errors.Declined.__subclasses__() if cls.code == check.code)
    return TxItem(op, lambda old: decline())


def put_item(table: str, values: Mapping[str, Any], key: str | None = None) -> TxItem:
    """A put; with `key`, only if no item has that key yet (a duplicate raises `Duplicate`)."""
    body: dict[str, Any] = {"TableName": table, "Item": to_item(values)}
    if key:
        body["ConditionExpression"] = f"attribute_not_exists({key})"
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return TxItem({"Put": body}, errors.Duplicate)


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


# ------------------------------------------------------------------ movements
@dataclass(frozen=True)
class Movement:
    payment_id: str
    kind: MovementKind
    legs: tuple[Leg, ...]
    at: datetime
    description: str = ""
    correlation_id: str = ""
    initiated_by: str = ""
    reverses: str | None = None
    counters: tuple[CounterCheck, ...] = ()
    new_positions: Mapping[str, NewPosition] = field(default_factory=dict)
    # Accounts whose position operation the caller supplies (a capture releases the hold too).
    custom_positions: Mapping[str, TxItem] = field(default_factory=dict)
    extra: tuple[TxItem, ...] = ()
    # The paying account whose PIN try this movement gives back as it commits (the PIN was right).
    give_back_try: str | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.legs, self.description, self.reverses)


def payment_values(
    movement: Movement, status: PaymentStatus, decline: DomainError | None = None
) -> dict[str, Any]:
    created = iso(movement.at)
    first = movement.legs[0]
    return {
        "payment_id": movement.payment_id,
        "kind": movement.kind.value,
        "status": status.value,
        "legs": json.dumps([leg.model_dump() for leg in movement.legs]),
        "amount": total_amount(movement.legs) if len(movement.legs) > 1 else first.amount,
        "from_account": first.from_account,
        "to_account": first.to_account,
        "description": movement.description,
        "reverses": movement.reverses,
        "decline_code": decline.code if decline else None,
        "decline_detail": decline.detail if decline else None,
        "correlation_id": movement.correlation_id,
        "initiated_by": movement.initiated_by,
        "fingerprint": movement.fingerprint,
        "created_at": created,
        "day": created[:10],
        "sort_key": f"{created}#{movement.payment_id}",
    }


def entry_values(
    movement: Movement,
    account: str,
    delta: int,
    counterparties: Sequence[str],
    *,
    status: PaymentStatus,
    decline_code: str | None = None,
) -> dict[str, Any]:
    created = iso(movement.at)
    return {
        "account": account,
        "sort_key": f"{created}#{movement.payment_id}",
        "payment_id": movement.payment_id,
        "kind": movement.kind.value,
        "status": status.value,
        "direction": "debit" if delta < 0 else "credit",
        "amount": abs(delta),
        "counterparty": ", ".join(counterparties),
        "description": movement.description,
        "decline_code": decline_code,
        "created_at": created,
    }


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


def _mark_reversed(table: str, key: Mapping[str, Any], reversal: str, condition: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": to_item(key),
            "UpdateExpression": "SET #rev = :rev",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#rev": "reversed_by", "#pid": "payment_id"},
            "ExpressionAttributeValues": to_item({":rev": reversal}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def reversal_marks(payment_id: str, sort_key: str, legs: Sequence[Leg], reversal: str) -> tuple[TxItem, ...]:
    """Mark the reversed payment and its history lines `reversed_by = reversal`, to be committed with
    the reversal (`Movement.extra`). The payment's condition (it exists, not reversed yet) is the
    at-most-once guard together with the reversal's own conditional put; the lines must exist (an
    update would otherwise create them)."""

    def payment_failure(old: dict[str, Any] | None) -> DomainError:
        if old is None:
            return errors.TransferNotFound()
        return errors.AlreadyReversed(f"Payment {payment_id} was reversed by {old.get('reversed_by')}")

    def entry_failure(account: str) -> Callable[[dict[str, Any] | None], DomainError]:
        return lambda old: errors.NotReversible(f"The history line of {payment_id} for {account} is missing")

    items = [
        TxItem(
            _mark_reversed(
                Payment.Meta.table_name,
                {"payment_id": payment_id},
                reversal,
                "attribute_exists(#pid) AND attribute_not_exists(#rev)",
            ),
            payment_failure,
        )
    ]
    # The lines share the payment's sort key (payment_values / entry_values): one per account it changed.
    for account, delta in net_changes(legs).items():
        if delta:
            key = {"account": account, "sort_key": sort_key}
            op = _mark_reversed(Entry.Meta.table_name, key, reversal, "attribute_exists(#pid)")
            items.append(TxItem(op, entry_failure(account)))
    return tuple(items)


@dataclass(frozen=True)
class Moved:
    payment: dict[str, Any]
    committed: bool  # False: the payment existed already (a replay), nothing was written now


def move(movement: Movement) -> Moved:
    """Commit a movement; idempotent by payment id: the same content answers the stored payment, a
    different one raises `idempotency_key_reused`."""
    try:
        commit(movement_items(movement))
    except errors.Duplicate as duplicate:
        return Moved(_same_payment(movement, duplicate), committed=False)
    return Moved(payment_values(movement, PaymentStatus.COMPLETED), committed=True)


def _same_payment(movement: Movement, duplicate: errors.Duplicate) -> dict[str, Any]:
    """The payment stored under the movement's id, if it has the same content (a replay)."""
    existing = duplicate.existing or _stored_payment(movement.payment_id)
    if existing.get("fingerprint") != movement.fingerprint:
        raise IdempotencyKeyReused(f"Payment {movement.payment_id} exists with different content") from None
    return existing


def _stored_payment(payment_id: str) -> dict[str, Any]:
    raw = aws.client("dynamodb").get_item(
        TableName=Payment.Meta.table_name, Key=to_item({"payment_id": payment_id}), ConsistentRead=True
    )
    return from_item(raw.get("Item")) or {}


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
    return Moved(values, committed=True)
