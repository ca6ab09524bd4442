"""Calls the payments unit tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CallApi = Callable[..., Any]


def reverse_payment(
    call_api: CallApi, app: Any, payment_id: str, principal: dict[str, str], reason: str = "sent in error"
) -> Any:
    """POST /staff/transfers/{id}/reversal as `principal`."""
    return call_api(
        app,
        "POST",
        "/staff/transfers/{transfer_id}/reversal",
        path_params={"transfer_id": payment_id},
        body={"reason": reason},
        principal=principal,
    )
