"""Staff routes: account search and state, PIN unlock, audit trail, dashboard, interest runs.
Every one declares `roles=["staff"]`, which `bp.route` (`core.http.BankRoutes.route`) enforces before
the view runs."""

from __future__ import annotations

from typing import Any

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain.errors import (
    AccountAlreadyBlocked,
    AccountChanged,
    AccountHasOpenLoan,
    AccountNotBlocked,
    AccountNotReady,
    CardAlreadyBlocked,
    CardChanged,
    CardNotBlocked,
    CardNotFound,
    CardReplaced,
    InterestAlreadyRun,
    LoanNotPending,
    MonthInvalid,
    ProposalChanged,
    ProposalNotFound,
    ProposalNotOpen,
    SecondStaffRequired,
)
from accounts.models import (
    AccountSearchPage,
    AccountView,
    AuditTrail,
    CardView,
    Dashboard,
    InterestRun,
    ProposalDecision,
    ProposalPage,
    ProposalView,
    ReversalRequest,
    StaffAction,
)
from accounts.service import accounts as account_service
from accounts.service import approvals, cards, proposals
from accounts.service import staff as service
from core.apidoc import PAGE
from core.contracts import PinUnlocked
from core.errors import (
    AccountClosed,
    AccountNotActive,
    AccountNotEmpty,
    AccountNotFound,
    AlreadyReversed,
    BalanceChanged,
    InsufficientFunds,
    NotReversible,
    TransferNotFound,
)
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)
STATE_ERRORS = [AccountNotFound, AccountChanged, AccountNotReady]
# What every staff action on one account or card declares: a POST whose body is the reason (audited).
STAFF_ACTION: dict[str, Any] = {"methods": ["POST"], "request": StaffAction, "roles": ["staff"]}


def reason() -> str:
    """The staff action's reason (its body)."""
    return bp.body(StaffAction).reason


@bp.route(
    "/staff/accounts",
    methods=["GET"],
    response=AccountSearchPage,
    roles=["staff"],
    query={"q": {"type": "string", "maxLength": 100}, "limit": PAGE["limit"]},
)
def search_accounts() -> Response:
    found = account_service.search(bp.principal(), bp.query("q") or "", parse_limit(bp.query("limit")))
    return model_response(found, omit_unset=True)  # `interest_rate_bp`: savings accounts only


@bp.route(
    "/staff/accounts/{number}/block",
    **STAFF_ACTION,
    response=AccountView,
    errors=[*STATE_ERRORS, AccountAlreadyBlocked, AccountClosed],
)
def staff_block(number: str) -> Response:
    view = account_service.change_state(bp.principal(), number, "block", reason())
    return model_response(view, omit_unset=True)


@bp.route(
    "/staff/accounts/{number}/unblock",
    **STAFF_ACTION,
    response=AccountView,
    errors=[*STATE_ERRORS, AccountNotBlocked, AccountClosed],
)
def staff_unblock(number: str) -> Response:
    view = account_service.change_state(bp.principal(), number, "unblock", reason())
    return model_response(view, omit_unset=True)


@bp.route(
    "/staff/accounts/{number}/close",
    **STAFF_ACTION,
    response=AccountView,
    accepted=ProposalView,
    errors=[*STATE_ERRORS, AccountClosed, AccountNotEmpty, AccountHasOpenLoan],
)
def staff_close(number: str) -> Response:
    """Close an empty account; one with a balance is paid out to its owner once a second staff member
    approves (202, a proposal)."""
    view, proposed = account_service.close(bp.principal(), number, reason())
    return model_response(view, 202 if proposed else 200, omit_unset=True)


@bp.route(
    "/staff/accounts/{number}/pin-unlock", **STAFF_ACTION, response=PinUnlocked, errors=[AccountNotFound]
)
def staff_pin_unlock(number: str) -> Response:
    return model_response(account_service.unlock_pin(bp.principal(), number, reason()))


@bp.route(
    "/staff/audit",
    methods=["GET"],
    response=AuditTrail,
    roles=["staff"],
    query={
        "target": {
            "type": "string",
            "description": "account:<number>, loan:<id>, ticket:<id>, interest:<month>",
        }
    },
)
def audit_trail() -> Response:
    return model_response(service.audit_trail(bp.principal(), bp.query("target") or ""))


@bp.route("/staff/dashboard", methods=["GET"], response=Dashboard, roles=["staff"])
def dashboard() -> Response:
    return model_response(service.dashboard(bp.principal()))


@bp.route(
    "/staff/interest-runs",
    methods=["POST"],
    request=InterestRun,
    response=ProposalView,
    status=202,
    roles=["staff"],
    errors=[MonthInvalid, InterestAlreadyRun],
)
def interest_run() -> Response:
    """Propose paying the month just ended (when its scheduled run did not complete); a second staff
    member approves it."""
    principal = bp.principal()
    return model_response(service.propose_interest_run(principal, bp.body(InterestRun).month), 202)


@bp.route(
    "/staff/transfers/{transfer_id}/reversal",
    methods=["POST"],
    request=ReversalRequest,
    response=ProposalView,
    status=202,
    roles=["staff"],
    errors=[TransferNotFound, NotReversible, AlreadyReversed],
)
def propose_reversal(transfer_id: str) -> Response:
    """Propose reversing a transfer or card payment; a second staff member approves it (four eyes)."""
    principal = bp.principal()
    return model_response(
        service.propose_reversal(principal, transfer_id, bp.body(ReversalRequest).reason), 202
    )


@bp.route("/staff/proposals", methods=["GET"], response=ProposalPage, roles=["staff"], query=PAGE)
def list_proposals() -> Response:
    """Proposals waiting for a second staff member, oldest first."""
    return model_response(proposals.list_open(parse_limit(bp.query("limit")), bp.query("cursor")))


@bp.route(
    "/staff/proposals/{proposal_id}",
    methods=["GET"],
    response=ProposalView,
    roles=["staff"],
    errors=[ProposalNotFound],
)
def get_proposal(proposal_id: str) -> Response:
    return model_response(proposals.view(proposals.get(proposal_id)))


@bp.route(
    "/staff/proposals/{proposal_id}/approve",
    methods=["POST"],
    response=ProposalView,
    roles=["staff"],
    errors=[
        ProposalNotFound,
        ProposalNotOpen,
        ProposalChanged,
        SecondStaffRequired,
        InsufficientFunds,
        AlreadyReversed,
        InterestAlreadyRun,
        MonthInvalid,
        LoanNotPending,
        BalanceChanged,
        AccountNotEmpty,
        AccountHasOpenLoan,
    ],
)
def approve_proposal(proposal_id: str) -> Response:
    """Approve what another staff member proposed: the action runs now, as you."""
    return model_response(approvals.approve(bp.principal(), proposal_id))


@bp.route(
    "/staff/proposals/{proposal_id}/reject",
    methods=["POST"],
    request=ProposalDecision,
    response=ProposalView,
    roles=["staff"],
    errors=[ProposalNotFound, ProposalNotOpen, ProposalChanged],
)
def reject_proposal(proposal_id: str) -> Response:
    principal = bp.principal()
    return model_response(proposals.reject(principal, proposal_id, bp.body(ProposalDecision).reason))


@bp.route(
    "/staff/cards/{card_id}/block",
    **STAFF_ACTION,
    response=CardView,
    errors=[CardNotFound, CardAlreadyBlocked, CardReplaced, CardChanged],
)
def staff_block_card(card_id: str) -> Response:
    return model_response(cards.staff_block(bp.principal(), card_id, reason()))


@bp.route(
    "/staff/cards/{card_id}/unblock",
    **STAFF_ACTION,
    response=CardView,
    errors=[CardNotFound, CardNotBlocked, CardReplaced, CardChanged],
)
def staff_unblock_card(card_id: str) -> Response:
    return model_response(cards.staff_unblock(bp.principal(), card_id, reason()))


@bp.route(
    "/staff/cards/{card_id}/replace",
    **STAFF_ACTION,
    response=CardView,
    status=201,
    errors=[CardNotFound, CardReplaced, CardChanged, AccountNotActive],
)
def staff_replace_card(card_id: str) -> Response:
    """Order a new card for its owner: the old one is retired; only the owner ever sees the new PAN and
    CVV (they reveal it with the card PIN). Audited."""
    return model_response(cards.staff_replace(bp.principal(), card_id, reason()), 201)
