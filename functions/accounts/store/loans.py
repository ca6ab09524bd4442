"""The loans table: a loan and its owner's open-loan lock written and released in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from accounts.domain.loans import LoanStatus
from accounts.store.models import AuditModel, LoanModel, OpenLoanLockModel
from core.aws import transaction
from core.dynamo import condition_failed, page, start_key

LOCK_PREFIX = "open#"


class OwnerHasOpenLoan(Exception):
    pass


class LoanChanged(Exception):
    """The loan moved on under us (another request won the condition)."""


def get(loan_id: str) -> LoanModel | None:
    if loan_id.startswith(LOCK_PREFIX):
        return None
    try:
        return LoanModel.get(loan_id, consistent_read=True)
    except DoesNotExist:
        return None


def insert(loan: LoanModel) -> None:
    lock = OpenLoanLockModel(loan_id=LOCK_PREFIX + loan.owner_id, open_loan_id=loan.loan_id)
    try:
        with transaction() as tx:
            tx.save(loan, condition=LoanModel.loan_id.does_not_exist())
            tx.save(lock, condition=OpenLoanLockModel.loan_id.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error):
            raise OwnerHasOpenLoan() from error
        raise


def open_loan_account(owner_id: str) -> str | None:
    """The account of the owner's pending or active loan, if there is one."""
    try:
        lock = OpenLoanLockModel.get(LOCK_PREFIX + owner_id, consistent_read=True)
    except DoesNotExist:
        return None
    loan = get(lock.open_loan_id)
    return loan.account_number if loan else None


def list_by_owner(owner_id: str, limit: int, cursor: str | None) -> tuple[list[LoanModel], str | None]:
    return page(
        LoanModel.by_owner.query(
            owner_id,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start_key(cursor, owner_id=owner_id),
        )
    )


def list_by_status(status: str, limit: int, cursor: str | None) -> tuple[list[LoanModel], str | None]:
    return page(
        LoanModel.by_status.query(status, limit=limit, last_evaluated_key=start_key(cursor, status=status))
    )


def count_by_status(status: str) -> int:
    return LoanModel.by_status.count(status)


def transition(
    loan: LoanModel,
    to: LoanStatus,
    now: datetime,
    *,
    decision: tuple[str, str] | None = None,
    release_lock: bool = False,
    audit: AuditModel | None = None,
) -> None:
    """Move the loan from the status we read to `to`; a rejected or paid-off loan frees the owner.
    `decision` = (reason, staff user id) records who decided and why."""
    actions: list[Action] = [LoanModel.status.set(to), LoanModel.updated_at.set(now)]
    if decision is not None:
        actions += [
            LoanModel.reason.set(decision[0]),
            LoanModel.decided_by.set(decision[1]),
            LoanModel.decided_at.set(now),
        ]
    elif to is LoanStatus.ACTIVE:
        actions.append(LoanModel.decided_at.set(now))  # the schedule runs from the disbursement
    try:
        with transaction() as tx:
            tx.update(loan, actions=actions, condition=LoanModel.status == loan.status)
            if release_lock:
                tx.delete(
                    OpenLoanLockModel(loan_id=LOCK_PREFIX + loan.owner_id),
                    condition=OpenLoanLockModel.open_loan_id == loan.loan_id,
                )
            if audit is not None:
                tx.save(audit)
    except TransactWriteError as error:
        if condition_failed(error):
            raise LoanChanged() from error
        raise
    loan.refresh(consistent_read=True)


def set_pending(loan: LoanModel, key: str, pending: dict[str, Any], now: datetime) -> None:
    """Record a repayment's legs before moving money; only from the balance they were computed on."""
    try:
        loan.update(
            actions=[
                LoanModel.pending_key.set(key),
                LoanModel.pending.set(pending),
                LoanModel.updated_at.set(now),
            ],
            condition=LoanModel.pending_key.does_not_exist()
            & (LoanModel.repaid == loan.repaid)
            & (LoanModel.status == LoanStatus.ACTIVE),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise LoanChanged() from error
        raise


def clear_pending(loan: LoanModel, key: str) -> None:
    try:
        loan.update(
            actions=[LoanModel.pending_key.remove(), LoanModel.pending.remove()],
            condition=LoanModel.pending_key == key,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise


def apply_pending(loan: LoanModel, key: str, amount: int, record: dict[str, Any], now: datetime) -> None:
    """The money moved: count it once (conditional on the pending key), and pay the loan off at zero."""
    applied = {**(loan.applied or {}), key: record}
    paid_off = int(loan.repaid) + amount >= int(loan.repayable)
    actions: list[Action] = [
        LoanModel.repaid.add(amount),
        LoanModel.applied.set(applied),
        LoanModel.pending_key.remove(),
        LoanModel.pending.remove(),
        LoanModel.updated_at.set(now),
    ]
    if paid_off:
        actions.append(LoanModel.status.set(LoanStatus.PAID_OFF))
    try:
        with transaction() as tx:
            tx.update(loan, actions=actions, condition=LoanModel.pending_key == key)
            if paid_off:
                tx.delete(
                    OpenLoanLockModel(loan_id=LOCK_PREFIX + loan.owner_id),
                    condition=OpenLoanLockModel.open_loan_id == loan.loan_id,
                )
    except TransactWriteError as error:
        if not condition_failed(error):
            raise
    loan.refresh(consistent_read=True)
