"""Four eyes (maker-checker): a staff action that moves the bank's money is proposed by one staff member
and approved by a different one. Proposals are listed, audited and expire.

proposed → approving (claimed by the approver; the action runs) → approved | failed
proposed → rejected;   proposed, once `expires_at` passed → expired (computed on reading, never stored)
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Staff:
    user_id: str
    created_by: str = ""  # the admin who created this staff account ("" for the first admin)


def check_approval(
    status: ProposalStatus, proposer: Staff, decided_by: str | None, approver: Staff, *, now_expired: bool
) -> None:
    """Who may approve now: never the proposer, nor an account the proposer created, nor the admin who
    created the proposer's account (one person with two logins is still one pair of eyes). A claim that
    stopped half-way (`approving`) is finished by the same approver only."""
    if approver.user_id in (proposer.user_id, proposer.created_by) or approver.created_by == proposer.user_id:
        raise SecondStaffRequired()
    if status is ProposalStatus.APPROVING and decided_by == approver.user_id:
        return
    if status is not ProposalStatus.PROPOSED or now_expired:
        raise ProposalNotOpen()


def check_rejection(status: ProposalStatus, *, now_expired: bool) -> None:
    if status is not ProposalStatus.PROPOSED or now_expired:
        raise ProposalNotOpen()


def expiry(proposed_at: datetime) -> datetime:
    return proposed_at + LIFETIME
