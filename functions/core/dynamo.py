"""DynamoDB pieces every service's store repeats: item encoding, pages of a query and their cursors,
the condition-failed checks (one
place that knows DynamoDB's codes, for boto3's and PynamoDB's errors alike), a transaction of the
low-level client committed with retries whose refused items raise their typed errors, and the try
counter (core.tries) as conditional writes.

The item codec is boto3's (`boto3.dynamodb.types`), imported where an item is encoded or decoded rather
than with this module: importing anything of boto3 imports all of it and s3transfer, a cost a handler's
cold start should pay only when it (de)serialises an item (decision 0045)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from core import aws
from core.errors import DomainError, ServiceUnavailable
from core.observability import logger
from core.pagination import decode_cursor, encode_cursor
from core.tries import Refusal, Tries, TryLimit, after_refusal

# The error code of a refused single write, and a cancelled transaction's reason for one refused item.
CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"
ITEM_CONDITION_FAILED = "ConditionalCheckFailed"
# A transaction is tried this often while DynamoDB answers that it is busy (conflicts, throttling).
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
# Each round is one write; a round repeats only when another request changed the counter meanwhile.
MAX_ROUNDS = 4


def to_attr(value: Any) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer  # on first use: see the module's docstring

    serialized: dict[str, Any] = dict(TypeSerializer().serialize(value))
    return serialized


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_attr(value) for name, value in values.items() if value is not None}


def from_item(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    from boto3.dynamodb.types import TypeDeserializer  # on first use: see the module's docstring

    decode = TypeDeserializer().deserialize
    plain = {name: decode(value) for name, value in raw.items()}
    return {name: _number(value) for name, value in plain.items()}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def start_key(cursor: str | None, **expect: str) -> dict[str, Any] | None:
    """A list's cursor as the query's ExclusiveStartKey; `expect` pins the partition being listed (its
    string key attributes), so a forged cursor cannot page through somebody else's items."""
    return decode_cursor(cursor, expect={name: {"S": value} for name, value in expect.items()} or None)


def page[M: Model](results: ResultIterator[M]) -> tuple[list[M], str | None]:
    """A query's items and the cursor of the next page (None after the last)."""
    items = list(results)
    return items, encode_cursor(results.last_evaluated_key)


def failed_items(error: TransactWriteError) -> set[int]:
    """Indexes of a cancelled transaction's items whose condition failed (PynamoDB sends condition
    checks, deletes, puts, updates in that order)."""
    reasons = error.cancellation_reasons or []
    return {
        i for i, reason in enumerate(reasons) if reason is not None and reason.code == ITEM_CONDITION_FAILED
    }


def transient(error: TransactWriteError) -> bool:
    """A transaction refused for a reason that passes (another transaction in flight on an item,
    throttling), not for a condition: AWS says to retry it with jitter."""
    if error.cause_response_code in RETRYABLE_CODES:
        return True
    codes = {reason.code for reason in error.cancellation_reasons or [] if reason is not None}
    return bool(codes & RETRYABLE_CODES) and codes <= RETRYABLE_CODES | {"None"}


def busy(error: Exception) -> bool:
    """DynamoDB refused for now (throttled, a transaction in flight on the item), after the SDK's own
    retries: the caller may try again, so it is a 503 with Retry-After rather than a bug."""
    if isinstance(error, TransactWriteError):
        return transient(error)
    if isinstance(error, PynamoDBException):
        return error.cause_response_code in RETRYABLE_CODES
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in RETRYABLE_CODES
    return False


def condition_failed(error: ClientError | PynamoDBException) -> bool:
    """A write refused by its condition (as opposed to throttling or a bug), through boto3 or PynamoDB,
    a cancelled transaction included."""
    if isinstance(error, TransactWriteError):
        return bool(failed_items(error))
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") == CONDITIONAL_CHECK_FAILED
    return error.cause_response_code == CONDITIONAL_CHECK_FAILED


@dataclass(frozen=True)
class TxItem:
    """One operation of a transaction (a TransactItems entry) and the typed error its failed condition
    means, told from the item as it was (None: there was none)."""

    op: dict[str, Any]
    on_fail: Callable[[dict[str, Any] | None], DomainError]


def commit(items: Sequence[TxItem], rank: Callable[[DomainError], int] = lambda error: 0) -> None:
    """Write the items atomically with the low-level client, which keeps their order (PynamoDB's
    TransactWrite sorts them by operation, and cancellation reasons come back by position). A failed
    condition raises the failed item's typed error; when several failed, the lowest `rank` (the first
    item on a tie). Busy answers are retried with jittered backoff, then `ServiceUnavailable`."""
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
                reasons = _cancellation_reasons(error)
                failed = [
                    items[index].on_fail(from_item(reason.get("Item")))
                    for index, reason in enumerate(reasons)
                    if index < len(items) and reason.get("Code") == ITEM_CONDITION_FAILED
                ]
                if failed:
                    raise min(failed, key=rank) from None
                if not all(reason.get("Code") in RETRYABLE_CODES | {"None", None} for reason in reasons):
                    raise
            elif code not in RETRYABLE_CODES:
                raise
            logger.warning("Transaction retried", extra={"attempt": attempt, "code": code})
            time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + secrets.randbelow(100) / 100))
    raise ServiceUnavailable("The accounts are busy; try again")


def _cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    # As on AWS: the local cloud's DynamoDB provider returns CancellationReasons too (tests/localcloud).
    return [dict(reason) for reason in error.response.get("CancellationReasons") or []]


class TriesExhausted(Exception):
    def __init__(self, tries: Tries) -> None:
        super().__init__("no try left")
        self.tries = tries


class GuardRefused(Exception):
    """The counter's guard condition did not hold (e.g. not the caller's item); `item` as it was."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("guard refused")
        self.item = item


@dataclass(frozen=True)
class TryCounter:
    """A try counter kept on an item: `taken` and `window_end` attributes, and optionally attributes the
    item must have for a try to be taken at all (`require`, e.g. the caller as owner)."""

    table: str
    key: dict[str, Any]
    rule: TryLimit
    taken: str = "tries"
    window_end: str = "tries_window_end"
    wrong: str = "tries_wrong"
    require: dict[str, Any] = field(default_factory=dict)
    # An attribute for DynamoDB's TTL, set to the window's end on every take (the table's own TTL).
    expires: str | None = None

    @property
    def guard(self) -> str:
        return " AND ".join(f"#r{i} = :r{i}" for i in range(len(self.require)))

    @property
    def guard_names(self) -> dict[str, str]:
        return {f"#r{i}": name for i, name in enumerate(self.require)}

    @property
    def guard_values(self) -> dict[str, Any]:
        return {f":r{i}": value for i, value in enumerate(self.require.values())}

    def tries_of(self, item: dict[str, Any] | None) -> Tries:
        item = item or {}
        return Tries(
            taken=int(item.get(self.taken) or 0),
            window_end=int(item.get(self.window_end) or 0),
            wrong=int(item.get(self.wrong) or 0),
        )

    def _write(self, expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any]:
        names = {"#tk": self.taken, "#we": self.window_end, "#wr": self.wrong, **self.guard_names}
        if self.expires:
            names["#ttl"] = self.expires
        text = expression + " " + condition
        response = aws.client("dynamodb").update_item(
            TableName=self.table,
            Key=to_item(self.key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames={k: v for k, v in names.items() if k in text},
            ExpressionAttributeValues=to_item({k: v for k, v in values.items() if k in text}),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return from_item(response["Attributes"]) or {}

    def _guarded(self, condition: str) -> str:
        return f"({self.guard}) AND ({condition})" if self.guard else condition

    def take(self, now: int) -> dict[str, Any]:
        """Take one try and return the item as it is after: raises `TriesExhausted` or `GuardRefused`."""
        values = {
            **self.guard_values,
            ":now": now,
            ":end": now + self.rule.seconds,
            ":one": 1,
            ":zero": 0,
            ":limit": self.rule.limit,
        }
        ttl = ", #ttl = :end" if self.expires else ""
        for _ in range(MAX_ROUNDS):
            try:
                return self._write(
                    f"ADD #tk :one SET #we = :end{ttl}", self._guarded("#we > :now AND #tk < :limit"), values
                )
            except ClientError as error:
                if not condition_failed(error):
                    raise
                old = from_item(error.response.get("Item"))  # type: ignore[arg-type]
            if self.require and (old is None or any(old.get(k) != v for k, v in self.require.items())):
                raise GuardRefused(old)
            tries = self.tries_of(old)
            refusal = after_refusal(tries, now, self.rule.limit)
            if refusal is Refusal.EXHAUSTED:
                raise TriesExhausted(tries)
            if refusal is Refusal.NEW_WINDOW:
                try:
                    return self._write(
                        f"SET #tk = :one, #wr = :zero, #we = :end{ttl}",
                        self._guarded("attribute_not_exists(#we) OR #we <= :now"),
                        values,
                    )
                except ClientError as error:
                    if not condition_failed(error):
                        raise  # else another attempt opened the window first: take from it
        raise ServiceUnavailable("Too many attempts at once; try again")

    def record_wrong(self) -> Tries:
        """The answer of a try just taken was wrong: it stays taken and counts as wrong."""
        return self.tries_of(self._write("ADD #wr :one", "attribute_exists(#tk)", {":one": 1}))

    def give_back(self) -> None:
        """Return a try whose answer was right. The wrong answers before it stay counted until their
        window ends (clearing them would also mean freeing their tries: one write cannot do both)."""
        try:
            self._write("ADD #tk :minus", "#tk > :zero", {":minus": -1, ":zero": 0})
        except ClientError as error:
            if not condition_failed(error):
                raise

    def reset(self) -> None:
        """Close the window (staff unlock): the next attempt opens a fresh one."""
        try:
            self._write("SET #we = :zero", "attribute_exists(#we)", {":zero": 0})
        except ClientError as error:
            if not condition_failed(error):
                raise
