"""Ledger invariants under generated workloads (hypothesis): every posting balances, replays are
no-ops, every balance equals the sum of its entries, and every chain verifies."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from core.events import MoneyMoved
from core.events import MovementKind as K
from ledger.domain.chain import verify_chain
from ledger.domain.chart import Side, payments_view
from ledger.domain.posting import Head, plan_posting
from ledger.service import posting
from ledger.service.posting import Outcome
from ledger.store import journal
from tests.unit.ledger.ledger_helpers import CASH, INTEREST, LOANS, POOL, at, create_ledger_tables, movement

CUSTOMERS = ["0000000001", "0000000002", "0000000003", "0000000004"]
amounts = st.integers(min_value=1, max_value=10**12)
customer = st.sampled_from(CUSTOMERS)


@st.composite
def movements(draw: st.DrawFn) -> MoneyMoved:
    """Any valid movement of any kind (the rules of docs/architecture.md)."""
    kind = draw(st.sampled_from(list(K)))
    a, b = draw(st.lists(customer, min_size=2, max_size=2, unique=True))
    legs: list[tuple[str, str, int]]
    reverses = None
    if kind is K.OPENING:
        legs = [(CASH, POOL, draw(amounts))]
    elif kind in (K.WELCOME_BONUS, K.INTEREST):
        legs = [(POOL, a, draw(amounts))]
    elif kind in (K.TRANSFER, K.CARD_CAPTURE):
        legs = [(a, b, draw(amounts))]
    elif kind is K.REVERSAL:
        legs = [
            (
                *draw(st.sampled_from([(a, b), (a, POOL), (a, LOANS), (LOANS, a), (INTEREST, a)])),
                draw(amounts),
            )
        ]
        reverses = "pay_original"
    elif kind is K.LOAN_DISBURSEMENT:
        legs = [(LOANS, a, draw(amounts))]
    elif kind is K.CLOSURE_PAYOUT:
        legs = [(a, CASH, draw(amounts))]
    else:
        assert kind is K.LOAN_REPAYMENT, f"no generator for {kind}"
        legs = [(a, LOANS, draw(amounts))] + ([(a, INTEREST, draw(amounts))] if draw(st.booleans()) else [])
    return movement(kind, legs, payment_id=f"pay_{draw(st.uuids()).hex}", reverses=reverses)


@settings(max_examples=200, deadline=None)
@given(st.lists(movements(), min_size=1, max_size=25))
def test_pure_postings_balance_and_balances_are_sums_of_entries(moves: list[MoneyMoved]) -> None:
    heads: dict[str, Head] = {}
    entries: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for index, m in enumerate(moves):
        plan = plan_posting(
            event_id=f"e{index}", correlation_id="", movement=m, heads=heads, now="2026-01-01T00:00:00.000Z"
        )
        # Every posting balances on its own
        debits = sum(e.amount for e in plan.entries if e.side is Side.DEBIT)
        assert (
            debits
            == sum(e.amount for e in plan.entries if e.side is Side.CREDIT)
            == sum(leg.amount for leg in m.legs)
        )
        assert plan.transaction_items <= 100
        heads.update((c.head.account_id, c.head) for c in plan.heads)
        for e in plan.entries:
            entries[e.account_id].append(e)
    # The trial balance is zero, and so is the sum of payments-convention balances
    assert sum(h.total_debits for h in heads.values()) == sum(h.total_credits for h in heads.values())
    assert sum(payments_view(h.total_debits, h.total_credits) for h in heads.values()) == 0
    for account, head in heads.items():
        signed = sum(e.amount if e.side is head.normal_side else -e.amount for e in entries[account])
        assert head.balance == signed == entries[account][-1].balance
        assert verify_chain(head, entries[account]).ok


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(movements(), min_size=1, max_size=8), replays=st.lists(st.integers(0, 7), max_size=6))
def test_stored_postings_balance_and_replays_are_no_ops(
    ledger_env: None, moves: list[MoneyMoved], replays: list[int]
) -> None:
    with mock_aws():
        create_ledger_tables()
        now = at("2026-01-01T00:00:00")
        for index, m in enumerate(moves):
            assert posting.post_movement(f"e{index}", "c", m, now=now) is Outcome.POSTED
        before = {h.account_id: h for h in journal.all_heads()}
        # Replaying any event, any number of times, changes nothing
        for index in replays:
            if index < len(moves):
                assert posting.post_movement(f"e{index}", "c", moves[index], now=now) is Outcome.DUPLICATE
        after = {h.account_id: h for h in journal.all_heads()}
        assert after == before
        assert sum(h.total_debits for h in after.values()) == sum(h.total_credits for h in after.values())
        for account, head in after.items():
            chain = list(journal.chain(account))
            assert head.balance == sum(e.amount if e.side is head.normal_side else -e.amount for e in chain)
            assert verify_chain(head, chain).ok
