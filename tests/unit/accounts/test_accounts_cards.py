"""Cards: PAN shown once, masked afterwards, nothing secret at rest, verification with lockout."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from stdnum import luhn

from accounts.domain import cards as rules
from accounts.handlers.internal import handler as internal_handler
from accounts.services import cards as card_service
from accounts.store.models import CardModel
from core.clock import now
from tests.unit.accounts.accounts_fakes import CARD_KEYS, STAFF, FakePayments, customer

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA = customer("u-ada")


def verify(card: dict[str, Any], **override: Any) -> dict[str, Any]:
    payload = {
        "pan": card["pan"],
        "expiry_month": card["expiry_month"],
        "expiry_year": card["expiry_year"],
        "cvv": card["cvv"],
        "pin": "0042",
        **override,
    }
    result: dict[str, Any] = internal_handler({"action": "verify_card", "payload": payload}, None)
    return result


@pytest.fixture
def issued(bank: FakePayments, api: Api, open_account: Opener) -> dict[str, Any]:
    number = open_account(ADA)["account_number"]
    response = api(
        "POST", "/accounts/{number}/cards", ADA, path_params={"number": number}, body={"pin": "0042"}
    )
    assert response.status == 201, response.json
    card: dict[str, Any] = response.json
    return card


def wrong_cvv(card: dict[str, Any]) -> str:
    return f"{(int(card['cvv']) + 1) % 1000:03d}"


def test_issue_shows_pan_and_cvv_once_then_only_masked(issued: dict[str, Any], api: Api) -> None:
    pan = issued["pan"]
    assert len(pan) == 16 and pan.startswith("506123") and luhn.is_valid(pan)
    assert issued["masked_pan"] == f"{pan[:6]}******{pan[-4:]}"
    assert len(issued["cvv"]) == 3
    expected_cvv = rules.cvv(CARD_KEYS["cvv_key"], pan, issued["expiry_month"], issued["expiry_year"])
    assert issued["cvv"] == expected_cvv
    assert issued["expiry_year"] == now().year + 3
    listed = api("GET", "/accounts/{number}/cards", ADA, path_params={"number": issued["account_number"]})
    assert listed.status == 200
    assert [c["masked_pan"] for c in listed.json["items"]] == [issued["masked_pan"]]
    assert pan not in listed.text and '"cvv"' not in listed.text and '"pan"' not in listed.text


def test_no_stored_item_holds_the_pan_or_the_cvv(issued: dict[str, Any]) -> None:
    items = [json.dumps(item.to_simple_dict()) for item in CardModel.scan()]
    assert len(items) == 2  # the card and its PAN-index marker
    for text in items:
        assert issued["pan"] not in text
        assert "cvv" not in text.lower()
    card = CardModel.get(issued["card_id"])
    assert rules.decrypt_pan(CARD_KEYS["pan_key"], card.pan_encrypted, card.card_id) == issued["pan"]


def test_second_live_card_on_an_account_is_refused(issued: dict[str, Any], api: Api) -> None:
    again = api(
        "POST",
        "/accounts/{number}/cards",
        ADA,
        path_params={"number": issued["account_number"]},
        body={"pin": "1234"},
    )
    assert (again.status, again.json["code"]) == (409, "card_exists")


def test_verify_card_accepts_the_right_details(issued: dict[str, Any]) -> None:
    assert verify(issued) == {
        "result": {"card_id": issued["card_id"], "account_number": issued["account_number"]}
    }


@pytest.mark.parametrize(
    "override",
    [{"pin": "0043"}, {"cvv": "WRONG"}, {"expiry_month": "EXPIRY"}],
)
def test_three_wrong_attempts_block_the_card(issued: dict[str, Any], override: dict[str, Any]) -> None:
    if override.get("cvv") == "WRONG":
        override = {"cvv": wrong_cvv(issued)}
    if override.get("expiry_month") == "EXPIRY":
        override = {"expiry_month": issued["expiry_month"] % 12 + 1}
    codes = [verify(issued, **override)["error"]["code"] for _ in range(3)]
    assert codes == ["card_invalid", "card_invalid", "card_blocked"]
    assert verify(issued)["error"]["code"] == "card_blocked"
    assert CardModel.get(issued["card_id"]).state == "blocked"


def test_a_success_resets_the_failure_count(issued: dict[str, Any]) -> None:
    for _ in range(2):
        verify(issued, pin="9999")
    assert "result" in verify(issued)
    for _ in range(2):
        verify(issued, pin="9999")
    assert "result" in verify(issued)


def test_unknown_pan_is_invalid(issued: dict[str, Any]) -> None:
    other = rules.new_pan("506123")
    assert verify(issued, pan=other)["error"]["code"] == "card_invalid"


def test_expired_card_is_refused(issued: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    later = now() + timedelta(days=365 * 3 + 62)
    monkeypatch.setattr(card_service, "now", lambda: later)
    assert verify(issued)["error"]["code"] == "card_expired"


def test_owner_blocks_and_unblocks(issued: dict[str, Any], api: Api) -> None:
    path = {"card_id": issued["card_id"]}
    blocked = api("POST", "/cards/{card_id}/block", ADA, path_params=path, body={"reason": "lost"})
    assert (blocked.status, blocked.json["state"], blocked.json["block_reason"]) == (200, "blocked", "lost")
    assert verify(issued)["error"]["code"] == "card_blocked"
    assert api("POST", "/cards/{card_id}/block", ADA, path_params=path).json["code"] == "card_already_blocked"
    unblocked = api("POST", "/cards/{card_id}/unblock", ADA, path_params=path)
    assert unblocked.json["state"] == "active"
    assert "result" in verify(issued)
    assert api("POST", "/cards/{card_id}/unblock", ADA, path_params=path).json["code"] == "card_not_blocked"


def test_replace_gives_a_new_pan_and_retires_the_old(issued: dict[str, Any], api: Api) -> None:
    replaced = api("POST", "/cards/{card_id}/replace", ADA, path_params={"card_id": issued["card_id"]})
    assert replaced.status == 201
    new = replaced.json
    assert new["pan"] != issued["pan"] and luhn.is_valid(new["pan"])
    assert new["replaces"] == issued["card_id"]
    assert verify(issued)["error"]["code"] == "card_blocked"
    assert verify(new)["result"]["card_id"] == new["card_id"]  # the card PIN carried over
    listed = api(
        "GET", "/accounts/{number}/cards", ADA, path_params={"number": issued["account_number"]}
    ).json
    assert sorted(c["state"] for c in listed["items"]) == ["active", "replaced"]
    again = api("POST", "/cards/{card_id}/replace", ADA, path_params={"card_id": issued["card_id"]})
    assert (again.status, again.json["code"]) == (409, "card_replaced")


def test_other_customers_get_404_on_cards(issued: dict[str, Any], api: Api) -> None:
    bola = customer("u-bola")
    for action in ("block", "unblock", "replace"):
        response = api(
            "POST", f"/cards/{{card_id}}/{action}", bola, path_params={"card_id": issued["card_id"]}
        )
        assert (response.status, response.json["code"]) == (404, "card_not_found")
    assert api("POST", "/cards/{card_id}/block", bola, path_params={"card_id": "pan#x"}).status == 404
    staff_view = api(
        "GET", "/accounts/{number}/cards", STAFF, path_params={"number": issued["account_number"]}
    )
    assert staff_view.status == 200


def test_cards_need_an_active_account(bank: FakePayments, api: Api, open_account: Opener) -> None:
    number = open_account(ADA)["account_number"]
    path = {"number": number}
    api("POST", "/accounts/{number}/block", ADA, path_params=path, body={"reason": "travel"})
    response = api("POST", "/accounts/{number}/cards", ADA, path_params=path, body={"pin": "1234"})
    assert (response.status, response.json["code"]) == (409, "account_not_active")
