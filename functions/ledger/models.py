"""The ledger's contract models: API responses, request bodies and the payloads of internal calls."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.chain import ChainBreak
from ledger.domain.posting import Entry, Head
from ledger.domain.reports import Difference, Statement, Totals


class View(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class EntryView(View):
    account_id: str
    seq: int
    entry_id: str
    event_id: str
    payment_id: str
    kind: str
    side: str
    amount: int
    balance: int
    counter_account: str
    leg: int
    description: str
    reverses: str | None
    committed_at: str
    posted_at: str
    correlation_id: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: Entry) -> EntryView:
        return cls(**{**entry.hashed_fields(), "hash": entry.hash})


class StatementView(View):
    account_number: str
    period_from: str = Field(serialization_alias="from")
    period_to: str = Field(serialization_alias="to")
    opening_balance: int
    closing_balance: int
    net_movement: int
    entries: list[EntryView]
    next_cursor: str | None

    @classmethod
    def of(cls, statement: Statement, next_cursor: str | None) -> StatementView:
        return cls(
            account_number=statement.account_id,
            period_from=statement.period_from,
            period_to=statement.period_to,
            opening_balance=statement.opening_balance,
            closing_balance=statement.closing_balance,
            net_movement=statement.net_movement,
            entries=[EntryView.of(e) for e in statement.entries],
            next_cursor=next_cursor,
        )


class BalanceView(View):
    account_id: str
    category: str
    normal_side: str
    at: str | None
    balance: int  # on the account's normal side
    payments_convention_balance: int | None  # credits − debits; only for the current balance
    last_seq: int


class HeadView(View):
    account_id: str
    category: str
    normal_side: str
    debits: int
    credits: int
    balance: int
    last_seq: int

    @classmethod
    def of(cls, head: Head) -> HeadView:
        return cls(
            account_id=head.account_id,
            category=head.category.value,
            normal_side=head.normal_side.value,
            debits=head.total_debits,
            credits=head.total_credits,
            balance=head.balance,
            last_seq=head.last_seq,
        )


class CategoryTotalsView(View):
    accounts: int
    debits: int
    credits: int
    balance: int

    @classmethod
    def of(cls, totals: Totals) -> CategoryTotalsView:
        return cls(
            accounts=totals.accounts, debits=totals.debits, credits=totals.credits, balance=totals.balance
        )


class TrialBalanceView(View):
    as_of: str
    total_debits: int
    total_credits: int
    difference: int
    balanced: bool
    by_category: dict[str, CategoryTotalsView]
    bank_accounts: list[HeadView]


class DifferenceView(View):
    account: str
    payments_balance: int
    ledger_balance: int
    difference: int

    @classmethod
    def of(cls, d: Difference) -> DifferenceView:
        return cls(
            account=d.account,
            payments_balance=d.payments_balance,
            ledger_balance=d.ledger_balance,
            difference=d.difference,
        )


class ReconciliationView(View):
    as_of: str
    positions_checked: int
    ledger_accounts_checked: int
    matched: bool
    differences: list[DifferenceView]


class ChainBreakView(View):
    account_id: str
    entry_id: str
    seq: int
    reason: str

    @classmethod
    def of(cls, b: ChainBreak) -> ChainBreakView:
        return cls(account_id=b.account_id, entry_id=b.entry_id, seq=b.seq, reason=b.reason)


class VerifyView(View):
    accounts_checked: int
    entries_checked: int
    ok: bool
    broken_accounts: list[str]
    breaks: list[ChainBreakView]
    next_cursor: str | None


class EntriesPage(View):
    items: list[EntryView]
    next_cursor: str | None


class DlqMessageView(View):
    message_id: str
    sent_at: str | None
    receive_count: int
    event_id: str | None
    type: str | None
    payment_id: str | None
    correlation_id: str | None
    error_hint: str
    body_preview: str


class DlqView(View):
    approximate_messages: int
    messages: list[DlqMessageView]


class RedriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_messages: int = Field(default=100, ge=1, le=1000)


class RedriveView(View):
    moved: int
    approximate_remaining: int


# ---- internal calls (other services' answers; extra fields ignored so they may grow)
class AccountInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account_number: str
    owner_id: str
    type: str = ""
    state: str = ""


class PositionItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account: str
    ledger_balance: int


class PositionsPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[PositionItem]
    next_cursor: str | None = None
