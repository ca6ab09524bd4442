"""The accounts internal function: actions payments and the ledger invoke directly (architecture.md)."""

from __future__ import annotations

from typing import Any

from accounts.models import GetAccount, VerifyCard, VerifyPin
from accounts.services import accounts, cards
from core.internal import serve


def _verify_pin(payload: dict[str, Any]) -> dict[str, Any]:
    request = VerifyPin.model_validate(payload)
    return accounts.verify_pin(request.account_number, request.pin)


def _verify_card(payload: dict[str, Any]) -> dict[str, Any]:
    return cards.verify(VerifyCard.model_validate(payload))


def _get_account(payload: dict[str, Any]) -> dict[str, Any]:
    return accounts.internal_view(GetAccount.model_validate(payload).account_number)


handler = serve({"verify_pin": _verify_pin, "verify_card": _verify_card, "get_account": _get_account})
