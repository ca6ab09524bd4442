"""History: an account's transactions, and the staff's search of payments by account or day."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import errors as shared
from core.apidoc import PAGE
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit
from payments.models import HistoryPage, StaffPaymentsPage
from payments.routes.common import caller
from payments.service import history

bp = BankBlueprint(__name__)


@bp.route(
    "/accounts/{number}/transactions",
    methods=["GET"],
    response=HistoryPage,
    query=PAGE,
    errors=[shared.AccountNotFound],
)
def account_transactions(number: str) -> Response:
    limit = parse_limit(bp.query("limit"))
    return model_response(history.account_history(caller(bp), number, bp.query("cursor"), limit))


@bp.route(
    "/staff/transfers",
    methods=["GET"],
    response=StaffPaymentsPage,
    roles=["staff"],
    query={
        **PAGE,
        "account": {"type": "string", "description": "one account's history instead of a day's payments"},
        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD (default: today, UTC)"},
    },
)
def staff_transfers() -> Response:
    limit = parse_limit(bp.query("limit"))
    return model_response(
        history.staff_search(bp.query("account"), bp.query("date"), bp.query("cursor"), limit)
    )
