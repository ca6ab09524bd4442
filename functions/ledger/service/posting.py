"""Posting: each queued event becomes one balanced, hash-chained posting, exactly once."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from core import clock
from core.events import Event, MoneyMoved
from core.observability import logger
from ledger.domain import inbound
from ledger.domain.errors import ChainConflict
from ledger.domain.posting import accounts_of, plan_posting
from ledger.settings import conf
from ledger.store import journal


class Outcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


def handle_event(event: Event) -> Outcome:
    if event.type in inbound.NON_POSTING:
        return Outcome.IGNORED
    return post_movement(event.event_id, event.correlation_id, inbound.movement_of(event))


def post_movement(
    event_id: str,
    correlation_id: str,
    movement: MoneyMoved,
    *,
    now: Callable[[], datetime] = clock.now,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Post one movement exactly once. A concurrent posting to the same account makes the head
    condition fail: re-read the heads and re-plan, a few times, then let the message be retried."""
    if journal.is_processed(event_id):
        return Outcome.DUPLICATE
    attempts = conf().posting_attempts
    for attempt in range(1, attempts + 1):
        heads = journal.read_heads(accounts_of(movement))
        plan = plan_posting(
            event_id=event_id,
            correlation_id=correlation_id,
            movement=movement,
            heads=heads,
            now=clock.iso(now()),
        )
        try:
            return Outcome.POSTED if journal.write_posting(plan) else Outcome.DUPLICATE
        except ChainConflict:
            if attempt == attempts:
                raise
            logger.info("Chain head moved; re-planning", extra={"event_id": event_id, "attempt": attempt})
            sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
