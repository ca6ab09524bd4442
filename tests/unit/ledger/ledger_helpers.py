"""Ledger unit-test helpers: event builders, moto tables and a fake of the internal calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core.events import Event, Leg, MoneyMoved, MovementKind
from core.internal import _remote_error_class
from ledger.store.models import EntryModel, HeadModel, ProcessedEventModel

TABLES = {
    "LEDGER_ENTRIES_TABLE": "ledger-entries",
    "LEDGER_ACCOUNTS_TABLE": "ledger-accounts",
    "LEDGER_EVENTS_TABLE": "ledger-events",
}
MODELS = (EntryModel, HeadModel, ProcessedEventModel)
STAFF = {"sub": "staff-1", "role": "staff"}
ALICE_ID, BOB_ID = "user-alice", "user-bob"
ALICE, BOB, CAROL = "0123456789", "1234567890", "2345678901"
POOL, CASH, LOANS, INTEREST = "bank:pool", "bank:cash", "bank:loans_receivable", "bank:interest_income"


def create_ledger_tables() -> None:
    for model in MODELS:
        model._connection = None  # a connection from another moto context must not be reused
        model.create_table(wait=False, billing_mode="PAY_PER_REQUEST")  # moto creates tables at once


def movement(
    kind: MovementKind,
    legs: list[tuple[str, str, int]],
    *,
    payment_id: str = "pay_1",
    reverses: str | None = None,
    description: str = "",
) -> MoneyMoved:
    return MoneyMoved(
        payment_id=payment_id,
        kind=kind,
        legs=[Leg(from_account=f, to_account=t, amount=a) for f, t, a in legs],
        description=description,
        reverses=reverses,
        committed_at="2026-01-01T00:00:00.000Z",
    )


def envelope(
    data: dict[str, Any],
    *,
    event_id: str = "evt_1",
    type: str = "money.moved",
    correlation_id: str = "corr-1",
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type,
        "version": 1,
        "source": "payments",
        "occurred_at": "2026-01-01T00:00:00.000Z",
        "correlation_id": correlation_id,
        "data": data,
    }


def moved_event(m: MoneyMoved, *, event_id: str = "evt_1", correlation_id: str = "corr-1") -> Event:
    return Event.model_validate(
        envelope(m.model_dump(mode="json"), event_id=event_id, correlation_id=correlation_id)
    )


def sqs_batch(bodies: list[str]) -> dict[str, Any]:
    """An SQS event as Lambda's event source mapping delivers it (raw SNS delivery bodies), every field
    there that the parser's SqsRecordModel requires."""
    return {
        "Records": [
            {
                "messageId": f"msg-{index}",
                "receiptHandle": f"rh-{index}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1767225600000",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1767225600001",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ledger-queue",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def sns_notification(message: str) -> str:
    """The body SNS writes to a queue subscribed with raw delivery off: a notification around the message
    (the spelling SQS receives: `SigningCertURL`, `UnsubscribeURL`)."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:bank-events",
            "Message": message,
            "Timestamp": "2026-01-01T00:00:00.000Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE==",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
            "MessageAttributes": {"type": {"Type": "String", "Value": "money.moved"}},
        }
    )


def at(text: str) -> Callable[[], datetime]:
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return lambda: moment


QUERY_FUNCTION = "payments-query"


class FakeInternal:
    """Stands in for `core.internal.invoke`, answering payments' query function (get_position and
    list_positions) as the contract in docs/architecture.md says; the ledger may call nothing else."""

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {ALICE: ALICE_ID, BOB: BOB_ID, CAROL: BOB_ID}
        self.positions: dict[str, int] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, function: str, action: str, payload: dict[str, Any]) -> Any:
        self.calls.append((function, action, payload))
        assert function == QUERY_FUNCTION, f"the ledger invoked {function}"
        if action == "get_position":
            owner = self.accounts.get(payload["account_number"])
            if owner is None:
                raise _remote_error_class("account_not_found", "not_found", "No such account")()
            return {"account_number": payload["account_number"], "owner_id": owner, "state": "active"}
        if action == "list_positions":
            # Two-item pages, so the ledger must follow cursors.
            names = sorted(self.positions)
            start = int(payload.get("cursor") or 0)
            page = names[start : start + 2]
            nxt = str(start + 2) if start + 2 < len(names) else None
            return {
                "items": [
                    {
                        "account": n,
                        "ledger_balance": self.positions[n],
                        "available_balance": self.positions[n],
                        "state": "active",
                    }
                    for n in page
                ],
                "next_cursor": nxt,
            }
        raise AssertionError(f"unexpected internal call {action}")
