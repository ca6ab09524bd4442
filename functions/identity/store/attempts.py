"""The login-attempts table: sign-in tries per (username, client), failures and the slow-down slot per
username, and per-client request rates (identity.domain.lockout). Every row expires by TTL."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from core import aws
from core.dynamo import TryCounter, condition_failed, from_item, to_item
from identity.domain import lockout
from identity.store.models import LoginAttemptModel

TTL = "expires_ttl"


def _table() -> str:
    return str(LoginAttemptModel.Meta.table_name)


def pair(username: str, client: str) -> TryCounter:
    """The tries of one username from one client address."""
    return TryCounter(
        table=_table(), key={"pk": f"pair#{username}#{client}"}, rule=lockout.PAIR_TRIES, expires=TTL
    )


def username_failures(username: str) -> TryCounter:
    return TryCounter(
        table=_table(), key={"pk": f"user#{username}"}, rule=lockout.USERNAME_FAILURES, expires=TTL
    )


def _known_key(username: str, client: str) -> dict[str, Any]:
    return to_item({"pk": f"known#{username}#{client}"})


def trust(username: str, client: str, now: int) -> None:
    """A right password from this client: it is known to the username for TRUSTED_SECONDS."""
    aws.client("dynamodb").put_item(
        TableName=_table(),
        Item={**_known_key(username, client), **to_item({TTL: now + lockout.TRUSTED_SECONDS})},
    )


def known(username: str, client: str, now: int) -> bool:
    """Read only when the username is slowed: a known client is let through to be judged."""
    raw = aws.client("dynamodb").get_item(
        TableName=_table(), Key=_known_key(username, client), ConsistentRead=True
    )
    return lockout.trusted(int((from_item(raw.get("Item")) or {}).get(TTL) or 0), now)


class Slowed(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("slowed")
        self.retry_after = retry_after


def take_slot(username: str, now: int) -> None:
    """While the username is slowed, every attempt must take the next slot first (one per
    SLOWDOWN_SECONDS, from any client); otherwise the write passes and changes nothing that matters."""
    try:
        aws.client("dynamodb").update_item(
            TableName=_table(),
            Key=to_item({"pk": f"user#{username}"}),
            UpdateExpression="SET #slot = :next",
            ConditionExpression="attribute_not_exists(#tk) OR #tk < :after OR #we <= :now "
            "OR attribute_not_exists(#slot) OR #slot <= :now",
            ExpressionAttributeNames={"#slot": "next_slot_at", "#tk": "tries", "#we": "tries_window_end"},
            ExpressionAttributeValues=to_item(
                {":next": now + lockout.SLOWDOWN_SECONDS, ":after": lockout.SLOWDOWN_AFTER, ":now": now}
            ),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        old = from_item(error.response.get("Item")) or {}  # type: ignore[arg-type]
        slot = int(old.get("next_slot_at") or now + 1)
        raise Slowed(max(slot - now, 1)) from None


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def count_request(action: str, client: str, limit: int, now: int) -> None:
    """One more `action` from `client` in this minute; past `limit` it is refused (fixed windows)."""
    minute = now // 60
    try:
        aws.client("dynamodb").update_item(
            TableName=_table(),
            Key=to_item({"pk": f"rate#{action}#{client}#{minute}"}),
            UpdateExpression="ADD #n :one SET #ttl = :ttl",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "requests", "#ttl": TTL},
            ExpressionAttributeValues=to_item({":one": 1, ":limit": limit, ":ttl": (minute + 2) * 60}),
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        raise RateLimited((minute + 1) * 60 - now) from None
