"""Customer account routes: open, list, detail, block and unblock an own account."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain.errors import (
    AccountAlreadyBlocked,
    AccountBlockedByBank,
    AccountChanged,
    AccountLimitReached,
    AccountNotBlocked,
    AccountNotReady,
    NumberSpaceBusy,
)
from accounts.models import AccountPage, AccountView, BlockRequest, OpenAccount, UnblockRequest
from accounts.service import accounts as service
from core.apidoc import PAGE
from core.errors import AccountClosed, AccountNotFound
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)
# Account views carry `interest_rate_bp` on savings accounts only, hence omit_unset on every answer here.


@bp.route(
    "/accounts",
    methods=["POST"],
    request=OpenAccount,
    response=AccountView,
    status=201,
    roles=["customer"],
    errors=[NumberSpaceBusy, AccountLimitReached],
)
def open_account() -> Response:
    return model_response(service.open_account(bp.principal(), bp.body(OpenAccount)), 201, omit_unset=True)


@bp.route(
    "/accounts",
    methods=["GET"],
    response=AccountPage,
    query={**PAGE, "owner_id": {"type": "string", "description": "staff only: another owner's accounts"}},
)
def list_accounts() -> Response:
    page = service.list_accounts(
        bp.principal(), bp.query("owner_id"), parse_limit(bp.query("limit")), bp.query("cursor")
    )
    return model_response(page, omit_unset=True)


@bp.route("/accounts/{number}", methods=["GET"], response=AccountView, errors=[AccountNotFound])
def get_account(number: str) -> Response:
    return model_response(service.get_account(bp.principal(), number), omit_unset=True)


@bp.route(
    "/accounts/{number}/block",
    methods=["POST"],
    request=BlockRequest,
    response=AccountView,
    errors=[AccountNotFound, AccountAlreadyBlocked, AccountClosed, AccountNotReady, AccountChanged],
)
def block_account(number: str) -> Response:
    principal = bp.principal()
    view = service.change_state(principal, number, "block", bp.body(BlockRequest).reason)
    return model_response(view, omit_unset=True)


@bp.route(
    "/accounts/{number}/unblock",
    methods=["POST"],
    request=UnblockRequest,
    response=AccountView,
    errors=[AccountNotFound, AccountNotBlocked, AccountBlockedByBank, AccountClosed, AccountChanged],
)
def unblock_account(number: str) -> Response:
    principal = bp.principal()
    view = service.change_state(principal, number, "unblock", bp.body(UnblockRequest).reason)
    return model_response(view, omit_unset=True)
