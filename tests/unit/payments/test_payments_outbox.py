"""The outbox publisher: every INSERT reaches SNS once; a failed publish is retried, never lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from payments.entrypoints import outbox as publisher
from payments.store import outbox
from payments.store.models import OutboxRecord
from tests.unit.conftest import FakeContext


@pytest.fixture
def topic(bank: Any, env: Callable[..., None]) -> Any:
    """An SNS topic with a raw SQS subscriber, as the ledger has."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    arn = sns.create_topic(Name="bank-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="ledger")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    env(EVENTS_TOPIC_ARN=arn)

    class Topic:
        def received(self) -> list[dict[str, Any]]:
            messages: list[dict[str, Any]] = []
            while batch := sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages"):
                for message in batch:
                    messages.append(message)
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            return messages

    return Topic()


def stream_event(records: list[OutboxRecord], name: str = "INSERT") -> dict[str, Any]:
    """The DynamoDB Streams event the outbox table's stream delivers."""
    from core.dynamo import to_item

    return {
        "Records": [
            {
                "eventID": str(i),
                "eventName": name,
                "eventSource": "aws:dynamodb",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/x",
                "dynamodb": {
                    "Keys": to_item({"event_id": r.event_id}),
                    "NewImage": to_item({k: v for k, v in r.attribute_values.items()}),
                    "SequenceNumber": f"{100 + i}",
                    "StreamViewType": "NEW_IMAGE",
                },
            }
            for i, r in enumerate(records)
        ]
    }


def test_every_new_event_reaches_the_topic_once_with_its_attributes(topic: Any, open_account: Any) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    assert len(records) == 2  # the opening and the welcome bonus
    # When the stream delivers them (twice: streams deliver at least once)
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    # Then each reached the subscriber exactly once, with type and correlation id attributes
    messages = topic.received()
    assert sorted(json.loads(m["Body"])["event_id"] for m in messages) == sorted(r.event_id for r in records)
    assert {m["MessageAttributes"]["type"]["StringValue"] for m in messages} == {"money.moved"}
    assert all(OutboxRecord.get(r.event_id).published_at for r in records)


def test_a_failed_publish_is_reported_for_retry_and_delivered_once_after_recovery(
    topic: Any, open_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    real_publish = outbox.publish
    calls = {"n": 0}

    def flaky(body: str, event_type: str, correlation_id: str) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError({"Error": {"Code": "AuthorizationError", "Message": "denied"}}, "Publish")
        real_publish(body, event_type, correlation_id)

    monkeypatch.setattr(outbox, "publish", flaky)
    # When the first publish is denied
    first = publisher.handler(stream_event(records), FakeContext())
    # Then that record is reported, so the stream retries from it; the other went out
    assert first == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert OutboxRecord.get(records[0].event_id).published_at is None
    # And the retry (the whole batch again) delivers the missing one without repeating the other
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    messages = topic.received()
    assert sorted(json.loads(m["Body"])["event_id"] for m in messages) == sorted(r.event_id for r in records)


def test_modify_and_remove_records_are_ignored(topic: Any, open_account: Any) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    assert publisher.handler(stream_event(records, "MODIFY"), FakeContext()) == {"batchItemFailures": []}
    assert topic.received() == []
