"""The payments internal function: actions other services invoke directly (see docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from core.internal import serve
from payments.models import (
    BalancesPayload,
    BankTotalsPayload,
    ListPositionsPayload,
    MovePayload,
    OpenPositionPayload,
    SetStatePayload,
)
from payments.service import positions


def _open_position(payload: dict[str, Any]) -> Any:
    return positions.open_position(OpenPositionPayload.model_validate(payload))


def _set_state(payload: dict[str, Any]) -> Any:
    return positions.set_state(SetStatePayload.model_validate(payload))


def _balances(payload: dict[str, Any]) -> Any:
    return positions.balances(BalancesPayload.model_validate(payload))


def _move(payload: dict[str, Any]) -> Any:
    return positions.move(MovePayload.model_validate(payload))


def _bank_totals(payload: dict[str, Any]) -> Any:
    BankTotalsPayload.model_validate(payload)
    return positions.bank_totals()


def _list_positions(payload: dict[str, Any]) -> Any:
    return positions.list_positions(ListPositionsPayload.model_validate(payload))


handler = serve(
    {
        "open_position": _open_position,
        "set_state": _set_state,
        "balances": _balances,
        "move": _move,
        "bank_totals": _bank_totals,
        "list_positions": _list_positions,
    }
)
