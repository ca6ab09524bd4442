"""core.topic: the message attributes of an event, batch entry Ids, and a repeated event sent once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from core import aws as core_aws
from core import topic
from core.clock import now
from core.events import EventType, new_event


def test_an_event_carries_its_type_and_its_correlation_id_only_when_there_is_one() -> None:
    with_id = topic.Outgoing.of(new_event(EventType.HOLD_CREATED, "payments", {}, "corr-1", now()))
    without = topic.Outgoing.of(new_event(EventType.HOLD_CREATED, "payments", {}, "", now()))
    assert with_id.attributes() == {
        "type": {"DataType": "String", "StringValue": "hold.created"},
        "correlation_id": {"DataType": "String", "StringValue": "corr-1"},
    }
    assert without.attributes() == {"type": {"DataType": "String", "StringValue": "hold.created"}}


def test_an_event_id_is_its_own_entry_id_when_sns_accepts_it_else_a_digest() -> None:
    event_id = new_event(EventType.HOLD_CREATED, "payments", {}, "", now()).event_id
    assert topic.entry_id(event_id) == event_id
    odd = topic.entry_id("evt:1/2")
    assert len(odd) == 64 and odd.isalnum() and odd != topic.entry_id("evt:1/3")
    assert len(topic.entry_id("e" * 81)) == 64


@pytest.fixture
def topic_arn(aws: None) -> Iterator[str]:
    core_aws.forget_clients()
    yield boto3.client("sns").create_topic(Name="bank-events")["TopicArn"]
    core_aws.forget_clients()


def test_a_repeated_event_is_sent_once(topic_arn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = core_aws.client("sns").publish_batch

    def counted(**request: Any) -> Any:
        calls.append([entry["Id"] for entry in request["PublishBatchRequestEntries"]])
        return real(**request)

    monkeypatch.setattr(core_aws.client("sns"), "publish_batch", counted)
    message = topic.Outgoing.of(new_event(EventType.HOLD_CREATED, "payments", {}, "", now()))
    assert topic.publish_batch(topic_arn, [message, message]) == []
    assert calls == [[message.event_id]]
