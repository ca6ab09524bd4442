"""Loan rules, each written only here: the terms, the flat rate, the amounts; a schedule in whole kobo, and
how a repayment splits into legs. The site reads them from GET /config."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from accounts.domain.errors import LoanAmountInvalid, LoanTermInvalid, RepaymentTooLarge
from core.money import naira

TERMS = (1, 3, 6, 12, 24)
FLAT_RATE_PERCENT = 12
MIN_AMOUNT = naira(100)
MAX_AMOUNT = naira(10_000_000)


class LoanStatus(StrEnum):
    PENDING = "pending"
    APPROVING = "approving"  # staff approved; the disbursement is being made (retry finishes it)
    ACTIVE = "active"
    REJECTED = "rejected"
    PAID_OFF = "paid_off"


OPEN_STATUSES = frozenset({LoanStatus.PENDING, LoanStatus.APPROVING, LoanStatus.ACTIVE})


@dataclass(frozen=True)
class Terms:
    amount: int
    months: int
    repayable: int
    interest: int
    instalments: tuple[int, ...]


def check_term(months: int) -> None:
    """The one check of a loan's term (the request model runs it too, so a bad term fails at the edge)."""
    if months not in TERMS:
        *others, last = (str(term) for term in TERMS)
        offered = f"{', '.join(others)} or {last}" if others else last
        raise LoanTermInvalid(f"Loans run for {offered} months")


def validate(amount: int, months: int) -> None:
    check_term(months)
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise LoanAmountInvalid(f"Borrow from {MIN_AMOUNT} to {MAX_AMOUNT} kobo")


def repayable(amount: int) -> int:
    """amount × 1.12, rounded half up to whole kobo (integer arithmetic, no floats)."""
    return (amount * (100 + FLAT_RATE_PERCENT) + 50) // 100


def terms(amount: int, months: int) -> Terms:
    validate(amount, months)
    total = repayable(amount)
    monthly = total // months
    # Equal instalments in whole kobo; the remainder goes on the last so the sum is exact.
    instalments = (monthly,) * (months - 1) + (total - monthly * (months - 1),)
    return Terms(amount, months, total, total - amount, instalments)


def add_months(start: date, months: int) -> date:
    """Same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def split_repayment(amount: int, total: int, repaid_before: int, payment: int) -> tuple[int, int]:
    """(principal part, interest part) of a repayment. Principal is repaid pro rata, so that after the
    final kobo exactly `amount` principal and `total - amount` interest have been paid."""
    outstanding = total - repaid_before
    if payment > outstanding:
        raise RepaymentTooLarge(f"At most {outstanding} kobo is outstanding")
    after = repaid_before + payment
    principal_before = repaid_before * amount // total
    principal_after = amount if after == total else after * amount // total
    principal = principal_after - principal_before
    return principal, payment - principal
