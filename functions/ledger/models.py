"""The ledger's contract models: API responses, request bodies and the payloads of internal calls."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.chain import ChainBreak, ChainReport
from ledger.domain.posting import Entry, Head
from ledger.domain.reports import Difference, Statement, Totals, TrialBalance


class View(BaseModel):
    """A response, built by its `of` from domain objects and sent under each field's alias where it has
    one (`from`, `to`)."""

    model_config = ConfigDict(
        frozen=True, populate_by_name=True, from_attributes=True, serialize_by_alias=True
    )


class ViewOf[Source](View):
    """A view of one domain object, read from its attributes: `of` is `model_validate` with the
    source's type checked."""

    @classmethod
    def of(cls, source: Source) -> Self:
        return cls.model_validate(source)


class EntryView(ViewOf[Entry]):
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


class HeadView(ViewOf[Head]):
    account_id: str
    category: str
    normal_side: str
    debits: int = Field(validation_alias="total_debits")
    credits: int = Field(validation_alias="total_credits")
    balance: int
    last_seq: int


class CategoryTotalsView(ViewOf[Totals]):
    accounts: int
    debits: int
    credits: int
    balance: int


class TrialBalanceView(View):
    as_of: str
    total_debits: int
    total_credits: int
    difference: int
    balanced: bool
    by_category: dict[str, CategoryTotalsView]
    bank_accounts: list[HeadView]

    @classmethod
    def of(cls, result: TrialBalance, as_of: str) -> TrialBalanceView:
        return cls(
            as_of=as_of,
            total_debits=result.total_debits,
            total_credits=result.total_credits,
            difference=result.difference,
            balanced=result.balanced,
            by_category={c.value: CategoryTotalsView.of(t) for c, t in result.by_category.items()},
            bank_accounts=[HeadView.of(h) for h in result.bank_accounts],
        )


class DifferenceView(ViewOf[Difference]):
    account: str
    payments_balance: int
    ledger_balance: int
    difference: int


class ReconciliationView(View):
    as_of: str
    positions_checked: int
    ledger_accounts_checked: int
    matched: bool
    differences: list[DifferenceView]


class ChainBreakView(ViewOf[ChainBreak]):
    account_id: str
    entry_id: str
    seq: int
    reason: str


class VerifyView(View):
    accounts_checked: int
    entries_checked: int
    ok: bool
    broken_accounts: list[str]
    breaks: list[ChainBreakView]
    next_cursor: str | None

    @classmethod
    def of(cls, reports: Sequence[ChainReport], next_cursor: str | None) -> VerifyView:
        breaks = [b for report in reports for b in report.breaks]
        return cls(
            accounts_checked=len(reports),
            entries_checked=sum(r.entries_checked for r in reports),
            ok=not breaks,
            broken_accounts=[r.account_id for r in reports if not r.ok],
            breaks=[ChainBreakView.of(b) for b in breaks],
            next_cursor=next_cursor,
        )


class EntriesPage(View):
    items: list[EntryView]
    next_cursor: str | None

    @classmethod
    def of(cls, entries: Iterable[Entry], next_cursor: str | None) -> EntriesPage:
        return cls(items=[EntryView.of(e) for e in entries], next_cursor=next_cursor)


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
