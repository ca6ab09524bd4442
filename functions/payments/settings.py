"""The payments service's settings, read from the environment once per cold start."""

from __future__ import annotations

from pydantic import Field

from core.config import EnvSettings, settings
from core.money import naira


class PaymentsSettings(EnvSettings):
    secret_prefix: str = "arhan"  # noqa: S105  (a name prefix, not a secret)
    accounts_internal_function: str = ""
    events_topic_arn: str = ""
    # Fraud rules (deterministic, per account and per customer): docs/decisions/0031-payments-fraud-rules.md.
    max_single_amount: int = Field(default=naira(1_000_000), gt=0)
    velocity_per_minute: int = Field(default=10, gt=0)
    daily_outgoing_limit: int = Field(default=naira(5_000_000), gt=0)
    customer_velocity_per_minute: int = Field(default=20, gt=0)
    customer_daily_outgoing_limit: int = Field(default=naira(10_000_000), gt=0)
    min_transfer_amount: int = Field(default=naira(50), gt=0)
    # Paid once per customer, with the first account (payments owns the amount).
    welcome_bonus: int = Field(default=naira(1_000), ge=0)
    hold_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    payment_request_ttl_seconds: int = Field(default=15 * 60, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    opening_capital: int = Field(default=naira(10_000_000_000), gt=0)

    @property
    def pin_key_secret(self) -> str:
        return f"{self.secret_prefix}/payments/pin-key"


def conf() -> PaymentsSettings:
    loaded: PaymentsSettings = settings(PaymentsSettings)
    return loaded
