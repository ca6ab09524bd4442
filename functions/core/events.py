"""The event contract between services (payments → SNS → SQS → ledger, identity → SNS).

Every money movement is published as one `money.moved` event whose legs each move `amount` kobo from
one account to another; the ledger posts each leg as a debit of `from_account` and a credit of
`to_account`. Holds publish `hold.*` events, which the ledger records but never posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.clock import iso
from core.ids import new_id
from core.money import Kobo

EVENT_VERSION = 1


class BankAccount(StrEnum):
    """The bank's own accounts. Customer accounts are their 10-digit numbers."""

    CASH = "bank:cash"  # asset: reserves; funds the pool's opening capital
    POOL = "bank:pool"  # equity: pays bonuses, loans and interest; must never go below zero
    LOANS_RECEIVABLE = "bank:loans_receivable"  # asset: principal customers owe
    INTEREST_INCOME = "bank:interest_income"  # income: loan interest earned


class MovementKind(StrEnum):
    OPENING = "opening"  # the pool's opening capital, once per bank
    TRANSFER = "transfer"
    WELCOME_BONUS = "welcome_bonus"
    CARD_CAPTURE = "card_capture"
    REVERSAL = "reversal"
    LOAN_DISBURSEMENT = "loan_disbursement"
    LOAN_REPAYMENT = "loan_repayment"
    INTEREST = "interest"
    CLOSURE_PAYOUT = "closure_payout"  # a closing account's balance paid out to its owner (leaves as cash)


class EventType(StrEnum):
    MONEY_MOVED = "money.moved"
    HOLD_CREATED = "hold.created"
    HOLD_RELEASED = "hold.released"
    CUSTOMER_REGISTERED = "customer.registered"
    STAFF_CREATED = "staff.created"


class Leg(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    from_account: str = Field(min_length=1, max_length=64)
    to_account: str = Field(min_length=1, max_length=64)
    amount: Kobo


class MoneyMoved(BaseModel):
    """`data` of a money.moved event: one atomic movement with one or more legs."""

    model_config = ConfigDict(extra="forbid")

    payment_id: str
    kind: MovementKind
    legs: list[Leg] = Field(min_length=1)
    currency: Literal["NGN"] = "NGN"
    description: str = ""
    reverses: str | None = None  # payment_id of the reversed transfer, for reversals
    committed_at: str


class Event(BaseModel):
    """The envelope every published event carries."""

    model_config = ConfigDict(extra="forbid")

    event_id: str
    type: EventType
    version: int = EVENT_VERSION
    source: str
    occurred_at: str
    correlation_id: str = ""
    data: dict[str, Any]


def new_event(
    event_type: EventType, source: str, data: Mapping[str, Any], correlation_id: str, at: datetime
) -> Event:
    """A new event in the envelope, with its own `evt_` id, as `source` announces it at `at`."""
    return Event(
        event_id=new_id("evt"),
        type=event_type,
        source=source,
        occurred_at=iso(at),
        correlation_id=correlation_id,
        data=dict(data),
    )
