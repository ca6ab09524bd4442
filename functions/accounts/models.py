"""Request and internal-payload models of the accounts service (the contract at its edges)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from core.money import Kobo

Pin = Annotated[StrictStr, Field(pattern=r"^\d{4}$", description="4 digits, as a string")]
AccountNumber = Annotated[StrictStr, Field(pattern=r"^\d{10}$")]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=2000)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class OpenAccount(Request):
    type: Literal["current", "savings"]
    pin: Pin


class BlockRequest(Request):
    reason: Reason


class UnblockRequest(Request):
    reason: Reason = "unblocked by owner"


class StaffAction(Request):
    reason: Reason


class IssueCard(Request):
    pin: Pin


class CardAction(Request):
    reason: Reason | None = None


class ApplyLoan(Request):
    account_number: AccountNumber
    amount: Kobo
    months: StrictInt


class Repayment(Request):
    account_number: AccountNumber
    amount: Kobo


class LoanDecision(Request):
    decision: Literal["approve", "reject"]
    reason: Reason


class OpenTicket(Request):
    category: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    subject: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    message: Text


class TicketReply(Request):
    message: Text


class InterestRun(Request):
    month: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}$")]


# Internal actions (called by payments and the ledger)
class VerifyPin(Request):
    account_number: AccountNumber
    pin: Pin


class VerifyCard(Request):
    pan: Annotated[StrictStr, Field(pattern=r"^\d{12,19}$")]
    expiry_month: Annotated[StrictInt, Field(ge=1, le=12)]
    expiry_year: Annotated[StrictInt, Field(ge=2000, le=2200)]
    cvv: Annotated[StrictStr, Field(pattern=r"^\d{3}$")]
    pin: Pin


class GetAccount(Request):
    account_number: StrictStr
