"""The chart of accounts and the ledger's one sign convention (docs/decisions/0030-ledger-sign-convention.md).

Every ledger account has a category and a normal side. Its `balance` is always kept on its normal side:
debits − credits for normal-debit accounts (assets, suspense), credits − debits for normal-credit accounts
(customer deposits, equity, income). Payments keeps every balance as credits − debits; `payments_view`
converts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.events import BankAccount
from ledger.domain.errors import UnknownLedgerAccount

CUSTOMER_ACCOUNT = re.compile(r"\d{10}")
SUSPENSE = "bank:suspense"


class Category(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    SUSPENSE = "suspense"


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


@dataclass(frozen=True)
class AccountClass:
    category: Category
    normal_side: Side


LIABILITY = AccountClass(Category.LIABILITY, Side.CREDIT)
BANK_CHART: dict[str, AccountClass] = {
    BankAccount.CASH.value: AccountClass(Category.ASSET, Side.DEBIT),
    BankAccount.POOL.value: AccountClass(Category.EQUITY, Side.CREDIT),
    BankAccount.LOANS_RECEIVABLE.value: AccountClass(Category.ASSET, Side.DEBIT),
    BankAccount.INTEREST_INCOME.value: AccountClass(Category.INCOME, Side.CREDIT),
    # A clearing account: it should always come back to zero; debit-normal like the assets it parks.
    SUSPENSE: AccountClass(Category.SUSPENSE, Side.DEBIT),
}


def is_customer_account(account_id: str) -> bool:
    return CUSTOMER_ACCOUNT.fullmatch(account_id) is not None


def classify(account_id: str) -> AccountClass:
    """The class of a ledger account id; any id outside the chart is refused (the event goes to the DLQ)."""
    if is_customer_account(account_id):
        return LIABILITY
    known = BANK_CHART.get(account_id)
    if known is None:
        raise UnknownLedgerAccount(f"{account_id!r} is neither a 10-digit account nor a bank account")
    return known


def signed(amount: int, side: Side, normal_side: Side) -> int:
    """How an entry of `amount` on `side` moves a balance kept on `normal_side`."""
    return amount if side == normal_side else -amount


def payments_view(total_debits: int, total_credits: int) -> int:
    """The balance in payments' convention (credits − debits for every account)."""
    return total_credits - total_debits
