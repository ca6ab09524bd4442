"""One account's statement (its owner or staff) and a ledger account's balance."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.apidoc import PAGE
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit
from ledger.domain.errors import AccountNotFound, LedgerAccountNotFound, StatementTooLarge
from ledger.domain.reports import statement_csv
from ledger.models import BalanceView, StatementView
from ledger.service import statements

bp = BankBlueprint(__name__)


def _wants_csv() -> bool:
    return "text/csv" in (bp.header("accept") or "").lower() or bp.query("format") == "csv"


@bp.route(
    "/accounts/{number}/statement",
    methods=["GET"],
    response=StatementView,
    roles=["customer", "staff"],
    query={
        **PAGE,
        "from": {"type": "string", "description": "ISO 8601 date or date-time (default: 30 days ago)"},
        "to": {"type": "string", "description": "ISO 8601 date or date-time (default: now)"},
        "format": {"type": "string", "enum": ["json", "csv"]},
    },
    produces={"text/csv": {"type": "string"}},
    errors=[AccountNotFound, StatementTooLarge],
)
def account_statement(number: str) -> Response:
    statements.authorize_account(bp.principal(), number)
    raw_from, raw_to = bp.query("from"), bp.query("to")
    if _wants_csv():
        statement = statements.full_statement(number, raw_from, raw_to)
        filename = f"statement-{number}-{statement.period_from[:10]}-{statement.period_to[:10]}.csv"
        return Response(
            body=statement_csv(statement),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
    limit, cursor = parse_limit(bp.query("limit")), bp.query("cursor")
    return model_response(statements.statement(number, raw_from, raw_to, limit, cursor))


@bp.route(
    "/staff/ledger/accounts/{account_id}/balance",
    methods=["GET"],
    response=BalanceView,
    roles=["staff"],
    query={"at": {"type": "string", "description": "ISO 8601 instant (default: now)"}},
    errors=[LedgerAccountNotFound],
)
def account_balance(account_id: str) -> Response:
    return model_response(statements.balance(account_id, bp.query("at")))
