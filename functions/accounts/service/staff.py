"""Staff views and the savings-interest run (scheduled, or proposed and approved by two staff)."""

from __future__ import annotations

from accounts.clients import payments
from accounts.domain import interest as rules
from accounts.domain.errors import InterestAlreadyRun
from accounts.domain.loans import LoanStatus
from accounts.domain.proposals import ProposalKind
from accounts.domain.tickets import TicketStatus
from accounts.models import AuditTrail, Dashboard, InterestRunSummary, ProposalView
from accounts.service import proposals, views
from accounts.store import accounts as account_store
from accounts.store import audit as audit_store
from accounts.store import loans as loan_store
from accounts.store import proposals as proposal_store
from accounts.store import tickets as ticket_store
from accounts.store.common import audit
from accounts.store.models import AccountModel
from core.auth import Principal
from core.clock import now
from core.errors import DomainError, IdempotencyKeyReused, InvalidRequest
from core.events import BankAccount, MovementKind
from core.observability import logger

BALANCE_BATCH = 50


def dashboard(principal: Principal) -> Dashboard:
    return Dashboard(
        **payments.bank_totals().model_dump(),
        pending_loans=loan_store.count_by_status(LoanStatus.PENDING),
        active_loans=loan_store.count_by_status(LoanStatus.ACTIVE),
        open_tickets=ticket_store.count_by_status(TicketStatus.OPEN),
        answered_tickets=ticket_store.count_by_status(TicketStatus.ANSWERED),
    )


def audit_trail(principal: Principal, target: str) -> AuditTrail:
    if not target.strip():
        # An empty partition key is refused by DynamoDB itself (it was a 500 before schemathesis).
        raise InvalidRequest("Give the target as ?target=account:<number>, loan:<id>, ticket:<id>")
    return AuditTrail(items=[views.audit_entry(entry) for entry in audit_store.trail(target)])


def propose_reversal(principal: Principal, payment_id: str, reason: str) -> ProposalView:
    """Reversing a payment moves money back: payments checks it may be reversed, a second staff member
    approves it, and payments' own conditions keep it to once."""
    original = payments.check_reversal(payment_id)
    details = {"payment_id": payment_id, **original.model_dump()}
    return proposals.propose(principal, ProposalKind.REVERSAL, f"payment:{payment_id}", details, reason)


def propose_interest_run(principal: Principal, month: str) -> ProposalView:
    """Staff may only ask for the month just ended, and only if its run has not completed; a second
    staff member approves it (four eyes) before anything is paid."""
    wanted = _runnable(month)
    return proposals.propose(
        principal, ProposalKind.INTEREST_RUN, f"interest:{wanted}", {"month": wanted}, f"Interest {wanted}"
    )


def run_interest(approver: Principal, month: str) -> InterestRunSummary:
    """The approved run (the rule is checked again: the schedule may have paid it meanwhile)."""
    wanted = _runnable(month)
    summary = pay_interest(wanted)
    audit_store.record(
        audit(approver, f"interest:{wanted}", "interest.run", "", now(), **summary.model_dump())
    )
    return summary


def _runnable(month: str) -> str:
    wanted = rules.staff_month(month, now())
    if proposal_store.interest_run_done(wanted):
        raise InterestAlreadyRun()
    return wanted


def pay_interest(month: str) -> InterestRunSummary:
    """Pay one month's interest to every active savings account. Each payment's id is
    `interest:{number}:{month}`, so payments moves it at most once however often the run repeats. A run
    that paid every account is recorded: staff can no longer run that month."""
    summary = InterestRunSummary(
        month=month, accounts=0, paid=0, already_paid=0, nothing_due=0, failed=0, total=0
    )
    batch: list[AccountModel] = []
    for account in account_store.savings_accounts():
        batch.append(account)
        if len(batch) == BALANCE_BATCH:
            _pay_batch(batch, month, summary)
            batch = []
    _pay_batch(batch, month, summary)
    if not summary.failed:
        proposal_store.record_interest_run(month, summary.model_dump(), now())
    return summary


def _pay_batch(batch: list[AccountModel], month: str, summary: InterestRunSummary) -> None:
    if not batch:
        return
    start, end = rules.month_bounds(month)
    lowest = payments.lowest_balances([a.account_number for a in batch], start, end)
    for account in batch:
        summary.accounts += 1
        if month in (account.interest_months or set()):
            summary.already_paid += 1
            continue
        # On the month's lowest balance: money parked for the night of the run earns nothing.
        balance = int(lowest.get(account.account_number, 0))
        amount = rules.monthly_interest(balance, int(account.interest_rate_bp))
        if amount <= 0:
            summary.nothing_due += 1
            continue
        try:
            payments.move(
                rules.payment_id(account.account_number, month),
                MovementKind.INTEREST,
                [(BankAccount.POOL, account.account_number, amount)],
                f"Savings interest {month}",
            )
        except DomainError as error:
            if error.code == IdempotencyKeyReused.code:
                # Paid by an earlier run that stopped before marking it (on the balance before that
                # interest, hence another amount): payments' payment id keeps it to once.
                account_store.mark_interest_paid(account, month)
                summary.already_paid += 1
                continue
            logger.warning(
                "Interest not paid", extra={"account_number": account.account_number, "code": error.code}
            )
            summary.failed += 1
            continue
        account_store.mark_interest_paid(account, month)
        summary.paid += 1
        summary.total += amount
