"""Posting rules per movement kind, and the chart of accounts' one sign convention."""

from __future__ import annotations

import pytest

from core.events import MovementKind as K
from ledger.domain.chart import Category, Side, classify, payments_view, signed
from ledger.domain.errors import PostingRuleViolated, UnknownLedgerAccount
from ledger.domain.posting import plan_posting
from tests.unit.ledger.ledger_helpers import ALICE, BOB, CASH, INTEREST, LOANS, POOL, movement

VALID = [
    (K.OPENING, [(CASH, POOL, 10**12)], None),
    (K.WELCOME_BONUS, [(POOL, ALICE, 100_000)], None),
    (K.TRANSFER, [(ALICE, BOB, 5_000)], None),
    (K.CARD_CAPTURE, [(ALICE, BOB, 7_500)], None),
    (K.REVERSAL, [(BOB, ALICE, 5_000)], "pay_original"),
    (K.LOAN_DISBURSEMENT, [(LOANS, ALICE, 1_000_000)], None),
    (K.LOAN_REPAYMENT, [(ALICE, LOANS, 83_333), (ALICE, INTEREST, 10_000)], None),
    (K.LOAN_REPAYMENT, [(ALICE, LOANS, 83_333)], None),
    (K.INTEREST, [(POOL, ALICE, 83)], None),
    (K.CLOSURE_PAYOUT, [(ALICE, CASH, 52_000)], None),
]


@pytest.mark.parametrize(("kind", "legs", "reverses"), VALID, ids=lambda v: str(v)[:30])
def test_every_kind_posts_dr_from_cr_to_per_leg(
    kind: K, legs: list[tuple[str, str, int]], reverses: str | None
) -> None:
    # Given a movement that follows its kind's rule
    m = movement(kind, legs, reverses=reverses)
    # When it is planned against an empty ledger
    plan = plan_posting(
        event_id="evt_1", correlation_id="c", movement=m, heads={}, now="2026-01-01T00:00:00.000Z"
    )
    # Then each leg is a debit of from_account and a credit of to_account, and debits equal credits
    expected: list[tuple[str, Side, int]] = []
    for f, t, a in legs:
        expected += [(f, Side.DEBIT, a), (t, Side.CREDIT, a)]
    assert [(e.account_id, e.side, e.amount) for e in plan.entries] == expected
    assert sum(e.amount for e in plan.entries if e.side is Side.DEBIT) == sum(
        e.amount for e in plan.entries if e.side is Side.CREDIT
    )
    assert all(e.kind == kind.value and e.correlation_id == "c" for e in plan.entries)


INVALID = [
    ("opening the other way", K.OPENING, [(POOL, CASH, 1)], None, "posting_rule_violated"),
    ("bonus from a customer", K.WELCOME_BONUS, [(BOB, ALICE, 1)], None, "posting_rule_violated"),
    ("transfer from the pool", K.TRANSFER, [(POOL, ALICE, 1)], None, "posting_rule_violated"),
    ("transfer to itself", K.TRANSFER, [(ALICE, ALICE, 1)], None, "posting_rule_violated"),
    ("transfer with two legs", K.TRANSFER, [(ALICE, BOB, 1), (BOB, ALICE, 1)], None, "posting_rule_violated"),
    ("transfer carrying reverses", K.TRANSFER, [(ALICE, BOB, 1)], "pay_x", "posting_rule_violated"),
    ("capture to the pool", K.CARD_CAPTURE, [(ALICE, POOL, 1)], None, "posting_rule_violated"),
    ("reversal without reverses", K.REVERSAL, [(BOB, ALICE, 1)], None, "posting_rule_violated"),
    ("reversal of itself", K.REVERSAL, [(BOB, ALICE, 1)], "pay_1", "posting_rule_violated"),
    ("reversal of the opening", K.REVERSAL, [(POOL, CASH, 1)], "pay_open", "posting_rule_violated"),
    ("disbursement from the pool", K.LOAN_DISBURSEMENT, [(POOL, ALICE, 1)], None, "posting_rule_violated"),
    ("repayment into the pool", K.LOAN_REPAYMENT, [(ALICE, POOL, 1)], None, "posting_rule_violated"),
    ("repayment of interest only", K.LOAN_REPAYMENT, [(ALICE, INTEREST, 1)], None, "posting_rule_violated"),
    (
        "repayment from two payers",
        K.LOAN_REPAYMENT,
        [(ALICE, LOANS, 1), (BOB, INTEREST, 1)],
        None,
        "posting_rule_violated",
    ),
    (
        "repayment with two principal legs",
        K.LOAN_REPAYMENT,
        [(ALICE, LOANS, 1), (ALICE, LOANS, 1)],
        None,
        "posting_rule_violated",
    ),
    ("interest from loans", K.INTEREST, [(LOANS, ALICE, 1)], None, "posting_rule_violated"),
    ("payout to the pool", K.CLOSURE_PAYOUT, [(ALICE, POOL, 1)], None, "posting_rule_violated"),
    ("payout from cash", K.CLOSURE_PAYOUT, [(CASH, ALICE, 1)], None, "posting_rule_violated"),
    ("payout to a customer", K.CLOSURE_PAYOUT, [(ALICE, BOB, 1)], None, "posting_rule_violated"),
    (
        "payout with two legs",
        K.CLOSURE_PAYOUT,
        [(ALICE, CASH, 1), (BOB, CASH, 1)],
        None,
        "posting_rule_violated",
    ),
    ("payout carrying reverses", K.CLOSURE_PAYOUT, [(ALICE, CASH, 1)], "pay_x", "posting_rule_violated"),
    ("unknown bank account", K.TRANSFER, [(ALICE, "bank:vault", 1)], None, "unknown_ledger_account"),
    ("nine-digit account", K.TRANSFER, [(ALICE, "123456789", 1)], None, "unknown_ledger_account"),
    ("letters in account", K.TRANSFER, [("01234567AB", BOB, 1)], None, "unknown_ledger_account"),
]


@pytest.mark.parametrize(("name", "kind", "legs", "reverses", "code"), INVALID, ids=[i[0] for i in INVALID])
def test_movements_breaking_their_rule_are_refused_whole(
    name: str, kind: K, legs: list[tuple[str, str, int]], reverses: str | None, code: str
) -> None:
    m = movement(kind, legs, reverses=reverses)
    with pytest.raises((PostingRuleViolated, UnknownLedgerAccount)) as caught:
        plan_posting(
            event_id="evt_1", correlation_id="", movement=m, heads={}, now="2026-01-01T00:00:00.000Z"
        )
    assert caught.value.code == code


def test_every_kind_has_a_rule() -> None:
    from ledger.domain.rules import RULES

    assert set(RULES) == set(K)


def test_chart_of_accounts_and_normal_sides() -> None:
    assert classify(ALICE) == classify(BOB)
    assert (classify(ALICE).category, classify(ALICE).normal_side) == (Category.LIABILITY, Side.CREDIT)
    assert (classify(POOL).category, classify(POOL).normal_side) == (Category.EQUITY, Side.CREDIT)
    assert (classify(CASH).category, classify(CASH).normal_side) == (Category.ASSET, Side.DEBIT)
    assert (classify(LOANS).category, classify(LOANS).normal_side) == (Category.ASSET, Side.DEBIT)
    assert (classify(INTEREST).category, classify(INTEREST).normal_side) == (Category.INCOME, Side.CREDIT)
    assert classify("bank:suspense").category is Category.SUSPENSE
    with pytest.raises(UnknownLedgerAccount):
        classify("bank:unknown")


def test_sign_convention_balances_on_the_normal_side() -> None:
    # A credit raises a normal-credit balance and lowers a normal-debit one, and vice versa.
    assert signed(100, Side.CREDIT, Side.CREDIT) == 100
    assert signed(100, Side.DEBIT, Side.CREDIT) == -100
    assert signed(100, Side.DEBIT, Side.DEBIT) == 100
    assert signed(100, Side.CREDIT, Side.DEBIT) == -100
    # Payments' convention is credits − debits for every account.
    assert payments_view(total_debits=30, total_credits=100) == 70
