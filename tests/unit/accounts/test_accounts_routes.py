"""Account routes through a real API Gateway proxy event, with payments faked to its contract: opening
(capped per customer, the PIN sent to payments), state changes, closing (at once when empty, proposed
with a balance), staff PIN unlock and search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from accounts.domain import nuban
from accounts.entrypoints.internal import handler as internal_handler
from accounts.service import accounts as account_service
from accounts.store.models import AccountModel, AccountOwnerModel, AuditModel
from core.clock import now
from core.config import settings
from core.errors import ServiceUnavailable
from tests.unit.accounts.accounts_fakes import POOL, STAFF, FakePayments, customer
from tests.unit.conftest import FakeContext

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]


def internal(action: str, **payload: Any) -> dict[str, Any]:
    result: dict[str, Any] = internal_handler({"action": action, "payload": payload}, FakeContext())
    return result


def accounts_in_table() -> list[AccountModel]:
    """The account items (the table also holds each owner's `owner#<id>` open-account count)."""
    return [a for a in AccountModel.scan() if not a.account_number.startswith("owner#")]


def open_count(owner_id: str) -> int:
    return int(AccountOwnerModel.get(f"owner#{owner_id}", consistent_read=True).open_accounts)


def seconds_later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The accounts service's clock, moved that far from the real now (an opening left `opening` is
    resumed only once older than RESUME_AFTER)."""
    moment = now() + timedelta(seconds=seconds)
    monkeypatch.setattr(account_service, "now", lambda: moment)


def test_two_accounts_get_valid_numbers_and_the_bonus_is_paid_once_per_customer(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a customer, When they open a current and a savings account
    ada = customer("u-ada", "Ada")
    first = open_account(ada, "current", "0123")
    second = open_account(ada, "savings", "9876")
    # Then both are active and NUBAN-valid, each position opened at payments with its own PIN
    for account in (first, second):
        assert nuban.is_valid("777", account["account_number"])
        assert account["state"] == "active"
    assert second["interest_rate_bp"] == 100
    assert [c[1] for c in bank.calls if c[0] == "open_position"] == [
        {"account_number": first["account_number"], "owner_id": "u-ada", "pin": "0123"},
        {"account_number": second["account_number"], "owner_id": "u-ada", "pin": "9876"},
    ]
    # And the welcome bonus (payments pays it, once per customer) came from the pool with the first only
    assert first["ledger_balance"] == first["available_balance"] == 100_000
    assert second["ledger_balance"] == second["available_balance"] == 0
    assert bank.balance[POOL] == 10**12 - 100_000
    listed = api("GET", "/accounts", ada)
    assert listed.status == 200
    assert {a["account_number"] for a in listed.json["items"]} == {
        first["account_number"],
        second["account_number"],
    }
    # And nothing secret is returned or kept here: the payment PIN lives with the balance at payments
    assert "pin" not in str(listed.json).lower()
    for number in (first["account_number"], second["account_number"]):
        stored = AccountModel.get(number).to_simple_dict()
        assert not any("pin" in name for name in stored), stored


@pytest.mark.parametrize(
    "body",
    [
        {"type": "current", "pin": "123"},
        {"type": "current", "pin": 1234},
        {"type": "current", "pin": "12a4"},
        {"type": "checking", "pin": "1234"},
        {"type": "current", "pin": "1234", "extra": 1},
    ],
)
def test_bad_open_requests_are_400(bank: FakePayments, api: Api, body: dict[str, Any]) -> None:
    response = api("POST", "/accounts", customer("u1"), body=body)
    assert response.status == 400
    assert response.json["code"] == "validation_failed"
    assert "1234" not in response.text  # a PIN is never echoed


def test_staff_cannot_open_accounts(bank: FakePayments, api: Api) -> None:
    assert api("POST", "/accounts", STAFF, body={"type": "current", "pin": "1234"}).status == 403


def test_a_crash_before_activation_is_finished_by_the_retry_without_a_second_bonus(
    bank: FakePayments, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given payments is unreachable while the account is being opened
    ada = customer("u-ada")
    bank.fail_next["open_position"] = ServiceUnavailable()
    failed = api("POST", "/accounts", ada, body={"type": "current", "pin": "1111"})
    assert failed.status == 503
    (opening,) = accounts_in_table()
    assert opening.state == "opening"
    # When the customer retries (with a new PIN) once that opening has clearly stopped
    seconds_later(monkeypatch, 31)
    retried = api("POST", "/accounts", ada, body={"type": "current", "pin": "2222"})
    # Then the same account is finished, with one bonus, and payments keeps the new PIN
    assert retried.status == 201
    assert retried.json["account_number"] == opening.account_number
    assert retried.json["state"] == "active"
    assert len(bank.moved("welcome_bonus")) == 1
    assert bank.pin[opening.account_number] == "2222"
    assert [a.account_number for a in accounts_in_table()] == [opening.account_number]
    assert open_count("u-ada") == 1  # the retry finished the counted account, it did not add one


def test_an_account_left_opening_is_listed_as_such_and_finished_by_the_next_opening_of_its_type(
    bank: FakePayments, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an opening that payments never answered
    ada = customer("u-ada")
    bank.fail_next["open_position"] = ServiceUnavailable()
    api("POST", "/accounts", ada, body={"type": "savings", "pin": "1111"})
    # When the customer lists their accounts, Then it shows as opening, with no money (a read
    # finishes nothing: it has no PIN to send)
    listed = api("GET", "/accounts", ada)
    assert [(a["state"], a["ledger_balance"]) for a in listed.json["items"]] == [("opening", 0)]
    assert [c[0] for c in bank.calls].count("open_position") == 1
    # When they open a savings account again later, Then that same account is finished, bonus and all
    seconds_later(monkeypatch, 60)
    finished = api("POST", "/accounts", ada, body={"type": "savings", "pin": "3333"})
    assert finished.json["account_number"] == listed.json["items"][0]["account_number"]
    assert api("GET", "/accounts", ada).json["items"][0]["ledger_balance"] == 100_000


def test_an_opening_younger_than_thirty_seconds_is_another_requests_and_never_shared(
    bank: FakePayments, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an opening of Ada's still in flight (written, its position not opened yet)
    ada = customer("u-ada")
    bank.fail_next["open_position"] = ServiceUnavailable()
    api("POST", "/accounts", ada, body={"type": "current", "pin": "1111"})
    (in_flight,) = accounts_in_table()
    assert timedelta(seconds=30) == account_service.RESUME_AFTER
    # When another opening of that type comes while it is younger than 30 s
    seconds_later(monkeypatch, 29)
    other = api("POST", "/accounts", ada, body={"type": "current", "pin": "2222"})
    # Then it gets an account of its own, with its own PIN: the one in flight is not taken over
    assert other.status == 201, other.json
    assert other.json["account_number"] != in_flight.account_number
    assert bank.pin[other.json["account_number"]] == "2222"
    assert in_flight.account_number not in bank.pin
    assert AccountModel.get(in_flight.account_number).state == "opening"
    assert open_count("u-ada") == 2
    # And an opening of another type never resumes it, however old
    seconds_later(monkeypatch, 3600)
    savings = api("POST", "/accounts", ada, body={"type": "savings", "pin": "3333"})
    assert savings.json["account_number"] != in_flight.account_number
    assert AccountModel.get(in_flight.account_number).state == "opening"
    # But once it is older than 30 s, the next opening of its type finishes it, with that PIN
    resumed = api("POST", "/accounts", ada, body={"type": "current", "pin": "4444"})
    assert (resumed.json["account_number"], resumed.json["state"]) == (in_flight.account_number, "active")
    assert bank.pin[in_flight.account_number] == "4444"
    assert open_count("u-ada") == 3 and len(accounts_in_table()) == 3


def test_another_customer_gets_404_and_staff_see_it(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(customer("u-ada"))["account_number"]
    bola = customer("u-bola")
    for method, path, body in [
        ("GET", "/accounts/{number}", None),
        ("POST", "/accounts/{number}/block", {"reason": "mine now"}),
        ("POST", "/accounts/{number}/unblock", {}),
        ("GET", "/accounts/{number}/cards", None),
        ("POST", "/accounts/{number}/cards", {"pin": "1234"}),
    ]:
        response = api(method, path, bola, path_params={"number": number}, body=body)
        assert response.status == 404, (method, path)
        assert response.json["code"] == "account_not_found"
    assert api("GET", "/accounts", bola).json["items"] == []
    assert api("GET", "/accounts/{number}", STAFF, path_params={"number": number}).status == 200
    assert api("GET", "/accounts/{number}", bola, path_params={"number": "12"}).status == 404


def test_customer_blocks_and_unblocks_and_payments_follows(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    ada = customer("u-ada")
    number = open_account(ada)["account_number"]
    blocked = api(
        "POST", "/accounts/{number}/block", ada, path_params={"number": number}, body={"reason": "lost"}
    )
    assert blocked.status == 200
    assert (blocked.json["state"], blocked.json["block_reason"], blocked.json["blocked_by"]) == (
        "blocked",
        "lost",
        "customer",
    )
    assert bank.state[number] == "blocked"
    again = api("POST", "/accounts/{number}/block", ada, path_params={"number": number}, body={"reason": "x"})
    assert (again.status, again.json["code"]) == (409, "account_already_blocked")
    unblocked = api("POST", "/accounts/{number}/unblock", ada, path_params={"number": number})
    assert unblocked.json["state"] == "active"
    assert bank.state[number] == "active"
    assert list(AuditModel.scan()) == []  # customer actions are not staff actions


def test_staff_block_cannot_be_lifted_by_the_customer_and_is_audited(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    ada = customer("u-ada")
    number = open_account(ada)["account_number"]
    path = {"number": number}
    assert (
        api("POST", "/staff/accounts/{number}/block", ada, path_params=path, body={"reason": "x"}).status
        == 403
    )
    staff_block = api(
        "POST", "/staff/accounts/{number}/block", STAFF, path_params=path, body={"reason": "fraud"}
    )
    assert staff_block.json["blocked_by"] == "staff"
    refused = api("POST", "/accounts/{number}/unblock", ada, path_params=path)
    assert (refused.status, refused.json["code"]) == (409, "account_blocked_by_bank")
    assert bank.state[number] == "blocked"
    lifted = api(
        "POST", "/staff/accounts/{number}/unblock", STAFF, path_params=path, body={"reason": "cleared"}
    )
    assert lifted.json["state"] == "active"
    trail = api("GET", "/staff/audit", STAFF, query={"target": f"account:{number}"}).json["items"]
    assert [(e["action"], e["reason"], e["actor_id"]) for e in trail] == [
        ("account.unblock", "cleared", "staff-1"),
        ("account.block", "fraud", "staff-1"),
    ]


def test_close_of_an_empty_account_is_immediate_and_one_with_money_is_proposed(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(customer("u-ada"))["account_number"]
    path = {"number": number}
    # Given money on the account, When staff close it, Then it is only proposed (four eyes)
    proposed = api(
        "POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"}
    )
    assert proposed.status == 202
    assert (proposed.json["kind"], proposed.json["status"], proposed.json["target"]) == (
        "account_closure",
        "proposed",
        f"account:{number}",
    )
    assert proposed.json["details"]["balance"] == 100_000
    assert AccountModel.get(number).state == "active"
    assert bank.state[number] == "active"
    assert "close_with_payout" not in [c[0] for c in bank.calls]
    # Given the money moved out, When staff close it, Then it closes at once
    bank.balance[number] = 0
    closed = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"})
    assert (closed.status, closed.json["state"]) == (200, "closed")
    assert bank.state[number] == "closed"
    assert "close_with_payout" not in [c[0] for c in bank.calls]
    reopen = api("POST", "/staff/accounts/{number}/unblock", STAFF, path_params=path, body={"reason": "x"})
    assert (reopen.status, reopen.json["code"]) == (409, "account_closed")
    again = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "x"})
    assert (again.status, again.json["code"]) == (409, "account_closed")
    trail = api("GET", "/staff/audit", STAFF, query={"target": f"account:{number}"}).json["items"]
    assert [e["action"] for e in trail] == ["account.close", "proposal.create"]


def test_an_account_with_card_holds_cannot_be_closed_or_proposed(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a card hold on the account (ledger 100,000, available 60,000)
    number = open_account(customer("u-ada"))["account_number"]
    bank.held[number] = 40_000
    # When staff close it, Then 409 until the hold is settled, and no proposal is made
    path = {"number": number}
    refused = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"})
    assert (refused.status, refused.json["code"]) == (409, "account_not_empty")
    assert api("GET", "/staff/proposals", STAFF).json["items"] == []
    bank.balance[number], bank.held[number] = 0, 0
    closed = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"})
    assert (closed.status, closed.json["state"]) == (200, "closed")


def test_the_payment_pin_goes_to_payments_and_accounts_serves_only_verify_card(
    bank: FakePayments, open_account: Opener
) -> None:
    # Given an account opened with PIN 0007
    number = open_account(customer("u-ada"), pin="0007")["account_number"]
    # Then payments holds the PIN (its tries are taken there, decision 0008)
    assert bank.pin[number] == "0007"
    # And the accounts internal function no longer judges PINs or serves account reads
    for action, payload in (
        ("verify_pin", {"account_number": number, "pin": "0007"}),
        ("get_account", {"account_number": number}),
        ("nope", {}),
    ):
        assert internal(action, **payload)["error"]["code"] == "unknown_action", action
    assert internal("verify_card", pan="5061230000000000")["error"]["code"] == "validation_failed"


def test_staff_unlock_of_a_pin_lock_goes_to_payments_and_is_audited(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(customer("u-ada"), pin="4321")["account_number"]
    path = {"number": number}
    body = {"reason": "id checked"}
    # A customer cannot unlock
    by_customer = api(
        "POST", "/staff/accounts/{number}/pin-unlock", customer("u-ada"), path_params=path, body=body
    )
    assert by_customer.status == 403
    # When staff unlock it, Then payments closes the PIN's try window, and the unlock is audited
    response = api("POST", "/staff/accounts/{number}/pin-unlock", STAFF, path_params=path, body=body)
    assert response.status == 200
    assert response.json == {"account_number": number, "pin_locked": False}
    assert bank.pin_unlocks == [number]
    trail = api("GET", "/staff/audit", STAFF, query={"target": f"account:{number}"}).json["items"]
    assert [(e["action"], e["reason"], e["actor_id"]) for e in trail] == [
        ("account.pin_unlock", "id checked", "staff-1")
    ]
    # An unknown account is a 404 and reaches nobody
    unknown = api(
        "POST", "/staff/accounts/{number}/pin-unlock", STAFF, path_params={"number": "0000000000"}, body=body
    )
    assert (unknown.status, unknown.json["code"]) == (404, "account_not_found")
    assert bank.pin_unlocks == [number]


def test_a_customer_holds_at_most_five_open_accounts_and_closing_one_frees_a_slot(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a customer with five open accounts
    ada = customer("u-ada")
    numbers = [open_account(ada, "current" if i % 2 else "savings")["account_number"] for i in range(5)]
    assert open_count("u-ada") == 5
    # When they open a sixth, Then 409 account_limit_reached, and nothing was written or opened
    sixth = api("POST", "/accounts", ada, body={"type": "current", "pin": "1234"})
    assert (sixth.status, sixth.json["code"]) == (409, "account_limit_reached")
    assert sixth.json["limit"] == 5
    assert len(accounts_in_table()) == 5
    assert [c[0] for c in bank.calls].count("open_position") == 5
    # And another customer is not affected
    assert open_account(customer("u-bola"))["state"] == "active"
    # When staff close one of the five (emptied first), Then a slot is free again
    bank.balance[numbers[0]] = 0
    closed = api(
        "POST",
        "/staff/accounts/{number}/close",
        STAFF,
        path_params={"number": numbers[0]},
        body={"reason": "asked"},
    )
    assert closed.json["state"] == "closed"
    assert open_count("u-ada") == 4
    assert open_account(ada, "current")["state"] == "active"
    assert open_count("u-ada") == 5
    again = api("POST", "/accounts", ada, body={"type": "savings", "pin": "1234"})
    assert (again.status, again.json["code"]) == (409, "account_limit_reached")


def test_a_blocked_account_still_counts_against_the_cap(
    bank: FakePayments, api: Api, open_account: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a cap of two (the template's MaxOpenAccounts) and two accounts, one of them blocked
    monkeypatch.setenv("MAX_OPEN_ACCOUNTS", "2")
    settings.cache_clear()
    ada = customer("u-ada")
    first = open_account(ada)["account_number"]
    open_account(ada, "savings")
    api("POST", "/accounts/{number}/block", ada, path_params={"number": first}, body={"reason": "travel"})
    # When a third is opened, Then it is refused: only closing frees a slot
    third = api("POST", "/accounts", ada, body={"type": "current", "pin": "1234"})
    assert (third.status, third.json["code"], third.json["limit"]) == (409, "account_limit_reached", 2)


def test_staff_search_by_number_owner_and_username(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(customer("u-ada", "AdaLovelace"))["account_number"]
    open_account(customer("u-bola", "bola"))
    for query in (number, "u-ada", "lovelace"):
        found = api("GET", "/staff/accounts", STAFF, query={"q": query}).json["items"]
        assert [a["account_number"] for a in found] == [number], query
        assert found[0]["ledger_balance"] == 100_000
    assert api("GET", "/staff/accounts", customer("u-ada"), query={"q": number}).status == 403
