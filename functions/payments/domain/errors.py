"""The payments service's typed errors; each `code` is part of the API contract."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError, ErrorKind, error_class

AccountNotFound = error_class("account_not_found", ErrorKind.NOT_FOUND, "No such account")
AccountNotActive = error_class(
    "account_not_active", ErrorKind.UNPROCESSABLE, "The account is blocked or closed"
)
AccountExists = error_class("account_exists", ErrorKind.CONFLICT, "The account already has a position")
AccountNotEmpty = error_class(
    "account_not_empty", ErrorKind.CONFLICT, "Only an account with a zero balance and no holds can be closed"
)
AccountClosed = error_class("account_closed", ErrorKind.CONFLICT, "The account is closed")
InsufficientFunds = error_class(
    "insufficient_funds", ErrorKind.UNPROCESSABLE, "The available balance is too low"
)
SameAccount = error_class("same_account", ErrorKind.UNPROCESSABLE, "Money cannot move to the same account")
AmountBelowMinimum = error_class(
    "amount_below_minimum", ErrorKind.UNPROCESSABLE, "The amount is below the minimum transfer"
)
TransferNotFound = error_class("transfer_not_found", ErrorKind.NOT_FOUND, "No such transfer")
NotReversible = error_class(
    "not_reversible", ErrorKind.CONFLICT, "Only a completed transfer or card payment can be reversed"
)
AlreadyReversed = error_class("already_reversed", ErrorKind.CONFLICT, "The transfer was already reversed")
HoldNotFound = error_class("authorization_not_found", ErrorKind.NOT_FOUND, "No such card authorization")
HoldNotPending = error_class(
    "authorization_not_pending",
    ErrorKind.CONFLICT,
    "The authorization was already captured, voided or expired",
)
HoldExpired = error_class("authorization_expired", ErrorKind.CONFLICT, "The authorization has expired")
CaptureExceedsHold = error_class(
    "capture_exceeds_authorization", ErrorKind.UNPROCESSABLE, "The capture is more than the authorized amount"
)
BankAccountNotAllowed = error_class(
    "bank_account_not_allowed", ErrorKind.UNPROCESSABLE, "The bank's own accounts cannot be used here"
)
InvalidMovement = error_class("invalid_movement", ErrorKind.INVALID, "The movement is invalid")


class Declined(DomainError):
    """A fraud rule refused the payment: recorded as a declined payment and shown to the customer."""

    kind = ErrorKind.UNPROCESSABLE


class AmountLimitExceeded(Declined):
    code = "amount_limit_exceeded"
    title = "The amount is over the single-payment limit"


class VelocityLimitExceeded(Declined):
    code = "velocity_limit_exceeded"
    title = "Too many payments from this account in a minute"


class DailyLimitExceeded(Declined):
    code = "daily_limit_exceeded"
    title = "The account's daily outgoing limit would be exceeded"


# Relayed from accounts through core.internal (raised there with the same code); named here so the API
# document lists them on the routes that check a PIN or a card.
PinInvalid = error_class("pin_invalid", ErrorKind.UNPROCESSABLE, "The PIN is wrong")
PinLocked = error_class("pin_locked", ErrorKind.LOCKED, "Too many wrong PINs; the PIN is locked for a while")
CardInvalid = error_class("card_invalid", ErrorKind.UNPROCESSABLE, "The card details are wrong")
CardBlocked = error_class("card_blocked", ErrorKind.UNPROCESSABLE, "The card is blocked")
CardExpired = error_class("card_expired", ErrorKind.UNPROCESSABLE, "The card has expired")


class Duplicate(DomainError):
    """The payment id exists already; `existing` is the stored record, for idempotent answers."""

    code = "duplicate"
    kind = ErrorKind.CONFLICT
    title = "This payment exists already"

    def __init__(self, existing: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.existing = existing or {}
        self.extra = {}
