"""Two customers with one of everything (accounts, card, loan, ticket, transfer, card authorization), a
staff member and a bystander, for the authorization matrix and the hostile-input tests."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.integration.conftest import PASSWORD, PIN, Customer, User, login
from tools.api import Api


@dataclass
class Party:
    customer: Customer
    savings: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    loan_id: str = ""
    ticket_id: str = ""
    transfer_id: str = ""
    payment_request_id: str = ""
    authorization_id: str = ""
    second_refresh: str = ""  # a session of its own for the logout row
    third_refresh: str = ""  # and one for the refresh row (a reused refresh token ends its session)

    @property
    def user(self) -> User:
        return self.customer.user

    @property
    def token(self) -> str:
        return self.customer.token

    @property
    def account(self) -> str:
        return self.customer.account


def key() -> dict[str, str]:
    return {"Idempotency-Key": secrets.token_hex(12)}


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in statuses, response.text
    return response.json()


def make_party(api: Api, customer: Callable[[], Customer]) -> Party:
    party = Party(customer())
    token = party.token
    party.savings = _ok(api.post("/accounts", token=token, json={"type": "savings", "pin": PIN}), 201)[
        "account_number"
    ]
    party.card = _ok(api.post(f"/accounts/{party.account}/cards", token=token, json={"pin": PIN}), 201)
    party.loan_id = _ok(
        api.post(
            "/loans", token=token, json={"account_number": party.account, "amount": 1_000_000, "months": 3}
        ),
        201,
    )["loan_id"]
    party.ticket_id = _ok(
        api.post("/tickets", token=token, json={"category": "general", "subject": "Hello", "message": "Hi"}),
        201,
    )["ticket_id"]
    party.payment_request_id = request_payment(api, party, party.savings, 500)
    party.authorization_id = confirm_card(api, party, party.payment_request_id)["authorization_id"]
    party.second_refresh = login(api, party.user.username, PASSWORD).refresh_token
    party.third_refresh = login(api, party.user.username, PASSWORD).refresh_token
    return party


def card_details(party: Party, payment_request_id: str, **overrides: Any) -> dict[str, Any]:
    """What the cardholder types on the bank's confirmation page (never sent to a merchant)."""
    return {
        "payment_request_id": payment_request_id,
        "pan": party.card["pan"],
        "expiry_month": party.card["expiry_month"],
        "expiry_year": party.card["expiry_year"],
        "cvv": party.card["cvv"],
        "pin": PIN,
        **overrides,
    }


def request_payment(api: Api, merchant: Party, merchant_account: str, amount: int) -> str:
    """The merchant's payment request (no card details): its id."""
    body = {"merchant_account": merchant_account, "amount": amount, "description": "Order 42"}
    answer = _ok(api.post("/payment-requests", token=merchant.token, json=body, headers=key()), 201)
    return str(answer["payment_request_id"])


def confirm_card(api: Api, cardholder: Party, payment_request_id: str) -> dict[str, Any]:
    """The cardholder confirms the request with their card and PIN: the hold (authorization)."""
    body = card_details(cardholder, payment_request_id)
    return dict(_ok(api.post("/card-authorizations", token=cardholder.token, json=body), 201))


def approve(api: Api, approver: User, proposal: dict[str, Any]) -> dict[str, Any]:
    """A second staff member approves a four-eyes proposal: the action runs now."""
    path = f"/staff/proposals/{proposal['proposal_id']}/approve"
    return dict(_ok(api.post(path, token=approver.access_token), 200))


def transfer(api: Api, source: Party, to_account: str, amount: int) -> str:
    body = {"from_account": source.account, "to_account": to_account, "amount": amount, "pin": PIN}
    return str(_ok(api.post("/transfers", token=source.token, json=body, headers=key()), 201)["payment_id"])


def make_staff(api: Api, admin: User) -> User:
    username = f"staff{secrets.token_hex(4)}"
    body = {
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@arhan.example",
        "first_name": "Ngozi",
        "last_name": "Eze",
        "role": "staff",
    }
    _ok(api.post("/staff/users", token=admin.access_token, json=body), 201)
    return login(api, username, PASSWORD)
