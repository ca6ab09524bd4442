"""The local cloud foundation, proved through the deployed stack: every service answers, events flow
payments topic → SQS → ledger consumer, and a poison message ends in the DLQ after maxReceiveCount."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from core.clock import iso, now
from tests.integration.conftest import Bank, eventually

SERVICES = ["identity", "accounts", "payments", "ledger"]


@pytest.mark.parametrize("path", ["/health", *[f"/{service}/health" for service in SERVICES]])
def test_every_service_is_healthy(bank: Bank, path: str) -> None:
    response = bank.api.get(path)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def _consumer_logged(bank: Bank, text: str) -> bool:
    logs = bank.client("logs")
    group = f"/aws/lambda/{bank.physical_id('LedgerConsumerFunction')}"
    try:
        events = logs.filter_log_events(logGroupName=group, filterPattern=f'"{text}"')["events"]
    except logs.exceptions.ResourceNotFoundException:
        return False
    return bool(events)


def _publish(bank: Bank, message: dict[str, Any] | str) -> None:
    body = message if isinstance(message, str) else json.dumps(message)
    bank.client("sns").publish(TopicArn=bank.output("EventsTopicArn"), Message=body)


def test_an_event_published_on_the_topic_reaches_the_ledger_consumer(bank: Bank) -> None:
    event_id = f"evt-foundation-{uuid.uuid4().hex}"
    event = {
        "event_id": event_id,
        "type": "hold.created",
        "version": 1,
        "source": "payments",
        "occurred_at": iso(now()),
        "correlation_id": f"corr-{event_id}",
        "data": {"hold_id": "hold_test", "account_number": "0000000000", "amount": 5000},
    }
    _publish(bank, event)
    eventually(lambda: _consumer_logged(bank, event_id), timeout=20)
    dlq = bank.output("LedgerDeadLetterQueueUrl")
    messages = bank.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert all(event_id not in m["Body"] for m in messages.get("Messages", []))


def test_a_poison_message_lands_in_the_dlq_after_max_receive_count(bank: Bank) -> None:
    marker = f"poison-{uuid.uuid4().hex}"
    _publish(bank, f"not an event {marker}")
    dlq = bank.output("LedgerDeadLetterQueueUrl")
    sqs = bank.client("sqs")

    def poison_in_dlq() -> bool:
        received = sqs.receive_message(
            QueueUrl=dlq,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            AttributeNames=["ApproximateReceiveCount"],
        )
        return any(marker in m["Body"] for m in received.get("Messages", []))

    # maxReceiveCount 3 × visibility 12 s (TEST_PARAMETERS), plus the poller's back-off.
    eventually(poison_in_dlq, timeout=90, interval=1)
