"""Calls to the accounts service (its internal function): PIN and card verification."""

from __future__ import annotations

from dataclasses import dataclass

from core import internal
from payments.config import conf


@dataclass(frozen=True)
class CardOwner:
    card_id: str
    account_number: str


def verify_pin(account_number: str, pin: str) -> None:
    """Raises the accounts service's own errors (`pin_invalid`, `pin_locked`, ...) unchanged."""
    internal.invoke(
        conf().accounts_internal_function, "verify_pin", {"account_number": account_number, "pin": pin}
    )


def verify_card(pan: str, expiry_month: int, expiry_year: int, cvv: str, pin: str) -> CardOwner:
    result = internal.invoke(
        conf().accounts_internal_function,
        "verify_card",
        {"pan": pan, "expiry_month": expiry_month, "expiry_year": expiry_year, "cvv": cvv, "pin": pin},
    )
    return CardOwner(card_id=str(result["card_id"]), account_number=str(result["account_number"]))
