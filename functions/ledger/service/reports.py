"""Reports: the trial balance, reconciliation against payments, and hash-chain verification."""

from __future__ import annotations

from dataclasses import replace

from core import clock
from core.observability import logger
from ledger.clients import payments
from ledger.domain.chain import ChainBreak, ChainReport, orphan_break, verify_chain
from ledger.domain.chart import payments_view
from ledger.domain.errors import LedgerAccountNotFound
from ledger.domain.posting import Head
from ledger.domain.reports import reconcile, trial_balance
from ledger.models import DifferenceView, ReconciliationView, TrialBalanceView, VerifyView
from ledger.store import journal

POSITIONS_PAGE = 100


# ---------------------------------------------------------------- reports
def trial_balance_now() -> TrialBalanceView:
    return TrialBalanceView.of(trial_balance(journal.all_heads()), as_of=clock.iso(clock.now()))


def reconciliation() -> ReconciliationView:
    """Every payments position against its ledger account, both in payments' convention."""
    positions: dict[str, int] = {}
    cursor: str | None = None
    while True:
        page = payments.list_positions(cursor, POSITIONS_PAGE)
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


def verify(account_id: str | None, limit: int, cursor: str | None) -> VerifyView:
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
    return VerifyView.of(reports, next_cursor)


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
