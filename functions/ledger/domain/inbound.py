"""What the ledger makes of an event it has read (reading the queued message is service.messages'):
which events it posts, and the movement a money.moved event carries."""

from __future__ import annotations

from pydantic import ValidationError

from core.events import Event, EventType, MoneyMoved
from ledger.domain.errors import InvalidEvent

# Acknowledged and never posted: they move no money (holds change available balance only).
NON_POSTING = frozenset(
    {EventType.HOLD_CREATED, EventType.HOLD_RELEASED, EventType.CUSTOMER_REGISTERED, EventType.STAFF_CREATED}
)


def summary(error: ValidationError) -> str:
    """The first few problems, one line: what the DLQ view and the logs show of a refused message."""
    parts = [
        f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)[:5]
    ]
    return "; ".join(parts)


def movement_of(event: Event) -> MoneyMoved:
    try:
        return MoneyMoved.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"money.moved data is malformed: {summary(exc)}") from exc
