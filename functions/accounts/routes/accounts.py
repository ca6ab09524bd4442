"""Customer account routes: open, list, detail, block and unblock an own account."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain import errors as e
from accounts.models import AccountPage, AccountView, BlockRequest, OpenAccount, UnblockRequest
from accounts.service import accounts as service
from core.apidoc import PAGE
from core.http import BankBlueprint, json_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)


@bp.route(
    "/accounts",
    methods=["POST"],
    request=OpenAccount,
    response=AccountView,
    status=201,
    roles=["customer"],
    errors=[e.NumberSpaceBusy, e.AccountLimitReached],
)
def open_account() -> Response:
    return json_response(service.open_account(bp.principal(), bp.body(OpenAccount)), 201)


@bp.route(
    "/accounts",
    methods=["GET"],
    response=AccountPage,
    query={**PAGE, "owner_id": {"type": "string", "description": "staff only: another owner's accounts"}},
)
def list_accounts() -> Response:
    return json_response(
        service.list_accounts(
            bp.principal(), bp.query("owner_id"), parse_limit(bp.query("limit")), bp.query("cursor")
        )
    )


@bp.route("/accounts/{number}", methods=["GET"], response=AccountView, errors=[e.AccountNotFound])
def get_account(number: str) -> Response:
    return json_response(service.get_account(bp.principal(), number))


@bp.route(
    "/accounts/{number}/block",
    methods=["POST"],
    request=BlockRequest,
    response=AccountView,
    errors=[e.AccountNotFound, e.AccountAlreadyBlocked, e.AccountClosed, e.AccountNotReady, e.AccountChanged],
)
def block_account(number: str) -> Response:
    principal = bp.principal()
    return json_response(service.change_state(principal, number, "block", bp.body(BlockRequest).reason))


@bp.route(
    "/accounts/{number}/unblock",
    methods=["POST"],
    request=UnblockRequest,
    response=AccountView,
    errors=[
        e.AccountNotFound,
        e.AccountNotBlocked,
        e.AccountBlockedByBank,
        e.AccountClosed,
        e.AccountChanged,
    ],
)
def unblock_account(number: str) -> Response:
    principal = bp.principal()
    return json_response(service.change_state(principal, number, "unblock", bp.body(UnblockRequest).reason))
