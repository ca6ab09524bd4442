"""The second pair of eyes: approving a proposal runs the action it describes, as the approver.

The approver claims the proposal first (proposed → approving, conditional, never by the proposer), so
two approvers cannot both run it; then the action runs (each action is idempotent by its own payment
ids); then the proposal is approved, or failed with the refusal's code. A claim that stopped half-way
(a dependency was unavailable) is finished by the same approver approving again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from accounts.clients import payments
from accounts.domain import proposals as rules
from accounts.domain.errors import ProposalChanged
from accounts.domain.proposals import ProposalKind, ProposalStatus
from accounts.models import ProposalView
from accounts.service import accounts, loans, proposals, staff
from accounts.store import proposals as store
from accounts.store.models import ProposalModel
from core.auth import Principal
from core.clock import now
from core.errors import DomainError, ServiceUnavailable

# An action takes the proposal's stored details and answers the JSON the proposal keeps as its result.
Action = Callable[[Principal, dict[str, Any]], dict[str, Any]]


def _result(answer: BaseModel) -> dict[str, Any]:
    """An action's answer as the JSON its route would have sent (unset optional fields left out)."""
    return answer.model_dump(mode="json", exclude_unset=True)


ACTIONS: dict[ProposalKind, Action] = {
    ProposalKind.REVERSAL: lambda approver, details: payments.reverse(
        str(details["payment_id"]), str(details["reason"]), approver.user_id
    ),
    ProposalKind.INTEREST_RUN: lambda approver, details: _result(
        staff.run_interest(approver, str(details["month"]))
    ),
    ProposalKind.LOAN_APPROVAL: lambda approver, details: _result(
        loans.approve_loan(approver, str(details["loan_id"]), str(details["reason"]))
    ),
    ProposalKind.ACCOUNT_CLOSURE: lambda approver, details: _result(
        accounts.close_with_payout(
            approver, str(details["account_number"]), int(details["balance"]), str(details["reason"])
        )
    ),
}


def approve(approver: Principal, proposal_id: str) -> ProposalView:
    proposal = proposals.get(proposal_id)
    moment = now()
    status = ProposalStatus(proposal.status)
    expired = rules.status_at(status, proposal.expires_at, moment) is ProposalStatus.EXPIRED
    rules.check_approval(
        status,
        rules.Staff(proposal.proposed_by, proposal.proposed_by_creator or ""),
        proposal.decided_by,
        rules.Staff(approver.user_id, approver.created_by),
        now_expired=expired,
    )
    if status is ProposalStatus.PROPOSED:
        _move(
            proposal,
            ProposalStatus.APPROVING,
            proposals.audits(approver, proposal, "proposal.approve", ""),
            decided_by=(approver.user_id, approver.username),
            must_be_open_until=moment,
        )
    try:
        result = ACTIONS[ProposalKind(proposal.kind)](approver, dict(proposal.details or {}))
    except ServiceUnavailable:
        raise  # still `approving`: approving again finishes it
    except DomainError as error:
        _move(
            proposal,
            ProposalStatus.FAILED,
            proposals.audits(approver, proposal, "proposal.fail", error.code),
            reason=error.code,
            result={"code": error.code, "detail": error.detail},
        )
        raise
    _move(proposal, ProposalStatus.APPROVED, [], result=result)
    return proposals.view(proposal)


def _move(proposal: ProposalModel, to: ProposalStatus, audits: list[Any], **changes: Any) -> None:
    try:
        store.transition(proposal, to, now(), audits, **changes)
    except store.ProposalChanged as error:
        raise ProposalChanged() from error
