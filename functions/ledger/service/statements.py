"""Statements and balances: periods, an account's statement (owner or staff), balances, entry lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core import clock
from core.auth import Principal
from core.errors import InvalidRequest
from ledger.clients import payments
from ledger.domain.chart import classify, payments_view
from ledger.domain.errors import (
    AccountNotFound,
    LedgerAccountNotFound,
    StatementTooLarge,
    UnknownLedgerAccount,
)
from ledger.domain.reports import Statement
from ledger.models import BalanceView, EntriesPage, StatementView
from ledger.store import journal

DEFAULT_STATEMENT_DAYS = 30
MAX_CSV_ROWS = 5000


# ---------------------------------------------------------------- periods
def _instant(raw: str, *, end_of_day: bool) -> datetime:
    """An ISO instant, or a date: its start (for `from`) or the start of the next day (for `to`/`at`),
    so that `to=2026-01-31` includes the whole 31st."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        return clock.parse_iso(raw)
    except ValueError as exc:
        raise InvalidRequest(f"{raw!r} is not an ISO 8601 date or date-time") from exc


def period(raw_from: str | None, raw_to: str | None) -> tuple[str, str]:
    end = _instant(raw_to, end_of_day=True) if raw_to else clock.now()
    start = _instant(raw_from, end_of_day=False) if raw_from else end - timedelta(days=DEFAULT_STATEMENT_DAYS)
    if start >= end:
        raise InvalidRequest("`from` must be before `to`")
    return clock.iso(start), clock.iso(end)


def balance_before(account_id: str, instant: str) -> int:
    """The balance at an instant: the running balance stored on the last entry before it (one read)."""
    entry = journal.last_entry_before(account_id, instant)
    return entry.balance if entry else 0


# ---------------------------------------------------------------- statements and balances
def authorize_account(principal: Principal, account_number: str) -> None:
    """Owner or staff; anyone else gets the same 404 as for a number that does not exist."""
    if not (len(account_number) == 10 and account_number.isascii() and account_number.isdigit()):
        raise AccountNotFound()
    account = payments.get_account(account_number)
    if not principal.can_see(account.owner_id):
        raise AccountNotFound()


@dataclass(frozen=True)
class StatementPage:
    statement: Statement
    next_cursor: str | None


def statement(
    account_number: str, raw_from: str | None, raw_to: str | None, limit: int, cursor: str | None
) -> StatementView:
    page = _statement_page(account_number, raw_from, raw_to, limit, cursor)
    return StatementView.of(page.statement, page.next_cursor)


def _statement_page(
    account_number: str, raw_from: str | None, raw_to: str | None, limit: int, cursor: str | None
) -> StatementPage:
    start, end = period(raw_from, raw_to)
    page = journal.entries_between(account_number, start, end, limit, cursor)
    built = Statement(
        account_id=account_number,
        period_from=start,
        period_to=end,
        opening_balance=balance_before(account_number, start),
        closing_balance=balance_before(account_number, end),
        entries=tuple(page.entries),
    )
    return StatementPage(built, page.next_cursor)


def full_statement(account_number: str, raw_from: str | None, raw_to: str | None) -> Statement:
    """The whole period in one document (CSV); refused above MAX_CSV_ROWS entries."""
    page = _statement_page(account_number, raw_from, raw_to, MAX_CSV_ROWS + 1, None)
    if len(page.statement.entries) > MAX_CSV_ROWS:
        raise StatementTooLarge(f"at most {MAX_CSV_ROWS} entries per CSV statement")
    return page.statement


def balance(account_id: str, raw_at: str | None) -> BalanceView:
    try:
        classify(account_id)
    except UnknownLedgerAccount as exc:
        raise LedgerAccountNotFound() from exc
    head = journal.get_head(account_id)
    if head is None:
        raise LedgerAccountNotFound()
    at = clock.iso(_instant(raw_at, end_of_day=True)) if raw_at else None
    return BalanceView(
        account_id=account_id,
        category=head.category.value,
        normal_side=head.normal_side.value,
        at=at,
        balance=balance_before(account_id, at) if at else head.balance,
        payments_convention_balance=None if at else payments_view(head.total_debits, head.total_credits),
        last_seq=head.last_seq,
    )


def entries(account_id: str | None, payment_id: str | None, limit: int, cursor: str | None) -> EntriesPage:
    """Staff list: an account's entries (newest first) or the entries of one payment."""
    if account_id:
        page = journal.entries_page(account_id, limit, cursor)
    elif payment_id:
        page = journal.entries_of_payment(payment_id, limit, cursor)
    else:
        raise InvalidRequest("Give `account` or `payment_id`")
    return EntriesPage.of(page.entries, page.next_cursor)
