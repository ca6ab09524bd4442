"""The payment PIN's tries, kept on the position (payments.domain.pins, core.tries)."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from core import aws
from core import errors as shared
from core.dynamo import GuardRefused, TriesExhausted, TryCounter, condition_failed, to_item
from core.tries import Tries
from payments.domain import errors
from payments.domain.pins import PIN_TRIES
from payments.store.models import Position

TAKEN, WINDOW_END, WRONG = "pin_tries", "pin_window_end", "pin_wrong"


@dataclass(frozen=True)
class TakenTry:
    """The position's PIN as it was when this attempt took its try."""

    pin_hash: str
    tries: Tries


def _counter(account: str, owner_id: str | None = None) -> TryCounter:
    return TryCounter(
        table=Position.Meta.table_name,
        key={"account": account},
        rule=PIN_TRIES,
        taken=TAKEN,
        window_end=WINDOW_END,
        wrong=WRONG,
        require={"owner_id": owner_id} if owner_id else {},
    )


def take_try(account: str, owner_id: str, now: int) -> TakenTry:
    """Take one try of `owner_id`'s account, or raise `account_not_found` (not theirs: the same answer
    as a number that does not exist) or `pin_locked`."""
    counter = _counter(account, owner_id)
    try:
        item = counter.take(now)
    except GuardRefused:
        raise shared.AccountNotFound("You have no account with this number", field="from_account") from None
    except TriesExhausted as exhausted:
        if exhausted.tries.locked(now, PIN_TRIES.limit):
            raise errors.PinLocked(exhausted.tries.retry_after(now)) from None
        raise errors.PinBusy() from None
    return TakenTry(pin_hash=str(item.get("pin_hash") or ""), tries=counter.tries_of(item))


def record_wrong(account: str) -> Tries:
    """The PIN of a try just taken was wrong: it counts against the window."""
    return _counter(account).record_wrong()


def give_back(account: str) -> None:
    """Return a try whose PIN was right when the payment itself did not commit (funds, limits)."""
    _counter(account).give_back()


def unlock(account: str) -> bool:
    """Staff unlock: close the window, so the next attempt opens a fresh one. False: no such account."""
    try:
        aws.client("dynamodb").update_item(
            TableName=Position.Meta.table_name,
            Key=to_item({"account": account}),
            UpdateExpression="SET #we = :zero",
            ConditionExpression="attribute_exists(#own)",
            ExpressionAttributeNames={"#we": WINDOW_END, "#own": "owner_id"},
            ExpressionAttributeValues=to_item({":zero": 0}),
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        return False
    return True


def set_pin(account: str, owner_id: str, pin_hash: str) -> None:
    """Store the PIN chosen when the account was opened (a retried opening sets it again)."""
    aws.client("dynamodb").update_item(
        TableName=Position.Meta.table_name,
        Key=to_item({"account": account}),
        UpdateExpression="SET #ph = :hash, #tk = :zero, #we = :zero",
        ConditionExpression="#own = :owner",
        ExpressionAttributeNames={"#ph": "pin_hash", "#tk": TAKEN, "#we": WINDOW_END, "#own": "owner_id"},
        ExpressionAttributeValues=to_item({":hash": pin_hash, ":zero": 0, ":owner": owner_id}),
    )
