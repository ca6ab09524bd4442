"""Publishing outbox records to SNS: the events the table's stream reports new, in batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core import topic
from core.dynamo import from_item
from payments.settings import conf


def outgoing(new_image: Mapping[str, Any]) -> topic.Outgoing:
    """The event an outbox record holds, from its stream image (DynamoDB JSON): the body is the envelope
    exactly as written in the money move's transaction."""
    image = from_item(new_image) or {}
    return topic.Outgoing(
        event_id=str(image["event_id"]),
        event_type=str(image["type"]),
        body=str(image["body"]),
        correlation_id=str(image.get("correlation_id") or ""),
    )


def publish(events: Sequence[topic.Outgoing]) -> list[topic.Outgoing]:
    """Publish the events; the ones returned were not sent."""
    return topic.publish_batch(conf().events_topic_arn, events)
