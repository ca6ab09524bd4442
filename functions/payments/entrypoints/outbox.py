"""Outbox → SNS: triggered by the outbox table's stream; every new event is published, none is lost.

The batch's new records are published together, ten per `PublishBatch` call. An event SNS did not take
fails its record (partial batch response) and the stream retries from the first failed record; events
after it go out again, which is harmless: delivery is at least once and every consumer dedups by
`event_id` (docs/decisions/0041-outbox-publishes-in-batches.md).

The response is built here rather than by Powertools' `BatchProcessor`, which hands records to a
handler one at a time: a batch-wide publish has no per-record step to give it. Stream records are read
as the plain dicts they are: Powertools' `DynamoDBStreamEvent` (and its batch types) would import every
Powertools data class into this function's cold start (decision 0045).
"""

from __future__ import annotations

from typing import Any

from core.observability import MetricUnit, logger, metrics
from payments.store import outbox


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    # Only new records carry an event: removals are the TTL's, and nothing updates an outbox record.
    inserted = {
        str(record["dynamodb"].get("SequenceNumber")): outbox.outgoing(record["dynamodb"].get("NewImage", {}))
        for record in event.get("Records", [])
        if record.get("eventName") == "INSERT" and record.get("dynamodb") is not None
    }
    unsent = {message.event_id for message in outbox.publish(list(inserted.values()))}
    failed: list[str] = []
    for sequence_number, message in inserted.items():
        if message.event_id in unsent:
            failed.append(sequence_number)
            continue
        logger.info(
            "Event published",
            extra={
                "event_id": message.event_id,
                "type": message.event_type,
                "correlation_id": message.correlation_id,
            },
        )
    if len(inserted) > len(failed):
        metrics.add_metric(name="events_published", unit=MetricUnit.Count, value=len(inserted) - len(failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in failed]}
