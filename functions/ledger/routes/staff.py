"""Staff views of the whole ledger: the trial balance, reconciliation, chain verification, entries."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import clock
from core.apidoc import PAGE
from core.http import BankBlueprint, json_response
from core.pagination import parse_limit
from ledger.domain.errors import LedgerAccountNotFound
from ledger.models import (
    CategoryTotalsView,
    ChainBreakView,
    EntriesPage,
    EntryView,
    HeadView,
    ReconciliationView,
    TrialBalanceView,
    VerifyView,
)
from ledger.service import reports, statements

bp = BankBlueprint(__name__)


@bp.route("/staff/ledger/trial-balance", methods=["GET"], response=TrialBalanceView, roles=["staff"])
def trial_balance() -> Response:
    result = reports.trial_balance_now()
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


@bp.route("/staff/ledger/reconciliation", methods=["GET"], response=ReconciliationView, roles=["staff"])
def reconciliation() -> Response:
    return json_response(reports.reconciliation().model_dump())


@bp.route(
    "/staff/ledger/verify",
    methods=["GET"],
    response=VerifyView,
    roles=["staff"],
    query={**PAGE, "account": {"type": "string"}},
    errors=[LedgerAccountNotFound],
)
def verify() -> Response:
    result = reports.verify(bp.query("account"), parse_limit(bp.query("limit")), bp.query("cursor"))
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


@bp.route(
    "/staff/ledger/entries",
    methods=["GET"],
    response=EntriesPage,
    roles=["staff"],
    query={**PAGE, "account": {"type": "string"}, "payment_id": {"type": "string"}},
)
def entries() -> Response:
    page = statements.entries(
        bp.query("account"), bp.query("payment_id"), parse_limit(bp.query("limit")), bp.query("cursor")
    )
    view = EntriesPage(items=[EntryView.of(e) for e in page.entries], next_cursor=page.next_cursor)
    return json_response(view.model_dump())
