"""Four eyes (maker-checker): staff actions that move the bank's money are proposed by one staff member
and approved, in the Approvals page, by another. The proposer sees "waiting for a second staff member"
with the proposal's id, cannot approve their own proposal, and may withdraw it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.integration.conftest import PASSWORD, User

# Two staff members created by the admin: one proposes, the other approves (the admin could not
# approve the proposals of staff it created, nor they the admin's: docs/security.md).
from tests.integration.conftest import approver as approver  # noqa: PLC0414
from tests.integration.conftest import staff as staff  # noqa: PLC0414
from tools.api import Api


def proposal(api: Api, token: str, proposal_id: str) -> dict[str, Any]:
    response = api.get(f"/staff/proposals/{proposal_id}", token=token)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def balance(api: Api, user: User, account: str) -> tuple[int, int]:
    view = api.get(f"/accounts/{account}", token=user.access_token).json()
    return int(view["available_balance"]), int(view["ledger_balance"])


def test_reversal_proposed_by_one_staff_member_approved_by_another(
    open_ui: Callable[..., Ui],
    api: Api,
    staff: User,
    approver: User,
    customer_with_account: Callable[[], tuple[User, str]],
) -> None:
    # Given a transfer of 250.00 NGN from Alice to Bob
    alice, alice_account = customer_with_account()
    bob, bob_account = customer_with_account()
    sent = api.post(
        "/transfers",
        token=alice.access_token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={"from_account": alice_account, "to_account": bob_account, "amount": 25_000, "pin": "1234"},
    )
    assert sent.status_code == 201, sent.text
    payment_id = sent.json()["payment_id"]

    # When staff member A proposes reversing it
    maker = open_ui("staff-a")
    maker.sign_in(staff.username, PASSWORD)
    page_a = maker.page
    maker.go(f"/staff/accounts/{alice_account}")
    page_a.locator("details.reverse summary").first.click()
    page_a.get_by_label(re.compile("^Reverse ₦250.00")).fill("Paid to the wrong account")
    page_a.get_by_role("button", name="Propose reversal").click()
    # Then the page says it waits for a second staff member, with the proposal's id
    proposed = page_a.get_by_test_id("proposed")
    expect(proposed).to_contain_text("Reversal proposed — waiting for a second staff member (proposal prop_")
    proposal_id = proposed.get_by_test_id("proposal-id").inner_text().strip()
    pending = page_a.get_by_test_id("pending-proposal")
    expect(pending).to_contain_text(proposal_id)
    expect(pending).to_contain_text(f"proposed by {staff.username}")
    expect(page_a.locator("details.reverse")).to_have_count(0)  # no second proposal for the same payment
    maker.shot("80-reversal-proposed")
    # And nothing has moved yet
    waiting = proposal(api, staff.access_token, proposal_id)
    assert waiting["kind"] == "reversal" and waiting["status"] == "proposed", waiting
    assert waiting["details"]["payment_id"] == payment_id and waiting["proposed_by"] == staff.user_id
    assert api.get(f"/transfers/{payment_id}", token=alice.access_token).json()["reversed_by"] is None
    assert balance(api, alice, alice_account) == (75_000, 75_000)

    # A sees it in Approvals, but cannot approve their own proposal
    maker.go("/staff/approvals")
    own = page_a.locator(f"article[data-proposal='{proposal_id}']")
    expect(own).to_contain_text("Reversal")
    expect(own).to_contain_text("₦250.00")
    expect(own).to_contain_text(staff.username)
    expect(own.get_by_test_id("own-proposal")).to_have_text(
        "You proposed this: another staff member must approve it."
    )
    expect(own.get_by_role("button", name="Approve")).to_be_disabled()
    maker.shot("81-approvals-own-proposal")
    refused = api.post(f"/staff/proposals/{proposal_id}/approve", token=staff.access_token, json={})
    assert refused.status_code == 403 and refused.json()["code"] == "second_staff_required", refused.text

    # When staff member B approves it in the Approvals page
    checker = open_ui("staff-b")
    checker.sign_in(approver.username, PASSWORD)
    page_b = checker.page
    page_b.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page_b.get_by_role("heading", name="Approvals")).to_be_visible()
    theirs = page_b.locator(f"article[data-proposal='{proposal_id}']")
    expect(theirs).to_contain_text(staff.username)
    expect(theirs.get_by_test_id("own-proposal")).to_have_count(0)
    checker.shot("82-approvals-second-staff")
    theirs.get_by_role("button", name="Approve").click()
    # Then the reversal is carried out, and leaves the queue
    outcome = page_b.get_by_test_id("approval-outcome")
    expect(outcome).to_contain_text(f"Approved: reversal carried out (proposal {proposal_id}")
    expect(outcome).to_contain_text("₦250.00 returned")
    expect(page_b.locator(f"article[data-proposal='{proposal_id}']")).to_have_count(0)
    checker.shot("83-approvals-approved")
    decided = proposal(api, approver.access_token, proposal_id)
    assert decided["status"] == "approved" and decided["decided_by"] == approver.user_id, decided
    assert api.get(f"/transfers/{payment_id}", token=alice.access_token).json()["reversed_by"]
    assert balance(api, alice, alice_account) == (100_000, 100_000)
    assert balance(api, bob, bob_account) == (100_000, 100_000)

    # And A's account page shows the transfer reversed, with nothing left pending
    maker.go(f"/staff/accounts/{alice_account}")
    expect(page_a.get_by_text(re.compile(r"reversed by rev_")).first).to_be_visible()
    expect(page_a.get_by_test_id("pending-proposal")).to_have_count(0)
    maker.shot("84-reversal-done")


def test_closure_large_loan_and_interest_run_wait_for_a_second_staff_member(
    open_ui: Callable[..., Ui],
    api: Api,
    staff: User,
    approver: User,
    customer_with_account: Callable[[], tuple[User, str]],
) -> None:
    # Given a customer with money in an account, and a loan application of 2,000,000 NGN into another
    # (an account with a loan open on it cannot be closed)
    carol, carol_account = customer_with_account()
    opened = api.post("/accounts", token=carol.access_token, json={"type": "current", "pin": "1234"})
    assert opened.status_code == 201, opened.text
    loan_account = opened.json()["account_number"]
    applied = api.post(
        "/loans",
        token=carol.access_token,
        json={"account_number": loan_account, "amount": 200_000_000, "months": 12},
    )
    assert applied.status_code == 201, applied.text
    loan_id = applied.json()["loan_id"]
    maker = open_ui("maker")
    maker.sign_in(staff.username, PASSWORD)
    page_a = maker.page

    # When A closes the account, which holds a balance: it is proposed, not done
    maker.go(f"/staff/accounts/{carol_account}")
    close = page_a.locator("details", has=page_a.locator("summary", has_text="Close account"))
    close.locator("summary").click()
    close.get_by_label("Reason").fill("Customer is leaving the bank")
    page_a.get_by_role("button", name="Close account").click()
    expect(page_a.get_by_test_id("proposed")).to_contain_text(
        "Account closure with payout proposed — waiting for a second staff member (proposal prop_"
    )
    closure_id = page_a.get_by_test_id("proposal-id").inner_text().strip()
    expect(page_a.get_by_test_id("pending-proposal")).to_contain_text(closure_id)
    expect(page_a.locator("summary", has_text="Close account")).to_have_count(0)
    maker.shot("85-closure-proposed")
    assert api.get(f"/accounts/{carol_account}", token=carol.access_token).json()["state"] == "active"
    assert proposal(api, staff.access_token, closure_id)["details"]["balance"] == 100_000

    # When A approves the large loan: it is proposed too, and the queue says so
    maker.go("/staff/loans")
    loan = page_a.locator(f"article[data-loan='{loan_id}']")
    loan.get_by_label("Reason").fill("Income verified")
    loan.get_by_role("button", name="Approve").click()
    expect(page_a.get_by_test_id("proposed")).to_contain_text("Loan approval proposed — waiting for a second")
    loan_proposal = page_a.get_by_test_id("proposal-id").inner_text().strip()
    loan = page_a.locator(f"article[data-loan='{loan_id}']")
    expect(loan.get_by_test_id("pending-proposal")).to_contain_text(loan_proposal)
    expect(loan.get_by_role("button", name="Approve")).to_have_count(0)
    expect(loan.get_by_role("button", name="Reject")).to_be_visible()
    maker.shot("86-loan-approval-proposed")
    assert api.get(f"/loans/{loan_id}", token=carol.access_token).json()["status"] == "pending"

    # When A proposes the interest run: only the month just ended is accepted (the API says which)
    maker.go("/staff/approvals")
    maker.expect_console(r"status of 422")
    month = page_a.get_by_label("Month")
    suggested = month.input_value()
    month.fill("2020-01")
    page_a.get_by_role("button", name="Propose the interest run").click()
    interest = page_a.locator("section", has=page_a.get_by_role("heading", name="Savings interest"))
    expect(interest.get_by_role("alert")).to_contain_text(f"Only {suggested} can be run now")
    expect(interest.get_by_role("alert")).to_contain_text("month_invalid")
    month.fill(suggested)
    page_a.get_by_role("button", name="Propose the interest run").click()
    expect(page_a.get_by_test_id("proposed")).to_contain_text("Interest run proposed — waiting for a second")
    interest_id = page_a.get_by_test_id("proposal-id").inner_text().strip()
    mine = page_a.locator(f"article[data-proposal='{interest_id}']")
    expect(mine).to_contain_text(suggested)
    expect(mine.get_by_role("button", name="Approve")).to_be_disabled()
    maker.shot("87-interest-run-proposed")

    # Then B sees all three; B rejects the closure and approves the loan
    checker = open_ui("checker")
    checker.sign_in(approver.username, PASSWORD)
    page_b = checker.page
    checker.go("/staff/approvals")
    for proposal_id in (closure_id, loan_proposal, interest_id):
        expect(page_b.locator(f"article[data-proposal='{proposal_id}']")).to_be_visible()
    checker.shot("88-approvals-queue")
    closure = page_b.locator(f"article[data-proposal='{closure_id}']")
    expect(closure).to_contain_text("₦1,000.00")
    closure.locator("summary", has_text="Reject this proposal").click()
    closure.get_by_label("Reason").fill("Customer asked to keep it")
    closure.get_by_role("button", name="Reject").click()
    expect(page_b.get_by_test_id("approval-outcome")).to_contain_text("Account closure with payout rejected")
    expect(page_b.locator(f"article[data-proposal='{closure_id}']")).to_have_count(0)
    rejected = proposal(api, approver.access_token, closure_id)
    assert rejected["status"] == "rejected" and rejected["reason"] == "Customer asked to keep it", rejected
    page_b.locator(f"article[data-proposal='{loan_proposal}']").get_by_role("button", name="Approve").click()
    outcome = page_b.get_by_test_id("approval-outcome")
    expect(outcome).to_contain_text("Approved: loan approval carried out")
    expect(outcome).to_contain_text(f"₦2,000,000.00 paid into {loan_account}")
    checker.shot("89-loan-approved-by-second-staff")
    assert api.get(f"/loans/{loan_id}", token=carol.access_token).json()["status"] == "active"
    assert api.get(f"/accounts/{carol_account}", token=carol.access_token).json()["state"] == "active"
    assert balance(api, carol, loan_account) == (200_000_000, 200_000_000)
    assert balance(api, carol, carol_account) == (100_000, 100_000)

    # And A withdraws the interest run they proposed
    maker.go("/staff/approvals")
    mine = page_a.locator(f"article[data-proposal='{interest_id}']")
    mine.locator("summary", has_text="Withdraw this proposal").click()
    mine.get_by_label("Reason").fill("Scheduled run will do it")
    mine.get_by_role("button", name="Withdraw").click()
    expect(page_a.get_by_test_id("approval-outcome")).to_contain_text("Interest run withdrawn")
    assert proposal(api, staff.access_token, interest_id)["status"] == "rejected"
