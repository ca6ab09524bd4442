"""Fraud rules: deterministic, configurable, each with a reason code.

The single-amount rule is checked here before anything is written. Velocity and the daily limit depend
on what other requests did, so they are enforced by counter items updated (with a condition) inside
the movement's own transaction; this module names the counters and their limits. Each limit is kept
per account and per customer: money spread over many accounts still meets the customer's one limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from payments.domain.errors import AmountLimitExceeded, CustomerDailyLimitExceeded, DailyLimitExceeded


@dataclass(frozen=True)
class FraudLimits:
    max_single_amount: int
    velocity_per_minute: int
    daily_outgoing_limit: int
    customer_velocity_per_minute: int
    customer_daily_outgoing_limit: int


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
    # A day's first payment creates its counter, whose condition (`attribute_not_exists`) cannot see the
    # amount: one payment over the customer's whole limit must be refused here, as the account's is.
    if amount > limits.customer_daily_outgoing_limit:
        raise CustomerDailyLimitExceeded(
            f"The daily outgoing limit across your accounts is {limits.customer_daily_outgoing_limit} kobo"
        )


def counters_for(
    account: str, customer: str, amount: int, at: datetime, limits: FraudLimits
) -> list[CounterCheck]:
    """The per-minute payment count and the per-day outgoing total of the account and of its owner
    (UTC windows)."""
    minute = at.strftime("%Y%m%d%H%M")
    day = at.strftime("%Y%m%d")
    keep_until = int((at + timedelta(days=2)).timestamp())
    windows = [
        (f"{account}#minute#{minute}", 1, limits.velocity_per_minute, "velocity_limit_exceeded"),
        (f"{account}#day#{day}", amount, limits.daily_outgoing_limit, "daily_limit_exceeded"),
        (
            f"customer:{customer}#minute#{minute}",
            1,
            limits.customer_velocity_per_minute,
            "customer_velocity_limit_exceeded",
        ),
        (
            f"customer:{customer}#day#{day}",
            amount,
            limits.customer_daily_outgoing_limit,
            "customer_daily_limit_exceeded",
        ),
    ]
    return [
        CounterCheck(key=key, increment=increment, maximum=maximum, expires_at=keep_until, code=code)
        for key, increment, maximum, code in windows
    ]
