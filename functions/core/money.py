"""Money is an integer number of kobo (1 NGN = 100 kobo), everywhere: API, storage and events."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StrictInt

CURRENCY = "NGN"
KOBO_PER_NAIRA = 100
# The largest amount any API accepts: far above every limit, far below int64 and DynamoDB's range.
MAX_AMOUNT = 10**15

Kobo = Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT, description="Amount in kobo (1 NGN = 100 kobo)")]


def naira(amount: int) -> int:
    """Kobo in `amount` naira; for constants and tests (`naira(1_000)` is the welcome bonus)."""
    return amount * KOBO_PER_NAIRA


def format_ngn(kobo: int) -> str:
    """Human text for an amount, e.g. 100000 → '₦1,000.00' (Babel knows the locale's symbol and grouping)."""
    # Imported here: no handler formats money on its way to an answer, and Babel would cost every cold
    # start its import (decision 0045).
    from babel.numbers import format_currency

    return format_currency(Decimal(kobo).scaleb(-2), CURRENCY, locale="en_NG")
