"""Tickets (thread both ways, status flow, staff filter) and staff views (dashboard, interest runs: the
schedule's, and staff's for the month just ended only, proposed and approved by two staff, paid on each
savings account's lowest balance of that month)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from accounts.domain.interest import month_bounds, previous_month
from accounts.entrypoints import interest as interest_handler
from accounts.service import staff as staff_service
from accounts.store import proposals as proposal_store
from accounts.store.models import AccountModel, AuditModel, InterestRunModel
from core.clock import iso, now, parse_iso
from core.errors import ServiceUnavailable
from tests.unit.accounts.accounts_fakes import POOL, STAFF, STAFF_2, FakePayments, customer
from tests.unit.conftest import FakeContext

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA = customer("u-ada")


def last_month() -> tuple[str, datetime]:
    """The month just ended, and its first instant."""
    month = previous_month(now())
    return month, parse_iso(month_bounds(month)[0])


@pytest.fixture
def open_early(bank: FakePayments, open_account: Opener) -> Opener:
    """Open an account in the month before last: its balance is then its balance all last month."""

    def make(who: dict[str, str], kind: str = "current") -> dict[str, Any]:
        bank.at = iso(last_month()[1] - timedelta(days=3))
        try:
            return open_account(who, kind)
        finally:
            bank.at = None

    return make


def run_interest(api: Api, month: str, proposer: dict[str, str] = STAFF) -> Any:
    """Staff propose the month's run and a second staff member approves it (four eyes)."""
    proposed = api("POST", "/staff/interest-runs", proposer, body={"month": month})
    assert proposed.status == 202, proposed.json
    return api(
        "POST",
        "/staff/proposals/{proposal_id}/approve",
        STAFF_2,
        path_params={"proposal_id": proposed.json["proposal_id"]},
    )


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


def test_an_interest_run_is_proposed_approved_by_another_staff_member_and_paid_once(
    bank: FakePayments, api: Api, open_early: Opener
) -> None:
    # Given a savings account that held 1,200.00 NGN all last month, and a current account
    savings = open_early(ADA, "savings")["account_number"]
    open_early(ADA, "current")
    bank.balance[savings] = 120_000
    month = previous_month(now())
    # When staff propose the month just ended, Then nothing is paid yet
    proposed = api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    assert proposed.status == 202
    assert (proposed.json["kind"], proposed.json["status"], proposed.json["target"]) == (
        "interest_run",
        "proposed",
        f"interest:{month}",
    )
    assert proposed.json["details"]["month"] == month
    assert bank.moved("interest") == []
    # And the proposer cannot approve it
    path = {"proposal_id": proposed.json["proposal_id"]}
    own = api("POST", "/staff/proposals/{proposal_id}/approve", STAFF, path_params=path)
    assert (own.status, own.json["code"]) == (403, "second_staff_required")
    assert bank.moved("interest") == []
    # When a second staff member approves, Then 1% / 12 of 120,000 = 100 kobo is paid from the pool
    approved = api("POST", "/staff/proposals/{proposal_id}/approve", STAFF_2, path_params=path)
    assert (approved.status, approved.json["status"], approved.json["decided_by"]) == (
        200,
        "approved",
        "staff-2",
    )
    result = approved.json["result"]
    assert (result["paid"], result["total"], result["accounts"], result["failed"]) == (1, 100, 1, 0)
    assert bank.balance[savings] == 120_100
    (payment,) = bank.moved("interest")
    assert payment["payment_id"] == f"interest:{savings}:{month}"
    assert payment["legs"] == [{"from_account": POOL, "to_account": savings, "amount": 100}]
    # And the completed run is recorded: staff cannot run the month again
    assert proposal_store.interest_run_done(month)
    second = api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    assert (second.status, second.json["code"]) == (409, "interest_already_run")
    assert len(bank.moved("interest")) == 1
    trail = [(e.action, e.actor_id) for e in AuditModel.query(f"interest:{month}")]
    assert sorted(trail) == [
        ("interest.run", "staff-2"),
        ("proposal.approve", "staff-2"),
        ("proposal.create", "staff-1"),
    ]
    assert api("POST", "/staff/interest-runs", ADA, body={"month": month}).status == 403


@pytest.mark.parametrize("which", ["future", "current", "older"])
def test_staff_may_propose_only_the_month_just_ended(bank: FakePayments, api: Api, which: str) -> None:
    today = now()
    month = {
        "future": "2999-01",
        "current": f"{today.year:04d}-{today.month:02d}",
        "older": previous_month(previous_month_start(today)),
    }[which]
    refused = api("POST", "/staff/interest-runs", STAFF, body={"month": month})
    assert (refused.status, refused.json["code"]) == (422, "month_invalid")
    assert previous_month(today) in refused.json["detail"]
    assert api("GET", "/staff/proposals", STAFF).json["items"] == []


def test_an_approval_checks_the_month_again_when_the_schedule_completed_it_meanwhile(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a proposed run for last month
    savings = open_account(ADA, "savings")["account_number"]
    bank.balance[savings] = 1_200_000
    month = previous_month(now())
    proposed = api("POST", "/staff/interest-runs", STAFF, body={"month": month}).json
    # When the scheduled run completes the month before the approval
    interest_handler.handler({"source": "aws.events"}, FakeContext())
    approved = api(
        "POST",
        "/staff/proposals/{proposal_id}/approve",
        STAFF_2,
        path_params={"proposal_id": proposed["proposal_id"]},
    )
    # Then the approval is refused and the proposal marked failed; the month was paid once
    assert (approved.status, approved.json["code"]) == (409, "interest_already_run")
    after = api(
        "GET", "/staff/proposals/{proposal_id}", STAFF, path_params={"proposal_id": proposed["proposal_id"]}
    )
    assert (after.json["status"], after.json["reason"]) == ("failed", "interest_already_run")
    assert len(bank.moved("interest")) == 1


def test_scheduled_run_pays_last_month_and_fails_loudly_on_errors(
    bank: FakePayments, open_early: Opener
) -> None:
    savings = open_early(ADA, "savings")["account_number"]
    bank.balance[savings] = 1_200_000
    bank.fail_next["move"] = ServiceUnavailable()
    with pytest.raises(interest_handler.InterestRunIncomplete):
        interest_handler.handler({"source": "aws.events"}, FakeContext())
    month = previous_month(now())
    assert not proposal_store.interest_run_done(month)  # an incomplete run is not recorded
    summary = interest_handler.handler({"source": "aws.events"}, FakeContext())  # EventBridge's retry
    assert (summary["month"], summary["paid"], summary["total"]) == (month, 1, 1_000)
    assert proposal_store.interest_run_done(month)
    # A completed month is skipped by the schedule: nothing is read or paid again
    calls = len(bank.calls)
    assert interest_handler.handler({}, FakeContext()) == {"month": month, "already_complete": True}
    assert len(bank.calls) == calls
    assert bank.balance[savings] == 1_201_000


def crash_before_marking(savings: str, month: str) -> None:
    """A run that paid but crashed before marking the month on the account (and so before the run was
    recorded as complete)."""
    staff_service.pay_interest(month)
    account = AccountModel.get(savings)
    account.update(actions=[AccountModel.interest_months.remove()])
    InterestRunModel.get(f"interest-run#{month}").delete()


def test_the_scheduled_run_always_runs_the_month_just_ended_whatever_the_event_says(
    bank: FakePayments, open_early: Opener
) -> None:
    # Given a savings account with money all last month
    savings = open_early(ADA, "savings")["account_number"]
    bank.balance[savings] = 1_200_000
    month = previous_month(now())
    # When the function is invoked with another month in its event (an old or a future one)
    summary = interest_handler.handler({"month": "2001-01"}, FakeContext())
    # Then it ran the month just ended, and nothing else
    assert (summary["month"], summary["paid"]) == (month, 1)
    assert [m["payment_id"] for m in bank.moved("interest")] == [f"interest:{savings}:{month}"]
    assert proposal_store.interest_run_done(month) and not proposal_store.interest_run_done("2001-01")
    again = interest_handler.handler({"month": "2999-12"}, FakeContext())
    assert again == {"month": month, "already_complete": True}
    assert len(bank.moved("interest")) == 1


def test_interest_is_paid_on_each_savings_accounts_lowest_balance_of_the_month(
    bank: FakePayments, api: Api, open_early: Opener, open_account: Opener
) -> None:
    month, start = last_month()
    # Given Ada's current account (with her bonus) and three savings accounts:
    current = open_early(ADA, "current")["account_number"]
    steady = open_early(ADA, "savings")["account_number"]  # 1,200,000 all month
    dipped = open_early(ADA, "savings")["account_number"]  # 1,200,000, down to 600,000 mid-month
    parked = open_early(ADA, "savings")["account_number"]  # empty, filled the month's last evening
    bank.balance[current] = 10_000_000
    bank.balance[steady] = bank.balance[dipped] = 1_200_000
    bank.at = iso(start + timedelta(days=14))
    bank.transfer("tr_dip", dipped, current, 600_000)
    bank.at = iso(start + timedelta(days=20))
    bank.transfer("tr_back", current, dipped, 600_000)
    next_month = parse_iso(month_bounds(month)[1])
    bank.at = iso(next_month - timedelta(hours=1))
    bank.transfer("tr_park", current, parked, 5_000_000)
    # And Bola, whose first (bonus-paid) account is a savings account opened mid-month
    bank.at = iso(start + timedelta(days=15))
    late = open_account(customer("u-bola"), "savings")["account_number"]
    bank.at = None
    # When the month's run is approved
    result = run_interest(api, month).json["result"]
    # Then each account earned 1% / 12 of its lowest balance that month: the parked money and the
    # account that did not exist for half the month earned nothing
    paid = {m["legs"][0]["to_account"]: m["legs"][0]["amount"] for m in bank.moved("interest")}
    assert paid == {steady: 1_000, dipped: 500}
    assert (result["accounts"], result["paid"], result["nothing_due"], result["total"]) == (4, 2, 2, 1_500)
    assert (bank.balance[parked], bank.balance[late]) == (5_000_000, 100_000)
    # And payments was asked for the lowest balances over exactly that month
    start_text, end_text = month_bounds(month)
    asked = [p for action, p in bank.calls if action == "lowest_balances"]
    assert [(sorted(p["account_numbers"]), p["start"], p["end"]) for p in asked] == [
        (sorted([steady, dipped, parked, late]), start_text, end_text)
    ]


def test_a_rerun_after_a_crash_before_marking_still_pays_once(
    bank: FakePayments, api: Api, open_early: Opener
) -> None:
    # Given a run that paid 10,000 kobo on 12,000,000 but crashed before marking the month
    savings = open_early(ADA, "savings")["account_number"]
    bank.balance[savings] = 12_000_000
    month = previous_month(now())
    crash_before_marking(savings, month)
    assert bank.balance[savings] == 12_010_000
    # When staff run it again (the interest paid this month is not in last month's lowest balance, so
    # the same payment is asked for again)
    rerun = run_interest(api, month)
    # Then payments answers the payment it already made and nothing more is paid
    assert rerun.status == 200, rerun.json
    assert (rerun.json["result"]["paid"], rerun.json["result"]["failed"]) == (1, 0)
    assert len(bank.moved("interest")) == 1
    assert bank.balance[savings] == 12_010_000
    assert month in AccountModel.get(savings).interest_months
    assert proposal_store.interest_run_done(month)


def test_a_rerun_asking_another_amount_for_a_paid_month_is_refused_by_payments_and_marked_paid(
    bank: FakePayments, api: Api, open_early: Opener
) -> None:
    # Given a run that paid but crashed before marking, and the account's rate changed since
    savings = open_early(ADA, "savings")["account_number"]
    bank.balance[savings] = 12_000_000
    month = previous_month(now())
    crash_before_marking(savings, month)
    AccountModel.get(savings).update(actions=[AccountModel.interest_rate_bp.set(200)])
    # When staff run it again, Then payments refuses the reused payment id and nothing more is paid
    rerun = run_interest(api, month)
    assert rerun.status == 200, rerun.json
    result = rerun.json["result"]
    assert (result["paid"], result["already_paid"], result["failed"]) == (0, 1, 0)
    assert bank.balance[savings] == 12_010_000
    assert month in AccountModel.get(savings).interest_months
    assert proposal_store.interest_run_done(month)


def test_the_audit_trail_without_a_target_is_a_400_not_a_500(bank: FakePayments, api: Api) -> None:
    # Given staff, when they ask for the audit trail with no (or a blank) target, then a 400 problem.
    for query in (None, {"target": ""}, {"target": "  "}):
        response = api("GET", "/staff/audit", STAFF, query=query)
        assert response.status == 400, response.json
        assert response.json["code"] == "invalid_request"


def previous_month_start(moment: datetime) -> datetime:
    """A moment in the month before `moment`'s (so its previous month is two months back)."""
    return moment.replace(day=1) - timedelta(days=1)
