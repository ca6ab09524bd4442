"""The accounts service's own typed errors; each `code` is part of the API contract."""

from __future__ import annotations

from core.errors import ErrorKind, error_class

# Codes payments raises too (or relays to us: AccountNotFound, InsufficientFunds, ...) are declared once in
# core.errors; code that names them imports them from there.

AccountNotReady = error_class("account_not_ready", ErrorKind.CONFLICT, "The account is still being opened")
AccountAlreadyBlocked = error_class(
    "account_already_blocked", ErrorKind.CONFLICT, "The account is already blocked"
)
AccountNotBlocked = error_class("account_not_blocked", ErrorKind.CONFLICT, "The account is not blocked")
AccountBlockedByBank = error_class(
    "account_blocked_by_bank", ErrorKind.CONFLICT, "The bank blocked this account; contact support"
)
AccountHasOpenLoan = error_class(
    "account_has_open_loan", ErrorKind.CONFLICT, "A loan is open on this account; settle it before closing"
)
AccountLimitReached = error_class(
    "account_limit_reached", ErrorKind.CONFLICT, "You have the most open accounts a customer may hold"
)

CardNotFound = error_class("card_not_found", ErrorKind.NOT_FOUND, "No such card")
CardExists = error_class(
    "card_exists", ErrorKind.CONFLICT, "The account already has a card; replace it instead"
)
CardNotBlocked = error_class("card_not_blocked", ErrorKind.CONFLICT, "The card is not blocked")
CardAlreadyBlocked = error_class("card_already_blocked", ErrorKind.CONFLICT, "The card is already blocked")
CardReplaced = error_class("card_replaced", ErrorKind.CONFLICT, "The card was replaced and cannot be used")
CardBlockedByBank = error_class(
    "card_blocked_by_bank", ErrorKind.CONFLICT, "The bank blocked this card; contact support"
)

LoanNotFound = error_class("loan_not_found", ErrorKind.NOT_FOUND, "No such loan")
# The terms themselves are accounts.domain.loans.TERMS (the detail names them), never copied here.
LoanTermInvalid = error_class("loan_term_invalid", ErrorKind.INVALID, "The bank offers no loan for this term")
LoanAmountInvalid = error_class("loan_amount_invalid", ErrorKind.INVALID, "The loan amount is out of range")
LoanAlreadyOpen = error_class(
    "loan_already_open", ErrorKind.CONFLICT, "You already have a pending or active loan"
)
LoanNotPending = error_class("loan_not_pending", ErrorKind.CONFLICT, "The loan is not waiting for a decision")
LoanNotActive = error_class("loan_not_active", ErrorKind.CONFLICT, "The loan is not active")
RepaymentTooLarge = error_class(
    "repayment_exceeds_outstanding", ErrorKind.UNPROCESSABLE, "The repayment is more than the loan's balance"
)

TicketNotFound = error_class("ticket_not_found", ErrorKind.NOT_FOUND, "No such ticket")
TicketResolved = error_class("ticket_resolved", ErrorKind.CONFLICT, "The ticket is resolved")
TicketTooLong = error_class("ticket_thread_full", ErrorKind.CONFLICT, "The thread is full; open a new ticket")

MonthInvalid = error_class(
    "month_invalid", ErrorKind.UNPROCESSABLE, "Only the month just ended can be run by staff"
)
InterestAlreadyRun = error_class(
    "interest_already_run", ErrorKind.CONFLICT, "This month's interest has already been paid"
)

ProposalNotFound = error_class("proposal_not_found", ErrorKind.NOT_FOUND, "No such proposal")
ProposalNotOpen = error_class(
    "proposal_not_open", ErrorKind.CONFLICT, "The proposal was already decided or has expired"
)
ProposalChanged = error_class(
    "proposal_changed", ErrorKind.CONFLICT, "The proposal was decided meanwhile; reload it"
)
SecondStaffRequired = error_class(
    "second_staff_required",
    ErrorKind.FORBIDDEN,
    "Another staff member must approve what you proposed (four eyes)",
)

AccountChanged = error_class(
    "account_changed", ErrorKind.CONFLICT, "The account changed meanwhile; try again"
)
CardChanged = error_class("card_changed", ErrorKind.CONFLICT, "The card changed meanwhile; try again")
LoanChanged = error_class("loan_changed", ErrorKind.CONFLICT, "The loan changed meanwhile; try again")
TicketChanged = error_class("ticket_changed", ErrorKind.CONFLICT, "The ticket changed meanwhile; try again")
NumberSpaceBusy = error_class(
    "number_allocation_failed", ErrorKind.UNAVAILABLE, "No free number was found; try again"
)
