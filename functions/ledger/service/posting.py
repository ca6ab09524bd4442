"""Posting: each queued event becomes one balanced, hash-chained posting, exactly once.

A batch from the queue is posted together (`post_events`): one read of the dedup records, one read of
the heads, and as few transactions as 100 items a transaction allow. Should anything in that fast path
refuse (a head moved by a concurrent consumer, an event posted meanwhile, a throttled call), the events
not yet written fall back to the one-at-a-time path (`post_movement`), which re-reads and retries; each
event's own failure fails only its own record.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core import clock
from core.events import Event, MoneyMoved
from core.observability import logger
from ledger.domain import inbound
from ledger.domain.errors import ChainConflict
from ledger.domain.posting import (
    Head,
    PostingPlan,
    accounts_of,
    batch_of,
    heads_after,
    in_transactions,
    plan_posting,
)
from ledger.settings import conf
from ledger.store import journal


class Outcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


Result = Outcome | Exception  # one per event of a batch: how it ended, or why it failed


@dataclass(frozen=True)
class _Queued:
    index: int  # the event's place in the batch, which its result takes
    event: Event
    movement: MoneyMoved


def post_events(events: Sequence[Event], *, now: Callable[[], datetime] = clock.now) -> list[Result]:
    """Post a batch of events; the results line up with the events."""
    results: list[Result | None] = [None] * len(events)
    queued: list[_Queued] = []
    first_of: dict[str, int] = {}  # event id -> the index of its first copy in the batch
    copies: list[tuple[int, int]] = []  # (a later copy, its first)
    for index, event in enumerate(events):
        if event.event_id in first_of:
            copies.append((index, first_of[event.event_id]))
            continue
        first_of[event.event_id] = index
        if event.type in inbound.NON_POSTING:
            results[index] = Outcome.IGNORED
            continue
        try:
            queued.append(_Queued(index, event, inbound.movement_of(event)))
        except Exception as error:
            results[index] = error
    if queued:
        try:
            _post_together(queued, results, now)
        except Exception:
            logger.warning("Batch posting fell back to one event at a time", exc_info=True)
        for item in queued:
            if results[item.index] is None:
                results[item.index] = _post_alone(item, now)
    for copy, first in copies:
        # A copy ends as its first did: a duplicate of what was posted, or failed (and retried) with it.
        done = results[first]
        results[copy] = Outcome.DUPLICATE if done is Outcome.POSTED else done
    return [result if result is not None else Outcome.IGNORED for result in results]


def _post_together(
    queued: Sequence[_Queued], results: list[Result | None], now: Callable[[], datetime]
) -> None:
    """The fast path: plan every event against the heads the ones before it left, write them in packed
    transactions, and stop at the first refused transaction (what is left then goes one by one)."""
    seen = journal.processed_among(item.event.event_id for item in queued)
    fresh = [item for item in queued if item.event.event_id not in seen]
    heads: dict[str, Head | None] = journal.read_heads(
        account for item in fresh for account in accounts_of(item.movement)
    )
    at = clock.iso(now())
    planned: dict[str, _Queued] = {}
    plans: list[PostingPlan] = []
    for item in queued:
        event_id = item.event.event_id
        if event_id in seen:
            results[item.index] = Outcome.DUPLICATE  # posted by an earlier delivery
            continue
        try:
            plan = plan_posting(
                event_id=event_id,
                correlation_id=item.event.correlation_id,
                movement=item.movement,
                heads=heads,
                now=at,
            )
        except Exception as error:  # the movement breaks a rule: it fails alone, the chain does not move
            results[item.index] = error
            continue
        heads.update(heads_after(plan))
        planned[event_id] = item
        plans.append(plan)
    for batch in in_transactions(plans):
        try:
            written = journal.write_postings(batch)
        except ChainConflict:
            written = False
        if not written:
            return
        for plan in batch.plans:
            results[planned[plan.event_id].index] = Outcome.POSTED


def _post_alone(item: _Queued, now: Callable[[], datetime]) -> Result:
    try:
        return post_movement(item.event.event_id, item.event.correlation_id, item.movement, now=now)
    except Exception as error:
        return error


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
            written = journal.write_postings(batch_of([plan]))
            return Outcome.POSTED if written else Outcome.DUPLICATE
        except ChainConflict:
            if attempt == attempts:
                raise
            logger.info("Chain head moved; re-planning", extra={"event_id": event_id, "attempt": attempt})
            sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
