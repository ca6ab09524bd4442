"""Staff routes: account search and state, PIN unlock, audit trail, dashboard, interest runs.
Every one declares `roles=["staff"]`, which `bp.route` (`core.http.BankRoutes.route`) enforces before
the view runs."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain import errors as e
from accounts.models import (
    AccountSearchPage,
    AccountView,
    AuditTrail,
    CardView,
    Dashboard,
    InterestRun,
    PinUnlocked,
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
from core.http import BankBlueprint, json_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)
STATE_ERRORS = [e.AccountNotFound, e.AccountChanged, e.AccountNotReady]


@bp.route(
    "/staff/accounts",
    methods=["GET"],
    response=AccountSearchPage,
    roles=["staff"],
    query={"q": {"type": "string", "maxLength": 100}, "limit": PAGE["limit"]},
)
def search_accounts() -> Response:
    return json_response(
        account_service.search(bp.principal(), bp.query("q") or "", parse_limit(bp.query("limit")))
    )


@bp.route(
    "/staff/accounts/{number}/block",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountAlreadyBlocked, e.AccountClosed],
)
def staff_block(number: str) -> Response:
    principal = bp.principal()
    return json_response(
        account_service.change_state(principal, number, "block", bp.body(StaffAction).reason)
    )


@bp.route(
    "/staff/accounts/{number}/unblock",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountNotBlocked, e.AccountClosed],
)
def staff_unblock(number: str) -> Response:
    principal = bp.principal()
    return json_response(
        account_service.change_state(principal, number, "unblock", bp.body(StaffAction).reason)
    )


@bp.route(
    "/staff/accounts/{number}/close",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    accepted=ProposalView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountClosed, e.AccountNotEmpty, e.AccountHasOpenLoan],
)
def staff_close(number: str) -> Response:
    """Close an empty account; one with a balance is paid out to its owner once a second staff member
    approves (202, a proposal)."""
    principal = bp.principal()
    view, proposed = account_service.close(principal, number, bp.body(StaffAction).reason)
    return json_response(view, 202 if proposed else 200)


@bp.route(
    "/staff/accounts/{number}/pin-unlock",
    methods=["POST"],
    request=StaffAction,
    response=PinUnlocked,
    roles=["staff"],
    errors=[e.AccountNotFound],
)
def staff_pin_unlock(number: str) -> Response:
    principal = bp.principal()
    return json_response(account_service.unlock_pin(principal, number, bp.body(StaffAction).reason))


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
    return json_response(service.audit_trail(bp.principal(), bp.query("target") or ""))


@bp.route("/staff/dashboard", methods=["GET"], response=Dashboard, roles=["staff"])
def dashboard() -> Response:
    return json_response(service.dashboard(bp.principal()))


@bp.route(
    "/staff/interest-runs",
    methods=["POST"],
    request=InterestRun,
    response=ProposalView,
    status=202,
    roles=["staff"],
    errors=[e.MonthInvalid, e.InterestAlreadyRun],
)
def interest_run() -> Response:
    """Propose paying the month just ended (when its scheduled run did not complete); a second staff
    member approves it."""
    principal = bp.principal()
    return json_response(service.propose_interest_run(principal, bp.body(InterestRun).month), 202)


@bp.route(
    "/staff/transfers/{transfer_id}/reversal",
    methods=["POST"],
    request=ReversalRequest,
    response=ProposalView,
    status=202,
    roles=["staff"],
    errors=[e.TransferNotFound, e.NotReversible, e.AlreadyReversed],
)
def propose_reversal(transfer_id: str) -> Response:
    """Propose reversing a transfer or card payment; a second staff member approves it (four eyes)."""
    principal = bp.principal()
    return json_response(
        service.propose_reversal(principal, transfer_id, bp.body(ReversalRequest).reason), 202
    )


@bp.route("/staff/proposals", methods=["GET"], response=ProposalPage, roles=["staff"], query=PAGE)
def list_proposals() -> Response:
    """Proposals waiting for a second staff member, oldest first."""
    return json_response(proposals.list_open(parse_limit(bp.query("limit")), bp.query("cursor")))


@bp.route(
    "/staff/proposals/{proposal_id}",
    methods=["GET"],
    response=ProposalView,
    roles=["staff"],
    errors=[e.ProposalNotFound],
)
def get_proposal(proposal_id: str) -> Response:
    return json_response(proposals.view(proposals.get(proposal_id)))


@bp.route(
    "/staff/proposals/{proposal_id}/approve",
    methods=["POST"],
    response=ProposalView,
    roles=["staff"],
    errors=[
        e.ProposalNotFound,
        e.ProposalNotOpen,
        e.ProposalChanged,
        e.SecondStaffRequired,
        e.InsufficientFunds,
        e.AlreadyReversed,
        e.InterestAlreadyRun,
        e.MonthInvalid,
        e.LoanNotPending,
        e.BalanceChanged,
        e.AccountNotEmpty,
        e.AccountHasOpenLoan,
    ],
)
def approve_proposal(proposal_id: str) -> Response:
    """Approve what another staff member proposed: the action runs now, as you."""
    return json_response(approvals.approve(bp.principal(), proposal_id))


@bp.route(
    "/staff/proposals/{proposal_id}/reject",
    methods=["POST"],
    request=ProposalDecision,
    response=ProposalView,
    roles=["staff"],
    errors=[e.ProposalNotFound, e.ProposalNotOpen, e.ProposalChanged],
)
def reject_proposal(proposal_id: str) -> Response:
    principal = bp.principal()
    return json_response(proposals.reject(principal, proposal_id, bp.body(ProposalDecision).reason))


@bp.route(
    "/staff/cards/{card_id}/block",
    methods=["POST"],
    request=StaffAction,
    response=CardView,
    roles=["staff"],
    errors=[e.CardNotFound, e.CardAlreadyBlocked, e.CardReplaced, e.CardChanged],
)
def staff_block_card(card_id: str) -> Response:
    principal = bp.principal()
    return json_response(cards.staff_block(principal, card_id, bp.body(StaffAction).reason))


@bp.route(
    "/staff/cards/{card_id}/unblock",
    methods=["POST"],
    request=StaffAction,
    response=CardView,
    roles=["staff"],
    errors=[e.CardNotFound, e.CardNotBlocked, e.CardReplaced, e.CardChanged],
)
def staff_unblock_card(card_id: str) -> Response:
    principal = bp.principal()
    return json_response(cards.staff_unblock(principal, card_id, bp.body(StaffAction).reason))


@bp.route(
    "/staff/cards/{card_id}/replace",
    methods=["POST"],
    request=StaffAction,
    response=CardView,
    status=201,
    roles=["staff"],
    errors=[e.CardNotFound, e.CardReplaced, e.CardChanged, e.AccountNotActive],
)
def staff_replace_card(card_id: str) -> Response:
    """Order a new card for its owner: the old one is retired; only the owner ever sees the new PAN and
    CVV (they reveal it with the card PIN). Audited."""
    principal = bp.principal()
    return json_response(cards.staff_replace(principal, card_id, bp.body(StaffAction).reason), 201)
