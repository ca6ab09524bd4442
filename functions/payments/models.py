"""Request and internal-payload models of the payments service (the contract at its edges)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from core.events import Leg, MovementKind
from core.money import Kobo

AccountNumber = Annotated[str, Field(pattern=r"^\d{10}$", description="A 10-digit account number")]
AnyAccount = Annotated[str, Field(min_length=1, max_length=64)]
Pin = Annotated[str, Field(pattern=r"^\d{4}$", description="4 digits, as a string")]
Description = Annotated[str, Field(max_length=140)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def fingerprint(self, *secret_fields: str) -> str:
        """A hash of the body without its secrets: a PIN must never be recoverable from a stored hash."""
        visible = self.model_dump(mode="json", exclude=set(secret_fields))
        return hashlib.sha256(json.dumps(visible, sort_keys=True).encode()).hexdigest()


class TransferRequest(_Request):
    from_account: AccountNumber
    to_account: AccountNumber
    amount: Kobo
    pin: Pin
    description: Description = ""


class PaymentRequestCreate(_Request):
    """A merchant asks for a card payment; no card details here, ever (the cardholder confirms it with
    the bank, in the manner of 3-D Secure)."""

    merchant_account: AccountNumber
    amount: Kobo
    description: Description = ""


class CardAuthorizationRequest(_Request):
    """The cardholder's confirmation of a payment request, sent from the bank's own site."""

    payment_request_id: Annotated[str, Field(pattern=r"^preq_[0-9a-f]{32}$")]
    pan: Annotated[str, Field(pattern=r"^\d{12,19}$")]
    expiry_month: Annotated[StrictInt, Field(ge=1, le=12)]
    expiry_year: Annotated[StrictInt, Field(ge=2000, le=2199)]
    cvv: Annotated[str, Field(pattern=r"^\d{3}$")]
    pin: Pin


class CaptureRequest(_Request):
    amount: Kobo | None = None  # None captures the whole hold


# ------------------------------------------------------------------ internal payloads
OwnerId = Annotated[str, Field(min_length=1, max_length=128)]


class OpenPositionPayload(_Request):
    """The customer's first position also gets the welcome bonus (payments decides, once per owner)."""

    account_number: AccountNumber
    owner_id: OwnerId
    pin: Pin


class AccountPayload(_Request):
    account_number: AccountNumber


class ReversePayload(_Request):
    payment_id: Annotated[str, Field(min_length=1, max_length=128)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    initiated_by: OwnerId


class ClosePayload(_Request):
    account_number: AccountNumber
    # The balance the approver saw and approved: anything else is paid out by nobody.
    balance: Annotated[StrictInt, Field(ge=0)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    initiated_by: OwnerId


class LowestBalancesPayload(_Request):
    account_numbers: Annotated[list[AccountNumber], Field(max_length=100)]
    start: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T")]
    end: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T")]


class GetPaymentPayload(_Request):
    payment_id: Annotated[str, Field(min_length=1, max_length=128)]


class SetStatePayload(_Request):
    account_number: AccountNumber
    state: Literal["active", "blocked", "closed"]
    reason: Annotated[str, Field(max_length=500)] = ""


class BalancesPayload(_Request):
    account_numbers: Annotated[list[AnyAccount], Field(max_length=100)]


class MovePayload(_Request):
    payment_id: Annotated[str, Field(min_length=1, max_length=128)]
    kind: MovementKind
    legs: Annotated[list[Leg], Field(min_length=1, max_length=10)]
    description: Description = ""
    correlation_id: Annotated[str, Field(max_length=128)] = ""
    reverses: str | None = None


class BankTotalsPayload(_Request):
    pass


class RulesPayload(_Request):
    pass


class ListPositionsPayload(_Request):
    cursor: str | None = None
    limit: Annotated[StrictInt, Field(ge=1, le=100)] = 100


# ------------------------------------------------------------------ responses (the API document's schemas)
# The services return these (built in payments.service.views) and the routes serialise them; the OpenAPI
# document is generated from them, and the contract tests check the deployed answers against it.
class LegView(BaseModel):
    from_account: str
    to_account: str
    amount: int


class PaymentView(BaseModel):
    payment_id: str
    kind: str
    status: Literal["completed", "declined"]
    from_account: str
    to_account: str
    amount: int
    legs: list[LegView]
    description: str
    reverses: str | None
    reversed_by: str | None = Field(description="The reversal's payment id, once this payment is reversed")
    decline_code: str | None
    correlation_id: str
    created_at: str


class HistoryLine(BaseModel):
    payment_id: str
    kind: str
    status: str
    direction: Literal["debit", "credit"]
    amount: int
    counterparty: str
    description: str
    decline_code: str | None
    reversed_by: str | None = Field(description="The reversal's payment id, once this payment is reversed")
    created_at: str


class HistoryPage(BaseModel):
    items: list[HistoryLine]
    next_cursor: str | None


class StaffHistoryLine(HistoryLine):
    account: str


class StaffPaymentsPage(BaseModel):
    """With `?account=` the account's history lines; otherwise the day's payments."""

    items: list[StaffHistoryLine] | list[PaymentView]
    next_cursor: str | None


class PaymentRequestView(BaseModel):
    payment_request_id: str
    state: Literal["open", "authorized", "declined", "expired"]
    amount: int
    merchant_account: str
    description: str
    authorization_id: str | None = Field(description="The card authorization (hold), once confirmed")
    decline_code: str | None
    expires_at: str
    created_at: str


class CardAuthorizationView(BaseModel):
    authorization_id: str
    state: Literal["pending", "captured", "voided", "expired"]
    amount: int
    captured_amount: int
    merchant_account: str
    description: str
    payment_id: str | None
    expires_at: str
    created_at: str


# ------------------------------------------------------------------ internal answers (docs/architecture.md)
class PositionView(BaseModel):
    account_number: str
    owner_id: str
    ledger_balance: int
    available_balance: int
    held: int
    state: str
    kind: str


class BalanceView(BaseModel):
    ledger_balance: int
    available_balance: int
    state: str


class PositionOwner(BaseModel):
    """Who may read a statement of the account (the ledger asks)."""

    account_number: str
    owner_id: str
    state: str


class PositionBalance(BaseModel):
    account: str
    ledger_balance: int
    available_balance: int
    state: str


class PositionsPage(BaseModel):
    items: list[PositionBalance]
    next_cursor: str | None


class Bootstrapped(BaseModel):
    created_positions: list[str]
    opening: PaymentView
