"""Loan routes for customers (apply, quote, schedule, repay) and staff (queue, decision)."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain import loans
from accounts.domain.errors import (
    LoanAlreadyOpen,
    LoanAmountInvalid,
    LoanChanged,
    LoanNotActive,
    LoanNotFound,
    LoanNotPending,
    LoanTermInvalid,
    RepaymentTooLarge,
)
from accounts.models import (
    ApplyLoan,
    LoanDecision,
    LoanPage,
    LoanQuote,
    LoanView,
    ProposalView,
    Repayment,
    RepaymentResult,
)
from accounts.service import loans as service
from core.apidoc import PAGE
from core.errors import AccountNotActive, AccountNotFound, InsufficientFunds
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)


@bp.route(
    "/loans",
    methods=["POST"],
    request=ApplyLoan,
    response=LoanView,
    status=201,
    roles=["customer"],
    errors=[AccountNotFound, AccountNotActive, LoanTermInvalid, LoanAmountInvalid, LoanAlreadyOpen],
)
def apply_loan() -> Response:
    return model_response(service.apply(bp.principal(), bp.body(ApplyLoan)), 201)


@bp.route("/loans", methods=["GET"], response=LoanPage, query=PAGE)
def list_loans() -> Response:
    return model_response(
        service.list_own(bp.principal(), parse_limit(bp.query("limit")), bp.query("cursor"))
    )


@bp.route(
    "/loans/quote",
    methods=["GET"],
    response=LoanQuote,
    query={
        "amount": {"type": "integer", "minimum": 1},
        "months": {"type": "integer", "enum": list(loans.TERMS)},
    },
    errors=[LoanTermInvalid, LoanAmountInvalid],
)
def quote_loan() -> Response:
    bp.principal()
    return model_response(service.quote(bp.query("amount"), bp.query("months")))


@bp.route("/loans/{loan_id}", methods=["GET"], response=LoanView, errors=[LoanNotFound])
def get_loan(loan_id: str) -> Response:
    return model_response(service.get(bp.principal(), loan_id))


@bp.route(
    "/loans/{loan_id}/repayments",
    methods=["POST"],
    request=Repayment,
    response=RepaymentResult,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[
        LoanNotFound,
        AccountNotFound,
        LoanNotActive,
        RepaymentTooLarge,
        LoanChanged,
        InsufficientFunds,
        AccountNotActive,
    ],
)
def repay_loan(loan_id: str) -> Response:
    principal = bp.principal()
    result, replayed = service.repay(principal, loan_id, bp.body(Repayment), bp.header("Idempotency-Key"))
    return model_response(
        result, 200 if replayed else 201, {"Idempotency-Replayed": "true"} if replayed else None
    )


@bp.route(
    "/staff/loans",
    methods=["GET"],
    response=LoanPage,
    roles=["staff"],
    query={**PAGE, "status": {"type": "string", "enum": ["pending", "active", "rejected", "paid_off"]}},
)
def loan_queue() -> Response:
    return model_response(
        service.queue(bp.principal(), bp.query("status"), parse_limit(bp.query("limit")), bp.query("cursor"))
    )


@bp.route(
    "/staff/loans/{loan_id}/decision",
    methods=["POST"],
    request=LoanDecision,
    response=LoanView,
    accepted=ProposalView,
    roles=["staff"],
    errors=[LoanNotFound, LoanNotPending, LoanChanged, AccountNotActive],
)
def decide_loan(loan_id: str) -> Response:
    """Reject, or approve and disburse; an approval above the four-eyes amount is proposed (202)."""
    principal = bp.principal()
    view, proposed = service.decide(principal, loan_id, bp.body(LoanDecision))
    return model_response(view, 202 if proposed else 200)
