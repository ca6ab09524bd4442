"""The payments internal function: actions the accounts service invokes directly (docs/architecture.md).
Most move money or change what may move it, so only accounts may invoke it (the template's grants); the
reads among them (`balances`, `rules`, ...) ride along rather than need a function of their own."""

from __future__ import annotations

from core.internal import serve
from payments.entrypoints.common import action
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

handler = serve(
    {
        "open_position": action(OpenPositionPayload, positions.open_position),
        "set_state": action(SetStatePayload, positions.set_state),
        "unlock_pin": action(AccountPayload, positions.unlock_pin),
        "close_with_payout": action(ClosePayload, positions.close_with_payout),
        "balances": action(BalancesPayload, positions.balances),
        "lowest_balances": action(LowestBalancesPayload, positions.lowest_balances),
        "move": action(MovePayload, positions.move),
        "reverse": action(ReversePayload, history.reverse),
        "check_reversal": action(
            GetPaymentPayload, lambda payload: history.check_reversal(payload.payment_id)
        ),
        "bank_totals": action(BankTotalsPayload, lambda _: positions.bank_totals()),
        "rules": action(RulesPayload, lambda _: rules.rules()),
    }
)
