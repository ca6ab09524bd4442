"""Loans: apply, one open at a time, staff decision with the disbursement, idempotent repayments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.domain import loans
from accounts.domain.errors import LoanTermInvalid
from accounts.models import ApplyLoan
from accounts.store.models import AuditModel
from core.errors import ServiceUnavailable
from tests.unit.accounts.accounts_fakes import STAFF, FakePayments, customer

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA = customer("u-ada")
AMOUNT = 1_000_000


@pytest.fixture
def account(bank: FakePayments, open_account: Opener) -> str:
    number: str = open_account(ADA)["account_number"]
    return number


def apply(api: Api, number: str, amount: int = AMOUNT, months: int = 3) -> Any:
    return api("POST", "/loans", ADA, body={"account_number": number, "amount": amount, "months": months})


def decide(api: Api, loan_id: str, decision: str, reason: str = "ok") -> Any:
    return api(
        "POST",
        "/staff/loans/{loan_id}/decision",
        STAFF,
        path_params={"loan_id": loan_id},
        body={"decision": decision, "reason": reason},
    )


def repay(api: Api, loan_id: str, number: str, amount: int, key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api(
        "POST",
        "/loans/{loan_id}/repayments",
        ADA,
        path_params={"loan_id": loan_id},
        body={"account_number": number, "amount": amount},
        headers=headers,
    )


def test_quote_previews_the_schedule(bank: FakePayments, api: Api) -> None:
    quote = api("GET", "/loans/quote", ADA, query={"amount": "1000000", "months": "3"})
    assert quote.status == 200
    assert (quote.json["repayable"], quote.json["interest"]) == (1_120_000, 120_000)
    assert [i["amount"] for i in quote.json["schedule"]] == [373_333, 373_333, 373_334]
    bad = api("GET", "/loans/quote", ADA, query={"amount": "1000000", "months": "5"})
    assert (bad.status, bad.json["code"]) == (400, "loan_term_invalid")
    assert api("GET", "/loans/quote", ADA, query={"amount": "x", "months": "3"}).status == 400


def test_full_life_of_a_loan(bank: FakePayments, api: Api, account: str) -> None:
    # Given a pending application
    applied = apply(api, account)
    assert applied.status == 201
    loan_id = applied.json["loan_id"]
    assert applied.json["status"] == "pending"
    queue = api("GET", "/staff/loans", STAFF, query={"status": "pending"}).json["items"]
    assert [loan["loan_id"] for loan in queue] == [loan_id]
    # A customer cannot decide
    assert (
        api(
            "POST",
            "/staff/loans/{loan_id}/decision",
            ADA,
            path_params={"loan_id": loan_id},
            body={"decision": "approve", "reason": "me"},
        ).status
        == 403
    )
    # When staff approve, Then the principal is disbursed from loans receivable
    approved = decide(api, loan_id, "approve", "good history")
    assert approved.status == 200
    assert approved.json["status"] == "active"
    assert [i["due_date"] is not None for i in approved.json["schedule"]] == [True] * 3
    assert bank.balance[account] == 100_000 + AMOUNT
    (disbursement,) = bank.moved("loan_disbursement")
    assert disbursement["payment_id"] == f"loan_disbursement:{loan_id}"
    assert disbursement["legs"] == [
        {"from_account": "bank:loans_receivable", "to_account": account, "amount": AMOUNT}
    ]
    assert decide(api, loan_id, "approve").json["code"] == "loan_not_pending"
    # A second open loan is refused
    second = apply(api, account)
    assert (second.status, second.json["code"]) == (409, "loan_already_open")
    # When the customer repays part, Then principal and interest legs split pro rata
    first = repay(api, loan_id, account, 560_000, "rep-1")
    assert first.status == 201
    assert first.json["repayment"]["principal"] == 500_000
    assert first.json["repayment"]["interest"] == 60_000
    assert first.json["loan"]["outstanding"] == 560_000
    # The same key replays, and a different body with it is refused
    replay = repay(api, loan_id, account, 560_000, "rep-1")
    assert (replay.status, replay.headers["idempotency-replayed"]) == (200, "true")
    assert len(bank.moved("loan_repayment")) == 1
    reused = repay(api, loan_id, account, 1_000, "rep-1")
    assert (reused.status, reused.json["code"]) == (422, "idempotency_key_reused")
    too_much = repay(api, loan_id, account, 560_001, "rep-2")
    assert (too_much.status, too_much.json["code"]) == (422, "repayment_exceeds_outstanding")
    # When the rest is repaid, Then the loan is paid off and a new one may be taken
    bank.balance[account] += 100_000  # a salary arrives: the bonus and the loan alone fall short of 1.12x
    last = repay(api, loan_id, account, 560_000, "rep-3")
    assert last.json["loan"]["status"] == "paid_off"
    assert bank.balance["bank:loans_receivable"] == 0
    assert bank.balance["bank:interest_income"] == 120_000
    assert bank.balance[account] == 100_000 + AMOUNT + 100_000 - 1_120_000
    assert repay(api, loan_id, account, 1, "rep-4").json["code"] == "loan_not_active"
    assert apply(api, account, amount=20_000, months=1).status == 201
    assert len(api("GET", "/loans", ADA).json["items"]) == 2
    assert [e.action for e in AuditModel.query(f"loan:{loan_id}")] == ["loan.approve"]


def test_rejection_frees_the_customer_to_apply_again(bank: FakePayments, api: Api, account: str) -> None:
    loan_id = apply(api, account).json["loan_id"]
    rejected = decide(api, loan_id, "reject", "income too low")
    assert (rejected.json["status"], rejected.json["reason"]) == ("rejected", "income too low")
    assert bank.moved("loan_disbursement") == []
    assert apply(api, account).status == 201


def test_a_disbursement_that_stopped_half_way_finishes_on_the_next_approval(
    bank: FakePayments, api: Api, account: str
) -> None:
    loan_id = apply(api, account).json["loan_id"]
    bank.fail_next["move"] = ServiceUnavailable()
    assert decide(api, loan_id, "approve").status == 503
    assert decide(api, loan_id, "reject").json["code"] == "loan_not_pending"  # claimed for approval
    finished = decide(api, loan_id, "approve")
    assert finished.json["status"] == "active"
    assert len(bank.moved("loan_disbursement")) == 1


def test_a_refused_disbursement_returns_the_loan_to_the_queue(
    bank: FakePayments, api: Api, account: str
) -> None:
    loan_id = apply(api, account).json["loan_id"]
    bank.state[account] = "blocked"
    refused = decide(api, loan_id, "approve")
    assert (refused.status, refused.json["code"]) == (422, "account_blocked")
    assert api("GET", "/loans/{loan_id}", ADA, path_params={"loan_id": loan_id}).json["status"] == "pending"
    assert decide(api, loan_id, "reject").json["status"] == "rejected"


def test_a_repayment_that_stopped_half_way_is_finished_by_its_retry(
    bank: FakePayments, api: Api, account: str
) -> None:
    loan_id = apply(api, account, months=1).json["loan_id"]
    decide(api, loan_id, "approve")
    bank.fail_next["move"] = ServiceUnavailable()
    assert repay(api, loan_id, account, 100_000, "k1").status == 503
    # another key first finishes the parked repayment, then makes its own
    assert repay(api, loan_id, account, 100_000, "k2").status == 201
    assert repay(api, loan_id, account, 100_000, "k1").status == 200  # already applied: a replay
    loan = api("GET", "/loans/{loan_id}", ADA, path_params={"loan_id": loan_id}).json
    assert loan["repaid"] == 200_000
    assert len(bank.moved("loan_repayment")) == 2


def test_insufficient_funds_leaves_nothing_behind(bank: FakePayments, api: Api, account: str) -> None:
    loan_id = apply(api, account, months=1).json["loan_id"]
    decide(api, loan_id, "approve")
    bank.balance[account] = 10
    refused = repay(api, loan_id, account, 100_000, "k1")
    assert (refused.status, refused.json["code"]) == (422, "insufficient_funds")
    bank.balance[account] = 1_000_000
    assert repay(api, loan_id, account, 100_000, "k2").status == 201


def test_repayment_needs_an_idempotency_key_and_own_accounts(
    bank: FakePayments, api: Api, account: str, open_account: Opener
) -> None:
    loan_id = apply(api, account).json["loan_id"]
    decide(api, loan_id, "approve")
    missing = repay(api, loan_id, account, 1_000, None)
    assert (missing.status, missing.json["code"]) == (400, "idempotency_key_missing")
    other = open_account(customer("u-bola"))["account_number"]
    assert repay(api, loan_id, other, 1_000, "k").json["code"] == "account_not_found"


def test_other_customers_cannot_see_loans(bank: FakePayments, api: Api, account: str) -> None:
    loan_id = apply(api, account).json["loan_id"]
    bola = customer("u-bola")
    assert api("GET", "/loans/{loan_id}", bola, path_params={"loan_id": loan_id}).status == 404
    assert api("GET", "/loans", bola).json["items"] == []
    assert api("GET", "/loans/{loan_id}", STAFF, path_params={"loan_id": loan_id}).status == 200
    assert api("GET", "/loans/{loan_id}", ADA, path_params={"loan_id": "open#u-ada"}).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 1_000_000, "months": 5},
        {"amount": 100, "months": 3},
        {"amount": "1000000", "months": 3},
        {"amount": 1_000_000, "months": 3.0},
    ],
)
def test_bad_applications(bank: FakePayments, api: Api, account: str, body: dict[str, Any]) -> None:
    response = api("POST", "/loans", ADA, body={"account_number": account, **body})
    assert response.status == 400


# ------------------------------------------------------------------ the terms: one list, checked at the edge
@pytest.mark.parametrize("months", loans.TERMS)
def test_every_term_the_bank_offers_is_accepted(
    bank: FakePayments, api: Api, account: str, months: int
) -> None:
    assert apply(api, account, months=months).status == 201


@pytest.mark.parametrize("months", [0, 2, 5, 36, -1])
def test_another_term_is_refused_by_the_request_model_itself(
    bank: FakePayments, api: Api, months: int
) -> None:
    # Given an application for no account at all: only the request model can answer before the lookup
    response = apply(api, "0000000000", months=months)
    # Then the term is refused at the edge, naming the terms the bank offers
    assert (response.status, response.json["code"]) == (400, "loan_term_invalid")
    assert response.json["detail"] == "Loans run for 1, 3, 6, 12 or 24 months"
    with pytest.raises(LoanTermInvalid):
        ApplyLoan.model_validate({"account_number": "0000000000", "amount": AMOUNT, "months": months})


def test_the_request_model_reads_the_terms_from_the_loan_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the loan rules offering other terms (TERMS is the one list)
    monkeypatch.setattr(loans, "TERMS", (2, 5))
    body = {"account_number": "0000000000", "amount": AMOUNT}
    # Then the request model follows them, with no list of its own
    assert ApplyLoan.model_validate({**body, "months": 5}).months == 5
    with pytest.raises(LoanTermInvalid, match="Loans run for 2 or 5 months"):
        ApplyLoan.model_validate({**body, "months": 6})
    monkeypatch.setattr(loans, "TERMS", (12,))
    with pytest.raises(LoanTermInvalid, match="Loans run for 12 months"):
        ApplyLoan.model_validate({**body, "months": 6})


def test_the_documented_terms_are_the_loan_rules() -> None:
    assert ApplyLoan.model_json_schema()["properties"]["months"]["enum"] == list(loans.TERMS)
