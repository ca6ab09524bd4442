"""The accounts service's settings, read from the environment once per cold start."""

from __future__ import annotations

from pydantic import Field

from core.config import EnvSettings, settings
from core.money import naira


class AccountsSettings(EnvSettings):
    secret_prefix: str = "arhan"  # noqa: S105  (a name prefix, not a secret)
    payments_internal_function: str = ""
    # NUBAN's check digit covers the bank code, so changing it would invalidate every existing number.
    bank_code: str = Field(default="777", pattern=r"^\d{3}$")
    card_bin: str = Field(default="506123", pattern=r"^\d{6}$")
    savings_rate_bp: int = Field(default=100, ge=0, le=10_000)  # 100 basis points = 1% a year
    # Open (not closed) accounts a customer may hold at once.
    max_open_accounts: int = Field(default=5, ge=1)
    # A loan above this many kobo needs a second staff member's approval (four eyes).
    four_eyes_loan_amount: int = Field(default=naira(1_000_000), ge=0)


def conf() -> AccountsSettings:
    current: AccountsSettings = settings(AccountsSettings)
    return current
