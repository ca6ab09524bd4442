"""The payments internal function: actions the accounts service invokes directly (docs/architecture.md).
Most move money or change what may move it, so only accounts may invoke it (the template's grants); the
reads among them (`balances`, `rules`, ...) ride along rather than need a function of their own."""

from __future__ import annotations

from typing import Any

from core.internal import serve
from payments.models import (
    AccountPayload,
    BalancesPayload,
    BankTotalsPayload,
    ClosePayload,
    GetPaymentPayload,
    LowestBalancesPayload,
    MovePayload,
    OpenPositionPayload,
    ReversePayload,
    RulesPayload,
    SetStatePayload,
)
from payments.service import history, positions, rules


def _bank_totals(payload: dict[str, Any]) -> Any:
    BankTotalsPayload.model_validate(payload)
    return positions.bank_totals()


def _rules(payload: dict[str, Any]) -> Any:
    RulesPayload.model_validate(payload)
    return rules.rules()


handler = serve(
    {
        "open_position": lambda payload: positions.open_position(OpenPositionPayload.model_validate(payload)),
        "set_state": lambda payload: positions.set_state(SetStatePayload.model_validate(payload)),
        "unlock_pin": lambda payload: positions.unlock_pin(AccountPayload.model_validate(payload)),
        "close_with_payout": lambda payload: positions.close_with_payout(
            ClosePayload.model_validate(payload)
        ),
        "balances": lambda payload: positions.balances(BalancesPayload.model_validate(payload)),
        "lowest_balances": lambda payload: positions.lowest_balances(
            LowestBalancesPayload.model_validate(payload)
        ),
        "move": lambda payload: positions.move(MovePayload.model_validate(payload)),
        "reverse": lambda payload: history.reverse(ReversePayload.model_validate(payload)),
        "check_reversal": lambda payload: history.check_reversal(
            GetPaymentPayload.model_validate(payload).payment_id
        ),
        "bank_totals": _bank_totals,
        "rules": _rules,
    }
)
