"""Savings interest: a yearly rate in basis points, paid monthly, rounded down to whole kobo."""

from __future__ import annotations

import re
from datetime import datetime

from accounts.domain.errors import MonthInvalid

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def monthly_interest(balance: int, rate_bp: int) -> int:
    """balance × rate / 12, rounded down; nothing on a zero or negative balance."""
    return max(balance, 0) * rate_bp // (10_000 * 12)


def parse_month(text: str, now: datetime) -> str:
    match = MONTH_PATTERN.match(text)
    if not match or (int(match[1]), int(match[2])) > (now.year, now.month):
        raise MonthInvalid()
    return text


def previous_month(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def payment_id(account_number: str, month: str) -> str:
    return f"interest:{account_number}:{month}"
