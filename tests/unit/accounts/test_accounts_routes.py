"""Account routes through a real API Gateway proxy event, with payments faked to its contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from accounts.domain import nuban
from accounts.handlers.internal import handler as internal_handler
from accounts.services import accounts as account_service
from accounts.store.models import AccountModel, AuditModel
from core.clock import now
from core.errors import ServiceUnavailable
from tests.unit.accounts.accounts_fakes import POOL, STAFF, FakePayments, customer

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]


def internal(action: str, **payload: Any) -> dict[str, Any]:
    result: dict[str, Any] = internal_handler({"action": action, "payload": payload}, None)
    return result


def test_two_accounts_get_valid_numbers_and_a_bonus_each_from_the_pool(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    # Given a customer, When they open a current and a savings account
    ada = customer("u-ada", "Ada")
    first = open_account(ada, "current", "0123")
    second = open_account(ada, "savings", "9876")
    # Then both are active, NUBAN-valid, and hold the welcome bonus paid from the pool
    for account in (first, second):
        assert nuban.is_valid("777", account["account_number"])
        assert account["state"] == "active"
        assert account["ledger_balance"] == account["available_balance"] == 100_000
    assert second["interest_rate_bp"] == 100
    assert bank.balance[POOL] == 10**12 - 200_000
    assert [c[1]["welcome_bonus"] for c in bank.calls if c[0] == "open_position"] == [100_000, 100_000]
    listed = api("GET", "/accounts", ada)
    assert listed.status == 200
    assert {a["account_number"] for a in listed.json["items"]} == {
        first["account_number"],
        second["account_number"],
    }
    # And nothing secret is returned
    assert "pin_hash" not in str(listed.json)


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
    bank: FakePayments, api: Api
) -> None:
    # Given payments is unreachable while the account is being opened
    ada = customer("u-ada")
    bank.fail_next["open_position"] = ServiceUnavailable()
    failed = api("POST", "/accounts", ada, body={"type": "current", "pin": "1111"})
    assert failed.status == 503
    (opening,) = AccountModel.scan()
    assert opening.state == "opening"
    # When the customer retries (with a new PIN)
    retried = api("POST", "/accounts", ada, body={"type": "current", "pin": "2222"})
    # Then the same account is finished, with one bonus, and the new PIN works
    assert retried.status == 201
    assert retried.json["account_number"] == opening.account_number
    assert retried.json["state"] == "active"
    assert len(bank.moved("welcome_bonus")) == 1
    assert internal("verify_pin", account_number=opening.account_number, pin="2222") == {
        "result": {"ok": True}
    }


def test_listing_finishes_an_account_left_opening(bank: FakePayments, api: Api) -> None:
    ada = customer("u-ada")
    bank.fail_next["open_position"] = ServiceUnavailable()
    api("POST", "/accounts", ada, body={"type": "savings", "pin": "1111"})
    listed = api("GET", "/accounts", ada)
    assert [a["state"] for a in listed.json["items"]] == ["active"]
    assert listed.json["items"][0]["ledger_balance"] == 100_000


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


def test_close_is_refused_with_money_and_allowed_at_zero(
    bank: FakePayments, api: Api, open_account: Opener
) -> None:
    number = open_account(customer("u-ada"))["account_number"]
    path = {"number": number}
    refused = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"})
    assert (refused.status, refused.json["code"]) == (409, "account_not_empty")
    assert AccountModel.get(number).state == "active"
    bank.balance[number] = 0  # the customer moved the money out
    closed = api("POST", "/staff/accounts/{number}/close", STAFF, path_params=path, body={"reason": "asked"})
    assert closed.json["state"] == "closed"
    assert bank.state[number] == "closed"
    reopen = api("POST", "/staff/accounts/{number}/unblock", STAFF, path_params=path, body={"reason": "x"})
    assert (reopen.status, reopen.json["code"]) == (409, "account_closed")


def test_three_wrong_pins_lock_until_timeout_or_staff(
    bank: FakePayments, api: Api, open_account: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = open_account(customer("u-ada"), pin="0007")["account_number"]
    assert internal("verify_pin", account_number=number, pin="0007") == {"result": {"ok": True}}
    assert internal("verify_pin", account_number=number, pin="7")["error"]["code"] == "validation_failed"
    codes = [internal("verify_pin", account_number=number, pin="1111")["error"]["code"] for _ in range(3)]
    assert codes == ["pin_invalid", "pin_invalid", "pin_locked"]
    locked = internal("verify_pin", account_number=number, pin="0007")["error"]
    assert (locked["code"], locked["kind"]) == ("pin_locked", "locked")
    # After 15 minutes the lock lapses by itself
    later = now() + timedelta(minutes=16)
    monkeypatch.setattr(account_service, "now", lambda: later)
    assert internal("verify_pin", account_number=number, pin="0007") == {"result": {"ok": True}}
    monkeypatch.undo()


def test_staff_unlock_lifts_a_pin_lock(bank: FakePayments, api: Api, open_account: Opener) -> None:
    number = open_account(customer("u-ada"), pin="4321")["account_number"]
    for _ in range(3):
        internal("verify_pin", account_number=number, pin="0000")
    assert internal("verify_pin", account_number=number, pin="4321")["error"]["code"] == "pin_locked"
    path = {"number": number}
    response = api(
        "POST", "/staff/accounts/{number}/pin-unlock", STAFF, path_params=path, body={"reason": "id checked"}
    )
    assert response.status == 200
    assert internal("verify_pin", account_number=number, pin="4321") == {"result": {"ok": True}}
    # a success resets the count: two more wrong ones do not lock
    for _ in range(2):
        internal("verify_pin", account_number=number, pin="0000")
    assert internal("verify_pin", account_number=number, pin="4321") == {"result": {"ok": True}}


def test_get_account_internal_action(bank: FakePayments, open_account: Opener) -> None:
    number = open_account(customer("u-ada"), "savings")["account_number"]
    assert internal("get_account", account_number=number) == {
        "result": {"account_number": number, "owner_id": "u-ada", "type": "savings", "state": "active"}
    }
    assert internal("get_account", account_number="0000000000")["error"]["code"] == "account_not_found"
    assert (
        internal("verify_pin", account_number="0000000000", pin="1234")["error"]["code"]
        == "account_not_found"
    )
    assert internal("nope")["error"]["code"] == "unknown_action"


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
