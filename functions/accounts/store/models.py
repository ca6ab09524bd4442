"""PynamoDB models of the accounts service's tables (names from env, read when first used)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from core.aws import Model
from core.config import table_name


class ByOwnerIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AccountModel(Model):
    class Meta:
        table_name = table_name("ACCOUNTS_TABLE")

    account_number = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    owner_username = UnicodeAttribute(default="")
    type = UnicodeAttribute()
    state = UnicodeAttribute()
    blocked_by = UnicodeAttribute(null=True)
    block_reason = UnicodeAttribute(null=True)
    interest_rate_bp = NumberAttribute(default=0)
    # Months whose savings interest is paid: a rerun skips them (payments' payment id is the backstop).
    interest_months = UnicodeSetAttribute(default=set)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    by_owner = ByOwnerIndex()


class AccountOwnerModel(Model):
    """`owner#<user id>` in the accounts table: the customer's count of open accounts, changed in the
    same transaction as each opening (conditional on the cap) and closing."""

    class Meta:
        table_name = table_name("ACCOUNTS_TABLE")

    account_number = UnicodeAttribute(hash_key=True)
    open_accounts = NumberAttribute(default=0)


class CardsByAccountIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_number = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class CardModel(Model):
    """A card. The PAN is only here encrypted (AES-GCM) plus first 6 / last 4; the CVV is nowhere."""

    class Meta:
        table_name = table_name("ACCOUNTS_CARDS_TABLE")

    card_id = UnicodeAttribute(hash_key=True)
    account_number = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    pan_encrypted = UnicodeAttribute()
    pan_index = UnicodeAttribute()
    first6 = UnicodeAttribute()
    last4 = UnicodeAttribute()
    expiry_month = NumberAttribute()
    expiry_year = NumberAttribute()
    state = UnicodeAttribute()
    block_reason = UnicodeAttribute(null=True)
    blocked_by = UnicodeAttribute(null=True)  # customer | staff | system (too many wrong tries)
    pin_hash = UnicodeAttribute()  # the card PIN's tries are per account: `cardpin#<number>` items
    replaces = UnicodeAttribute(null=True)
    replaced_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    by_account = CardsByAccountIndex()


class PanIndexModel(Model):
    """`pan#<keyed digest>` → card id, in the cards table: makes PANs unique (conditional put in the
    issuing transaction) and lets verification find a card by PAN without a clear PAN anywhere."""

    class Meta:
        table_name = table_name("ACCOUNTS_CARDS_TABLE")

    card_id = UnicodeAttribute(hash_key=True)
    target_card_id = UnicodeAttribute()


class LoansByStatusIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class LoanModel(Model):
    class Meta:
        table_name = table_name("ACCOUNTS_LOANS_TABLE")

    loan_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    account_number = UnicodeAttribute()
    amount = NumberAttribute()
    months = NumberAttribute()
    repayable = NumberAttribute()
    interest = NumberAttribute()
    instalments = ListAttribute[float](of=NumberAttribute)  # type: ignore[arg-type]
    repaid = NumberAttribute(default=0)
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # A repayment between "legs computed" and "payments moved the money": a retry finishes it.
    pending_key = UnicodeAttribute(null=True)
    pending = JSONAttribute(null=True)
    # Idempotency-Key → the repayment it made, so a replay answers the first result.
    applied = JSONAttribute(default=dict)
    by_owner = ByOwnerIndex()
    by_status = LoansByStatusIndex()


class OpenLoanLockModel(Model):
    """`open#<owner>` in the loans table while the owner has a pending or active loan: written in the
    same transaction as the loan, so two concurrent applications cannot both succeed."""

    class Meta:
        table_name = table_name("ACCOUNTS_LOANS_TABLE")

    loan_id = UnicodeAttribute(hash_key=True)
    open_loan_id = UnicodeAttribute()


class TicketMessage(MapAttribute[str, Any]):
    author_id = UnicodeAttribute()
    author_role = UnicodeAttribute()
    body = UnicodeAttribute()
    at = UTCDateTimeAttribute()


class TicketsByOwnerIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class TicketsByStatusIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class TicketModel(Model):
    class Meta:
        table_name = table_name("ACCOUNTS_TICKETS_TABLE")

    ticket_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    owner_username = UnicodeAttribute(default="")
    category = UnicodeAttribute()
    subject = UnicodeAttribute()
    status = UnicodeAttribute()
    messages = ListAttribute[TicketMessage](of=TicketMessage)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    by_owner = TicketsByOwnerIndex()
    by_status = TicketsByStatusIndex()


class AuditModel(Model):
    """One staff action; partitioned by target (e.g. `account:0123456789`) so a target's trail is one query."""

    class Meta:
        table_name = table_name("ACCOUNTS_AUDIT_TABLE")

    target = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)
    actor_id = UnicodeAttribute()
    actor_username = UnicodeAttribute(default="")
    action = UnicodeAttribute()
    reason = UnicodeAttribute(default="")
    at = UTCDateTimeAttribute()
    details = JSONAttribute(default=dict)


class OpenProposalsIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only a proposal waiting for its second staff member carries `queue`."""

    class Meta:
        index_name = "open_proposals"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    proposed_at = UTCDateTimeAttribute(range_key=True)


class ProposalModel(Model):
    """A staff action that moves the bank's money, proposed by one staff member and approved by another."""

    class Meta:
        table_name = table_name("ACCOUNTS_OPERATIONS_TABLE")

    pk = UnicodeAttribute(hash_key=True)  # proposal#<id>
    proposal_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    target = UnicodeAttribute()
    details = JSONAttribute(default=dict)
    proposed_by = UnicodeAttribute()
    proposed_by_username = UnicodeAttribute(default="")
    proposed_by_creator = UnicodeAttribute(default="")  # who created the proposer's staff account
    proposed_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_by_username = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    result = JSONAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    open_proposals = OpenProposalsIndex()


class InterestRunModel(Model):
    """`interest-run#<YYYY-MM>`: the month's run, written when every account was paid (schedule or staff)."""

    class Meta:
        table_name = table_name("ACCOUNTS_OPERATIONS_TABLE")

    pk = UnicodeAttribute(hash_key=True)
    month = UnicodeAttribute()
    completed_at = UTCDateTimeAttribute()
    summary = JSONAttribute(default=dict)


ALL_MODELS: tuple[type[Model], ...] = (
    AccountModel,
    CardModel,
    LoanModel,
    TicketModel,
    AuditModel,
    ProposalModel,
)
