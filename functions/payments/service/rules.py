"""The rules payments owns that a client needs before it moves money: transfer limits, the welcome bonus."""

from __future__ import annotations

from core.contracts import PaymentRules, TransferRules
from payments.settings import conf


def rules() -> PaymentRules:
    """The `rules` internal action: read-only, from payments' settings (every payments function reads the
    same ones, so the limits told here are the limits transfers meet)."""
    settings = conf()
    return PaymentRules(
        transfers=TransferRules(
            min_amount=settings.min_transfer_amount,
            max_single_amount=settings.max_single_amount,
            daily_limit_per_account=settings.daily_outgoing_limit,
            daily_limit_per_customer=settings.customer_daily_outgoing_limit,
        ),
        welcome_bonus=settings.welcome_bonus,
    )
