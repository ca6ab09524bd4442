"""Identity events on the bank's SNS topic, in the shared envelope (core.events.Event)."""

from __future__ import annotations

from typing import Any

from core import aws
from core.clock import iso, now
from core.events import Event, EventType
from core.ids import new_id

SOURCE = "identity"


def publish(topic_arn: str, event_type: EventType, data: dict[str, Any], *, correlation_id: str) -> Event:
    event = Event(
        event_id=new_id("evt"),
        type=event_type,
        source=SOURCE,
        occurred_at=iso(now()),
        correlation_id=correlation_id,
        data=data,
    )
    attributes = {"type": {"DataType": "String", "StringValue": event_type.value}}
    if correlation_id:  # SNS rejects empty attribute values
        attributes["correlation_id"] = {"DataType": "String", "StringValue": correlation_id}
    aws.client("sns").publish(
        TopicArn=topic_arn, Message=event.model_dump_json(), MessageAttributes=attributes
    )
    return event
