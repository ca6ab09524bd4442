"""The ledger service's HTTP routes (Chalice app = the Lambda handler behind the gateway).

Each view parses, calls one `ledger.service` function and responds; `BankApp.route` enforces each
route's declared `roles` before the view runs, and the statement also checks ownership.
"""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import clock
from core.apidoc import PAGE
from core.http import BankApp, add_health_routes, json_response
from core.pagination import MAX_LIMIT, parse_limit
from ledger import service
from ledger.domain.errors import AccountNotFound, LedgerAccountNotFound, StatementTooLarge
from ledger.domain.reports import statement_csv
from ledger.models import (
    BalanceView,
    CategoryTotalsView,
    ChainBreakView,
    DlqView,
    EntriesPage,
    EntryView,
    HeadView,
    ReconciliationView,
    RedriveRequest,
    RedriveView,
    StatementView,
    TrialBalanceView,
    VerifyView,
)

app = BankApp("ledger")
add_health_routes(app, "ledger", "/ledger/health")


def _wants_csv() -> bool:
    return "text/csv" in (app.header("accept") or "").lower() or app.query("format") == "csv"


@app.route(
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
    service.authorize_account(app.principal(), number)
    raw_from, raw_to = app.query("from"), app.query("to")
    if _wants_csv():
        statement = service.full_statement(number, raw_from, raw_to)
        filename = f"statement-{number}-{statement.period_from[:10]}-{statement.period_to[:10]}.csv"
        return Response(
            body=statement_csv(statement),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
    page = service.statement(number, raw_from, raw_to, parse_limit(app.query("limit")), app.query("cursor"))
    return json_response(StatementView.of(page.statement, page.next_cursor).model_dump(by_alias=True))


@app.route(
    "/staff/ledger/accounts/{account_id}/balance",
    methods=["GET"],
    response=BalanceView,
    roles=["staff"],
    query={"at": {"type": "string", "description": "ISO 8601 instant (default: now)"}},
    errors=[LedgerAccountNotFound],
)
def account_balance(account_id: str) -> Response:
    return json_response(service.balance(account_id, app.query("at")).model_dump())


@app.route("/staff/ledger/trial-balance", methods=["GET"], response=TrialBalanceView, roles=["staff"])
def trial_balance() -> Response:
    result = service.trial_balance_now()
    view = TrialBalanceView(
        as_of=clock.iso(clock.now()),
        total_debits=result.total_debits,
        total_credits=result.total_credits,
        difference=result.difference,
        balanced=result.balanced,
        by_category={c.value: CategoryTotalsView.of(t) for c, t in result.by_category.items()},
        bank_accounts=[HeadView.of(h) for h in result.bank_accounts],
    )
    return json_response(view.model_dump())


@app.route("/staff/ledger/reconciliation", methods=["GET"], response=ReconciliationView, roles=["staff"])
def reconciliation() -> Response:
    return json_response(service.reconciliation().model_dump())


@app.route(
    "/staff/ledger/verify",
    methods=["GET"],
    response=VerifyView,
    roles=["staff"],
    query={**PAGE, "account": {"type": "string"}},
    errors=[LedgerAccountNotFound],
)
def verify() -> Response:
    result = service.verify(app.query("account"), parse_limit(app.query("limit")), app.query("cursor"))
    breaks = [b for report in result.reports for b in report.breaks]
    view = VerifyView(
        accounts_checked=len(result.reports),
        entries_checked=sum(r.entries_checked for r in result.reports),
        ok=not breaks,
        broken_accounts=[r.account_id for r in result.reports if not r.ok],
        breaks=[ChainBreakView.of(b) for b in breaks],
        next_cursor=result.next_cursor,
    )
    return json_response(view.model_dump())


@app.route(
    "/staff/ledger/entries",
    methods=["GET"],
    response=EntriesPage,
    roles=["staff"],
    query={**PAGE, "account": {"type": "string"}, "payment_id": {"type": "string"}},
)
def entries() -> Response:
    page = service.entries(
        app.query("account"), app.query("payment_id"), parse_limit(app.query("limit")), app.query("cursor")
    )
    view = EntriesPage(items=[EntryView.of(e) for e in page.entries], next_cursor=page.next_cursor)
    return json_response(view.model_dump())


@app.route("/staff/dlq", methods=["GET"], response=DlqView, roles=["staff"], query={"limit": PAGE["limit"]})
def dlq_peek() -> Response:
    limit = parse_limit(app.query("limit")) if app.query("limit") else MAX_LIMIT
    return json_response(service.dlq_peek(limit).model_dump())


@app.route(
    "/staff/dlq/redrive", methods=["POST"], request=RedriveRequest, response=RedriveView, roles=["staff"]
)
def dlq_redrive() -> Response:
    request = app.body(RedriveRequest)
    return json_response(service.dlq_redrive(request.max_messages).model_dump())
