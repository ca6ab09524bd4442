"""Calls to payments' internal function (the contract in docs/architecture.md). Errors come back as
DomainErrors with payments' own codes (e.g. `account_not_empty`), which pass through to the client."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from accounts.models import PositionBalance, ReversibleTransfer
from accounts.settings import conf
from core import internal
from core.contracts import BankTotals, PaymentRules, PinUnlocked
from core.errors import DomainError, ServiceUnavailable
from core.events import MovementKind

# Payments' rules change only with a deploy; a minute's reuse makes the site's GET /config cost no hop
# on a warm function most of the time, and a new value reaches every client within that minute.
RULES_MAX_AGE_SECONDS = 60


@dataclass
class _Remembered:
    value: PaymentRules | None = None
    until: float = 0.0  # time.monotonic() after which the value is read again


_rules = _Remembered()


def _call(action: str, payload: dict[str, Any]) -> Any:
    return internal.invoke(conf().payments_internal_function, action, payload)


def rules() -> PaymentRules:
    """Payments' rules a client needs (transfer limits, the welcome bonus; kobo), reused by this warm
    process for RULES_MAX_AGE_SECONDS. Any refusal or odd answer is a 503: the public asked nothing
    wrong."""
    if _rules.value is None or time.monotonic() >= _rules.until:
        try:
            answer = PaymentRules.model_validate(_call("rules", {}))
        except (DomainError, ValidationError) as error:
            raise ServiceUnavailable("The bank's rules cannot be read now; try again") from error
        _rules.value, _rules.until = answer, time.monotonic() + RULES_MAX_AGE_SECONDS
    return _rules.value


def forget_rules() -> None:
    """Read payments' rules afresh on the next call (tests give each case its own payments)."""
    _rules.value = None


def open_position(account_number: str, owner_id: str, pin: str) -> None:
    """Payments keeps the balance and the payment PIN, and pays the welcome bonus with the owner's
    first account."""
    _call("open_position", {"account_number": account_number, "owner_id": owner_id, "pin": pin})


def unlock_pin(account_number: str) -> PinUnlocked:
    return PinUnlocked.model_validate(_call("unlock_pin", {"account_number": account_number}))


def close_with_payout(account_number: str, balance: int, reason: str, initiated_by: str) -> None:
    _call(
        "close_with_payout",
        {
            "account_number": account_number,
            "balance": balance,
            "reason": reason,
            "initiated_by": initiated_by,
        },
    )


def check_reversal(payment_id: str) -> ReversibleTransfer:
    return ReversibleTransfer.model_validate(_call("check_reversal", {"payment_id": payment_id}))


def reverse(payment_id: str, reason: str, initiated_by: str) -> dict[str, Any]:
    """The reversal's payment view, as payments sent it: the approved proposal keeps it whole."""
    result: dict[str, Any] = _call(
        "reverse", {"payment_id": payment_id, "reason": reason, "initiated_by": initiated_by}
    )
    return result


def set_state(account_number: str, state: str, reason: str) -> None:
    _call("set_state", {"account_number": account_number, "state": state, "reason": reason})


def balances(account_numbers: list[str]) -> dict[str, PositionBalance]:
    if not account_numbers:
        return {}
    found = _call("balances", {"account_numbers": account_numbers})
    return {number: PositionBalance.model_validate(balance) for number, balance in found.items()}


def lowest_balances(account_numbers: list[str], start: str, end: str) -> dict[str, int]:
    if not account_numbers:
        return {}
    result: dict[str, int] = _call(
        "lowest_balances", {"account_numbers": account_numbers, "start": start, "end": end}
    )
    return result


def move(payment_id: str, kind: MovementKind, legs: list[tuple[str, str, int]], description: str) -> None:
    _call(
        "move",
        {
            "payment_id": payment_id,
            "kind": str(kind),
            "legs": [{"from_account": a, "to_account": b, "amount": amount} for a, b, amount in legs],
            "description": description,
        },
    )


def bank_totals() -> BankTotals:
    return BankTotals.model_validate(_call("bank_totals", {}))
