"""The ledger's typed errors, each with a stable code (they reach clients as problem documents and the
DLQ view as hints). `account_not_found` is payments' answer relayed (declared once in core.errors)."""

from __future__ import annotations

from core.errors import AccountNotFound, DomainError, ErrorKind, error_class

InvalidEvent = error_class("invalid_event", ErrorKind.INVALID, "The event is malformed")
UnknownLedgerAccount = error_class(
    "unknown_ledger_account", ErrorKind.UNPROCESSABLE, "The ledger has no account with this id"
)
PostingRuleViolated = error_class(
    "posting_rule_violated", ErrorKind.UNPROCESSABLE, "The movement breaks the posting rules of its kind"
)
TooManyLegs = error_class(
    "too_many_legs", ErrorKind.UNPROCESSABLE, "The movement has more legs than one transaction can post"
)
ChainConflict = error_class(
    "ledger_chain_conflict", ErrorKind.CONFLICT, "Another posting moved the account's chain; try again"
)
LedgerAccountNotFound = error_class(
    "ledger_account_not_found", ErrorKind.NOT_FOUND, "No ledger account with this id"
)
StatementTooLarge = error_class(
    "statement_too_large", ErrorKind.UNPROCESSABLE, "The period holds too many entries; choose a shorter one"
)

__all__ = [
    "AccountNotFound",
    "ChainConflict",
    "DomainError",
    "InvalidEvent",
    "LedgerAccountNotFound",
    "PostingRuleViolated",
    "StatementTooLarge",
    "TooManyLegs",
    "UnknownLedgerAccount",
]
