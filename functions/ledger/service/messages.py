"""Reading a queued message with Powertools' parser models.

The template subscribes the ledger queue with `RawMessageDelivery: true`, so an SQS record's body
(`SqsRecordModel`) is the bank's event envelope (`core.events.Event`) as JSON. Should raw delivery be
off, SNS wraps the envelope in a notification (`SnsNotificationModel`) whose Message is that JSON; both
are read, told apart by the body's `Type`. A message the ledger cannot read raises `InvalidEvent`: its
record fails alone, SQS retries it and then moves it to the DLQ, whose view explains it (service.dlq).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsNotificationModel, SqsRecordModel
from pydantic import AfterValidator, Discriminator, Json, Tag, TypeAdapter, ValidationError

from core.events import EVENT_VERSION, Event
from ledger.domain.errors import InvalidEvent
from ledger.domain.inbound import summary


def _understood(event: Event) -> Event:
    if event.version != EVENT_VERSION:
        raise ValueError(f"event version {event.version} is not understood (expected {EVENT_VERSION})")
    return event


KnownEvent = Annotated[Event, AfterValidator(_understood)]


class SnsNotification(SnsNotificationModel):
    """An SNS notification as SQS holds it when raw delivery is off."""

    # Powertools types Message `str | type[BaseModel]`; its docs narrow it to a model like this.
    Message: Json[KnownEvent]  # type: ignore[assignment]


def _delivery(body: Any) -> str:
    return "notification" if isinstance(body, dict) and body.get("Type") == "Notification" else "event"


Body = Annotated[
    Annotated[KnownEvent, Tag("event")] | Annotated[SnsNotification, Tag("notification")],
    Discriminator(_delivery),
]


class QueuedEvent(SqsRecordModel):
    """One record of the ledger queue's SQS event."""

    body: Json[Body]

    @property
    def event(self) -> Event:
        return self.body.Message if isinstance(self.body, SnsNotification) else self.body


_BODY: TypeAdapter[Event | SnsNotification] = TypeAdapter(Body)


def read_record(record: dict[str, Any]) -> Event:
    """The event of one record of the SQS event Lambda delivers."""
    try:
        queued: QueuedEvent = parse(event=record, model=QueuedEvent)
    except ValidationError as exc:
        raise InvalidEvent(f"not an event: {summary(exc)}") from exc
    return queued.event


def read_body(body: str) -> Event:
    """The event of a message body alone (a message the DLQ holds)."""
    try:
        parsed = _BODY.validate_json(body)
    except ValidationError as exc:
        raise InvalidEvent(f"not an event: {summary(exc)}") from exc
    return parsed.Message if isinstance(parsed, SnsNotification) else parsed
