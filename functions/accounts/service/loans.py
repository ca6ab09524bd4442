"""Loan use cases: apply (one open loan, atomically), quote, staff decision with the disbursement as a
payments movement, and repayments split into principal and interest legs, each idempotent."""

from __future__ import annotations

import re

from accounts.clients import payments
from accounts.domain import loans as rules
from accounts.domain.errors import (
    LoanAlreadyOpen,
    LoanChanged,
    LoanNotActive,
    LoanNotFound,
    LoanNotPending,
)
from accounts.domain.loans import LoanStatus
from accounts.domain.proposals import ProposalKind
from accounts.domain.states import AccountState
from accounts.models import (
    ApplyLoan,
    LoanDecision,
    LoanPage,
    LoanQuote,
    LoanView,
    ProposalView,
    Repayment,
    RepaymentRecord,
    RepaymentResult,
)
from accounts.service import accounts as account_service
from accounts.service import proposals, views
from accounts.settings import conf
from accounts.store import loans as store
from accounts.store.common import audit
from accounts.store.models import LoanModel
from core.auth import Principal
from core.clock import now
from core.errors import (
    AccountNotActive,
    DomainError,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    InvalidRequest,
    ServiceUnavailable,
)
from core.events import BankAccount, MovementKind
from core.ids import new_id

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def apply(principal: Principal, request: ApplyLoan) -> LoanView:
    account = account_service.owned(principal, request.account_number)
    if account.state != AccountState.ACTIVE:
        raise AccountNotActive()
    terms = rules.terms(request.amount, request.months)
    moment = now()
    loan = LoanModel(
        loan_id=new_id("loan"),
        owner_id=principal.user_id,
        account_number=account.account_number,
        amount=terms.amount,
        months=terms.months,
        repayable=terms.repayable,
        interest=terms.interest,
        instalments=list(terms.instalments),
        repaid=0,
        status=LoanStatus.PENDING,
        created_at=moment,
        updated_at=moment,
        applied={},
    )
    try:
        store.insert(loan)
    except store.OwnerHasOpenLoan as error:
        raise LoanAlreadyOpen() from error
    return views.loan(loan)


def quote(amount: str | None, months: str | None) -> LoanQuote:
    if not amount or not amount.isdigit() or not months or not months.isdigit():
        raise InvalidRequest("Give amount (kobo) and months as whole numbers")
    return views.quote(rules.terms(int(amount), int(months)))


def _visible(principal: Principal, loan_id: str) -> LoanModel:
    loan = store.get(loan_id)
    if loan is None or not principal.can_see(loan.owner_id):
        raise LoanNotFound()
    return loan


def get(principal: Principal, loan_id: str) -> LoanView:
    return views.loan(_visible(principal, loan_id))


def list_own(principal: Principal, limit: int, cursor: str | None) -> LoanPage:
    items, next_cursor = store.list_by_owner(principal.user_id, limit, cursor)
    return LoanPage(items=[views.loan(loan) for loan in items], next_cursor=next_cursor)


def queue(principal: Principal, status: str | None, limit: int, cursor: str | None) -> LoanPage:
    wanted = status or LoanStatus.PENDING
    if wanted not in set(LoanStatus) - {LoanStatus.APPROVING}:
        raise InvalidRequest("status must be pending, active, rejected or paid_off")
    items, next_cursor = store.list_by_status(wanted, limit, cursor)
    return LoanPage(items=[views.loan(loan) for loan in items], next_cursor=next_cursor)


def decide(principal: Principal, loan_id: str, request: LoanDecision) -> tuple[LoanView | ProposalView, bool]:
    """(view, proposed). A rejection, or an approval up to the four-eyes amount, is decided now; a
    larger approval becomes a proposal that a second staff member approves (`approve_loan` then)."""
    loan = _visible(principal, loan_id)
    if request.decision == "approve" and int(loan.amount) > conf().four_eyes_loan_amount:
        if loan.status != LoanStatus.PENDING:
            raise LoanNotPending()
        details = {"loan_id": loan_id, "amount": int(loan.amount), "account_number": loan.account_number}
        return proposals.propose(
            principal, ProposalKind.LOAN_APPROVAL, f"loan:{loan_id}", details, request.reason
        ), True
    return _decide(principal, loan, request), False


def approve_loan(approver: Principal, loan_id: str, reason: str) -> LoanView:
    """The approved proposal: the same approval a single staff member makes below the limit."""
    return _decide(approver, _visible(approver, loan_id), LoanDecision(decision="approve", reason=reason))


def _decide(principal: Principal, loan: LoanModel, request: LoanDecision) -> LoanView:
    loan_id = loan.loan_id
    moment = now()
    entry = audit(principal, f"loan:{loan_id}", f"loan.{request.decision}", request.reason, moment)
    decided = (request.reason, principal.user_id)
    try:
        if request.decision == "reject":
            if loan.status != LoanStatus.PENDING:
                raise LoanNotPending()
            store.transition(
                loan, LoanStatus.REJECTED, moment, decision=decided, release_lock=True, audit=entry
            )
            return views.loan(loan)
        if loan.status == LoanStatus.PENDING:
            # Claim the loan first, so a concurrent reject cannot win after the money has moved.
            store.transition(loan, LoanStatus.APPROVING, moment, decision=decided, audit=entry)
        elif loan.status != LoanStatus.APPROVING:  # APPROVING: an earlier attempt stopped half-way
            raise LoanNotPending()
        _disburse(loan)
    except store.LoanChanged as error:
        raise LoanChanged() from error
    return views.loan(loan)


def _disburse(loan: LoanModel) -> None:
    try:
        payments.move(
            f"loan_disbursement:{loan.loan_id}",
            MovementKind.LOAN_DISBURSEMENT,
            [(BankAccount.LOANS_RECEIVABLE, loan.account_number, int(loan.amount))],
            f"Loan {loan.loan_id} disbursement",
        )
    except ServiceUnavailable:
        raise  # leave it APPROVING: the next approve finishes it with the same payment id
    except DomainError:
        # Refused for good (e.g. the account is blocked): back to the queue for another decision.
        store.transition(loan, LoanStatus.PENDING, now())
        raise
    store.transition(loan, LoanStatus.ACTIVE, now())


def repay(
    principal: Principal, loan_id: str, request: Repayment, key: str | None
) -> tuple[RepaymentResult, bool]:
    """(response, replayed). Legs are computed and parked on the loan before the money moves, so a
    retry with the same key re-sends exactly the same movement and payments answers it once."""
    if not key:
        raise IdempotencyKeyMissing()
    if not IDEMPOTENCY_KEY.match(key):
        raise InvalidRequest("The Idempotency-Key must be 1-64 letters, digits or _.:-")
    loan = _visible(principal, loan_id)
    if loan.owner_id != principal.user_id:
        raise LoanNotFound()
    account_service.owned(principal, request.account_number)
    done = (loan.applied or {}).get(key)
    if done is not None:
        record = RepaymentRecord.model_validate(done)
        _same_request(record, request)
        return RepaymentResult(loan=views.loan(loan), repayment=record), True
    if loan.pending_key and loan.pending_key != key:
        _settle(loan)  # an earlier repayment stopped half-way: finish it first
    if loan.pending_key == key:
        _same_request(RepaymentRecord.model_validate(loan.pending), request)
    else:
        if loan.status != LoanStatus.ACTIVE:
            raise LoanNotActive()
        principal_part, interest_part = rules.split_repayment(
            int(loan.amount), int(loan.repayable), int(loan.repaid), request.amount
        )
        pending = RepaymentRecord(
            payment_id=f"loan_repayment:{loan.loan_id}:{key}",
            account_number=request.account_number,
            amount=request.amount,
            principal=principal_part,
            interest=interest_part,
        )
        try:
            store.set_pending(loan, key, pending.model_dump(), now())
        except store.LoanChanged as error:
            raise LoanChanged() from error
    record = _settle(loan)
    return RepaymentResult(loan=views.loan(loan), repayment=record), False


def _same_request(recorded: RepaymentRecord, request: Repayment) -> None:
    if (recorded.amount, recorded.account_number) != (request.amount, request.account_number):
        raise IdempotencyKeyReused()


def _settle(loan: LoanModel) -> RepaymentRecord:
    key, pending = loan.pending_key, RepaymentRecord.model_validate(loan.pending)
    assert key is not None
    legs = [
        (pending.account_number, BankAccount.LOANS_RECEIVABLE, pending.principal),
        (pending.account_number, BankAccount.INTEREST_INCOME, pending.interest),
    ]
    try:
        payments.move(
            pending.payment_id,
            MovementKind.LOAN_REPAYMENT,
            [leg for leg in legs if leg[2] > 0],
            f"Loan {loan.loan_id} repayment",
        )
    except ServiceUnavailable:
        raise
    except DomainError:
        store.clear_pending(loan, key)  # refused (e.g. insufficient funds): nothing moved
        raise
    store.apply_pending(loan, key, pending.amount, pending.model_dump(), now())
    return pending
