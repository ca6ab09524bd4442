"""The payments tables as PynamoDB models (reads, queries, test set-up). Money moves only through
`store.engine`, which writes these same items with one conditional TransactWriteItems."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from core.aws import Model
from core.config import table_name


class PositionsByShard(GlobalSecondaryIndex["Position"]):
    """Every position, listed shard by shard (reconciliation) without a Scan. Keys only: a balance
    change never rewrites the index, and 16 shards spread the listing over partitions."""

    class Meta:
        index_name = "by_shard"
        projection = KeysOnlyProjection()

    shard = NumberAttribute(hash_key=True)
    account = UnicodeAttribute(range_key=True)


class Position(Model):
    """One account's balance. `available` = `ledger_balance` - `held`, kept in step by every update,
    because a DynamoDB condition cannot do arithmetic. A customer position also holds the account's
    payment PIN (keyed hash) and its tries (payments.domain.pins)."""

    class Meta:
        table_name = table_name("POSITIONS_TABLE")

    account = UnicodeAttribute(hash_key=True)
    shard = NumberAttribute(default=0)
    ledger_balance = NumberAttribute(default=0)
    held = NumberAttribute(default=0)
    available = NumberAttribute(default=0)
    state = UnicodeAttribute(default="active")
    owner_id = UnicodeAttribute(default="")
    kind = UnicodeAttribute(default="customer")  # customer | bank
    allow_negative = BooleanAttribute(default=False)
    version = NumberAttribute(default=0)
    state_reason = UnicodeAttribute(null=True)
    pin_hash = UnicodeAttribute(null=True)
    pin_tries = NumberAttribute(default=0)
    pin_wrong = NumberAttribute(default=0)
    pin_window_end = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    by_shard = PositionsByShard()


class PaymentsByDay(GlobalSecondaryIndex["Payment"]):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)


class Payment(Model):
    """One movement (completed) or one declined attempt; never edited after it is written, except that its
    reversal sets `reversed_by` (once, in the reversal's own transaction)."""

    class Meta:
        table_name = table_name("PAYMENTS_TABLE")

    payment_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    legs: JSONAttribute = JSONAttribute()
    amount = NumberAttribute()
    from_account = UnicodeAttribute()
    to_account = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    reverses = UnicodeAttribute(null=True)
    reversed_by = UnicodeAttribute(null=True)  # the reversal's payment id, set when it commits
    decline_code = UnicodeAttribute(null=True)
    decline_detail = UnicodeAttribute(null=True)  # the decline's words, so a replay answers them again
    correlation_id = UnicodeAttribute(default="")
    initiated_by = UnicodeAttribute(default="")
    fingerprint = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    day = UnicodeAttribute()
    sort_key = UnicodeAttribute()  # created_at#payment_id
    by_day = PaymentsByDay()


class Entry(Model):
    """A line of an account's history: one per account a payment touched (declines too)."""

    class Meta:
        table_name = table_name("ENTRIES_TABLE")

    account = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # created_at#payment_id: newest first by ScanIndexForward
    payment_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    direction = UnicodeAttribute()  # debit | credit
    amount = NumberAttribute()
    counterparty = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    decline_code = UnicodeAttribute(null=True)
    reversed_by = UnicodeAttribute(null=True)  # as on the payment, set with it
    created_at = UnicodeAttribute()


class HoldsByExpiry(GlobalSecondaryIndex["Hold"]):
    """Sparse: only pending holds carry `pending`, so the expiry job queries exactly those."""

    class Meta:
        index_name = "by_expiry"
        projection = AllProjection()

    pending = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class Hold(Model):
    class Meta:
        table_name = table_name("HOLDS_TABLE")

    hold_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    amount = NumberAttribute()
    captured_amount = NumberAttribute(default=0)
    cardholder_account = UnicodeAttribute()
    cardholder_owner_id = UnicodeAttribute(default="")
    merchant_account = UnicodeAttribute()
    merchant_owner_id = UnicodeAttribute()
    card_id = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    expires_at = NumberAttribute()
    pending = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)
    correlation_id = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    by_expiry = HoldsByExpiry()


class PaymentRequest(Model):
    """A merchant's request for a card payment, which the cardholder confirms on the bank's own site
    (card details and PIN entered there, never at the merchant). Confirming creates the hold."""

    class Meta:
        table_name = table_name("PAYMENT_REQUESTS_TABLE")

    request_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()  # open | authorized | declined
    amount = NumberAttribute()
    merchant_account = UnicodeAttribute()
    merchant_owner_id = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    fingerprint = UnicodeAttribute(default="")
    authorization_id = UnicodeAttribute(null=True)
    decline_code = UnicodeAttribute(null=True)
    cardholder_owner_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_ttl = NumberAttribute()


class Counter(Model):
    """A fraud-rule window (payments per minute, outgoing kobo per day) of one account."""

    class Meta:
        table_name = table_name("COUNTERS_TABLE")

    key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class OutboxRecord(Model):
    """An event written in the same transaction as its money move; the table's stream publishes it."""

    class Meta:
        table_name = table_name("OUTBOX_TABLE")

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    body = UnicodeAttribute()  # the JSON envelope, exactly as published
    correlation_id = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    Position,
    Payment,
    Entry,
    Hold,
    PaymentRequest,
    Counter,
    OutboxRecord,
)


def create_all(**kwargs: Any) -> None:
    """Create every table (unit tests under moto)."""
    for model in ALL_MODELS:
        model.create_table(wait=True, billing_mode="PAY_PER_REQUEST", **kwargs)
