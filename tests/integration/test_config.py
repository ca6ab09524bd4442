"""GET /config through the deployed gateway: public, and every rule it tells is the rule the bank enforces
(the transfer minimum, the welcome bonus, the loan terms and amounts, the open-account limit)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import PIN, Customer, User
from tools.api import Api


@pytest.fixture(scope="module")
def rules(api: Api) -> dict[str, Any]:
    response = api.get("/config")  # no token: the site reads it before anyone signs in
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    answer: dict[str, Any] = response.json()
    return answer


def send(api: Api, sender: Customer, to: str, amount: int) -> Any:
    body = {"from_account": sender.account, "to_account": to, "amount": amount, "pin": PIN}
    return api.post(
        "/transfers", token=sender.token, json=body, headers={"Idempotency-Key": secrets.token_hex(8)}
    )


def test_the_rules_are_public_and_complete(rules: dict[str, Any]) -> None:
    assert set(rules) == {"transfers", "loans", "accounts"}
    assert set(rules["transfers"]) == {
        "min_amount",
        "max_single_amount",
        "daily_limit_per_account",
        "daily_limit_per_customer",
    }
    assert set(rules["loans"]) == {
        "terms_months",
        "rate_percent",
        "min_amount",
        "max_amount",
    }
    assert set(rules["accounts"]) == {"max_open", "types", "welcome_bonus"}
    assert sorted(rules["accounts"]["types"]) == ["current", "savings"]


def test_the_transfer_minimum_told_is_the_one_enforced(
    api: Api, rules: dict[str, Any], customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    minimum = rules["transfers"]["min_amount"]
    below = send(api, alice, bob.account, minimum - 1)
    assert (below.status_code, below.json()["code"]) == (422, "amount_below_minimum"), below.text
    assert send(api, alice, bob.account, minimum).status_code == 201


def test_the_welcome_bonus_told_is_the_one_paid(
    api: Api, rules: dict[str, Any], customer: Callable[[], Customer]
) -> None:
    newcomer = customer()
    account = api.get(f"/accounts/{newcomer.account}", token=newcomer.token)
    assert account.status_code == 200, account.text
    assert account.json()["ledger_balance"] == rules["accounts"]["welcome_bonus"]


def test_the_loan_terms_and_amounts_told_are_the_ones_enforced(
    api: Api, rules: dict[str, Any], customer: Callable[[], Customer]
) -> None:
    borrower = customer()
    loans = rules["loans"]
    for months in loans["terms_months"]:
        quote = api.get(
            "/loans/quote", token=borrower.token, params={"amount": loans["min_amount"], "months": months}
        )
        assert quote.status_code == 200, quote.text
        assert quote.json()["rate_percent"] == loans["rate_percent"]
    other = next(m for m in range(1, 100) if m not in loans["terms_months"])
    refused = api.get(
        "/loans/quote", token=borrower.token, params={"amount": loans["min_amount"], "months": other}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "loan_term_invalid")
    for amount in (loans["min_amount"] - 1, loans["max_amount"] + 1):
        body = {"account_number": borrower.account, "amount": amount, "months": loans["terms_months"][0]}
        outside = api.post("/loans", token=borrower.token, json=body)
        assert (outside.status_code, outside.json()["code"]) == (400, "loan_amount_invalid"), outside.text


def test_the_open_account_limit_told_is_the_one_enforced(
    api: Api, rules: dict[str, Any], new_customer: Callable[[], User]
) -> None:
    user = new_customer()
    for _ in range(rules["accounts"]["max_open"]):
        opened = api.post("/accounts", token=user.access_token, json={"type": "savings", "pin": PIN})
        assert opened.status_code == 201, opened.text
    refused = api.post("/accounts", token=user.access_token, json={"type": "savings", "pin": PIN})
    assert (refused.status_code, refused.json()["code"]) == (409, "account_limit_reached"), refused.text
    assert int(refused.json()["limit"]) == rules["accounts"]["max_open"]
