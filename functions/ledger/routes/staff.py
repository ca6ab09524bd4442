"""Staff views of the whole ledger: the trial balance, reconciliation, chain verification, entries."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.apidoc import PAGE
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit
from ledger.domain.errors import LedgerAccountNotFound
from ledger.models import EntriesPage, ReconciliationView, TrialBalanceView, VerifyView
from ledger.service import reports, statements

bp = BankBlueprint(__name__)


@bp.route("/staff/ledger/trial-balance", methods=["GET"], response=TrialBalanceView, roles=["staff"])
def trial_balance() -> Response:
    return model_response(reports.trial_balance_now())


@bp.route("/staff/ledger/reconciliation", methods=["GET"], response=ReconciliationView, roles=["staff"])
def reconciliation() -> Response:
    return model_response(reports.reconciliation())


@bp.route(
    "/staff/ledger/verify",
    methods=["GET"],
    response=VerifyView,
    roles=["staff"],
    query={**PAGE, "account": {"type": "string"}},
    errors=[LedgerAccountNotFound],
)
def verify() -> Response:
    return model_response(
        reports.verify(bp.query("account"), parse_limit(bp.query("limit")), bp.query("cursor"))
    )


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
    return model_response(page)
