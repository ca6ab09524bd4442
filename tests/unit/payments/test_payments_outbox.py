"""The outbox publisher: every INSERT reaches SNS, ten per PublishBatch call; an event SNS did not take
fails its record, is retried, and is never lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from core import aws
from core.events import Leg, MovementKind
from payments.entrypoints import outbox as publisher
from payments.models import MovePayload
from payments.service import positions
from payments.store.models import OutboxRecord
from tests.unit.conftest import FakeContext


@pytest.fixture
def topic(bank: Any, env: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> Any:
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
        def __init__(self) -> None:
            self.batch_calls: list[int] = []  # entries per PublishBatch call
            real = aws.client("sns").publish_batch

            def counted(**request: Any) -> Any:
                self.batch_calls.append(len(request["PublishBatchRequestEntries"]))
                return real(**request)

            monkeypatch.setattr(aws.client("sns"), "publish_batch", counted)

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


def committed_events(open_account: Any, n: int) -> list[OutboxRecord]:
    """`n` outbox records, each written by a committed money move: the opening, a welcome bonus, and
    interest payments for the rest."""
    customer = open_account()
    for i in range(n - 2):
        positions.move(
            MovePayload(
                payment_id=f"interest-{i}",
                kind=MovementKind.INTEREST,
                legs=[Leg(from_account="bank:pool", to_account=customer.account, amount=100)],
            )
        )
    records = sorted(OutboxRecord.scan(), key=lambda r: r.event_id)
    assert len(records) == n
    return records


def event_ids(messages: list[dict[str, Any]]) -> list[str]:
    return sorted(json.loads(m["Body"])["event_id"] for m in messages)


def test_every_new_event_reaches_the_topic_once_with_its_attributes(topic: Any, open_account: Any) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    assert len(records) == 2  # the opening and the welcome bonus
    before = [r.attribute_values for r in records]
    # When the stream delivers them
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    # Then each reached the subscriber exactly once, as written, with type and correlation id attributes
    messages = topic.received()
    assert event_ids(messages) == sorted(r.event_id for r in records)
    assert {m["Body"] for m in messages} == {r.body for r in records}
    assert {m["MessageAttributes"]["type"]["StringValue"] for m in messages} == {"money.moved"}
    assert topic.batch_calls == [2]
    # And the outbox records are left as written: no update, so no extra stream record
    assert [OutboxRecord.get(r.event_id).attribute_values for r in records] == before


def test_a_redelivered_batch_is_published_again_for_the_consumers_to_dedup(
    topic: Any, open_account: Any
) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    # When the stream delivers the same records twice (streams deliver at least once)
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    # Then every event reached the subscriber, each once per delivery, under the same event id
    assert event_ids(topic.received()) == sorted(2 * [r.event_id for r in records])


def test_a_batch_of_25_goes_out_in_three_calls_each_event_once(topic: Any, open_account: Any) -> None:
    records = committed_events(open_account, 25)
    # When the stream delivers 25 new records in one batch
    assert publisher.handler(stream_event(records), FakeContext()) == {"batchItemFailures": []}
    # Then three PublishBatch calls sent them, and each reached the subscriber exactly once
    assert topic.batch_calls == [10, 10, 5]
    assert event_ids(topic.received()) == sorted(r.event_id for r in records)


def test_an_entry_sns_refuses_fails_exactly_its_record_and_is_delivered_on_the_retry(
    topic: Any, open_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = committed_events(open_account, 12)
    refused = records[4].event_id
    counted = aws.client("sns").publish_batch
    calls = {"n": 0}

    def refuse_one_once(**request: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 1:
            return counted(**request)
        entries = request["PublishBatchRequestEntries"]
        response = counted(
            **{**request, "PublishBatchRequestEntries": [e for e in entries if e["Id"] != refused]}
        )
        failed = {"Id": refused, "Code": "InternalError", "Message": "try again", "SenderFault": False}
        return {**response, "Failed": [*response.get("Failed", []), failed]}

    monkeypatch.setattr(aws.client("sns"), "publish_batch", refuse_one_once)
    # When SNS reports one entry of the first call failed
    first = publisher.handler(stream_event(records), FakeContext())
    # Then exactly that record is reported, so the stream retries from it; the others went out
    assert first == {"batchItemFailures": [{"itemIdentifier": "104"}]}
    assert event_ids(topic.received()) == sorted(r.event_id for r in records if r.event_id != refused)
    # And the retry (from the failed record on) delivers it: no event is lost
    assert publisher.handler(stream_event(records[4:]), FakeContext()) == {"batchItemFailures": []}
    assert refused in event_ids(topic.received())


def test_a_call_that_raises_fails_its_records_and_the_other_calls_still_go_out(
    topic: Any, open_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = committed_events(open_account, 25)
    counted = aws.client("sns").publish_batch
    calls = {"n": 0}

    def second_call_denied(**request: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ClientError({"Error": {"Code": "AuthorizationError", "Message": "denied"}}, "PublishBatch")
        return counted(**request)

    monkeypatch.setattr(aws.client("sns"), "publish_batch", second_call_denied)
    # When the second of the three calls is denied
    first = publisher.handler(stream_event(records), FakeContext())
    # Then its ten records are reported, and the first and third calls' events went out
    assert first == {"batchItemFailures": [{"itemIdentifier": str(100 + i)} for i in range(10, 20)]}
    assert event_ids(topic.received()) == sorted(r.event_id for r in records[:10] + records[20:])
    # And the retry from the first failed record delivers the rest: none is lost
    assert publisher.handler(stream_event(records[10:]), FakeContext()) == {"batchItemFailures": []}
    assert set(event_ids(topic.received())) == {r.event_id for r in records[10:]}


@pytest.mark.parametrize("name", ["MODIFY", "REMOVE"])
def test_modify_and_remove_records_are_ignored(topic: Any, open_account: Any, name: str) -> None:
    open_account()
    records = list(OutboxRecord.scan())
    assert publisher.handler(stream_event(records, name), FakeContext()) == {"batchItemFailures": []}
    assert topic.received() == []
    assert topic.batch_calls == []
