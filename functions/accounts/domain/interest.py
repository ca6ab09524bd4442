"""Savings interest: a yearly rate in basis points, paid monthly, rounded down to whole kobo."""

from __future__ import annotations

import re
from datetime import datetime

from accounts.domain.errors import MonthInvalid

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def monthly_interest(balance: int, rate_bp: int) -> int:
    """balance × rate / 12, rounded down; nothing on a zero or negative balance."""
    return max(balance, 0) * rate_bp // (10_000 * 12)


def staff_month(text: str, now: datetime) -> str:
    """The only month staff may run by hand: the one just ended (its scheduled run may have failed).
    An older month would pay interest on today's balances for time long gone, again and again; the
    current one has not been earned yet."""
    if not MONTH_PATTERN.match(text) or text != previous_month(now):
        raise MonthInvalid(f"Only {previous_month(now)} can be run now")
    return text


def previous_month(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_bounds(month: str) -> tuple[str, str]:
    """The month as [first instant, first instant of the next month), ISO 8601 UTC."""
    year, number = int(month[:4]), int(month[5:7])
    after = (year + number // 12, number % 12 + 1)
    return f"{year:04d}-{number:02d}-01T00:00:00.000Z", f"{after[0]:04d}-{after[1]:02d}-01T00:00:00.000Z"


def payment_id(account_number: str, month: str) -> str:
    return f"interest:{account_number}:{month}"
