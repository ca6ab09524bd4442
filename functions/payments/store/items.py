"""Payments' transaction items, table by table: what one movement writes (positions, the payment record,
history lines, fraud counters) and the reversal marks, each with the typed error its refused condition
means. `store.engine` puts them together and commits them (core.dynamo)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import errors as shared
from core.clock import iso
from core.dynamo import TxItem, to_item
from core.errors import DomainError
from core.events import Leg, MovementKind
from payments.domain import errors
from payments.domain.fraud import CounterCheck
from payments.domain.movement import fingerprint, net_changes, total_amount
from payments.domain.rules import HoldState, PaymentStatus, RequestState, shard_of
from payments.store.models import Counter, Entry, Hold, Payment, PaymentRequest, Position

# ------------------------------------------------------------------ positions
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
            return shared.AccountNotFound(f"Account {account} does not exist", account=account)
        if old.get("state") != "active":
            return shared.AccountNotActive(f"Account {account} is {old.get('state')}", account=account)
        return shared.InsufficientFunds(f"Account {account} has too little available", account=account)

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
    return TxItem(op, lambda old: shared.AccountNotFound() if old is None else shared.BalanceChanged())


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


# ------------------------------------------------------------------ fraud counters, records
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


# ------------------------------------------------------------------ a movement's payment and history lines
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


def payment_record(values: Mapping[str, Any]) -> Payment:
    """A payment as written (`payment_values`) or as a refused put found it stored."""
    return Payment.from_raw_data(to_item(values))


# ------------------------------------------------------------------ reversal marks
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
            return shared.TransferNotFound()
        return shared.AlreadyReversed(f"Payment {payment_id} was reversed by {old.get('reversed_by')}")

    def entry_failure(account: str) -> Callable[[dict[str, Any] | None], DomainError]:
        return lambda old: shared.NotReversible(f"The history line of {payment_id} for {account} is missing")

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


# ------------------------------------------------------------------ card payments: requests and holds
def request_transition(
    request_id: str,
    to: RequestState,
    at: datetime,
    cardholder: str,
    *,
    hold_id: str | None = None,
    decline_code: str | None = None,
) -> TxItem:
    """open → authorized | declined, once, and only before the request expires."""
    values: dict[str, Any] = {
        ":open": RequestState.OPEN.value,
        ":to": to.value,
        ":now": iso(at),
        ":epoch": int(at.timestamp()),
        ":holder": cardholder,
    }
    sets = ["#st = :to", "#upd = :now", "#holder = :holder"]
    names = {"#st": "state", "#upd": "updated_at", "#exp": "expires_at", "#holder": "cardholder_owner_id"}
    for name, value in (("authorization_id", hold_id), ("decline_code", decline_code)):
        if value is not None:
            names[f"#{name}"] = name
            values[f":{name}"] = value
            sets.append(f"#{name} = :{name}")
    op = {
        "Update": {
            "TableName": PaymentRequest.Meta.table_name,
            "Key": to_item({"request_id": request_id}),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "#st = :open AND #exp > :epoch",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return TxItem(op, lambda old: errors.PaymentRequestClosed())


def hold_transition(hold: Hold, to: HoldState, at: datetime, **changes: Any) -> TxItem:
    """pending → captured | voided | expired, once: the condition is the hold's own state."""
    values: dict[str, Any] = {
        ":pending": HoldState.PENDING.value,
        ":to": to.value,
        ":now": iso(at),
        ":epoch": int(at.timestamp()),
    }
    sets = ["#st = :to", "#upd = :now"]
    names = {"#st": "state", "#upd": "updated_at", "#pend": "pending", "#exp": "expires_at"}
    for index, (name, value) in enumerate(changes.items()):
        names[f"#c{index}"] = name
        values[f":c{index}"] = value
        sets.append(f"#c{index} = :c{index}")
    # A capture or void must beat the expiry; the expiry job only takes what has run out.
    timing = "#exp > :epoch" if to != HoldState.EXPIRED else "#exp <= :epoch"
    op = {
        "Update": {
            "TableName": Hold.Meta.table_name,
            "Key": to_item({"hold_id": hold.hold_id}),
            "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE #pend",
            "ConditionExpression": f"#st = :pending AND {timing}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }

    def explain(old: dict[str, Any] | None) -> DomainError:
        if old is None:
            return errors.HoldNotFound()
        if old.get("state") != HoldState.PENDING.value:
            return errors.HoldNotPending(f"The authorization is {old.get('state')}")
        return errors.HoldExpired()

    return TxItem(op, explain)
