"""The authorization matrix: every route of the served API document × {anonymous, customer A on A's
resource, customer B on A's resource, customer A on B's resource, staff, admin}, against the deployed
stack. A new route without a row here fails the test, so nothing ships without a decided policy.

Cells: `OK` = the request reached the business logic (a 2xx, or a 4xx that is not 401-unauthenticated,
403 or 404: validation, conflict, rule refusal); 401 = the gateway or the handler refused an anonymous
caller; 403 = role refused; 404 = another customer's resource looks like a missing one (never 403).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import requests

from tests.integration.conftest import PASSWORD, PIN, Customer, User, eventually
from tests.integration.parties import Party, card_details, key, make_party, make_staff, transfer
from tools.api import Api

OK = "ok"
CELLS = ("anonymous", "own", "foreign", "foreign_reverse", "staff", "admin")


@dataclass
class World:
    a: Party
    b: Party
    bystander: User
    staff: User
    admin: User
    proposal_id: str = ""  # a staff member's proposal: the admin who created them may not approve it


Body = Callable[[World, Party], Any]


@dataclass(frozen=True)
class Row:
    expect: dict[str, int | str]
    body: Body | None = None
    query: str = ""
    idempotent: bool = False


def policy(kind: str, owned: bool = False) -> dict[str, int | str]:
    """The expected cells of a route kind; `owned` routes name a customer's resource in the path."""
    signed: dict[str, int | str] = {
        "anonymous": 401,
        "own": OK,
        "foreign": OK,
        "foreign_reverse": OK,
        "staff": OK,
        "admin": OK,
    }
    table: dict[str, dict[str, int | str]] = {
        "public": dict.fromkeys(CELLS, OK),
        "signed_in": signed,
        "customer": {**signed, "staff": 403, "admin": 403},
        "staff": {**signed, "own": 403, "foreign": 403, "foreign_reverse": 403},
        "admin": {**signed, "own": 403, "foreign": 403, "foreign_reverse": 403, "staff": 403},
    }
    cells = dict(table[kind])
    if owned:
        cells["foreign"] = cells["foreign_reverse"] = 404
    return cells


def new_user(w: World, p: Party) -> dict[str, Any]:
    name = f"m{secrets.token_hex(5)}"
    return {
        "username": name,
        "password": PASSWORD,
        "email": f"{name}@example.com",
        "first_name": "Ada",
        "last_name": "Obi",
        "phone": "+2348012345678",
    }


REASON: Body = lambda w, p: {"reason": "authorization matrix"}  # noqa: E731
EMPTY: Body = lambda w, p: {}  # noqa: E731

# (METHOD, path) → row. Order matters only among one resource's mutations (block before unblock,
# capture before void, replace last) and is the order the calls are made in.
MATRIX: dict[tuple[str, str], Row] = {
    # identity
    ("GET", "/health"): Row(policy("public")),
    ("GET", "/identity/health"): Row(policy("public")),
    ("GET", "/.well-known/jwks.json"): Row(policy("public")),
    ("GET", "/openapi.json"): Row(policy("public")),
    ("POST", "/auth/register"): Row(policy("public"), new_user),
    ("POST", "/auth/login"): Row(
        policy("public"), lambda w, p: {"username": p.user.username, "password": PASSWORD}
    ),
    # Its own session: the second use of the token is a reuse, which ends that session at once.
    ("POST", "/auth/refresh"): Row(policy("public"), lambda w, p: {"refresh_token": p.third_refresh}),
    ("GET", "/me"): Row(policy("signed_in")),
    ("PATCH", "/me"): Row(policy("signed_in"), lambda w, p: {"first_name": "Adaeze"}),
    ("POST", "/me/password"): Row(
        policy("signed_in"),
        lambda w, p: {"current_password": "Not-The-Password-1", "new_password": "Another-Horse-Battery-43"},
    ),
    ("POST", "/auth/logout"): Row(policy("signed_in"), lambda w, p: {"refresh_token": p.second_refresh}),
    ("POST", "/staff/users"): Row(policy("admin"), lambda w, p: {**new_user(w, p), "role": "staff"}),
    ("GET", "/staff/users"): Row(policy("admin")),
    ("POST", "/staff/users/{user_id}/disable"): Row(policy("admin")),
    ("POST", "/staff/users/{user_id}/enable"): Row(policy("admin")),
    ("GET", "/staff/customers"): Row(policy("staff"), query="q=cust"),
    ("GET", "/staff/customers/{user_id}"): Row(policy("staff")),
    # accounts
    ("GET", "/accounts/health"): Row(policy("public")),
    ("GET", "/config"): Row(policy("public")),
    ("POST", "/accounts"): Row(policy("customer"), lambda w, p: {"type": "current", "pin": PIN}),
    ("GET", "/accounts"): Row(policy("signed_in")),
    ("GET", "/accounts/{number}"): Row(policy("signed_in", owned=True)),
    ("POST", "/accounts/{number}/block"): Row(policy("signed_in", owned=True), REASON),
    ("POST", "/accounts/{number}/unblock"): Row(policy("signed_in", owned=True), REASON),
    # Only the account's owner issues its card: staff own no customer account, so they get the 404 too.
    ("POST", "/accounts/{number}/cards"): Row(
        {**policy("signed_in", owned=True), "staff": 404, "admin": 404}, lambda w, p: {"pin": PIN}
    ),
    ("GET", "/accounts/{number}/cards"): Row(policy("signed_in", owned=True)),
    # A card is its owner's alone: staff act on cards through /staff/cards and never see a PAN.
    ("POST", "/cards/{card_id}/reveal"): Row(policy("customer", owned=True), lambda w, p: {"pin": PIN}),
    ("POST", "/cards/{card_id}/block"): Row(policy("customer", owned=True), REASON),
    ("POST", "/cards/{card_id}/unblock"): Row(policy("customer", owned=True), EMPTY),
    ("POST", "/staff/cards/{card_id}/block"): Row(policy("staff"), REASON),
    ("POST", "/staff/cards/{card_id}/unblock"): Row(policy("staff"), REASON),
    ("GET", "/loans/quote"): Row(policy("signed_in"), query="amount=1000000&months=3"),
    ("POST", "/loans"): Row(
        policy("customer"), lambda w, p: {"account_number": p.account, "amount": 1_000_000, "months": 3}
    ),
    ("GET", "/loans"): Row(policy("signed_in")),
    ("GET", "/loans/{loan_id}"): Row(policy("signed_in", owned=True)),
    ("POST", "/loans/{loan_id}/repayments"): Row(
        policy("customer", owned=True),
        lambda w, p: {"account_number": p.account, "amount": 100},
        idempotent=True,
    ),
    ("GET", "/staff/loans"): Row(policy("staff")),
    ("POST", "/staff/loans/{loan_id}/decision"): Row(
        policy("staff"), lambda w, p: {"decision": "reject", "reason": "authorization matrix"}
    ),
    ("POST", "/tickets"): Row(
        policy("customer"), lambda w, p: {"category": "general", "subject": "Matrix", "message": "Hello"}
    ),
    ("GET", "/tickets"): Row(policy("signed_in")),
    ("GET", "/tickets/{ticket_id}"): Row(policy("signed_in", owned=True)),
    ("POST", "/tickets/{ticket_id}/messages"): Row(
        policy("signed_in", owned=True), lambda w, p: {"message": "Any news?"}
    ),
    ("POST", "/staff/tickets/{ticket_id}/resolve"): Row(policy("staff"), EMPTY),
    ("GET", "/staff/accounts"): Row(policy("staff"), query="q=0"),
    ("POST", "/staff/accounts/{number}/block"): Row(policy("staff"), REASON),
    ("POST", "/staff/accounts/{number}/unblock"): Row(policy("staff"), REASON),
    ("POST", "/staff/accounts/{number}/pin-unlock"): Row(policy("staff"), REASON),
    ("GET", "/staff/audit"): Row(policy("staff"), query="target=account:0000000000"),
    ("GET", "/staff/dashboard"): Row(policy("staff")),
    # A future month: the role check passes, then 422 month_invalid (nothing is proposed or paid).
    ("POST", "/staff/interest-runs"): Row(policy("staff"), lambda w, p: {"month": "2999-01"}),
    ("GET", "/staff/proposals"): Row(policy("staff")),
    ("GET", "/staff/proposals/{proposal_id}"): Row(policy("staff")),
    # Four eyes: the proposer's creator (the admin) may not approve it, another staff member may.
    ("POST", "/staff/proposals/{proposal_id}/approve"): Row({**policy("staff"), "admin": 403}),
    ("POST", "/staff/proposals/{proposal_id}/reject"): Row(policy("staff"), REASON),
    # payments
    ("GET", "/payments/health"): Row(policy("public")),
    ("POST", "/transfers"): Row(
        policy("customer"),
        lambda w, p: {
            "from_account": p.account,
            "to_account": (w.b if p is w.a else w.a).account,
            "amount": 5_000,
            "pin": PIN,
        },
        idempotent=True,
    ),
    ("GET", "/transfers/{transfer_id}"): Row(policy("signed_in", owned=True)),
    ("GET", "/accounts/{number}/transactions"): Row(policy("signed_in", owned=True)),
    ("POST", "/payment-requests"): Row(
        policy("customer"),
        lambda w, p: {"merchant_account": p.savings, "amount": 300, "description": "matrix"},
        idempotent=True,
    ),
    # The request id is the capability: whoever holds it may see the request (to confirm it).
    ("GET", "/payment-requests/{request_id}"): Row(policy("signed_in")),
    ("POST", "/card-authorizations"): Row(
        policy("customer"), lambda w, p: card_details(p, p.payment_request_id)
    ),
    ("GET", "/card-authorizations/{authorization_id}"): Row(policy("signed_in", owned=True)),
    # Only the merchant settles or releases its hold (staff neither capture nor void alone).
    ("POST", "/card-authorizations/{authorization_id}/capture"): Row(
        {**policy("signed_in", owned=True), "staff": 404, "admin": 404}, lambda w, p: {"amount": 100}
    ),
    ("POST", "/card-authorizations/{authorization_id}/void"): Row(
        {**policy("signed_in", owned=True), "staff": 404, "admin": 404}, EMPTY
    ),
    ("GET", "/staff/transfers"): Row(policy("staff")),
    ("POST", "/staff/transfers/{transfer_id}/reversal"): Row(policy("staff"), REASON),
    # ledger
    ("GET", "/ledger/health"): Row(policy("public")),
    ("GET", "/accounts/{number}/statement"): Row(policy("signed_in", owned=True)),
    ("GET", "/staff/ledger/accounts/{account_id}/balance"): Row(policy("staff")),
    ("GET", "/staff/ledger/trial-balance"): Row(policy("staff")),
    ("GET", "/staff/ledger/reconciliation"): Row(policy("staff")),
    ("GET", "/staff/ledger/verify"): Row(policy("staff"), query="limit=5"),
    ("GET", "/staff/ledger/entries"): Row(policy("staff"), query="limit=5&account=bank:pool"),
    ("GET", "/staff/dlq"): Row(policy("staff"), query="limit=1"),
    # max_messages 0 is refused after the role check, so the DLQ the ledger tests watch is untouched.
    ("POST", "/staff/dlq/redrive"): Row(policy("staff"), lambda w, p: {"max_messages": 0}),
    # last: these end the resources' lives
    ("POST", "/cards/{card_id}/replace"): Row(policy("customer", owned=True), EMPTY),
    ("POST", "/staff/cards/{card_id}/replace"): Row(policy("staff"), REASON),
    # With a balance: a four-eyes proposal (202), so the account lives on.
    ("POST", "/staff/accounts/{number}/close"): Row(policy("staff"), REASON),
}


def fill(path: str, world: World, owner: Party) -> str:
    values = {
        "number": owner.account,
        "account_id": owner.account,
        "card_id": owner.card["card_id"],
        "loan_id": owner.loan_id,
        "ticket_id": owner.ticket_id,
        "transfer_id": owner.transfer_id,
        "authorization_id": owner.authorization_id,
        "request_id": owner.payment_request_id,
        "proposal_id": world.proposal_id,
        "user_id": world.bystander.user_id,
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def verdict(response: requests.Response) -> int | str:
    """What the cell observed, in the matrix's terms."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    if status == 401 and (code in (None, "unauthenticated", "invalid_access_token")):
        return 401
    if status in (403, 404) or status >= 500:
        return status
    return OK


def _ledger_balance_served(api: Api, admin: User, party: Party) -> bool:
    response = api.get(f"/staff/ledger/accounts/{party.account}/balance", token=admin.access_token)
    return response.status_code == 200


@pytest.fixture(scope="module")
def world(api: Api, customer: Callable[[], Customer], new_customer: Callable[[], User], admin: User) -> World:
    a, b = make_party(api, customer), make_party(api, customer)
    # Between each one's own accounts: the other customer is no party to it (a payee may see a transfer).
    a.transfer_id = transfer(api, a, a.savings, 10_000)
    b.transfer_id = transfer(api, b, b.savings, 10_000)
    world = World(a=a, b=b, bystander=new_customer(), staff=make_staff(api, admin), admin=admin)
    # Proposed by a staff member the admin created: the admin may not approve it, the other staff may.
    proposer = make_staff(api, admin)
    proposed = api.post(
        f"/staff/transfers/{a.transfer_id}/reversal", token=proposer.access_token, json={"reason": "matrix"}
    )
    assert proposed.status_code == 202, proposed.text
    world.proposal_id = proposed.json()["proposal_id"]
    # The statement and ledger balance need the ledger to have posted the customers' money.
    for party in (a, b):
        eventually(partial(_ledger_balance_served, api, admin, party), timeout=30)
    return world


def test_every_route_has_a_row(api: Api) -> None:
    document = api.get("/openapi.json").json()
    served = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert served - set(MATRIX) == set(), "routes without an authorization decision in MATRIX"
    assert set(MATRIX) - served == set(), "MATRIX rows for routes the API does not serve"


def test_the_matrix_holds_with_zero_leaks(api: Api, world: World) -> None:
    callers: dict[str, tuple[str | None, Party, Party]] = {
        # cell → (token, whose resource is in the path, on whose behalf the body is written)
        "anonymous": (None, world.a, world.a),
        "foreign": (world.b.token, world.a, world.b),
        "foreign_reverse": (world.a.token, world.b, world.a),
        "own": (world.a.token, world.a, world.a),
        "staff": (world.staff.access_token, world.a, world.a),
        "admin": (world.admin.access_token, world.a, world.a),
    }
    wrong: list[str] = []
    cells = 0
    # Refusals first (they must change nothing), then the calls that may act.
    for phase in ("refused", "allowed"):
        for (method, path), row in MATRIX.items():
            for cell, (token, owner, actor) in callers.items():
                expected = row.expect[cell]
                if (expected == OK) != (phase == "allowed"):
                    continue
                cells += 1
                url = fill(path, world, owner) + (f"?{row.query}" if row.query else "")
                response = api.request(
                    method,
                    url,
                    token=token,
                    json=row.body(world, actor) if row.body else None,
                    headers=key() if row.idempotent else None,
                )
                seen = verdict(response)
                if seen != expected:
                    wrong.append(
                        f"{cell:16} {method} {path}: expected {expected}, got {response.status_code} "
                        f"{response.text[:160]}"
                    )
    print(f"\nauthorization matrix: {len(MATRIX)} routes x {len(callers)} callers = {cells} cells")
    assert cells == len(MATRIX) * len(callers)
    assert not wrong, "\n".join(wrong)
