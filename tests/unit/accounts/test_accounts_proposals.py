"""Four eyes: reversals, large loan approvals and closures with a balance are proposed by one staff member
and carried out only when a different one approves; proposals are listed, rejected, expire after 24 h,
fail with the action's refusal, and are audited on their own trail and their target's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from accounts.service import approvals
from accounts.service import proposals as proposal_service
from accounts.store.models import AccountModel, AccountOwnerModel, AuditModel, LoanModel, ProposalModel
from core.clock import now
from core.errors import AlreadyReversed, ServiceUnavailable
from tests.unit.accounts.accounts_fakes import (
    CASH,
    STAFF,
    STAFF_2,
    FakePayments,
    customer,
)

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA, BOLA = customer("u-ada"), customer("u-bola")
STAFF_3 = {"sub": "staff-3", "role": "staff", "username": "third"}
ADMIN = {"sub": "admin-1", "role": "admin", "username": "root"}
BIG_LOAN = 200_000_000  # 2,000,000.00 NGN: above the four-eyes amount (1,000,000.00 NGN)
FOUR_EYES_LIMIT = 100_000_000


@pytest.fixture
def transfer(bank: FakePayments, open_account: Opener) -> dict[str, str]:
    """Ada paid Bola 30,000 kobo (payment `tr_1`)."""
    ada = open_account(ADA)["account_number"]
    bola = open_account(BOLA)["account_number"]
    bank.transfer("tr_1", ada, bola, 30_000)
    return {"payment_id": "tr_1", "ada": ada, "bola": bola}


def propose_reversal(api: Api, payment_id: str, who: dict[str, str] = STAFF) -> Any:
    return api(
        "POST",
        "/staff/transfers/{transfer_id}/reversal",
        who,
        path_params={"transfer_id": payment_id},
        body={"reason": "customer reported fraud"},
    )


def approve(api: Api, proposal_id: str, who: dict[str, str]) -> Any:
    return api(
        "POST", "/staff/proposals/{proposal_id}/approve", who, path_params={"proposal_id": proposal_id}
    )


def reject(api: Api, proposal_id: str, who: dict[str, str], reason: str = "not convinced") -> Any:
    return api(
        "POST",
        "/staff/proposals/{proposal_id}/reject",
        who,
        path_params={"proposal_id": proposal_id},
        body={"reason": reason},
    )


def read(api: Api, proposal_id: str) -> dict[str, Any]:
    response = api("GET", "/staff/proposals/{proposal_id}", STAFF, path_params={"proposal_id": proposal_id})
    assert response.status == 200, response.json
    result: dict[str, Any] = response.json
    return result


def open_ids(api: Api) -> list[str]:
    return [item["proposal_id"] for item in api("GET", "/staff/proposals", STAFF).json["items"]]


def trail(target: str) -> list[tuple[str, str, str]]:
    return sorted((e.action, e.actor_id, e.reason) for e in AuditModel.query(target))


def actions(bank: FakePayments, name: str) -> list[dict[str, Any]]:
    return [payload for action, payload in bank.calls if action == name]


# --- reversals -------------------------------------------------------------------------------------------


def test_a_reversal_runs_once_only_after_a_second_staff_member_approves(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    ada, bola = transfer["ada"], transfer["bola"]
    # When staff propose reversing the transfer
    proposed = propose_reversal(api, "tr_1")
    # Then payments was asked whether it may be reversed, and nothing moved yet
    assert proposed.status == 202
    view = proposed.json
    assert (view["kind"], view["status"], view["target"], view["proposed_by"]) == (
        "reversal",
        "proposed",
        "payment:tr_1",
        "staff-1",
    )
    assert view["details"] == {
        "payment_id": "tr_1",
        "amount": 30_000,
        "from_account": ada,
        "to_account": bola,
        "reason": "customer reported fraud",
    }
    assert actions(bank, "check_reversal") == [{"payment_id": "tr_1"}]
    assert actions(bank, "reverse") == []
    assert open_ids(api) == [view["proposal_id"]]
    # When the proposer approves it, Then 403 and nothing moves
    own = approve(api, view["proposal_id"], STAFF)
    assert (own.status, own.json["code"]) == (403, "second_staff_required")
    assert actions(bank, "reverse") == [] and read(api, view["proposal_id"])["status"] == "proposed"
    # When another staff member approves, Then payments reverses it, as the approver, once
    approved = approve(api, view["proposal_id"], STAFF_2)
    assert approved.status == 200
    assert (approved.json["status"], approved.json["decided_by"], approved.json["decided_by_username"]) == (
        "approved",
        "staff-2",
        "checker",
    )
    assert approved.json["result"]["payment_id"] == "rev_tr_1"
    assert actions(bank, "reverse") == [
        {"payment_id": "tr_1", "reason": "customer reported fraud", "initiated_by": "staff-2"}
    ]
    assert (bank.balance[ada], bank.balance[bola]) == (100_000, 100_000)
    # And it cannot be approved again, nor rejected, and left the open list
    for who in (STAFF_2, STAFF_3):
        again = approve(api, view["proposal_id"], who)
        assert (again.status, again.json["code"]) == (409, "proposal_not_open")
    assert reject(api, view["proposal_id"], STAFF_3).json["code"] == "proposal_not_open"
    assert len(actions(bank, "reverse")) == 1
    assert open_ids(api) == []
    # And both trails show who proposed and who approved
    expected = [
        ("proposal.approve", "staff-2", ""),
        ("proposal.create", "staff-1", "customer reported fraud"),
    ]
    assert trail(f"proposal:{view['proposal_id']}") == expected
    assert trail("payment:tr_1") == expected


def test_customers_never_reach_proposals(bank: FakePayments, api: Api, transfer: dict[str, str]) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    assert propose_reversal(api, "tr_1", ADA).status == 403
    assert api("GET", "/staff/proposals", ADA).status == 403
    assert approve(api, proposal_id, ADA).status == 403
    assert reject(api, proposal_id, ADA).status == 403
    assert actions(bank, "reverse") == []


def test_an_admin_is_a_second_pair_of_eyes_but_not_for_their_own_proposal(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    own = propose_reversal(api, "tr_1", ADMIN).json["proposal_id"]
    assert approve(api, own, ADMIN).json["code"] == "second_staff_required"
    assert approve(api, own, STAFF).json["status"] == "approved"


# Staff accounts as the authorizer passes them on: `cby` is the admin who created the account.
MADE_BY_ADMIN = {"sub": "staff-9", "role": "staff", "username": "made", "cby": "admin-1"}
SIBLING = {"sub": "staff-8", "role": "staff", "username": "sibling", "cby": "admin-1"}


def test_an_admin_and_a_staff_member_that_admin_created_are_one_pair_of_eyes(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    bank.transfer("tr_2", transfer["ada"], transfer["bola"], 1_000)
    # Given a reversal proposed by a staff member admin-1 created
    made = propose_reversal(api, "tr_1", MADE_BY_ADMIN).json["proposal_id"]
    assert ProposalModel.get(f"proposal#{made}").proposed_by_creator == "admin-1"
    # When admin-1 approves it, Then 403: the creator is not a second pair of eyes
    refused = approve(api, made, ADMIN)
    assert (refused.status, refused.json["code"]) == (403, "second_staff_required")
    assert actions(bank, "reverse") == [] and read(api, made)["status"] == "proposed"
    # Given a reversal proposed by admin-1, When the staff member admin-1 created approves it, Then 403
    own = propose_reversal(api, "tr_2", ADMIN).json["proposal_id"]
    assert ProposalModel.get(f"proposal#{own}").proposed_by_creator == ""
    refused = approve(api, own, MADE_BY_ADMIN)
    assert (refused.status, refused.json["code"]) == (403, "second_staff_required")
    assert actions(bank, "reverse") == [] and read(api, own)["status"] == "proposed"
    # But another staff member admin-1 created is a second pair of eyes for either, as is anyone else
    assert approve(api, made, SIBLING).json["status"] == "approved"
    assert approve(api, own, STAFF_2).json["status"] == "approved"
    assert [p["payment_id"] for p in actions(bank, "reverse")] == ["tr_1", "tr_2"]


def test_what_payments_refuses_is_never_proposed(bank: FakePayments, api: Api, open_account: Opener) -> None:
    open_account(ADA)
    unknown = propose_reversal(api, "tr_missing")
    assert (unknown.status, unknown.json["code"]) == (404, "transfer_not_found")
    bonus = propose_reversal(api, "bonus:u-ada")  # a welcome bonus is not a transfer
    assert (bonus.status, bonus.json["code"]) == (409, "not_reversible")
    assert open_ids(api) == []


def test_a_rejected_proposal_never_runs(bank: FakePayments, api: Api, transfer: dict[str, str]) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    # When another staff member rejects it
    rejected = reject(api, proposal_id, STAFF_2, "the customer withdrew the complaint")
    # Then it is rejected with the reason, cannot be approved or rejected again, and nothing moved
    assert rejected.status == 200
    assert (rejected.json["status"], rejected.json["reason"], rejected.json["decided_by"]) == (
        "rejected",
        "the customer withdrew the complaint",
        "staff-2",
    )
    assert approve(api, proposal_id, STAFF_3).json["code"] == "proposal_not_open"
    assert reject(api, proposal_id, STAFF_3).json["code"] == "proposal_not_open"
    assert actions(bank, "reverse") == [] and open_ids(api) == []
    assert ("proposal.reject", "staff-2", "the customer withdrew the complaint") in trail("payment:tr_1")


def test_the_proposer_may_withdraw_their_own_proposal(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    assert reject(api, proposal_id, STAFF, "proposed by mistake").json["status"] == "rejected"
    assert approve(api, proposal_id, STAFF_2).json["code"] == "proposal_not_open"
    assert actions(bank, "reverse") == []


def test_a_proposal_expires_after_a_day(
    bank: FakePayments, api: Api, transfer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    # When a day has passed
    later = now() + timedelta(hours=24, seconds=1)
    for module in (approvals, proposal_service):
        monkeypatch.setattr(module, "now", lambda: later)
    # Then it reads as expired, is off the open list, and can be neither approved nor rejected
    assert read(api, proposal_id)["status"] == "expired"
    assert open_ids(api) == []
    refused = approve(api, proposal_id, STAFF_2)
    assert (refused.status, refused.json["code"]) == (409, "proposal_not_open")
    assert reject(api, proposal_id, STAFF_2).json["code"] == "proposal_not_open"
    assert actions(bank, "reverse") == []


def test_a_refused_action_marks_the_proposal_failed_and_answers_with_the_refusal(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    # Given payments refuses the reversal when it runs (reversed meanwhile by another proposal)
    bank.fail_next["reverse"] = AlreadyReversed()
    # When it is approved, Then the answer is payments' refusal and the proposal failed with its code
    refused = approve(api, proposal_id, STAFF_2)
    assert (refused.status, refused.json["code"]) == (409, "already_reversed")
    failed = read(api, proposal_id)
    assert (failed["status"], failed["reason"], failed["decided_by"]) == (
        "failed",
        "already_reversed",
        "staff-2",
    )
    assert failed["result"]["code"] == "already_reversed"
    assert ("proposal.fail", "staff-2", "already_reversed") in trail(f"proposal:{proposal_id}")
    # And it is decided: approving again does not run it
    assert approve(api, proposal_id, STAFF_2).json["code"] == "proposal_not_open"
    assert len(actions(bank, "reverse")) == 1


def test_an_approval_cut_short_by_an_outage_is_finished_by_the_same_approver(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    proposal_id = propose_reversal(api, "tr_1").json["proposal_id"]
    bank.fail_next["reverse"] = ServiceUnavailable()
    assert approve(api, proposal_id, STAFF_2).status == 503
    assert read(api, proposal_id)["status"] == "approving"  # claimed, not failed
    # Another staff member cannot take it over, the proposer still cannot approve it
    assert approve(api, proposal_id, STAFF_3).json["code"] == "proposal_not_open"
    assert approve(api, proposal_id, STAFF).json["code"] == "second_staff_required"
    finished = approve(api, proposal_id, STAFF_2)
    assert (finished.status, finished.json["status"]) == (200, "approved")
    assert bank.reversed_by == {"tr_1": "rev_tr_1"}


def test_unknown_proposals_are_404(bank: FakePayments, api: Api) -> None:
    for proposal_id in ("prop_nope", "interest-run#2025-01", "x"):
        response = api(
            "GET", "/staff/proposals/{proposal_id}", STAFF, path_params={"proposal_id": proposal_id}
        )
        assert (response.status, response.json["code"]) == (404, "proposal_not_found")
        assert approve(api, proposal_id, STAFF_2).json["code"] == "proposal_not_found"


def test_open_proposals_are_listed_oldest_first_and_page(
    bank: FakePayments, api: Api, transfer: dict[str, str]
) -> None:
    bank.transfer("tr_2", transfer["ada"], transfer["bola"], 1_000)
    bank.transfer("tr_3", transfer["bola"], transfer["ada"], 1_000)
    made = [propose_reversal(api, payment_id).json["proposal_id"] for payment_id in ("tr_1", "tr_2", "tr_3")]
    first = api("GET", "/staff/proposals", STAFF, query={"limit": "2"}).json
    second = api("GET", "/staff/proposals", STAFF, query={"limit": "2", "cursor": first["next_cursor"]}).json
    assert [p["proposal_id"] for p in first["items"] + second["items"]] == made


# --- loan approvals --------------------------------------------------------------------------------------


def apply_and_decide(
    api: Api, number: str, amount: int, decision: str = "approve", who: dict[str, str] = ADA
) -> tuple[str, Any]:
    applied = api("POST", "/loans", who, body={"account_number": number, "amount": amount, "months": 12})
    assert applied.status == 201, applied.json
    loan_id = applied.json["loan_id"]
    decided = api(
        "POST",
        "/staff/loans/{loan_id}/decision",
        STAFF,
        path_params={"loan_id": loan_id},
        body={"decision": decision, "reason": "salary verified"},
    )
    return loan_id, decided


def test_a_large_loan_is_disbursed_only_once_a_second_staff_member_approves(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    # When staff approve a loan above the four-eyes amount, Then it is proposed and nothing moves
    loan_id, proposed = apply_and_decide(api, number, BIG_LOAN)
    assert proposed.status == 202
    assert (proposed.json["kind"], proposed.json["target"]) == ("loan_approval", f"loan:{loan_id}")
    assert proposed.json["details"]["amount"] == BIG_LOAN
    assert LoanModel.get(loan_id).status == "pending"
    assert bank.moved("loan_disbursement") == []
    assert approve(api, proposed.json["proposal_id"], STAFF).json["code"] == "second_staff_required"
    # When another staff member approves, Then the loan is active and disbursed once, as the approver
    approved = approve(api, proposed.json["proposal_id"], STAFF_2)
    assert (approved.status, approved.json["status"]) == (200, "approved")
    assert approved.json["result"]["status"] == "active"
    loan = api("GET", "/loans/{loan_id}", ADA, path_params={"loan_id": loan_id}).json
    assert loan["status"] == "active"
    (disbursement,) = bank.moved("loan_disbursement")
    assert disbursement["legs"] == [
        {"from_account": "bank:loans_receivable", "to_account": number, "amount": BIG_LOAN}
    ]
    assert bank.balance[number] == 100_000 + BIG_LOAN
    assert ("loan.approve", "staff-2", "salary verified") in trail(f"loan:{loan_id}")
    assert ("proposal.create", "staff-1", "salary verified") in trail(f"loan:{loan_id}")


def test_loans_up_to_the_four_eyes_amount_and_rejections_are_decided_directly(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    # A loan of exactly the four-eyes amount is approved by one staff member
    _, decided = apply_and_decide(api, number, FOUR_EYES_LIMIT)
    assert (decided.status, decided.json["status"]) == (200, "active")
    assert len(bank.moved("loan_disbursement")) == 1
    assert open_ids(api) == []
    # A large loan's rejection needs nobody else either
    other = open_account(BOLA)["account_number"]
    _, rejected = apply_and_decide(api, other, BIG_LOAN, "reject", BOLA)
    assert (rejected.status, rejected.json["status"]) == (200, "rejected")
    assert open_ids(api) == [] and len(bank.moved("loan_disbursement")) == 1


def test_a_loan_decided_meanwhile_fails_its_proposal(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    loan_id, proposed = apply_and_decide(api, number, BIG_LOAN)
    rejected = api(
        "POST",
        "/staff/loans/{loan_id}/decision",
        STAFF_3,
        path_params={"loan_id": loan_id},
        body={"decision": "reject", "reason": "income too low"},
    )
    assert rejected.json["status"] == "rejected"
    refused = approve(api, proposed.json["proposal_id"], STAFF_2)
    assert (refused.status, refused.json["code"]) == (409, "loan_not_pending")
    assert read(api, proposed.json["proposal_id"])["status"] == "failed"
    assert bank.moved("loan_disbursement") == []


# --- closing an account with a balance ------------------------------------------------------------------


def close(api: Api, number: str, who: dict[str, str] = STAFF) -> Any:
    return api(
        "POST",
        "/staff/accounts/{number}/close",
        who,
        path_params={"number": number},
        body={"reason": "customer moved abroad"},
    )


def test_closing_an_account_with_a_balance_pays_it_out_once_approved(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    # When staff close it with 100,000 kobo on it, Then it is proposed and nothing moves
    proposed = close(api, number)
    assert proposed.status == 202
    assert proposed.json["details"] == {
        "account_number": number,
        "balance": 100_000,
        "owner_id": "u-ada",
        "reason": "customer moved abroad",
    }
    assert approve(api, proposed.json["proposal_id"], STAFF).json["code"] == "second_staff_required"
    assert AccountModel.get(number).state == "active" and actions(bank, "close_with_payout") == []
    # When a second staff member approves, Then payments pays the balance out and closes, once
    approved = approve(api, proposed.json["proposal_id"], STAFF_2)
    assert (approved.status, approved.json["status"]) == (200, "approved")
    assert approved.json["result"]["state"] == "closed"
    assert actions(bank, "close_with_payout") == [
        {
            "account_number": number,
            "balance": 100_000,  # exactly the balance proposed and approved
            "reason": "customer moved abroad",
            "initiated_by": "staff-2",
        }
    ]
    (payout,) = bank.moved("closure_payout")
    assert payout["legs"] == [{"from_account": number, "to_account": CASH, "amount": 100_000}]
    assert (bank.balance[number], bank.state[number]) == (0, "closed")
    assert AccountModel.get(number).state == "closed"
    # And the owner's slot is free again, and the account's trail tells the whole story
    assert int(AccountOwnerModel.get("owner#u-ada").open_accounts) == 0
    assert trail(f"account:{number}") == [
        ("account.close", "staff-2", "customer moved abroad"),
        ("proposal.approve", "staff-2", ""),
        ("proposal.create", "staff-1", "customer moved abroad"),
    ]
    assert close(api, number).json["code"] == "account_closed"


def test_a_closure_whose_balance_changed_fails_and_leaves_the_account_open(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    bola = open_account(BOLA)["account_number"]
    proposal_id = close(api, number).json["proposal_id"]
    # Given 25,000 kobo arrive after the closure of 100,000 was proposed, before it is approved
    bank.transfer("tr_late", bola, number, 25_000)
    # When a second staff member approves it, Then payments refuses the balance nobody approved
    refused = approve(api, proposal_id, STAFF_2)
    assert (refused.status, refused.json["code"]) == (409, "balance_changed")
    assert (read(api, proposal_id)["status"], read(api, proposal_id)["reason"]) == (
        "failed",
        "balance_changed",
    )
    assert bank.moved("closure_payout") == [] and bank.balance[number] == 125_000
    assert AccountModel.get(number).state == "active" and bank.state[number] == "active"
    assert int(AccountOwnerModel.get("owner#u-ada").open_accounts) == 1
    # And the money goes out only through a closure proposed and approved at the new balance
    again = close(api, number).json
    assert again["details"]["balance"] == 125_000
    assert approve(api, again["proposal_id"], STAFF_2).json["status"] == "approved"
    (payout,) = bank.moved("closure_payout")
    assert payout["legs"] == [{"from_account": number, "to_account": CASH, "amount": 125_000}]
    assert AccountModel.get(number).state == "closed"


def test_a_closure_never_pays_out_more_than_was_approved_even_when_money_left_meanwhile(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a closure proposed at 100,000, and 40,000 paid away before the approval
    number = open_account(ADA)["account_number"]
    bola = open_account(BOLA)["account_number"]
    proposal_id = close(api, number).json["proposal_id"]
    bank.transfer("tr_out", number, bola, 40_000)
    # When it is approved, Then it is refused too: the payout is the approved balance or nothing
    refused = approve(api, proposal_id, STAFF_2)
    assert (refused.status, refused.json["code"]) == (409, "balance_changed")
    assert bank.moved("closure_payout") == [] and bank.balance[number] == 60_000
    assert AccountModel.get(number).state == "active"


def test_a_closure_cut_short_after_the_payout_is_finished_by_the_same_approver(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(ADA)["account_number"]
    proposal_id = close(api, number).json["proposal_id"]
    # Given payments paid out and closed, but the answer to the closing's state change never came
    bank.fail_next["set_state"] = ServiceUnavailable()
    assert approve(api, proposal_id, STAFF_2).status == 503
    assert (bank.state[number], AccountModel.get(number).state) == ("closed", "active")
    assert read(api, proposal_id)["status"] == "approving"
    # When the approver approves again, Then the account closes here too, and the money left once
    finished = approve(api, proposal_id, STAFF_2)
    assert (finished.status, finished.json["status"]) == (200, "approved")
    assert AccountModel.get(number).state == "closed"
    assert len(bank.moved("closure_payout")) == 1 and bank.balance[CASH] == 100_000
    assert int(AccountOwnerModel.get("owner#u-ada").open_accounts) == 0


def apply_for_loan(api: Api, number: str, who: dict[str, str] = ADA) -> str:
    applied = api("POST", "/loans", who, body={"account_number": number, "amount": 500_000, "months": 6})
    assert applied.status == 201, applied.json
    loan_id: str = applied.json["loan_id"]
    return loan_id


def test_an_account_with_the_owners_open_loan_on_it_is_not_closed_nor_proposed(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given Ada's current account (with her bonus) carrying her pending loan, and an empty savings account
    current = open_account(ADA)["account_number"]
    savings = open_account(ADA, "savings")["account_number"]
    loan_id = apply_for_loan(api, current)
    # When staff close the loan's account, Then 409 account_has_open_loan, and nothing is proposed
    refused = close(api, current)
    assert (refused.status, refused.json["code"]) == (409, "account_has_open_loan")
    assert open_ids(api) == [] and actions(bank, "close_with_payout") == []
    # Even once the loan is active and the account empty (it would be closed at once otherwise)
    decided = api(
        "POST",
        "/staff/loans/{loan_id}/decision",
        STAFF,
        path_params={"loan_id": loan_id},
        body={"decision": "approve", "reason": "salary verified"},
    )
    assert decided.json["status"] == "active"
    bank.balance[current] = 0
    assert close(api, current).json["code"] == "account_has_open_loan"
    assert AccountModel.get(current).state == "active" and bank.state[current] == "active"
    # But another account of hers closes as usual
    other = close(api, savings)
    assert (other.status, other.json["state"]) == (200, "closed")


def test_a_closure_approved_after_a_loan_opened_on_the_account_is_refused(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a closure proposed while Ada had no loan
    number = open_account(ADA)["account_number"]
    proposal_id = close(api, number).json["proposal_id"]
    # When she applies for a loan paid into that account before the approval
    loan_id = apply_for_loan(api, number)
    refused = approve(api, proposal_id, STAFF_2)
    # Then the approval is refused, the proposal failed, and nothing left the account
    assert (refused.status, refused.json["code"]) == (409, "account_has_open_loan")
    assert (read(api, proposal_id)["status"], read(api, proposal_id)["reason"]) == (
        "failed",
        "account_has_open_loan",
    )
    assert actions(bank, "close_with_payout") == [] and bank.moved("closure_payout") == []
    assert AccountModel.get(number).state == "active"
    # And once the loan is rejected (settled), the account may be closed again, with four eyes
    rejected = api(
        "POST",
        "/staff/loans/{loan_id}/decision",
        STAFF,
        path_params={"loan_id": loan_id},
        body={"decision": "reject", "reason": "income too low"},
    )
    assert rejected.json["status"] == "rejected"
    again = close(api, number).json
    assert approve(api, again["proposal_id"], STAFF_2).json["status"] == "approved"
    assert AccountModel.get(number).state == "closed"
