"""Identity events on the bank's SNS topic, in the shared envelope (core.events.Event)."""

from __future__ import annotations

from typing import Any

from core import topic
from core.clock import now
from core.events import Event, EventType, new_event

SOURCE = "identity"


def publish(topic_arn: str, event_type: EventType, data: dict[str, Any], *, correlation_id: str) -> Event:
    event = new_event(event_type, SOURCE, data, correlation_id, now())
    topic.publish(topic_arn, topic.Outgoing.of(event))
    return event
