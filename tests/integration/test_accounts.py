"""Accounts through the deployed gateway: bonus from the pool, blocks that stop money, cards without
secrets at rest, loans end to end, tickets both ways, strangers get 404, interest paid once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.conftest import Bank, User
from tools.api import Api

pytestmark = pytest.mark.localcloud

ACCOUNTS_TABLES = (
    "AccountsTable",
    "AccountsCardsTable",
    "AccountsLoansTable",
    "AccountsTicketsTable",
    "AccountsAuditTable",
)


def open_account(api: Api, user: User, kind: str = "current", pin: str = "0123") -> dict[str, Any]:
    response = api.post("/accounts", token=user.access_token, json={"type": kind, "pin": pin})
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


def balance(api: Api, user: User, number: str) -> int:
    response = api.get(f"/accounts/{number}", token=user.access_token)
    assert response.status_code == 200, response.text
    return int(response.json()["ledger_balance"])


def pool(api: Api, admin: User) -> int:
    response = api.get("/staff/dashboard", token=admin.access_token)
    assert response.status_code == 200, response.text
    return int(response.json()["pool_balance"])


def transfer(api: Api, user: User, source: str, target: str, amount: int) -> Any:
    return api.post(
        "/transfers",
        token=user.access_token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={
            "from_account": source,
            "to_account": target,
            "amount": amount,
            "pin": "0123",
            "description": "test",
        },
    )


def test_the_welcome_bonus_is_paid_from_the_pool_once_per_customer(
    api: Api, admin: User, new_customer: Callable[[], User]
) -> None:
    user = new_customer()
    before = pool(api, admin)
    first = open_account(api, user, "current")
    second = open_account(api, user, "savings", "9876")
    listed = api.get("/accounts", token=user.access_token).json()["items"]
    assert {a["account_number"]: a["ledger_balance"] for a in listed} == {
        first["account_number"]: 100_000,
        second["account_number"]: 0,
    }
    assert all(a["state"] == "active" for a in listed)
    assert pool(api, admin) == before - 100_000


def test_blocked_account_neither_sends_nor_receives_and_close_with_money_needs_four_eyes(
    api: Api, admin: User, new_customer: Callable[[], User]
) -> None:
    ada, bola = new_customer(), new_customer()
    a = open_account(api, ada)["account_number"]
    b = open_account(api, bola)["account_number"]
    assert transfer(api, ada, a, b, 5_000).status_code == 201
    blocked = api.post(f"/accounts/{a}/block", token=ada.access_token, json={"reason": "lost phone"})
    assert blocked.status_code == 200 and blocked.json()["state"] == "blocked"
    assert transfer(api, ada, a, b, 5_000).status_code in (409, 422)
    assert transfer(api, bola, b, a, 5_000).status_code in (409, 422)
    assert balance(api, ada, a) == 95_000 and balance(api, bola, b) == 105_000
    assert api.post(f"/accounts/{a}/unblock", token=ada.access_token, json={}).status_code == 200
    assert transfer(api, bola, b, a, 5_000).status_code == 201
    closed = api.post(f"/staff/accounts/{b}/close", token=admin.access_token, json={"reason": "asked"})
    assert (closed.status_code, closed.json()["status"]) == (202, "proposed"), closed.text
    assert api.get(f"/accounts/{b}", token=bola.access_token).json()["state"] == "active"


def test_card_shows_pan_once_and_no_table_holds_it_or_a_cvv(
    bank: Bank, api: Api, new_customer: Callable[[], User]
) -> None:
    user = new_customer()
    number = open_account(api, user)["account_number"]
    issued = api.post(f"/accounts/{number}/cards", token=user.access_token, json={"pin": "0042"})
    assert issued.status_code == 201, issued.text
    card = issued.json()
    pan, cvv = card["pan"], card["cvv"]
    assert len(pan) == 16 and pan.startswith("506123") and len(cvv) == 3
    listed = api.get(f"/accounts/{number}/cards", token=user.access_token)
    assert listed.status_code == 200
    assert listed.json()["items"][0]["masked_pan"] == f"{pan[:6]}******{pan[-4:]}"
    assert pan not in listed.text and '"cvv"' not in listed.text
    dynamodb = bank.client("dynamodb")
    for logical_id in ACCOUNTS_TABLES:
        table = bank.physical_id(logical_id)
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                assert pan not in str(item), logical_id
                assert not any("cvv" in name.lower() for name in item), logical_id


def test_loan_apply_approve_repay_paid_off(api: Api, admin: User, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    number = open_account(api, user)["account_number"]
    applied = api.post(
        "/loans", token=user.access_token, json={"account_number": number, "amount": 500_000, "months": 3}
    )
    assert applied.status_code == 201, applied.text
    loan = applied.json()
    assert loan["repayable"] == 560_000 and [i["amount"] for i in loan["schedule"]] == [
        186_666,
        186_666,
        186_668,
    ]
    second = api.post(
        "/loans", token=user.access_token, json={"account_number": number, "amount": 20_000, "months": 1}
    )
    assert (second.status_code, second.json()["code"]) == (409, "loan_already_open")
    queue = api.get("/staff/loans", token=admin.access_token, params={"status": "pending"}).json()["items"]
    assert loan["loan_id"] in {item["loan_id"] for item in queue}
    approved = api.post(
        f"/staff/loans/{loan['loan_id']}/decision",
        token=admin.access_token,
        json={"decision": "approve", "reason": "good standing"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    assert balance(api, user, number) == 600_000
    repaid = api.post(
        f"/loans/{loan['loan_id']}/repayments",
        token=user.access_token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={"account_number": number, "amount": 560_000},
    )
    assert repaid.status_code == 201, repaid.text
    assert repaid.json()["loan"]["status"] == "paid_off"
    assert balance(api, user, number) == 40_000
    again = api.post(
        "/loans", token=user.access_token, json={"account_number": number, "amount": 20_000, "months": 1}
    )
    assert again.status_code == 201


def test_ticket_thread_both_ways(api: Api, admin: User, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    opened = api.post(
        "/tickets",
        token=user.access_token,
        json={"category": "card", "subject": "Declined", "message": "Why?"},
    )
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["ticket_id"]
    staff_reply = api.post(
        f"/tickets/{ticket_id}/messages", token=admin.access_token, json={"message": "Retry"}
    )
    assert staff_reply.status_code == 201 and staff_reply.json()["status"] == "answered"
    answered = api.get("/tickets", token=admin.access_token, params={"status": "answered"}).json()["items"]
    assert ticket_id in {t["ticket_id"] for t in answered}
    customer_reply = api.post(
        f"/tickets/{ticket_id}/messages", token=user.access_token, json={"message": "Works"}
    )
    assert customer_reply.status_code == 201
    thread = api.get(f"/tickets/{ticket_id}", token=user.access_token).json()["messages"]
    assert [m["body"] for m in thread] == ["Why?", "Retry", "Works"]
    resolved = api.post(f"/staff/tickets/{ticket_id}/resolve", token=admin.access_token, json={})
    assert resolved.json()["status"] == "resolved"


def test_customers_cannot_see_each_others_things(api: Api, new_customer: Callable[[], User]) -> None:
    ada, bola = new_customer(), new_customer()
    number = open_account(api, ada)["account_number"]
    card_id = api.post(f"/accounts/{number}/cards", token=ada.access_token, json={"pin": "1111"}).json()[
        "card_id"
    ]
    loan_id = api.post(
        "/loans", token=ada.access_token, json={"account_number": number, "amount": 20_000, "months": 1}
    ).json()["loan_id"]
    ticket_id = api.post(
        "/tickets", token=ada.access_token, json={"category": "other", "subject": "Hi", "message": "Hello"}
    ).json()["ticket_id"]
    for method, path in [
        ("GET", f"/accounts/{number}"),
        ("GET", f"/accounts/{number}/cards"),
        ("POST", f"/cards/{card_id}/block"),
        ("GET", f"/loans/{loan_id}"),
        ("GET", f"/tickets/{ticket_id}"),
    ]:
        response = api.request(method, path, token=bola.access_token, json={} if method == "POST" else None)
        assert response.status_code == 404, (path, response.text)
    assert api.get("/accounts", token=bola.access_token).json()["items"] == []
    assert api.get("/loans", token=bola.access_token).json()["items"] == []
    assert api.get("/tickets", token=bola.access_token).json()["items"] == []


def test_the_month_just_ended_is_run_once_with_four_eyes_on_its_lowest_balances(
    api: Api, admin: User, staff: User, approver: User, new_customer: Callable[[], User]
) -> None:
    # Given a customer whose first (bonus-paid) savings account opens today, after the month ended
    user = new_customer()
    number = open_account(api, user, "savings")["account_number"]
    now = datetime.now(UTC)
    month = f"{now.year - (now.month == 1):04d}-{(now.month - 2) % 12 + 1:02d}"  # the month just ended
    # When one staff member proposes the run and another approves it
    proposed = api.post("/staff/interest-runs", token=staff.access_token, json={"month": month})
    assert (proposed.status_code, proposed.json()["kind"]) == (202, "interest_run"), proposed.text
    approved = api.post(
        f"/staff/proposals/{proposed.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert approved.status_code == 200, approved.text
    # Then interest is paid on each account's lowest balance of that month: money that arrived
    # after it earns nothing for it (the run's own figures say so)
    summary = approved.json()["result"]
    assert summary["month"] == month and summary["nothing_due"] >= 1 and summary["failed"] == 0
    assert balance(api, user, number) == 100_000
    # And the month can never be run again, nor the approval replayed
    again = api.post("/staff/interest-runs", token=admin.access_token, json={"month": month})
    assert (again.status_code, again.json()["code"]) == (409, "interest_already_run")
    replayed = api.post(
        f"/staff/proposals/{proposed.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert (replayed.status_code, replayed.json()["code"]) == (409, "proposal_not_open")
