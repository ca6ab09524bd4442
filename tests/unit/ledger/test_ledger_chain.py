"""The hash chain: sequence, links and running balances per ledger account; tampering is detected."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.events import MovementKind as K
from ledger.domain.chain import verify_chain
from ledger.domain.errors import TooManyLegs
from ledger.domain.posting import GENESIS_HASH, Entry, Head, entry_hash, plan_posting
from tests.unit.ledger.ledger_helpers import ALICE, BOB, CASH, POOL, movement


def post_all(
    moves: list[tuple[K, list[tuple[str, str, int]]]],
) -> tuple[dict[str, Head], dict[str, list[Entry]]]:
    """Plan movements one after another in memory, as the store would apply them."""
    heads: dict[str, Head] = {}
    entries: dict[str, list[Entry]] = {}
    for index, (kind, legs) in enumerate(moves):
        plan = plan_posting(
            event_id=f"evt_{index}",
            correlation_id=f"corr_{index}",
            movement=movement(kind, legs, payment_id=f"pay_{index}"),
            heads=heads,
            now=f"2026-01-01T00:00:{index:02d}.000Z",
        )
        for change in plan.heads:
            assert change.expected_seq == (
                heads[change.head.account_id].last_seq if change.head.account_id in heads else 0
            )
            heads[change.head.account_id] = change.head
        for entry in plan.entries:
            entries.setdefault(entry.account_id, []).append(entry)
    return heads, entries


WORKLOAD = [
    (K.OPENING, [(CASH, POOL, 1_000_000_000)]),
    (K.WELCOME_BONUS, [(POOL, ALICE, 100_000)]),
    (K.WELCOME_BONUS, [(POOL, BOB, 100_000)]),
    (K.TRANSFER, [(ALICE, BOB, 30_000)]),
    (K.TRANSFER, [(BOB, ALICE, 5_000)]),
]


def test_entries_are_sequenced_and_chained_per_account() -> None:
    heads, entries = post_all(WORKLOAD)
    alice = entries[ALICE]
    assert [e.seq for e in alice] == [1, 2, 3]
    assert alice[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in alice[1:]] == [e.hash for e in alice[:-1]]
    assert all(e.hash == entry_hash(e.hashed_fields()) for e in alice)
    assert heads[ALICE].last_hash == alice[-1].hash and heads[ALICE].last_seq == 3


def test_running_balances_follow_the_sign_convention() -> None:
    heads, entries = post_all(WORKLOAD)
    # Customer deposits (liabilities) rise with credits.
    assert [e.balance for e in entries[ALICE]] == [100_000, 70_000, 75_000]
    assert heads[BOB].balance == 125_000
    # The pool (equity) was credited its capital and debited two bonuses; cash (asset) was debited.
    assert heads[POOL].balance == 1_000_000_000 - 200_000
    assert heads[CASH].balance == 1_000_000_000
    # Trial balance: total debits equal total credits across every head.
    assert sum(h.total_debits for h in heads.values()) == sum(h.total_credits for h in heads.values())


def test_an_untouched_chain_verifies() -> None:
    heads, entries = post_all(WORKLOAD)
    for account, head in heads.items():
        report = verify_chain(head, entries[account])
        assert report.ok, report.breaks
        assert report.entries_checked == len(entries[account])


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda es: es.__setitem__(1, replace(es[1], amount=es[1].amount + 1)), "hash_mismatch"),
        (lambda es: es.__setitem__(1, replace(es[1], description="edited")), "hash_mismatch"),
        (lambda es: es.__setitem__(1, replace(es[1], description="resealed").sealed()), "link_broken"),
        (lambda es: es.pop(1), "sequence_gap"),
        (lambda es: es.reverse(), "sequence_gap"),
        (lambda es: es.pop(), "head_mismatch"),
    ],
    ids=["amount", "description", "resealed-edit", "deleted", "reordered", "truncated"],
)
def test_tampering_is_detected(tamper: object, reason: str) -> None:
    # Given a posted chain
    heads, entries = post_all(WORKLOAD)
    chain = list(entries[ALICE])
    # When someone edits, deletes or reorders entries behind the ledger's back
    assert callable(tamper)
    tamper(chain)
    # Then verification names the account, the entry and the reason
    report = verify_chain(heads[ALICE], chain)
    assert not report.ok
    assert any(b.reason.startswith(reason) for b in report.breaks), report.breaks


def test_a_resealed_edit_still_breaks_the_next_link_and_the_head() -> None:
    # An attacker who recomputes the edited entry's hash cannot also fix the next entry's prev_hash.
    heads, entries = post_all(WORKLOAD)
    chain = list(entries[ALICE])
    chain[1] = replace(chain[1], amount=1, balance=chain[0].balance - 1).sealed()
    report = verify_chain(heads[ALICE], chain)
    found = {(b.entry_id, b.reason.split(":")[0]) for b in report.breaks}
    assert (chain[2].entry_id, "link_broken") in found
    assert ("", "head_totals_mismatch") in found


def test_tampered_head_is_detected() -> None:
    heads, entries = post_all(WORKLOAD)
    report = verify_chain(replace(heads[ALICE], balance=10**9), entries[ALICE])
    assert [b.reason.split(":")[0] for b in report.breaks] == ["head_totals_mismatch"]


def test_posting_time_never_goes_backwards_within_an_account() -> None:
    heads, _ = post_all(WORKLOAD[:2])
    later = heads[POOL].last_posted_at
    plan = plan_posting(
        event_id="evt_late",
        correlation_id="",
        movement=movement(K.WELCOME_BONUS, [(POOL, BOB, 1)]),
        heads=heads,
        now="2025-12-31T23:59:59.000Z",  # a clock behind the last posting
    )
    pool_entry = next(e for e in plan.entries if e.account_id == POOL)
    assert pool_entry.posted_at == later
    assert pool_entry.position > f"{later}#{heads[POOL].last_seq:012d}"


def test_the_transaction_item_limit_is_asserted() -> None:
    from core.events import Leg, MoneyMoved

    legs = [Leg(from_account=ALICE, to_account=BOB, amount=1)] * 50
    huge = MoneyMoved(payment_id="p", kind=K.REVERSAL, legs=legs, reverses="q", committed_at="x")
    from ledger.domain import rules

    original = rules.RULES[K.REVERSAL]
    rules.RULES[K.REVERSAL] = replace(original, max_legs=1000)
    try:
        with pytest.raises(TooManyLegs):
            plan_posting(event_id="e", correlation_id="", movement=huge, heads={}, now="t")
    finally:
        rules.RULES[K.REVERSAL] = original


def test_an_entry_posted_while_the_walk_runs_is_left_for_the_next_walk() -> None:
    # Given a head read before the newest posting landed (head and entry commit together)
    heads, entries = post_all(WORKLOAD)
    stale_head, _ = post_all(WORKLOAD[:-1])
    # When the walk meets the newer entry
    report = verify_chain(stale_head[ALICE], entries[ALICE])
    # Then it is not a break: the caller is told its seq, to confirm against a fresh head
    assert report.ok, report.breaks
    assert report.entries_checked == 2
    assert report.last_seq_after_head == heads[ALICE].last_seq == 3
