"""Identity's events reach the bank's topic in the shared envelope, with the `type` attribute and the
`correlation_id` attribute only when there is one (SNS refuses empty attribute values)."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from core.events import EventType
from identity.store import events

DATA = {"user_id": "usr_1", "username": "ada.obi", "role": "customer"}


def received(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return list(response.get("Messages", []))


def test_an_event_goes_out_in_the_envelope_with_its_type_and_correlation_id(identity: Any) -> None:
    # When identity announces a registration under a correlation id
    event = events.publish(
        os.environ["EVENTS_TOPIC_ARN"], EventType.CUSTOMER_REGISTERED, DATA, correlation_id="corr-1"
    )
    # Then the subscriber got exactly that envelope, with both attributes
    [message] = received(identity.queue_url)
    body = json.loads(message["Body"])
    assert body == json.loads(event.model_dump_json())
    assert set(body) == {"event_id", "type", "version", "source", "occurred_at", "correlation_id", "data"}
    assert body["event_id"].startswith("evt_") and body["occurred_at"].endswith("Z")
    assert (body["type"], body["version"], body["source"]) == ("customer.registered", 1, "identity")
    assert (body["correlation_id"], body["data"]) == ("corr-1", DATA)
    assert {name: value["StringValue"] for name, value in message["MessageAttributes"].items()} == {
        "type": "customer.registered",
        "correlation_id": "corr-1",
    }


def test_without_a_correlation_id_only_the_type_attribute_is_sent(identity: Any) -> None:
    events.publish(os.environ["EVENTS_TOPIC_ARN"], EventType.STAFF_CREATED, DATA, correlation_id="")
    [message] = received(identity.queue_url)
    assert json.loads(message["Body"])["correlation_id"] == ""
    assert set(message["MessageAttributes"]) == {"type"}
