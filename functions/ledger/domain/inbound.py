"""Reading a queued message: the SQS body is the event envelope (raw SNS delivery), as JSON."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from core.events import EVENT_VERSION, Event, EventType, MoneyMoved
from ledger.domain.errors import InvalidEvent

# Acknowledged and never posted: they move no money (holds change available balance only).
NON_POSTING = frozenset(
    {EventType.HOLD_CREATED, EventType.HOLD_RELEASED, EventType.CUSTOMER_REGISTERED, EventType.STAFF_CREATED}
)


def _summary(error: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)[:5]
    ]
    return "; ".join(parts)


def decode(body: str) -> Event:
    """The envelope of a message body; a non-raw SNS notification is unwrapped as well."""
    try:
        raw: Any = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidEvent("the message body is not JSON") from exc
    if isinstance(raw, dict) and raw.get("Type") == "Notification" and isinstance(raw.get("Message"), str):
        return decode(raw["Message"])
    if not isinstance(raw, dict):
        raise InvalidEvent("the message body is not a JSON object")
    try:
        event = Event.model_validate(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"not an event envelope: {_summary(exc)}") from exc
    if event.version != EVENT_VERSION:
        raise InvalidEvent(f"event version {event.version} is not understood (expected {EVENT_VERSION})")
    return event


def movement_of(event: Event) -> MoneyMoved:
    try:
        return MoneyMoved.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"money.moved data is malformed: {_summary(exc)}") from exc
