"""Request and internal-payload models of the accounts service (the contract at its edges)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from accounts.domain import loans
from core.contracts import BankTotals, TransferRules
from core.money import Kobo

Pin = Annotated[StrictStr, Field(pattern=r"^\d{4}$", description="4 digits, as a string")]
AccountNumber = Annotated[StrictStr, Field(pattern=r"^\d{10}$")]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=2000)]


def _offered_term(months: int) -> int:
    # Raises `loan_term_invalid` (a DomainError, which pydantic lets through unwrapped): the answer
    # a bad term always had, now given at the edge.
    loans.check_term(months)
    return months


# The terms come from accounts.domain.loans.TERMS, the one list; the schema shows them as its enum.
LoanTerm = Annotated[
    StrictInt, AfterValidator(_offered_term), Field(json_schema_extra={"enum": list(loans.TERMS)})
]


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
    months: LoanTerm


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


class RevealCard(Request):
    pin: Pin


class ReversalRequest(Request):
    reason: Annotated[StrictStr, Field(min_length=1, max_length=500)]


class ProposalDecision(Request):
    reason: Reason = "rejected"


# Internal actions (called by payments)
class VerifyCard(Request):
    pan: Annotated[StrictStr, Field(pattern=r"^\d{12,19}$")]
    expiry_month: Annotated[StrictInt, Field(ge=1, le=12)]
    expiry_year: Annotated[StrictInt, Field(ge=2000, le=2200)]
    cvv: Annotated[StrictStr, Field(pattern=r"^\d{3}$")]
    pin: Pin
    owner_id: Annotated[StrictStr, Field(min_length=1, max_length=128)]


class VerifiedCard(BaseModel):
    """`verify_card`'s answer: the card and the account a card payment is taken from."""

    card_id: str
    account_number: str


# Payments' answers (its internal contract) that accounts reads fields of
class PositionBalance(BaseModel):
    """One account's entry in payments' `balances` answer."""

    ledger_balance: int
    available_balance: int


class ReversibleTransfer(BaseModel):
    """What a reversal proposal records of `check_reversal`'s payment view."""

    amount: int
    from_account: str
    to_account: str


# ------------------------------------------------------------------ responses (the API document's schemas)
# The services return these (built from store items in accounts.service.views) and the routes serialise
# them; the OpenAPI document is generated from them, and the contract tests check the deployed answers.
class AccountView(BaseModel):
    account_number: str
    owner_id: str
    type: Literal["current", "savings"]
    state: Literal["opening", "active", "blocked", "closed"]
    block_reason: str | None
    blocked_by: str | None
    ledger_balance: int
    available_balance: int
    created_at: str
    interest_rate_bp: int | None = Field(default=None, description="savings accounts only")


class AccountSearchItem(AccountView):
    owner_username: str | None


class AccountPage(BaseModel):
    items: list[AccountView]
    next_cursor: str | None


class AccountSearchPage(BaseModel):
    items: list[AccountSearchItem]
    next_cursor: str | None


class CardView(BaseModel):
    card_id: str
    account_number: str
    masked_pan: str
    expiry_month: int
    expiry_year: int
    state: str
    block_reason: str | None
    blocked_by: str | None
    replaces: str | None
    replaced_by: str | None
    created_at: str


class IssuedCardView(CardView):
    """Only to the card's owner (at issue, at the owner's own replacement, or revealed with the card's
    PIN): the whole PAN and the CVV, never stored readable."""

    pan: str
    cvv: str


class CardPage(BaseModel):
    items: list[CardView]
    next_cursor: str | None


class Instalment(BaseModel):
    number: int
    amount: int
    due_date: str | None


class LoanQuote(BaseModel):
    amount: int
    months: int
    rate_percent: int | float
    interest: int
    repayable: int
    schedule: list[Instalment]


class LoanView(LoanQuote):
    loan_id: str
    owner_id: str
    account_number: str
    repaid: int
    outstanding: int
    status: str
    reason: str | None
    created_at: str
    decided_at: str | None


class LoanPage(BaseModel):
    items: list[LoanView]
    next_cursor: str | None


class RepaymentRecord(BaseModel):
    payment_id: str
    account_number: str
    amount: int
    principal: int
    interest: int


class RepaymentResult(BaseModel):
    loan: LoanView
    repayment: RepaymentRecord


class TicketMessage(BaseModel):
    author_id: str
    author_role: str
    body: str
    at: str


class TicketView(BaseModel):
    ticket_id: str
    owner_id: str
    category: str
    subject: str
    status: str
    message_count: int
    created_at: str
    updated_at: str
    messages: list[TicketMessage] | None = Field(default=None, description="only on a single ticket")


class TicketPage(BaseModel):
    items: list[TicketView]
    next_cursor: str | None


class AuditEntry(BaseModel):
    audit_id: str
    target: str
    action: str
    actor_id: str
    actor_username: str | None
    reason: str | None
    at: str
    details: dict[str, Any] | None


class AuditTrail(BaseModel):
    items: list[AuditEntry]


class Dashboard(BankTotals):
    pending_loans: int
    active_loans: int
    open_tickets: int
    answered_tickets: int


class ProposalView(BaseModel):
    """A staff action that moves the bank's money, waiting for a second staff member (four eyes)."""

    proposal_id: str
    kind: Literal["reversal", "interest_run", "loan_approval", "account_closure"]
    status: Literal["proposed", "approving", "approved", "rejected", "failed", "expired"]
    target: str
    details: dict[str, Any]
    proposed_by: str
    proposed_by_username: str
    proposed_at: str
    expires_at: str
    decided_by: str | None
    decided_by_username: str | None
    decided_at: str | None
    reason: str | None = Field(description="Why it was rejected, or the error code it failed with")
    result: dict[str, Any] | None


class ProposalPage(BaseModel):
    items: list[ProposalView]
    next_cursor: str | None


class LoanRules(BaseModel):
    terms_months: list[int] = Field(description="The terms a loan may run for, in months")
    rate_percent: int = Field(description="Flat interest on the amount borrowed, for the whole term")
    min_amount: int = Field(description="The smallest loan, in kobo")
    max_amount: int = Field(description="The largest loan, in kobo")


class AccountRules(BaseModel):
    max_open: int = Field(description="Open accounts a customer may hold at once")
    types: list[str] = Field(description="The account types a customer may open")
    welcome_bonus: int = Field(description="Paid once per customer, with the first account (kobo)")


class BankConfig(BaseModel):
    """The bank's rules a client needs (public GET /config). Each value is read from the rule's one owner,
    so a client shows and checks what the bank enforces."""

    transfers: TransferRules
    loans: LoanRules
    accounts: AccountRules


class InterestRunSummary(BaseModel):
    month: str
    accounts: int
    paid: int
    already_paid: int
    nothing_due: int
    failed: int
    total: int
