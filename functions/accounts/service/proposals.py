"""Four-eyes proposals: made by the staff routes that move the bank's money, listed, read and rejected
here; approved (and carried out) in `accounts.service.approvals`."""

from __future__ import annotations

from typing import Any

from accounts.domain import proposals as rules
from accounts.domain.errors import ProposalChanged, ProposalNotFound
from accounts.domain.proposals import ProposalKind, ProposalStatus
from accounts.models import ProposalPage, ProposalView
from accounts.service import views
from accounts.store import proposals as store
from accounts.store.common import audit
from accounts.store.models import AuditModel, ProposalModel
from core.auth import Principal
from core.clock import now
from core.ids import new_id


def propose(
    principal: Principal, kind: ProposalKind, target: str, details: dict[str, Any], reason: str
) -> ProposalView:
    """Record the action for a second staff member; nothing moves yet."""
    moment = now()
    proposal = store.new(
        ProposalModel(
            proposal_id=new_id("prop"),
            kind=kind.value,
            status=ProposalStatus.PROPOSED.value,
            target=target,
            details={**details, "reason": reason},
            proposed_by=principal.user_id,
            proposed_by_username=principal.username,
            proposed_by_creator=principal.created_by,
            proposed_at=moment,
            expires_at=rules.expiry(moment),
        )
    )
    store.insert(proposal, audits(principal, proposal, "proposal.create", reason))
    return view(proposal)


def get(proposal_id: str) -> ProposalModel:
    proposal = store.get(proposal_id) if proposal_id.startswith("prop_") else None
    if proposal is None:
        raise ProposalNotFound()
    return proposal


def list_open(limit: int, cursor: str | None) -> ProposalPage:
    items, next_cursor = store.list_open(limit, cursor)
    moment = now()
    waiting = [item for item in items if _status(item, moment) is ProposalStatus.PROPOSED]
    return ProposalPage(items=[view(item) for item in waiting], next_cursor=next_cursor)


def reject(principal: Principal, proposal_id: str, reason: str) -> ProposalView:
    """Any staff member may reject (the proposer too: that withdraws it)."""
    proposal = get(proposal_id)
    moment = now()
    rules.check_rejection(ProposalStatus(proposal.status), now_expired=_expired(proposal, moment))
    try:
        store.transition(
            proposal,
            ProposalStatus.REJECTED,
            moment,
            audits(principal, proposal, "proposal.reject", reason),
            decided_by=(principal.user_id, principal.username),
            reason=reason,
        )
    except store.ProposalChanged as error:
        raise ProposalChanged() from error
    return view(proposal)


def _status(proposal: ProposalModel, moment: Any) -> ProposalStatus:
    return rules.status_at(ProposalStatus(proposal.status), proposal.expires_at, moment)


def _expired(proposal: ProposalModel, moment: Any) -> bool:
    return _status(proposal, moment) is ProposalStatus.EXPIRED


def audits(principal: Principal, proposal: ProposalModel, action: str, reason: str) -> list[AuditModel]:
    """One entry on the proposal's trail and one on its target's, so either trail shows it."""
    moment = now()
    details = {"proposal_id": proposal.proposal_id, "kind": proposal.kind}
    return [
        audit(principal, f"proposal:{proposal.proposal_id}", action, reason, moment, **details),
        audit(principal, proposal.target, action, reason, moment, **details),
    ]


def view(proposal: ProposalModel) -> ProposalView:
    return views.proposal(proposal, _status(proposal, now()))
