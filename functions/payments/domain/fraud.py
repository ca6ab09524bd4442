"""Fraud rules: deterministic, configurable, each with a reason code.

The single-amount rule is checked here before anything is written. Velocity and the daily limit depend
on what other requests did, so they are enforced by counter items updated (with a condition) inside
the movement's own transaction; this module names the counters and their limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from payments.domain.errors import AmountLimitExceeded, DailyLimitExceeded


@dataclass(frozen=True)
class FraudLimits:
    max_single_amount: int
    velocity_per_minute: int
    daily_outgoing_limit: int


@dataclass(frozen=True)
class CounterCheck:
    """A counter item the movement must update, and the condition that item must still meet."""

    key: str
    increment: int
    maximum: int  # the counter after the increment must stay ≤ maximum
    expires_at: int  # epoch seconds; TTL deletes old windows
    code: str  # the decline code when the condition fails


def check_amount(amount: int, limits: FraudLimits) -> None:
    if amount > limits.max_single_amount:
        raise AmountLimitExceeded(f"A single payment may be at most {limits.max_single_amount} kobo")
    if amount > limits.daily_outgoing_limit:
        raise DailyLimitExceeded(f"The daily outgoing limit is {limits.daily_outgoing_limit} kobo")


def counters_for(account: str, amount: int, at: datetime, limits: FraudLimits) -> list[CounterCheck]:
    """The per-minute payment count and the per-day outgoing total of `account` (UTC windows)."""
    minute = at.strftime("%Y%m%d%H%M")
    day = at.strftime("%Y%m%d")
    keep_until = int((at + timedelta(days=2)).timestamp())
    return [
        CounterCheck(
            key=f"{account}#minute#{minute}",
            increment=1,
            maximum=limits.velocity_per_minute,
            expires_at=keep_until,
            code="velocity_limit_exceeded",
        ),
        CounterCheck(
            key=f"{account}#day#{day}",
            increment=amount,
            maximum=limits.daily_outgoing_limit,
            expires_at=keep_until,
            code="daily_limit_exceeded",
        ),
    ]
