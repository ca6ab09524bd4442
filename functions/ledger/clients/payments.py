"""Calls to payments' read-only query function: who owns an account (statement access) and every
position (reconciliation). The ledger may invoke nothing that moves money."""

from __future__ import annotations

from typing import Any

from core import internal
from ledger.models import AccountInfo, PositionsPage
from ledger.settings import conf, required


def _call(action: str, payload: dict[str, Any]) -> Any:
    function = required(conf().payments_query_function, "PAYMENTS_QUERY_FUNCTION")
    return internal.invoke(function, action, payload)


def get_account(account_number: str) -> AccountInfo:
    """Raises `account_not_found` (re-raised from payments) when there is no such customer account."""
    return AccountInfo.model_validate(_call("get_position", {"account_number": account_number}))


def list_positions(cursor: str | None, limit: int) -> PositionsPage:
    payload: dict[str, object] = {"limit": limit}
    if cursor:
        payload["cursor"] = cursor
    return PositionsPage.model_validate(_call("list_positions", payload))
