"""The payments service's own typed errors; each `code` is part of the API contract. The codes accounts
raises too, or relays from us (`account_not_found`, the card refusals, ...), are core.errors' alone."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError, ErrorKind, error_class

AccountExists = error_class("account_exists", ErrorKind.CONFLICT, "The account already has a position")
SameAccount = error_class("same_account", ErrorKind.UNPROCESSABLE, "Money cannot move to the same account")
AmountBelowMinimum = error_class(
    "amount_below_minimum", ErrorKind.UNPROCESSABLE, "The amount is below the minimum transfer"
)
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


class CustomerVelocityLimitExceeded(Declined):
    code = "customer_velocity_limit_exceeded"
    title = "Too many payments from your accounts in a minute"


class CustomerDailyLimitExceeded(Declined):
    code = "customer_daily_limit_exceeded"
    title = "Your daily outgoing limit across all your accounts would be exceeded"


class PinInvalid(DomainError):
    code = "pin_invalid"
    kind = ErrorKind.UNPROCESSABLE
    title = "The PIN is wrong"

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"The PIN is wrong; {tries_left} attempt(s) left", tries_left=tries_left)


class PinLocked(DomainError):
    code = "pin_locked"
    kind = ErrorKind.LOCKED
    title = "Too many wrong PINs; the PIN is locked for a while"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"The PIN is locked for {retry_after} more seconds", retry_after_seconds=retry_after)
        self.retry_after = retry_after


class PinBusy(DomainError):
    """Every try is held by this account's own payments still being checked: not a lock."""

    code = "pin_busy"
    kind = ErrorKind.CONFLICT
    title = "Other payments from this account are being checked; try again in a moment"

    def __init__(self) -> None:
        super().__init__(retry_after_seconds=1)


PaymentRequestNotFound = error_class(
    "payment_request_not_found", ErrorKind.NOT_FOUND, "No such payment request"
)
PaymentRequestClosed = error_class(
    "payment_request_closed",
    ErrorKind.CONFLICT,
    "The payment request was already paid, declined or has expired",
)


class Duplicate(DomainError):
    """The payment id exists already; `existing` is the stored record, for idempotent answers."""

    code = "duplicate"
    kind = ErrorKind.CONFLICT
    title = "This payment exists already"

    def __init__(self, existing: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.existing = existing or {}
        self.extra = {}
