"""Calls to payments' internal function (the contract in docs/architecture.md). Errors come back as
DomainErrors with payments' own codes (e.g. `account_not_empty`), which pass through to the client."""

from __future__ import annotations

from typing import Any

from accounts.config import conf
from core import internal
from core.events import MovementKind


def _call(action: str, payload: dict[str, Any]) -> Any:
    return internal.invoke(conf().payments_internal_function, action, payload)


def open_position(account_number: str, owner_id: str, welcome_bonus: int) -> dict[str, Any]:
    result: dict[str, Any] = _call(
        "open_position",
        {"account_number": account_number, "owner_id": owner_id, "welcome_bonus": welcome_bonus},
    )
    return result


def set_state(account_number: str, state: str, reason: str) -> dict[str, Any]:
    result: dict[str, Any] = _call(
        "set_state", {"account_number": account_number, "state": state, "reason": reason}
    )
    return result


def balances(account_numbers: list[str]) -> dict[str, dict[str, Any]]:
    if not account_numbers:
        return {}
    result: dict[str, dict[str, Any]] = _call("balances", {"account_numbers": account_numbers})
    return result


def move(payment_id: str, kind: MovementKind, legs: list[tuple[str, str, int]], description: str) -> Any:
    return _call(
        "move",
        {
            "payment_id": payment_id,
            "kind": str(kind),
            "legs": [{"from_account": a, "to_account": b, "amount": amount} for a, b, amount in legs],
            "description": description,
        },
    )


def bank_totals() -> dict[str, Any]:
    result: dict[str, Any] = _call("bank_totals", {})
    return result
