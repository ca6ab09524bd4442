"""Calls to the accounts service (its internal function): card verification."""

from __future__ import annotations

from dataclasses import dataclass

from core import internal
from payments.settings import conf


@dataclass(frozen=True)
class CardOwner:
    card_id: str
    account_number: str


def verify_card(
    pan: str, expiry_month: int, expiry_year: int, cvv: str, pin: str, *, owner_id: str
) -> CardOwner:
    """The card of `owner_id` with these details, or the accounts service's own errors (`card_invalid`,
    `card_blocked`, `card_expired`) unchanged. A card of anyone else is `card_invalid`."""
    result = internal.invoke(
        conf().accounts_internal_function,
        "verify_card",
        {
            "pan": pan,
            "expiry_month": expiry_month,
            "expiry_year": expiry_year,
            "cvv": cvv,
            "pin": pin,
            "owner_id": owner_id,
        },
    )
    return CardOwner(card_id=str(result["card_id"]), account_number=str(result["account_number"]))
