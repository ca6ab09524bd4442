"""Publishing bank events (the `core.events.Event` envelope) to the SNS topic: one, or many in
`PublishBatch` calls of ten.

Every message carries the attributes subscribers filter on: `type`, and `correlation_id` when there is
one. Kept apart from `core.events`, which domain code imports and which must stay free of AWS.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from core import aws
from core.events import Event
from core.observability import logger

BATCH_SIZE = 10  # the most entries SNS takes in one PublishBatch call
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")  # what SNS accepts as a batch entry's Id

Attributes = dict[str, dict[str, str]]


@dataclass(frozen=True)
class Outgoing:
    """One event as it goes out: its envelope as JSON, and the values of its message attributes."""

    event_id: str
    event_type: str
    body: str
    correlation_id: str = ""

    @classmethod
    def of(cls, event: Event) -> Outgoing:
        return cls(event.event_id, event.type.value, event.model_dump_json(), event.correlation_id)

    def attributes(self) -> Attributes:
        attributes = {"type": {"DataType": "String", "StringValue": self.event_type}}
        if self.correlation_id:  # SNS rejects empty attribute values
            attributes["correlation_id"] = {"DataType": "String", "StringValue": self.correlation_id}
        return attributes


def publish(topic_arn: str, message: Outgoing) -> None:
    aws.client("sns").publish(
        TopicArn=topic_arn, Message=message.body, MessageAttributes=message.attributes()
    )


def publish_batch(topic_arn: str, messages: Sequence[Outgoing]) -> list[Outgoing]:
    """Send the messages, ten per `PublishBatch` call, and return the ones not sent: the entries SNS
    reports failed, and every entry of a call that raised. One call failing does not stop the others."""
    # A repeated event goes out once: SNS refuses a call whose entry Ids repeat.
    distinct = list({message.event_id: message for message in messages}.values())
    unsent: list[Outgoing] = []
    for start in range(0, len(distinct), BATCH_SIZE):
        chunk = {entry_id(message.event_id): message for message in distinct[start : start + BATCH_SIZE]}
        entries = [
            {"Id": key, "Message": message.body, "MessageAttributes": message.attributes()}
            for key, message in chunk.items()
        ]
        try:
            response = aws.client("sns").publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
        except (ClientError, BotoCoreError):
            logger.exception("PublishBatch failed", extra={"event_ids": [m.event_id for m in chunk.values()]})
            unsent.extend(chunk.values())
            continue
        for failed in response.get("Failed", []):
            message = chunk[failed["Id"]]
            logger.error(
                "Event not published",
                extra={
                    "event_id": message.event_id,
                    "code": failed.get("Code"),
                    "reason": failed.get("Message"),
                },
            )
            unsent.append(message)
    return unsent


def entry_id(event_id: str) -> str:
    """The batch entry Id for an event: its id when SNS accepts it as one (every `evt_` id does), else a
    digest of it, so that distinct events keep distinct Ids."""
    if _ENTRY_ID.fullmatch(event_id):
        return event_id
    return hashlib.sha256(event_id.encode()).hexdigest()
