"""Posting through the store (moto DynamoDB): one transaction per event, exactly once, never half."""

from __future__ import annotations

from typing import Any

import pytest

from core.events import MovementKind as K
from ledger.domain.errors import ChainConflict, PostingRuleViolated, UnknownLedgerAccount
from ledger.service import posting
from ledger.service.posting import Outcome
from ledger.store import journal
from ledger.store.models import EntryModel, HeadModel, ProcessedEventModel
from tests.unit.ledger.ledger_helpers import ALICE, BOB, INTEREST, LOANS, POOL, at, movement

pytestmark = pytest.mark.usefixtures("ledger_tables")
NOW = at("2026-01-10T12:00:00")


def counts() -> tuple[int, int, int]:
    return (
        sum(1 for _ in EntryModel.scan()),
        sum(1 for _ in HeadModel.scan()),
        sum(1 for _ in ProcessedEventModel.scan()),
    )


def test_a_transfer_posts_two_entries_and_creates_accounts_on_first_posting() -> None:
    # Given an empty ledger
    # When a transfer is posted
    outcome = posting.post_movement("evt_t", "corr-t", movement(K.TRANSFER, [(ALICE, BOB, 5_000)]), now=NOW)
    # Then Alice is debited, Bob credited, both accounts exist, the event is recorded
    assert outcome is Outcome.POSTED
    assert counts() == (2, 2, 1)
    alice = list(journal.chain(ALICE))
    bob = list(journal.chain(BOB))
    assert [(e.side.value, e.amount, e.balance, e.correlation_id) for e in alice] == [
        ("debit", 5_000, -5_000, "corr-t")
    ]
    assert [(e.side.value, e.amount, e.balance) for e in bob] == [("credit", 5_000, 5_000)]
    head = journal.get_head(BOB)
    assert head is not None and (head.last_seq, head.last_hash, head.balance) == (1, bob[0].hash, 5_000)


def test_the_same_event_twice_posts_once() -> None:
    m = movement(K.WELCOME_BONUS, [(POOL, ALICE, 100_000)])
    assert posting.post_movement("evt_dup", "c", m, now=NOW) is Outcome.POSTED
    before = counts()
    assert posting.post_movement("evt_dup", "c", m, now=NOW) is Outcome.DUPLICATE
    assert counts() == before
    assert journal.get_head(ALICE).balance == 100_000  # type: ignore[union-attr]


def test_a_duplicate_racing_past_the_dedup_read_is_stopped_by_the_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an event already posted, and a second consumer that read "not processed" just before
    m = movement(K.TRANSFER, [(ALICE, BOB, 1_000)])
    posting.post_movement("evt_race", "c", m, now=NOW)
    before = counts()
    monkeypatch.setattr(journal, "is_processed", lambda event_id: False)
    # When it posts anyway, the dedup record's condition fails: that is success with nothing written
    assert posting.post_movement("evt_race", "c", m, now=NOW) is Outcome.DUPLICATE
    assert counts() == before


def test_a_movement_to_an_unknown_account_writes_nothing() -> None:
    with pytest.raises(UnknownLedgerAccount):
        posting.post_movement("evt_bad", "c", movement(K.TRANSFER, [(ALICE, "bank:vault", 1)]), now=NOW)
    assert counts() == (0, 0, 0)


def test_a_movement_breaking_its_rule_writes_nothing() -> None:
    with pytest.raises(PostingRuleViolated):
        posting.post_movement("evt_bad", "c", movement(K.REVERSAL, [(BOB, ALICE, 1)]), now=NOW)
    assert counts() == (0, 0, 0)


def test_a_loan_repayment_posts_principal_and_interest_in_one_transaction() -> None:
    posting.post_movement("evt_d", "c", movement(K.LOAN_DISBURSEMENT, [(LOANS, ALICE, 1_000_000)]), now=NOW)
    m = movement(K.LOAN_REPAYMENT, [(ALICE, LOANS, 83_334), (ALICE, INTEREST, 10_000)], payment_id="pay_r")
    posting.post_movement("evt_r", "c", m, now=NOW)
    alice = list(journal.chain(ALICE))
    assert [(e.seq, e.side.value, e.amount, e.balance) for e in alice] == [
        (1, "credit", 1_000_000, 1_000_000),
        (2, "debit", 83_334, 916_666),
        (3, "debit", 10_000, 906_666),
    ]
    assert journal.get_head(LOANS).balance == 1_000_000 - 83_334  # type: ignore[union-attr]
    assert journal.get_head(INTEREST).balance == 10_000  # type: ignore[union-attr]


def test_a_concurrent_posting_is_retried_from_fresh_heads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a consumer whose first read of the heads is overtaken by another posting to the pool
    posting.post_movement("evt_1", "c", movement(K.WELCOME_BONUS, [(POOL, ALICE, 100)]), now=NOW)
    real_read = journal.read_heads
    calls: list[int] = []

    def read_then_race(ids: Any) -> Any:
        heads = real_read(ids)
        calls.append(1)
        if len(calls) == 1:  # the racer's own read is call 2
            posting.post_movement(
                "evt_other", "c", movement(K.WELCOME_BONUS, [(POOL, BOB, 100)], payment_id="p2"), now=NOW
            )
        return heads

    monkeypatch.setattr(journal, "read_heads", read_then_race)
    # When it posts, the head condition fails once; it re-plans and posts on the next attempt
    outcome = posting.post_movement(
        "evt_2",
        "c",
        movement(K.WELCOME_BONUS, [(POOL, ALICE, 100)], payment_id="p3"),
        now=NOW,
        sleep=lambda s: None,
    )
    assert outcome is Outcome.POSTED
    assert len(calls) == 3  # first try, the racer, the retry
    pool = list(journal.chain(POOL))
    assert [e.seq for e in pool] == [1, 2, 3]
    assert [e.prev_hash for e in pool[1:]] == [e.hash for e in pool[:-1]]


def test_a_chain_that_keeps_moving_fails_the_event_without_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    posting.post_movement("evt_1", "c", movement(K.WELCOME_BONUS, [(POOL, ALICE, 100)]), now=NOW)
    stale = journal.read_heads([POOL, BOB])
    posting.post_movement(
        "evt_2", "c", movement(K.WELCOME_BONUS, [(POOL, ALICE, 100)], payment_id="p2"), now=NOW
    )
    monkeypatch.setattr(journal, "read_heads", lambda ids: stale)
    before = counts()
    with pytest.raises(ChainConflict):
        posting.post_movement(
            "evt_3",
            "c",
            movement(K.WELCOME_BONUS, [(POOL, BOB, 100)], payment_id="p3"),
            now=NOW,
            sleep=lambda s: None,
        )
    assert counts() == before
