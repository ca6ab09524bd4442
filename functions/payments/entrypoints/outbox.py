"""Outbox → SNS: triggered by the outbox table's stream; every new event is published, none is lost.

A failed publish fails its record (partial batch response), and the stream retries from there; records
published in the meantime are marked, so a retry skips them instead of publishing them twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from core.clock import now
from core.observability import MetricUnit, logger, metrics
from payments.store import outbox

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def publish_record(record: DynamoDBRecord) -> None:
    if record.event_name != DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return  # our own "published" marks and TTL deletions
    image = record.dynamodb.new_image
    event_id = str(image["event_id"])
    if outbox.already_published(event_id):
        return
    correlation_id = str(image.get("correlation_id") or "")
    outbox.publish(str(image["body"]), str(image["type"]), correlation_id)
    outbox.mark_published(event_id, now())
    logger.info(
        "Event published",
        extra={"event_id": event_id, "type": str(image["type"]), "correlation_id": correlation_id},
    )
    metrics.add_metric(name="events_published", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=publish_record, processor=processor, context=context
    )
    return dict(response)
