"""The operations table: four-eyes proposals and the months whose interest run completed.

Every status change of a proposal is conditional on the status it was decided from, and is written
with its audit entries in one transaction, so two approvers can never both run the action.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.update import Action

from accounts.domain.proposals import ProposalStatus
from accounts.store.models import AuditModel, InterestRunModel, ProposalModel
from core.aws import transaction
from core.dynamo import condition_failed, page, start_key

OPEN_QUEUE = "open"


class ProposalChanged(Exception):
    """Another request decided the proposal first."""


def _key(proposal_id: str) -> str:
    return f"proposal#{proposal_id}"


def get(proposal_id: str) -> ProposalModel | None:
    try:
        return ProposalModel.get(_key(proposal_id), consistent_read=True)
    except DoesNotExist:
        return None


def new(proposal: ProposalModel) -> ProposalModel:
    proposal.pk = _key(proposal.proposal_id)
    proposal.queue = OPEN_QUEUE
    return proposal


def insert(proposal: ProposalModel, audits: list[AuditModel]) -> None:
    with transaction() as tx:
        tx.save(proposal, condition=ProposalModel.pk.does_not_exist())
        for entry in audits:
            tx.save(entry)


def list_open(limit: int, cursor: str | None) -> tuple[list[ProposalModel], str | None]:
    """Waiting proposals, oldest first (the sparse `open_proposals` index)."""
    return page(
        ProposalModel.open_proposals.query(
            OPEN_QUEUE, limit=limit, last_evaluated_key=start_key(cursor, queue=OPEN_QUEUE)
        )
    )


def transition(
    proposal: ProposalModel,
    to: ProposalStatus,
    now: datetime,
    audits: list[AuditModel],
    *,
    decided_by: tuple[str, str] | None = None,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
    must_be_open_until: datetime | None = None,
) -> None:
    """Move from the status read to `to` (conditional), with its audit entries. Leaving `proposed`
    takes the proposal off the open queue; `must_be_open_until` also requires it not to have expired."""
    actions: list[Action] = [ProposalModel.status.set(to)]
    if to is not ProposalStatus.PROPOSED:
        actions.append(ProposalModel.queue.remove())
    if decided_by is not None:
        actions += [
            ProposalModel.decided_by.set(decided_by[0]),
            ProposalModel.decided_by_username.set(decided_by[1]),
            ProposalModel.decided_at.set(now),
        ]
    if reason is not None:
        actions.append(ProposalModel.reason.set(reason))
    if result is not None:
        actions.append(ProposalModel.result.set(result))
    condition = ProposalModel.status == proposal.status
    if must_be_open_until is not None:
        condition &= ProposalModel.expires_at > must_be_open_until
    if decided_by is not None and to is ProposalStatus.APPROVING:
        # Four eyes, in the write itself too: the proposer can never be the one who approves.
        condition &= ProposalModel.proposed_by != decided_by[0]
    try:
        with transaction() as tx:
            tx.update(proposal, actions=actions, condition=condition)
            for entry in audits:
                tx.save(entry)
    except TransactWriteError as error:
        if condition_failed(error):
            raise ProposalChanged() from error
        raise
    proposal.refresh(consistent_read=True)


def interest_run_done(month: str) -> bool:
    try:
        InterestRunModel.get(f"interest-run#{month}", consistent_read=True)
    except DoesNotExist:
        return False
    return True


def record_interest_run(month: str, summary: dict[str, Any], now: datetime) -> None:
    try:
        InterestRunModel(f"interest-run#{month}", month=month, completed_at=now, summary=summary).save(
            condition=InterestRunModel.pk.does_not_exist()
        )
    except PutError as error:
        if not condition_failed(error):
            raise
