"""The accounts internal function: the card check payments invokes when a cardholder confirms a card
payment (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from accounts.models import VerifyCard
from accounts.service import cards
from core.internal import serve


def _verify_card(payload: dict[str, Any]) -> dict[str, Any]:
    return cards.verify(VerifyCard.model_validate(payload)).model_dump(mode="json")


handler = serve({"verify_card": _verify_card})
