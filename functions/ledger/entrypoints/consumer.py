"""The SQS consumer: each record is one event (raw SNS delivery), read with Powertools' parser models
(service.messages), and the batch's events are posted together (service.posting.post_events). Failures
fail only their own record (a partial batch response): SQS retries it and moves it to the DLQ after
maxReceiveCount.

The response is built here rather than by Powertools' `BatchProcessor`, which hands records to a handler
one at a time: posting a batch together needs all of its events at once (decision 0043). Records are
read as the plain dicts they are (two keys besides the body): Powertools' `SQSRecord` would import every
Powertools data class into this function's cold start (decision 0045).
"""

from __future__ import annotations

from typing import Any

from core.events import Event
from core.observability import MetricUnit, logger, metrics
from ledger.service import messages, posting


def _read(record: dict[str, Any]) -> Event | Exception:
    try:
        return messages.read_record(record)
    except (
        Exception
    ) as error:  # an unreadable message (invalid_event) fails alone, and later the DLQ takes it
        return error


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    records: list[dict[str, Any]] = event.get("Records", [])
    read = [_read(record) for record in records]
    events = [item for item in read if isinstance(item, Event)]
    outcomes = iter(posting.post_events(events))
    failures: list[dict[str, str]] = []
    for record, item in zip(records, read, strict=True):
        keys = {"message_id": record["messageId"]}
        if isinstance(item, Event):
            keys |= {"correlation_id": item.correlation_id, "event_id": item.event_id, "type": item.type}
        result = next(outcomes) if isinstance(item, Event) else item
        if isinstance(result, posting.Outcome):
            logger.info("Event handled", extra={**keys, "outcome": result.value})
            metrics.add_metric(name=f"Events{result.value.capitalize()}", unit=MetricUnit.Count, value=1)
        else:
            receive_count = record["attributes"]["ApproximateReceiveCount"]
            logger.error("Event failed", exc_info=result, extra={**keys, "receive_count": receive_count})
            failures.append({"itemIdentifier": record["messageId"]})
    if failures:
        metrics.add_metric(name="EventsFailed", unit=MetricUnit.Count, value=len(failures))
    return {"batchItemFailures": failures}
