"""Four eyes (maker-checker): a staff action that moves the bank's money is proposed by one staff member
and approved by a different one. Proposals are listed, audited and expire.

proposed → approving (claimed by the approver; the action runs) → approved | failed
proposed → rejected;   proposed, once `expires_at` passed → expired (computed on reading, never stored)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from accounts.domain.errors import ProposalNotOpen, SecondStaffRequired

LIFETIME = timedelta(hours=24)


class ProposalKind(StrEnum):
    REVERSAL = "reversal"
    INTEREST_RUN = "interest_run"
    LOAN_APPROVAL = "loan_approval"
    ACCOUNT_CLOSURE = "account_closure"


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVING = "approving"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"
    EXPIRED = "expired"


def status_at(stored: ProposalStatus, expires_at: datetime, now: datetime) -> ProposalStatus:
    if stored is ProposalStatus.PROPOSED and now >= expires_at:
        return ProposalStatus.EXPIRED
    return stored


def check_approval(
    status: ProposalStatus, proposed_by: str, decided_by: str | None, approver: str, *, now_expired: bool
) -> None:
    """Who may approve now: never the proposer. A claim that stopped half-way (`approving`) is finished
    by the same approver only."""
    if approver == proposed_by:
        raise SecondStaffRequired()
    if status is ProposalStatus.APPROVING and decided_by == approver:
        return
    if status is not ProposalStatus.PROPOSED or now_expired:
        raise ProposalNotOpen()


def check_rejection(status: ProposalStatus, *, now_expired: bool) -> None:
    if status is not ProposalStatus.PROPOSED or now_expired:
        raise ProposalNotOpen()


def expiry(proposed_at: datetime) -> datetime:
    return proposed_at + LIFETIME
