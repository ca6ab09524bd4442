"""Posting a queue batch together (moto DynamoDB): packed transactions, chains kept in order, and the
one-at-a-time fallback whenever the fast path is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from core.events import Event
from core.events import MovementKind as K
from ledger.domain.errors import UnknownLedgerAccount
from ledger.domain.posting import PostingBatch
from ledger.service import posting
from ledger.service.posting import Outcome
from ledger.store import journal
from ledger.store.models import EntryModel, ProcessedEventModel
from tests.unit.ledger.ledger_helpers import ALICE, BOB, POOL, at, moved_event, movement

pytestmark = pytest.mark.usefixtures("ledger_tables")
NOW = at("2026-01-10T12:00:00")


def transfer(n: int, source: str = ALICE, target: str = BOB, amount: int = 100) -> Event:
    return moved_event(
        movement(K.TRANSFER, [(source, target, amount)], payment_id=f"pay_{n}"),
        event_id=f"evt_{n}",
        correlation_id=f"corr-{n}",
    )


def bonus(n: int, to: str = ALICE) -> Event:
    return moved_event(
        movement(K.WELCOME_BONUS, [(POOL, to, 100_000)], payment_id=f"bonus_{n}"), event_id=f"evt_b{n}"
    )


def customer(n: int) -> str:
    return f"{9_000_000_000 + n:010d}"


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[PostingBatch]:
    """Every transaction the journal is asked to write."""
    seen: list[PostingBatch] = []
    real = journal.write_postings

    def recording(batch: PostingBatch) -> bool:
        seen.append(batch)
        return real(batch)

    monkeypatch.setattr(journal, "write_postings", recording)
    return seen


def assert_chain_intact(account: str, balances: list[int]) -> None:
    entries = list(journal.chain(account))
    assert [e.balance for e in entries] == balances
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    head = journal.get_head(account)
    assert head is not None and (head.last_seq, head.last_hash) == (len(entries), entries[-1].hash)


def test_a_batch_through_the_same_accounts_is_one_transaction_with_the_chains_in_order(
    writes: list[PostingBatch],
) -> None:
    # Given ten transfers from Alice to Bob in one queue batch
    events = [transfer(n, amount=100 * n) for n in range(1, 11)]
    # When the batch is posted
    results = posting.post_events(events, now=NOW)
    # Then all post in ONE transaction: ten dedup records, twenty entries, and each head written once
    assert results == [Outcome.POSTED] * 10
    assert len(writes) == 1 and writes[0].transaction_items == 10 + 20 + 2
    running = [sum(100 * k for k in range(1, n + 1)) for n in range(1, 11)]
    assert_chain_intact(BOB, running)
    assert_chain_intact(ALICE, [-b for b in running])
    assert [e.correlation_id for e in journal.chain(BOB)] == [f"corr-{n}" for n in range(1, 11)]


def test_a_batch_over_one_transactions_limit_is_split_in_chain_order(writes: list[PostingBatch]) -> None:
    # Given 25 transfers between fresh pairs (5 items each: 125 items, over DynamoDB's 100)
    events = [transfer(n, customer(2 * n), customer(2 * n + 1)) for n in range(25)]
    results = posting.post_events(events, now=NOW)
    assert results == [Outcome.POSTED] * 25
    assert [w.transaction_items for w in writes] == [100, 25]
    assert {m.event_id for m in ProcessedEventModel.scan()} == {e.event_id for e in events}


def test_a_rule_breaking_event_fails_alone_and_the_chain_skips_it(writes: list[PostingBatch]) -> None:
    events = [transfer(1), transfer(2, ALICE, "bank:vault"), transfer(3)]
    results = posting.post_events(events, now=NOW)
    assert results[0] is Outcome.POSTED and results[2] is Outcome.POSTED
    assert isinstance(results[1], UnknownLedgerAccount)
    assert len(writes) == 1
    assert_chain_intact(BOB, [100, 200])


def test_duplicates_in_the_batch_and_before_it_post_once() -> None:
    assert posting.post_events([transfer(1)], now=NOW) == [Outcome.POSTED]
    results = posting.post_events([transfer(1), transfer(2), transfer(2)], now=NOW)
    assert results == [Outcome.DUPLICATE, Outcome.POSTED, Outcome.DUPLICATE]
    assert_chain_intact(BOB, [100, 200])


def test_a_head_moved_by_another_consumer_sends_the_batch_one_by_one(
    monkeypatch: pytest.MonkeyPatch, writes: list[PostingBatch]
) -> None:
    # Given another consumer that posts to the pool right after this batch read its heads
    posting.post_events([bonus(0)], now=NOW)
    real_read = journal.read_heads
    raced: list[bool] = []

    def read_then_race(ids: Any) -> Any:
        heads = real_read(ids)
        if not raced:
            raced.append(True)
            posting.post_movement("evt_other", "c", movement(K.WELCOME_BONUS, [(POOL, BOB, 5)]), now=NOW)
        return heads

    monkeypatch.setattr(journal, "read_heads", read_then_race)
    # When the batch is posted, its transaction is refused; every event then posts on its own
    results = posting.post_events([bonus(1), bonus(2, to=BOB)], now=NOW)
    assert results == [Outcome.POSTED, Outcome.POSTED]
    assert_chain_intact(POOL, [-100_000, -100_005, -200_005, -300_005])
    assert_chain_intact(BOB, [5, 100_005])


def test_an_event_posted_meanwhile_is_a_duplicate_and_the_rest_still_post(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an event another consumer posted after this batch's dedup read said "not yet"
    posting.post_events([transfer(1)], now=NOW)
    monkeypatch.setattr(journal, "processed_among", lambda ids: set())
    # When the batch holding it is posted, its dedup record refuses the transaction: nothing is written
    # twice, and the others post one by one
    results = posting.post_events([transfer(2), transfer(1), transfer(3)], now=NOW)
    assert results == [Outcome.POSTED, Outcome.DUPLICATE, Outcome.POSTED]
    assert_chain_intact(BOB, [100, 200, 300])


@pytest.mark.parametrize("fail_at", ["processed_among", "read_heads", "write_postings"])
def test_a_failing_call_in_the_fast_path_falls_back_without_losing_or_doubling(
    monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    real: Callable[..., Any] = getattr(journal, fail_at)
    calls: list[int] = []

    def throttled_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("ProvisionedThroughputExceededException")
        return real(*args)

    monkeypatch.setattr(journal, fail_at, throttled_once)
    results = posting.post_events([transfer(1), transfer(2)], now=NOW)
    assert results == [Outcome.POSTED, Outcome.POSTED]
    assert_chain_intact(BOB, [100, 200])
    assert sum(1 for _ in EntryModel.scan()) == 4


def _in_flight_conflict(items: int) -> TransactWriteError:
    """What AWS answers while another consumer's transaction holds a chain head (moto never conflicts):
    a cancellation whose reason is TransactionConflict rather than a failed condition."""
    reasons = [CancellationReason(code="None")] * items
    reasons[1] = CancellationReason(code="TransactionConflict", message="Transaction is ongoing for the item")
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("Failed to write transaction items", cause=cause)


def test_a_transaction_conflict_on_a_head_is_retried_like_a_moved_head(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the fast path's transaction and the fallback's first try both meet another posting in flight
    real_commit = TransactWrite._commit
    conflicts: list[int] = []

    def commit(self: TransactWrite) -> Any:
        if len(conflicts) < 2:
            conflicts.append(1)
            raise _in_flight_conflict(len(self._put_items))
        return real_commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", commit)
    # When the batch is posted, the event is re-planned and posted, not failed
    assert posting.post_events([transfer(1)], now=NOW) == [Outcome.POSTED]
    assert_chain_intact(BOB, [100])


def test_a_copy_of_an_event_that_failed_fails_with_it() -> None:
    bad = transfer(9, ALICE, "bank:vault")
    results = posting.post_events([bad, transfer(1), bad], now=NOW)
    assert isinstance(results[0], UnknownLedgerAccount) and results[2] is results[0]
    assert results[1] is Outcome.POSTED
