"""Tickets (thread both ways, status flow, staff filter) and staff views (dashboard, interest runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.domain.interest import previous_month
from accounts.handlers import interest as interest_handler
from accounts.store.models import AccountModel, AuditModel
from core.clock import now
from core.errors import ServiceUnavailable
from tests.unit.accounts.accounts_fakes import POOL, STAFF, FakePayments, customer

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA = customer("u-ada")


def open_ticket(api: Api, who: dict[str, str] = ADA, subject: str = "Card declined") -> dict[str, Any]:
    response = api(
        "POST", "/tickets", who, body={"category": "card", "subject": subject, "message": "It was declined"}
    )
    assert response.status == 201, response.json
    ticket: dict[str, Any] = response.json
    return ticket


def test_ticket_thread_works_both_ways(bank: FakePayments, api: Api) -> None:
    ticket = open_ticket(api)
    second = open_ticket(api, subject="Another question")  # the seed failed on the second ticket
    path = {"ticket_id": ticket["ticket_id"]}
    assert ticket["status"] == "open"
    reply = api(
        "POST", "/tickets/{ticket_id}/messages", STAFF, path_params=path, body={"message": "Try again"}
    )
    assert (reply.status, reply.json["status"]) == (201, "answered")
    answer = api("POST", "/tickets/{ticket_id}/messages", ADA, path_params=path, body={"message": "Still no"})
    assert answer.json["status"] == "open"
    thread = api("GET", "/tickets/{ticket_id}", ADA, path_params=path).json
    assert [(m["author_role"], m["body"]) for m in thread["messages"]] == [
        ("customer", "It was declined"),
        ("staff", "Try again"),
        ("customer", "Still no"),
    ]
    assert api("GET", "/tickets/{ticket_id}", STAFF, path_params=path).json["messages"] == thread["messages"]
    own = api("GET", "/tickets", ADA).json["items"]
    assert {t["ticket_id"] for t in own} == {ticket["ticket_id"], second["ticket_id"]}
    assert api("POST", "/staff/tickets/{ticket_id}/resolve", ADA, path_params=path).status == 403
    resolved = api("POST", "/staff/tickets/{ticket_id}/resolve", STAFF, path_params=path)
    assert resolved.json["status"] == "resolved"
    late = api("POST", "/tickets/{ticket_id}/messages", ADA, path_params=path, body={"message": "?"})
    assert (late.status, late.json["code"]) == (409, "ticket_resolved")
    assert [e.action for e in AuditModel.query(f"ticket:{ticket['ticket_id']}")] == [
        "ticket.reply",
        "ticket.resolve",
    ]


def test_staff_filter_tickets_by_status(bank: FakePayments, api: Api) -> None:
    first = open_ticket(api)
    open_ticket(api, customer("u-bola"))
    api(
        "POST",
        "/tickets/{ticket_id}/messages",
        STAFF,
        path_params={"ticket_id": first["ticket_id"]},
        body={"message": "Looking"},
    )
    assert len(api("GET", "/tickets", STAFF).json["items"]) == 2
    answered = api("GET", "/tickets", STAFF, query={"status": "answered"}).json["items"]
    assert [t["ticket_id"] for t in answered] == [first["ticket_id"]]
    assert len(api("GET", "/tickets", STAFF, query={"status": "open"}).json["items"]) == 1
    assert api("GET", "/tickets", STAFF, query={"status": "lost"}).status == 400


def test_other_customers_cannot_see_or_reply(bank: FakePayments, api: Api) -> None:
    ticket = open_ticket(api)
    bola = customer("u-bola")
    path = {"ticket_id": ticket["ticket_id"]}
    assert api("GET", "/tickets/{ticket_id}", bola, path_params=path).status == 404
    reply = api("POST", "/tickets/{ticket_id}/messages", bola, path_params=path, body={"message": "hi"})
    assert (reply.status, reply.json["code"]) == (404, "ticket_not_found")
    assert api("GET", "/tickets", bola).json["items"] == []


def test_dashboard_combines_bank_totals_and_queues(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    api("POST", "/loans", ADA, body={"account_number": number, "amount": 500_000, "months": 6})
    open_ticket(api)
    assert api("GET", "/staff/dashboard", ADA).status == 403
    board = api("GET", "/staff/dashboard", STAFF).json
    assert board["pool_balance"] == 10**12 - 100_000
    assert board["customer_deposits"] == 100_000
    assert (board["pending_loans"], board["open_tickets"], board["answered_tickets"]) == (1, 1, 0)


def test_an_interest_run_twice_for_a_month_pays_once(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a savings account with 1,200.00 NGN and a current account
    savings = open_account(ADA, "savings")["account_number"]
    open_account(ADA, "current")
    bank.balance[savings] = 120_000
    month = previous_month(now())
    # When staff run interest for the month twice
    first = api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    second = api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    # Then 1% / 12 of 120,000 = 100 kobo is paid once from the pool
    assert first.status == 201
    assert (first.json["paid"], first.json["total"], first.json["accounts"]) == (1, 100, 1)
    assert (second.json["paid"], second.json["already_paid"]) == (0, 1)
    assert bank.balance[savings] == 120_100
    (payment,) = bank.moved("interest")
    assert payment["payment_id"] == f"interest:{savings}:{month}"
    assert payment["legs"] == [{"from_account": POOL, "to_account": savings, "amount": 100}]
    assert len(list(AuditModel.query(f"interest:{month}"))) == 2
    assert api("POST", "/staff/interest-runs", ADA, body={"month": month}).status == 403
    future = api("POST", "/staff/interest-runs", STAFF, body={"month": "2999-01"})
    assert (future.status, future.json["code"]) == (400, "month_invalid")


def test_scheduled_run_pays_last_month_and_fails_loudly_on_errors(
    bank: FakePayments, open_account: Opener
) -> None:
    savings = open_account(ADA, "savings")["account_number"]
    bank.balance[savings] = 1_200_000
    bank.fail_next["move"] = ServiceUnavailable()
    with pytest.raises(interest_handler.InterestRunIncomplete):
        interest_handler.handler({"source": "aws.events"}, None)
    summary = interest_handler.handler({"source": "aws.events"}, None)  # EventBridge's retry
    assert (summary["month"], summary["paid"], summary["total"]) == (previous_month(now()), 1, 1_000)
    assert interest_handler.handler({}, None)["already_paid"] == 1
    assert bank.balance[savings] == 1_201_000


def test_a_rerun_after_a_crash_before_marking_still_pays_once(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a run that paid but crashed before marking the month on the account
    savings = open_account(ADA, "savings")["account_number"]
    bank.balance[savings] = 12_000_000
    month = previous_month(now())
    api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    account = AccountModel.get(savings)
    account.update(actions=[AccountModel.interest_months.remove()])
    # When it runs again (the balance now includes the interest, so the amount differs)
    rerun = api("POST", "/staff/interest-runs", STAFF, body={"month": month}).json
    # Then payments refuses the reused payment id and nothing more is paid
    assert (rerun["paid"], rerun["already_paid"], rerun["failed"]) == (0, 1, 0)
    assert bank.balance[savings] == 12_010_000
    assert month in AccountModel.get(savings).interest_months


def test_the_audit_trail_without_a_target_is_a_400_not_a_500(bank: FakePayments, api: Api) -> None:
    # Given staff, when they ask for the audit trail with no (or a blank) target, then a 400 problem.
    for query in (None, {"target": ""}, {"target": "  "}):
        response = api("GET", "/staff/audit", STAFF, query=query)
        assert response.status == 400, response.json
        assert response.json["code"] == "invalid_request"
