"""The accounts service's typed errors; each `code` is part of the API contract."""

from __future__ import annotations

from core.errors import ErrorKind, error_class

AccountNotFound = error_class("account_not_found", ErrorKind.NOT_FOUND, "No such account")
AccountNotActive = error_class("account_not_active", ErrorKind.CONFLICT, "The account is not active")
AccountClosed = error_class("account_closed", ErrorKind.CONFLICT, "The account is closed")
AccountNotReady = error_class("account_not_ready", ErrorKind.CONFLICT, "The account is still being opened")
AccountAlreadyBlocked = error_class(
    "account_already_blocked", ErrorKind.CONFLICT, "The account is already blocked"
)
AccountNotBlocked = error_class("account_not_blocked", ErrorKind.CONFLICT, "The account is not blocked")
AccountBlockedByBank = error_class(
    "account_blocked_by_bank", ErrorKind.CONFLICT, "The bank blocked this account; contact support"
)
PinInvalid = error_class("pin_invalid", ErrorKind.UNPROCESSABLE, "The PIN is wrong")
PinLocked = error_class("pin_locked", ErrorKind.LOCKED, "Too many wrong PINs; the PIN is locked for a while")

CardNotFound = error_class("card_not_found", ErrorKind.NOT_FOUND, "No such card")
CardInvalid = error_class("card_invalid", ErrorKind.UNPROCESSABLE, "The card details are wrong")
CardBlocked = error_class("card_blocked", ErrorKind.UNPROCESSABLE, "The card is blocked")
CardExpired = error_class("card_expired", ErrorKind.UNPROCESSABLE, "The card has expired")
CardExists = error_class(
    "card_exists", ErrorKind.CONFLICT, "The account already has a card; replace it instead"
)
CardNotBlocked = error_class("card_not_blocked", ErrorKind.CONFLICT, "The card is not blocked")
CardAlreadyBlocked = error_class("card_already_blocked", ErrorKind.CONFLICT, "The card is already blocked")
CardReplaced = error_class("card_replaced", ErrorKind.CONFLICT, "The card was replaced and cannot be used")

LoanNotFound = error_class("loan_not_found", ErrorKind.NOT_FOUND, "No such loan")
LoanTermInvalid = error_class(
    "loan_term_invalid", ErrorKind.INVALID, "Loans run for 1, 3, 6, 12 or 24 months"
)
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

MonthInvalid = error_class("month_invalid", ErrorKind.INVALID, "Give a month as YYYY-MM, not in the future")

AccountChanged = error_class(
    "account_changed", ErrorKind.CONFLICT, "The account changed meanwhile; try again"
)
CardChanged = error_class("card_changed", ErrorKind.CONFLICT, "The card changed meanwhile; try again")
LoanChanged = error_class("loan_changed", ErrorKind.CONFLICT, "The loan changed meanwhile; try again")
TicketChanged = error_class("ticket_changed", ErrorKind.CONFLICT, "The ticket changed meanwhile; try again")
NumberSpaceBusy = error_class(
    "number_allocation_failed", ErrorKind.UNAVAILABLE, "No free number was found; try again"
)

# Relayed from payments through core.internal (raised there with the same code); named here so the
# API document lists them on the routes that move money.
InsufficientFunds = error_class(
    "insufficient_funds", ErrorKind.UNPROCESSABLE, "The available balance is too low"
)
AccountNotEmpty = error_class(
    "account_not_empty", ErrorKind.CONFLICT, "Only an account with a zero balance and no holds can be closed"
)
