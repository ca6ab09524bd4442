"""Publishing outbox records to SNS, and remembering which ones are out."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from core import aws
from core.clock import iso
from core.dynamo import condition_failed
from payments.settings import conf
from payments.store.models import OutboxRecord


def already_published(event_id: str) -> bool:
    try:
        record = OutboxRecord.get(event_id, consistent_read=True)
    except DoesNotExist:
        return False
    return record.published_at is not None


def publish(body: str, event_type: str, correlation_id: str) -> None:
    attributes = {"type": {"DataType": "String", "StringValue": event_type}}
    if correlation_id:
        attributes["correlation_id"] = {"DataType": "String", "StringValue": correlation_id}
    aws.client("sns").publish(TopicArn=conf().events_topic_arn, Message=body, MessageAttributes=attributes)


def mark_published(event_id: str, at: datetime) -> None:
    try:
        OutboxRecord(event_id).update(
            actions=[OutboxRecord.published_at.set(iso(at))],
            condition=OutboxRecord.event_id.exists() & OutboxRecord.published_at.does_not_exist(),
        )
    except UpdateError as error:
        # Already marked by an earlier delivery of the same stream record: nothing to do.
        if not condition_failed(error):
            raise
