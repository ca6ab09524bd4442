"""Statements, trial balance and reconciliation: pure arithmetic over entries and heads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ledger.domain.chart import Category, Side, payments_view
from ledger.domain.posting import Entry, Head

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Statement:
    account_id: str
    period_from: str
    period_to: str
    opening_balance: int
    closing_balance: int
    entries: tuple[Entry, ...]

    @property
    def net_movement(self) -> int:
        return self.closing_balance - self.opening_balance


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def statement_csv(statement: Statement) -> str:
    """The statement as CSV: an opening row, one row per entry, a closing row; amounts in kobo."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["row", "posted_at", "entry_id", "payment_id", "kind", "description", "counter_account",
         "debit", "credit", "balance"]
    )  # fmt: skip
    writer.writerow(["opening", statement.period_from, "", "", "", "", "", "", "", statement.opening_balance])
    for e in statement.entries:
        debit, credit = (e.amount, "") if e.side is Side.DEBIT else ("", e.amount)
        writer.writerow(
            ["entry", e.posted_at, e.entry_id, _cell(e.payment_id), e.kind, _cell(e.description),
             e.counter_account, debit, credit, e.balance]
        )  # fmt: skip
    writer.writerow(["closing", statement.period_to, "", "", "", "", "", "", "", statement.closing_balance])
    return out.getvalue()


@dataclass
class Totals:
    debits: int = 0
    credits: int = 0
    balance: int = 0  # on the normal side of the category
    accounts: int = 0


@dataclass
class TrialBalance:
    total_debits: int = 0
    total_credits: int = 0
    by_category: dict[Category, Totals] = field(default_factory=dict)
    bank_accounts: list[Head] = field(default_factory=list)

    @property
    def difference(self) -> int:
        return self.total_debits - self.total_credits

    @property
    def balanced(self) -> bool:
        return self.difference == 0


def trial_balance(heads: Iterable[Head]) -> TrialBalance:
    """Sum the running totals kept on every head (cost: one item per ledger account, not per entry)."""
    result = TrialBalance(by_category={category: Totals() for category in Category})
    for head in heads:
        result.total_debits += head.total_debits
        result.total_credits += head.total_credits
        totals = result.by_category[head.category]
        totals.debits += head.total_debits
        totals.credits += head.total_credits
        totals.balance += head.balance
        totals.accounts += 1
        if head.category is not Category.LIABILITY:
            result.bank_accounts.append(head)
    return result


@dataclass(frozen=True)
class Difference:
    account: str
    payments_balance: int
    ledger_balance: int

    @property
    def difference(self) -> int:
        return self.payments_balance - self.ledger_balance


def reconcile(payments: Mapping[str, int], ledger: Mapping[str, int]) -> list[Difference]:
    """Every account whose payments balance differs from its ledger balance (both credits − debits; an
    account missing on one side counts as zero there)."""
    differences = [
        Difference(account, payments.get(account, 0), ledger.get(account, 0))
        for account in sorted(payments.keys() | ledger.keys())
    ]
    return [d for d in differences if d.difference != 0]


def ledger_balance_in_payments_convention(head: Head) -> int:
    return payments_view(head.total_debits, head.total_credits)
