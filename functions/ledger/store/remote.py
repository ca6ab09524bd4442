"""Calls to the other services' internal functions (accounts: get_account; payments: list_positions)."""

from __future__ import annotations

from core import internal
from ledger.models import AccountInfo, PositionsPage
from ledger.settings import ledger_settings, required


def get_account(account_number: str) -> AccountInfo:
    """Raises `account_not_found` (re-raised from accounts) when there is no such account."""
    function = required(ledger_settings().accounts_internal_function, "ACCOUNTS_INTERNAL_FUNCTION")
    result = internal.invoke(function, "get_account", {"account_number": account_number})
    return AccountInfo.model_validate(result)


def list_positions(cursor: str | None, limit: int) -> PositionsPage:
    function = required(ledger_settings().payments_internal_function, "PAYMENTS_INTERNAL_FUNCTION")
    payload: dict[str, object] = {"limit": limit}
    if cursor:
        payload["cursor"] = cursor
    return PositionsPage.model_validate(internal.invoke(function, "list_positions", payload))
