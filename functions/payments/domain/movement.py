"""Movements: legs of money from one account to another, netted per account before they are written.

DynamoDB refuses two operations on one item in a transaction, and a multi-leg movement may touch an
account twice (a loan repayment debits the customer twice), so every movement becomes one signed change
per account first. Balances are credit-minus-debit: `from` drops, `to` rises, and every movement sums
to zero.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.events import BankAccount, Leg, MovementKind
from payments.domain.errors import InvalidMovement, SameAccount

BANK_ACCOUNTS = frozenset(account.value for account in BankAccount)
# Asset accounts run negative under credit-minus-debit; every other account must stay covered.
MAY_GO_NEGATIVE = frozenset({BankAccount.CASH.value, BankAccount.LOANS_RECEIVABLE.value})
MAX_LEGS = 10


def is_bank_account(account: str) -> bool:
    return account in BANK_ACCOUNTS


def net_changes(legs: Iterable[Leg]) -> dict[str, int]:
    """Signed change per account (credit positive), in a stable order; the values sum to zero."""
    changes: dict[str, int] = {}
    for leg in legs:
        if leg.from_account == leg.to_account:
            raise SameAccount()
        changes[leg.from_account] = changes.get(leg.from_account, 0) - leg.amount
        changes[leg.to_account] = changes.get(leg.to_account, 0) + leg.amount
    return dict(sorted(changes.items()))


def validate_legs(legs: Sequence[Leg]) -> None:
    if not legs:
        raise InvalidMovement("A movement needs at least one leg")
    if len(legs) > MAX_LEGS:
        raise InvalidMovement(f"A movement has at most {MAX_LEGS} legs")
    net_changes(legs)


def total_amount(legs: Iterable[Leg]) -> int:
    return sum(leg.amount for leg in legs)


def fingerprint(kind: MovementKind, legs: Sequence[Leg], description: str, reverses: str | None) -> str:
    """What makes two requests for one payment id "the same": kind, legs, description, reverses."""
    canonical = json.dumps(
        {
            "kind": kind.value,
            "legs": [leg.model_dump() for leg in legs],
            "description": description,
            "reverses": reverses,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def swapped(legs: Sequence[Leg]) -> list[Leg]:
    """The legs of a reversal: the original's, each in the opposite direction."""
    return [Leg(from_account=leg.to_account, to_account=leg.from_account, amount=leg.amount) for leg in legs]


def scoped_id(prefix: str, scope: str, key: str) -> str:
    """A payment id derived from (caller, idempotency key): a retry after a crash finds the same record
    and cannot move money twice, even if the idempotency record was lost."""
    digest = hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()[:32]
    return f"{prefix}_{digest}"


def secret_scoped_id(prefix: str, secret: bytes, scope: str, key: str) -> str:
    """Like `scoped_id`, but unguessable without the bank's key: for ids that are themselves the
    capability to read a resource (a payment request's link)."""
    digest = hmac.new(secret, f"{prefix}\x1f{scope}\x1f{key}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{prefix}_{digest}"


@dataclass(frozen=True)
class Line:
    """One completed history line of an account: when, and its signed change (credit positive)."""

    at: str  # ISO instant
    change: int


def lowest_balance(current: int, newest_first: Iterable[Line], start: str, end: str) -> int:
    """The lowest balance an account had in [start, end), walking its lines back from today's balance
    (`newest_first`: every line since `start`). Interest on it cannot be had by parking money for the
    night of the run."""
    balance = current
    lowest: int | None = None
    for line in newest_first:
        if line.at < start:
            break  # an older line: the balance walked back to is already the one at `start`
        if line.at < end:
            lowest = balance if lowest is None else min(lowest, balance)
        balance -= line.change  # the balance before this line
    return balance if lowest is None else min(lowest, balance)


@dataclass(frozen=True)
class PositionChange:
    """One account's part of a movement: `delta` < 0 needs cover unless the account may go negative."""

    account: str
    delta: int

    @property
    def is_debit(self) -> bool:
        return self.delta < 0
