"""The payments service's settings, read from the environment once per cold start."""

from __future__ import annotations

from pydantic import Field

from core.config import EnvSettings, settings
from core.money import naira


class PaymentsSettings(EnvSettings):
    accounts_internal_function: str = ""
    events_topic_arn: str = ""
    # Fraud rules (deterministic, per account): see docs/decisions/payments-fraud-rules.md.
    max_single_amount: int = Field(default=naira(1_000_000), gt=0)
    velocity_per_minute: int = Field(default=10, gt=0)
    daily_outgoing_limit: int = Field(default=naira(5_000_000), gt=0)
    min_transfer_amount: int = Field(default=naira(50), gt=0)
    welcome_bonus: int = Field(default=naira(1_000), ge=0)
    hold_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    opening_capital: int = Field(default=naira(10_000_000_000), gt=0)


def conf() -> PaymentsSettings:
    loaded: PaymentsSettings = settings(PaymentsSettings)
    return loaded
