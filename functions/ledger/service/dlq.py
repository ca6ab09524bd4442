"""The dead-letter queue: what is in it (with a diagnosis of each message) and redriving it."""

from __future__ import annotations

from datetime import UTC, datetime

from core import clock
from core.errors import DomainError
from core.events import Event
from core.observability import logger
from ledger.domain import inbound
from ledger.domain.posting import plan_posting
from ledger.models import DlqMessageView, DlqView, RedriveView
from ledger.service import messages
from ledger.settings import conf, required
from ledger.store import journal, queues


# ---------------------------------------------------------------- dead-letter queue
def diagnose(body: str) -> tuple[Event | None, str]:
    """Why a message might have failed, found by re-checking it (SQS keeps no error with a message)."""
    try:
        event = messages.read_body(body)
    except DomainError as error:
        return None, f"{error.code}: {error.detail}"
    try:
        if event.type not in inbound.NON_POSTING:
            movement = inbound.movement_of(event)
            plan_posting(event_id=event.event_id, correlation_id="", movement=movement, heads={}, now="")
    except DomainError as error:
        return event, f"{error.code}: {error.detail}"
    if journal.is_processed(event.event_id):
        return event, "already_posted: a redrive is a no-op"
    return event, "valid_now: the failure was transient or has been fixed; a redrive will post it"


def dlq_peek(limit: int) -> DlqView:
    dlq = required(conf().ledger_dlq_url, "LEDGER_DLQ_URL")
    views = []
    for message in queues.peek(dlq, limit):
        event, hint = diagnose(message.body)
        movement_payment = event.data.get("payment_id") if event else None
        views.append(
            DlqMessageView(
                message_id=message.message_id,
                sent_at=(
                    clock.iso(datetime.fromtimestamp(message.sent_at_ms / 1000, UTC))
                    if message.sent_at_ms
                    else None
                ),
                receive_count=message.receive_count,
                event_id=event.event_id if event else None,
                type=event.type.value if event else message.attributes.get("type"),
                payment_id=str(movement_payment) if movement_payment is not None else None,
                correlation_id=event.correlation_id if event else message.attributes.get("correlation_id"),
                error_hint=hint,
                body_preview=message.body[:300],
            )
        )
    return DlqView(approximate_messages=queues.approximate_count(dlq), messages=views)


def dlq_redrive(max_messages: int) -> RedriveView:
    config = conf()
    dlq = required(config.ledger_dlq_url, "LEDGER_DLQ_URL")
    target = required(config.ledger_queue_url, "LEDGER_QUEUE_URL")
    moved = queues.redrive(dlq, target, max_messages)
    logger.info("DLQ redriven", extra={"moved": moved})
    return RedriveView(moved=moved, approximate_remaining=queues.approximate_count(dlq))
