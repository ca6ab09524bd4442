"""Posting rules per movement kind: which accounts a leg of each kind may move money between.

A movement that breaks its kind's rule is refused whole (its event goes to the DLQ for a person to look
at), so the books never hold a half-understood posting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.events import BankAccount, MoneyMoved, MovementKind
from ledger.domain.chart import SUSPENSE, classify, is_customer_account
from ledger.domain.errors import PostingRuleViolated


class Role(StrEnum):
    """What an account is, for the rules (customer accounts are all alike)."""

    CUSTOMER = "customer"
    CASH = BankAccount.CASH.value
    POOL = BankAccount.POOL.value
    LOANS = BankAccount.LOANS_RECEIVABLE.value
    INTEREST = BankAccount.INTEREST_INCOME.value
    SUSPENSE = SUSPENSE


def role_of(account_id: str) -> Role:
    classify(account_id)  # unknown ids fail here with unknown_ledger_account
    return Role.CUSTOMER if is_customer_account(account_id) else Role(account_id)


Shape = tuple[Role, Role]


@dataclass(frozen=True)
class KindRule:
    shapes: frozenset[Shape]
    max_legs: int = 1


C, CASH, POOL, LOANS, INTEREST = Role.CUSTOMER, Role.CASH, Role.POOL, Role.LOANS, Role.INTEREST
RULES: dict[MovementKind, KindRule] = {
    MovementKind.OPENING: KindRule(frozenset({(CASH, POOL)})),
    MovementKind.WELCOME_BONUS: KindRule(frozenset({(POOL, C)})),
    MovementKind.TRANSFER: KindRule(frozenset({(C, C)})),
    MovementKind.CARD_CAPTURE: KindRule(frozenset({(C, C)})),
    MovementKind.LOAN_DISBURSEMENT: KindRule(frozenset({(LOANS, C)})),
    MovementKind.LOAN_REPAYMENT: KindRule(frozenset({(C, LOANS), (C, INTEREST)}), max_legs=2),
    MovementKind.INTEREST: KindRule(frozenset({(POOL, C)})),
    MovementKind.CLOSURE_PAYOUT: KindRule(frozenset({(C, CASH)})),
    # A reversal swaps the legs of what it reverses: anything but the opening capital can be reversed.
    MovementKind.REVERSAL: KindRule(
        frozenset({(C, C), (C, POOL), (C, LOANS), (LOANS, C), (INTEREST, C)}), max_legs=2
    ),
}


def check_movement(movement: MoneyMoved) -> None:
    """Raise `posting_rule_violated` (or `unknown_ledger_account`) unless the movement may be posted."""
    rule = RULES[movement.kind]
    kind = movement.kind.value
    if len(movement.legs) > rule.max_legs:
        raise PostingRuleViolated(f"a {kind} has at most {rule.max_legs} leg(s), got {len(movement.legs)}")
    shapes: list[Shape] = []
    for leg in movement.legs:
        if leg.from_account == leg.to_account:
            raise PostingRuleViolated(f"a leg of {kind} moves money from {leg.from_account} to itself")
        shape = (role_of(leg.from_account), role_of(leg.to_account))
        if shape not in rule.shapes:
            raise PostingRuleViolated(f"a {kind} cannot move money from {shape[0]} to {shape[1]}")
        shapes.append(shape)
    if movement.kind is MovementKind.REVERSAL:
        if not movement.reverses or movement.reverses == movement.payment_id:
            raise PostingRuleViolated("a reversal must name the payment it reverses in `reverses`")
    elif movement.reverses:
        raise PostingRuleViolated(f"only a reversal may carry `reverses`, not a {kind}")
    if movement.kind is MovementKind.LOAN_REPAYMENT:
        _check_repayment(movement, shapes)


def _check_repayment(movement: MoneyMoved, shapes: list[Shape]) -> None:
    if (C, LOANS) not in shapes:
        raise PostingRuleViolated("a loan_repayment must repay principal into bank:loans_receivable")
    if len(set(shapes)) != len(shapes):
        raise PostingRuleViolated("a loan_repayment has one principal leg and at most one interest leg")
    if len({leg.from_account for leg in movement.legs}) != 1:
        raise PostingRuleViolated("every leg of a loan_repayment comes from the same customer account")
