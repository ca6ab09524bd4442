"""The ledger's use cases: each handler calls one of these; they join the pure domain to the store."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from core import clock
from core.auth import Principal
from core.errors import DomainError, InvalidRequest
from core.events import Event, MoneyMoved
from core.observability import logger
from ledger import inbound
from ledger.domain.chain import ChainBreak, ChainReport, orphan_break, verify_chain
from ledger.domain.chart import classify, payments_view
from ledger.domain.errors import (
    AccountNotFound,
    ChainConflict,
    LedgerAccountNotFound,
    StatementTooLarge,
    UnknownLedgerAccount,
)
from ledger.domain.posting import Head, accounts_of, plan_posting
from ledger.domain.reports import Statement, TrialBalance, reconcile, trial_balance
from ledger.models import (
    BalanceView,
    DifferenceView,
    DlqMessageView,
    DlqView,
    ReconciliationView,
    RedriveView,
)
from ledger.settings import ledger_settings, required
from ledger.store import journal, queues, remote

DEFAULT_STATEMENT_DAYS = 30
MAX_CSV_ROWS = 5000
POSITIONS_PAGE = 100


class Outcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


# ---------------------------------------------------------------- posting
def handle_event(event: Event) -> Outcome:
    if event.type in inbound.NON_POSTING:
        return Outcome.IGNORED
    return post_movement(event.event_id, event.correlation_id, inbound.movement_of(event))


def post_movement(
    event_id: str,
    correlation_id: str,
    movement: MoneyMoved,
    *,
    now: Callable[[], datetime] = clock.now,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Post one movement exactly once. A concurrent posting to the same account makes the head
    condition fail: re-read the heads and re-plan, a few times, then let the message be retried."""
    if journal.is_processed(event_id):
        return Outcome.DUPLICATE
    attempts = ledger_settings().posting_attempts
    for attempt in range(1, attempts + 1):
        heads = journal.read_heads(accounts_of(movement))
        plan = plan_posting(
            event_id=event_id,
            correlation_id=correlation_id,
            movement=movement,
            heads=heads,
            now=clock.iso(now()),
        )
        try:
            return Outcome.POSTED if journal.write_posting(plan) else Outcome.DUPLICATE
        except ChainConflict:
            if attempt == attempts:
                raise
            logger.info("Chain head moved; re-planning", extra={"event_id": event_id, "attempt": attempt})
            sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


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
    account = remote.get_account(account_number)
    if not principal.can_see(account.owner_id):
        raise AccountNotFound()


@dataclass(frozen=True)
class StatementPage:
    statement: Statement
    next_cursor: str | None


def statement(
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
    page = statement(account_number, raw_from, raw_to, MAX_CSV_ROWS + 1, None)
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


def entries(
    account_id: str | None, payment_id: str | None, limit: int, cursor: str | None
) -> journal.EntryPage:
    """Staff list: an account's entries (newest first) or the entries of one payment."""
    if account_id:
        return journal.entries_page(account_id, limit, cursor)
    if payment_id:
        return journal.entries_of_payment(payment_id, limit, cursor)
    raise InvalidRequest("Give `account` or `payment_id`")


# ---------------------------------------------------------------- reports
def trial_balance_now() -> TrialBalance:
    return trial_balance(journal.all_heads())


def reconciliation() -> ReconciliationView:
    """Every payments position against its ledger account, both in payments' convention."""
    positions: dict[str, int] = {}
    cursor: str | None = None
    while True:
        page = remote.list_positions(cursor, POSITIONS_PAGE)
        positions.update((item.account, item.ledger_balance) for item in page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    ledger = {h.account_id: payments_view(h.total_debits, h.total_credits) for h in journal.all_heads()}
    differences = reconcile(positions, ledger)
    return ReconciliationView(
        as_of=clock.iso(clock.now()),
        positions_checked=len(positions),
        ledger_accounts_checked=len(ledger),
        matched=not differences,
        differences=[DifferenceView.of(d) for d in differences],
    )


@dataclass(frozen=True)
class VerifyResult:
    reports: list[ChainReport]
    next_cursor: str | None


def verify(account_id: str | None, limit: int, cursor: str | None) -> VerifyResult:
    heads: list[Head]
    if account_id:
        head = journal.get_head(account_id)
        if head is None:
            raise LedgerAccountNotFound()
        heads, next_cursor = [head], None
    else:
        heads, next_cursor = journal.heads_page(limit, cursor)
    reports = [_verify_account(head) for head in heads]
    for report in reports:
        if not report.ok:
            logger.warning("Ledger chain broken", extra={"account_id": report.account_id})
    return VerifyResult(reports, next_cursor)


def _verify_account(head: Head) -> ChainReport:
    try:
        report = verify_chain(head, journal.chain(head.account_id))
    except journal.UnreadableEntry as error:
        # An item edited into a shape the model cannot read is tampering too, not a server error.
        found = ChainBreak(head.account_id, error.entry_id, error.seq, f"unreadable_entry: {error}")
        return ChainReport(head.account_id, 0, (found,))
    if report.last_seq_after_head:
        now = journal.get_head(head.account_id)
        if now is None or now.last_seq < report.last_seq_after_head:
            orphan = orphan_break(head.account_id, report.last_seq_after_head)
            return replace(report, breaks=(*report.breaks, orphan))
    return report


# ---------------------------------------------------------------- dead-letter queue
def diagnose(body: str) -> tuple[Event | None, str]:
    """Why a message might have failed, found by re-checking it (SQS keeps no error with a message)."""
    try:
        event = inbound.decode(body)
    except DomainError as error:
        return None, f"{error.code}: {error.detail}"
    try:
        if event.type not in inbound.NON_POSTING:
            movement = inbound.movement_of(event)
            plan_posting(event_id=event.event_id, correlation_id="", movement=movement, heads={}, now="")
    except DomainError as error:
        return event, f"{error.code}: {error.detail}"
    if journal.is_processed(event.event_id):
        return event, "already_posted: a redrive is a no-op"
    return event, "valid_now: the failure was transient or has been fixed; a redrive will post it"


def dlq_peek(limit: int) -> DlqView:
    dlq = required(ledger_settings().ledger_dlq_url, "LEDGER_DLQ_URL")
    views = []
    for message in queues.peek(dlq, limit):
        event, hint = diagnose(message.body)
        movement_payment = event.data.get("payment_id") if event else None
        views.append(
            DlqMessageView(
                message_id=message.message_id,
                sent_at=(
                    clock.iso(datetime.fromtimestamp(message.sent_at_ms / 1000, UTC))
                    if message.sent_at_ms
                    else None
                ),
                receive_count=message.receive_count,
                event_id=event.event_id if event else None,
                type=event.type.value if event else message.attributes.get("type"),
                payment_id=str(movement_payment) if movement_payment is not None else None,
                correlation_id=event.correlation_id if event else message.attributes.get("correlation_id"),
                error_hint=hint,
                body_preview=message.body[:300],
            )
        )
    return DlqView(approximate_messages=queues.approximate_count(dlq), messages=views)


def dlq_redrive(max_messages: int) -> RedriveView:
    config = ledger_settings()
    dlq = required(config.ledger_dlq_url, "LEDGER_DLQ_URL")
    target = required(config.ledger_queue_url, "LEDGER_QUEUE_URL")
    moved = queues.redrive(dlq, target, max_messages)
    logger.info("DLQ redriven", extra={"moved": moved})
    return RedriveView(moved=moved, approximate_remaining=queues.approximate_count(dlq))
