"""The SQS consumer: each record is one event (raw SNS delivery), read with Powertools' parser models
(service.messages). Failures fail only their own record (partial batch response); SQS retries it and
moves it to the DLQ after maxReceiveCount.

The record is parsed in the record handler rather than by `BatchProcessor(model=...)`: a record the
model refuses would then fail before any code of ours runs, without the log line that names it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from core.observability import MetricUnit, logger, metrics
from ledger.service import messages, posting

RECORD_KEYS = ["message_id", "correlation_id", "event_id"]


def record_handler(record: SQSRecord) -> str:
    logger.append_keys(message_id=record.message_id)
    try:
        # An unreadable message raises invalid_event: the record fails, and later the DLQ takes it.
        event = messages.read_record(record.raw_event)
        logger.append_keys(correlation_id=event.correlation_id, event_id=event.event_id)
        outcome = posting.handle_event(event)
        logger.info("Event handled", extra={"type": event.type.value, "outcome": outcome.value})
        metrics.add_metric(name=f"Events{outcome.value.capitalize()}", unit=MetricUnit.Count, value=1)
        return outcome.value
    except Exception:
        # Logged here with the event's keys, then re-raised: the batch processor marks the record failed.
        logger.exception("Event failed", extra={"receive_count": record.attributes.approximate_receive_count})
        raise
    finally:
        logger.remove_keys(RECORD_KEYS)


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A fresh processor per invocation: it collects the batch's failures.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failures = len(response.get("batchItemFailures", []))
    if failures:
        metrics.add_metric(name="EventsFailed", unit=MetricUnit.Count, value=failures)
    return dict(response)
