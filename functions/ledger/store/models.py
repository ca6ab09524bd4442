"""PynamoDB models of the ledger's three tables.

- entries: the journal, one immutable item per entry; key (account_id, position) where position is
  `{posted_at}#{seq:012d}`, so one Query finds the last entry before any instant.
- accounts: one chain head per ledger account (balance, running totals, last sequence and hash);
  the `by_listing` GSI (constant partition "account", sorted by id) lists them without a Scan.
- events: one dedup record per posted event id.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from core.aws import Model
from core.config import table_name

LISTING = "account"


class EntriesByPayment(GlobalSecondaryIndex["EntryModel"]):
    class Meta:
        index_name = "by_payment"
        projection = AllProjection()

    payment_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)


class EntryModel(Model):
    class Meta:
        table_name = table_name("LEDGER_ENTRIES_TABLE")

    account_id = UnicodeAttribute(hash_key=True)
    position = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    entry_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    side = UnicodeAttribute()
    amount = NumberAttribute()
    balance = NumberAttribute()
    counter_account = UnicodeAttribute()
    leg = NumberAttribute()
    description = UnicodeAttribute(default="")
    reverses = UnicodeAttribute(null=True)
    committed_at = UnicodeAttribute()
    posted_at = UnicodeAttribute()
    correlation_id = UnicodeAttribute(default="")
    prev_hash = UnicodeAttribute()
    chain_hash = UnicodeAttribute(attr_name="hash")

    by_payment = EntriesByPayment()


class HeadsByListing(GlobalSecondaryIndex["HeadModel"]):
    class Meta:
        index_name = "by_listing"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)


class HeadModel(Model):
    class Meta:
        table_name = table_name("LEDGER_ACCOUNTS_TABLE")

    account_id = UnicodeAttribute(hash_key=True)
    listing = UnicodeAttribute(default=LISTING)
    category = UnicodeAttribute()
    normal_side = UnicodeAttribute()
    balance = NumberAttribute()
    total_debits = NumberAttribute()
    total_credits = NumberAttribute()
    last_seq = NumberAttribute()
    last_hash = UnicodeAttribute()
    last_posted_at = UnicodeAttribute()
    opened_at = UnicodeAttribute()

    by_listing = HeadsByListing()


class ProcessedEventModel(Model):
    class Meta:
        table_name = table_name("LEDGER_EVENTS_TABLE")

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    entries = NumberAttribute()
    posted_at = UnicodeAttribute()
    correlation_id = UnicodeAttribute(default="")
