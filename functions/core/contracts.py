"""The internal contracts two services share: one declaration that the service answering and the
service asking both import (services never import each other, decision 0036).

payments answers these actions; accounts asks them (and relays the rules in the public GET /config).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TransferRules(BaseModel):
    """Payments' limits (payments owns them; accounts relays them), in kobo."""

    min_amount: int = Field(description="The smallest transfer")
    max_single_amount: int = Field(description="The largest single payment")
    daily_limit_per_account: int = Field(description="One account's outgoing total per UTC day")
    daily_limit_per_customer: int = Field(description="A customer's outgoing total per UTC day, all accounts")


class PaymentRules(BaseModel):
    """The `rules` action's answer: what a client must know before it moves money. Payments owns these
    values (payments.settings); accounts serves them to the site at GET /config."""

    transfers: TransferRules
    welcome_bonus: int = Field(description="Kobo paid once per customer, with the first account")


class BankTotals(BaseModel):
    """The `bank_totals` answer (kobo); the staff dashboard adds accounts' own queues."""

    pool_balance: int
    customer_deposits: int
    loans_receivable: int
    interest_income: int


# The `unlock_pin` answer, which accounts relays to staff (no docstring: it would become the schema's
# description in the OpenAPI document, which has none).
class PinUnlocked(BaseModel):
    account_number: str
    pin_locked: Literal[False]
