"""Rules of transfers, card holds and account states, free of storage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import AccountClosed, AccountNotEmpty, AlreadyReversed, NotReversible
from core.events import MovementKind
from payments.domain.errors import (
    AmountBelowMinimum,
    BankAccountNotAllowed,
    CaptureExceedsHold,
    HoldExpired,
    HoldNotPending,
    SameAccount,
)
from payments.domain.movement import is_bank_account


class PositionState(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    CLOSED = "closed"


class HoldState(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


class RequestState(StrEnum):
    """A merchant's payment request: open until the cardholder confirms it (authorized), a fraud rule
    declines it, or its time runs out (expired, never stored: it is computed on reading)."""

    OPEN = "open"
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    EXPIRED = "expired"


def request_state(stored: str, expires_at: int, now: datetime) -> RequestState:
    state = RequestState(stored)
    if state is RequestState.OPEN and expires_at <= int(now.timestamp()):
        return RequestState.EXPIRED
    return state


class PaymentStatus(StrEnum):
    COMPLETED = "completed"
    DECLINED = "declined"


REVERSIBLE_KINDS = frozenset({MovementKind.TRANSFER.value, MovementKind.CARD_CAPTURE.value})
POSITION_SHARDS = 16


def shard_of(account: str) -> int:
    """A stable shard for listing positions: the same account always lands in the same one."""
    return int(hashlib.sha256(account.encode()).hexdigest()[:8], 16) % POSITION_SHARDS


def welcome_bonus_id(owner_id: str) -> str:
    """One welcome bonus per customer: the payment id is the customer's, so a second account's bonus
    collides with the first one's conditional put, in the same transaction as the money."""
    return f"bonus:{owner_id}"


def check_transfer(from_account: str, to_account: str, amount: int, minimum: int) -> None:
    """Checks that need nothing but the request; they run before anything is read or written."""
    if is_bank_account(from_account) or is_bank_account(to_account):
        raise BankAccountNotAllowed()
    if from_account == to_account:
        raise SameAccount("A transfer must go to another account")
    if amount < minimum:
        raise AmountBelowMinimum(f"The minimum transfer is {minimum} kobo")


def check_state_change(current: PositionState, wanted: PositionState, ledger_balance: int, held: int) -> None:
    if current == PositionState.CLOSED and wanted != PositionState.CLOSED:
        raise AccountClosed()
    if wanted == PositionState.CLOSED and (ledger_balance != 0 or held != 0):
        raise AccountNotEmpty()


def check_capture(state: HoldState, expires_at: datetime, now: datetime, held: int, amount: int) -> None:
    if state != HoldState.PENDING:
        raise HoldNotPending(f"The authorization is {state.value}")
    if now >= expires_at:
        raise HoldExpired()
    if amount > held:
        raise CaptureExceedsHold(f"At most {held} kobo can be captured")


def check_void(state: HoldState) -> None:
    if state != HoldState.PENDING:
        raise HoldNotPending(f"The authorization is {state.value}")


@dataclass(frozen=True)
class Reversible:
    kind: str
    status: str
    reverses: str | None
    reversed_by: str | None = None


def check_reversible(payment: Reversible) -> None:
    """Before anything is written; the reversal's transaction re-checks `reversed_by` as it commits."""
    if payment.kind not in REVERSIBLE_KINDS or payment.status != PaymentStatus.COMPLETED:
        raise NotReversible()
    if payment.reversed_by:
        raise AlreadyReversed(f"The payment was reversed by {payment.reversed_by}")


def reversal_id(payment_id: str) -> str:
    """One reversal per payment: its id is derived from the original, so a second one collides."""
    return f"rev_{payment_id}"


def closure_payout_id(account: str) -> str:
    """An account closes once, so its payout does too."""
    return f"closure:{account}"


def capture_id(hold_id: str) -> str:
    return f"cap_{hold_id}"
