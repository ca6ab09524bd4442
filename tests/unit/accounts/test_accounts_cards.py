"""Cards: PAN and CVV to the owner only (at issue, or revealed with the card PIN), masked
otherwise, nothing secret at rest; a try taken before every check (3 wrong → blocked by the system, which
only staff lift); staff act on cards through audited /staff/cards routes and never see a PAN or CVV."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from stdnum import luhn

from accounts.domain import cards as rules
from accounts.domain import pins
from accounts.entrypoints.internal import handler as internal_handler
from accounts.service import cards as card_service
from accounts.store import cards as card_store
from accounts.store.models import AuditModel, CardModel
from core.clock import now
from core.dynamo import from_item
from tests.unit.accounts.accounts_fakes import CARD_KEYS, STAFF, FakePayments, customer
from tests.unit.conftest import FakeContext

Api = Callable[..., Any]
Opener = Callable[..., dict[str, Any]]
ADA = customer("u-ada")
BOLA = customer("u-bola")


def verify(card: dict[str, Any], **override: Any) -> dict[str, Any]:
    """payments' `verify_card` for the cardholder who confirms a card payment (Ada unless overridden)."""
    payload = {
        "owner_id": "u-ada",
        "pan": card["pan"],
        "expiry_month": card["expiry_month"],
        "expiry_year": card["expiry_year"],
        "cvv": card["cvv"],
        "pin": "0042",
        **override,
    }
    result: dict[str, Any] = internal_handler({"action": "verify_card", "payload": payload}, FakeContext())
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


def pin_counter(card: dict[str, Any]) -> dict[str, Any]:
    """The card PIN's try counter: one per account (`cardpin#<number>`), like the PIN itself."""
    raw = boto3.client("dynamodb").get_item(
        TableName=str(CardModel.Meta.table_name),
        Key={"card_id": {"S": f"cardpin#{card['account_number']}"}},
        ConsistentRead=True,
    )
    return from_item(raw.get("Item")) or {}


def window_open(counter: dict[str, Any]) -> bool:
    return int(counter.get("tries_window_end") or 0) > now().timestamp()


def tries_taken(card: dict[str, Any]) -> int:
    """Tries the card's counter holds in its open window (wrong answers and checks still running)."""
    counter = pin_counter(card)
    return int(counter.get("tries") or 0) if window_open(counter) else 0


def wrong_answers(card: dict[str, Any]) -> int:
    """Wrong answers in the open window (a closed window counts none: the next try opens a fresh one)."""
    counter = pin_counter(card)
    return int(counter.get("tries_wrong") or 0) if window_open(counter) else 0


def cards_stored() -> list[CardModel]:
    """The cards (the table also holds PAN-index markers and each account's card PIN counter)."""
    return [c for c in CardModel.scan() if not c.card_id.startswith(("pan#", "cardpin#"))]


def reveal(api: Api, card: dict[str, Any], pin: str, who: dict[str, str] = ADA) -> Any:
    return api(
        "POST", "/cards/{card_id}/reveal", who, path_params={"card_id": card["card_id"]}, body={"pin": pin}
    )


def staff_card(api: Api, card: dict[str, Any], action: str, reason: str, who: dict[str, str] = STAFF) -> Any:
    return api(
        "POST",
        f"/staff/cards/{{card_id}}/{action}",
        who,
        path_params={"card_id": card["card_id"]},
        body={"reason": reason},
    )


def card_trail(api: Api, card_id: str) -> list[tuple[str, str, str]]:
    items = api("GET", "/staff/audit", STAFF, query={"target": f"card:{card_id}"}).json["items"]
    return [(e["action"], e["reason"], e["actor_id"]) for e in items]


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
def test_three_wrong_attempts_block_the_card(
    issued: dict[str, Any], api: Api, override: dict[str, Any]
) -> None:
    if override.get("cvv") == "WRONG":
        override = {"cvv": wrong_cvv(issued)}
    if override.get("expiry_month") == "EXPIRY":
        override = {"expiry_month": issued["expiry_month"] % 12 + 1}
    codes = [verify(issued, **override)["error"]["code"] for _ in range(3)]
    assert codes == ["card_invalid", "card_invalid", "card_blocked"]
    assert verify(issued)["error"]["code"] == "card_blocked"
    stored = CardModel.get(issued["card_id"])
    assert (stored.state, stored.blocked_by, stored.block_reason) == (
        "blocked",
        "system",
        "too_many_failures",
    )
    # Then the owner cannot lift a block the wrong tries caused (a stolen session could guess again)
    path = {"card_id": issued["card_id"]}
    refused = api("POST", "/cards/{card_id}/unblock", ADA, path_params=path)
    assert (refused.status, refused.json["code"]) == (409, "card_blocked_by_bank")
    assert CardModel.get(issued["card_id"]).state == "blocked"


def test_a_right_answer_gives_its_try_back_and_the_wrong_ones_stay_counted(issued: dict[str, Any]) -> None:
    # Given two wrong PINs
    for _ in range(2):
        assert verify(issued, pin="9999")["error"]["code"] == "card_invalid"
    assert (tries_taken(issued), wrong_answers(issued)) == (2, 2)
    # When the right details come, again and again, Then each one passes and uses up no try
    for _ in range(4):
        assert "result" in verify(issued)
    assert (tries_taken(issued), wrong_answers(issued)) == (2, 2)
    # And the wrong ones were not forgotten: one more wrong answer is the third, and blocks
    assert verify(issued, pin="9999")["error"]["code"] == "card_blocked"


def test_verify_card_takes_a_try_before_anything_is_compared(
    issued: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a record of what verify_card does, in order
    steps: list[str] = []
    take, compare = card_store.take_try, pins.pin_matches

    def taking(card: CardModel, owner_id: str, at: datetime) -> None:
        steps.append("take")
        take(card, owner_id, at)

    def comparing(key: bytes, context: str, pin: str, stored: str) -> bool:
        steps.append("compare")
        return compare(key, context, pin, stored)

    monkeypatch.setattr(card_store, "take_try", taking)
    monkeypatch.setattr(pins, "pin_matches", comparing)
    # When a cardholder confirms a payment, Then the try is taken first
    assert "result" in verify(issued)
    assert steps == ["take", "compare"]
    # And when every try is held by checks still being judged (three in flight, none wrong yet), even
    # the right details are refused without being compared: a burst never gets more than three judged
    steps.clear()
    boto3.client("dynamodb").update_item(
        TableName=str(CardModel.Meta.table_name),
        Key={"card_id": {"S": f"cardpin#{issued['account_number']}"}},
        UpdateExpression="SET tries = :three, tries_window_end = :later",
        ExpressionAttributeValues={":three": {"N": "3"}, ":later": {"N": str(int(now().timestamp()) + 3600)}},
    )
    busy = verify(issued)["error"]
    assert (busy["code"], busy["kind"]) == ("card_busy", "conflict")
    assert steps == ["take"]
    assert CardModel.get(issued["card_id"]).state == "active"  # busy is not blocked


def test_a_card_of_another_owner_is_invalid_and_costs_its_owner_no_try(issued: dict[str, Any]) -> None:
    # Given Bola holds Ada's card details (PIN included)
    # When Bola confirms a payment with them, many times
    for _ in range(5):
        assert verify(issued, owner_id="u-bola")["error"]["code"] == "card_invalid"
    # Then the answer is the one for a card that does not exist, and Ada's card kept all its tries
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0)
    assert CardModel.get(issued["card_id"]).state == "active"
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
    assert blocked.json["blocked_by"] == "customer"
    assert verify(issued)["error"]["code"] == "card_blocked"
    assert api("POST", "/cards/{card_id}/block", ADA, path_params=path).json["code"] == "card_already_blocked"
    unblocked = api("POST", "/cards/{card_id}/unblock", ADA, path_params=path)
    assert (unblocked.json["state"], unblocked.json["blocked_by"]) == ("active", None)
    assert "result" in verify(issued)
    assert api("POST", "/cards/{card_id}/unblock", ADA, path_params=path).json["code"] == "card_not_blocked"
    assert list(AuditModel.scan()) == []  # the owner's own actions are not staff actions


def test_replace_gives_a_new_pan_and_retires_the_old(issued: dict[str, Any], api: Api) -> None:
    replaced = api("POST", "/cards/{card_id}/replace", ADA, path_params={"card_id": issued["card_id"]})
    assert replaced.status == 201
    assert "pan" not in replaced.json and "cvv" not in replaced.json  # shown only with the card PIN
    shown = reveal(api, replaced.json, "0042")
    assert shown.status == 200, shown.json
    new = shown.json
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
    for action in ("block", "unblock", "replace"):
        response = api(
            "POST", f"/cards/{{card_id}}/{action}", BOLA, path_params={"card_id": issued["card_id"]}
        )
        assert (response.status, response.json["code"]) == (404, "card_not_found")
    stolen = reveal(api, issued, "0042", BOLA)
    assert (stolen.status, stolen.json["code"]) == (404, "card_not_found")
    assert issued["pan"] not in stolen.text
    assert api("POST", "/cards/{card_id}/block", BOLA, path_params={"card_id": "pan#x"}).status == 404
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0) and CardModel.get(
        issued["card_id"]
    ).state == "active"
    staff_view = api(
        "GET", "/accounts/{number}/cards", STAFF, path_params={"number": issued["account_number"]}
    )
    assert staff_view.status == 200


def test_the_owners_card_routes_are_refused_to_staff(issued: dict[str, Any], api: Api) -> None:
    # Given staff, When they use a customer's card routes, Then 403: staff use /staff/cards (audited)
    path = {"card_id": issued["card_id"]}
    for action, body in (("block", {}), ("unblock", {}), ("replace", {}), ("reveal", {"pin": "0042"})):
        response = api("POST", f"/cards/{{card_id}}/{action}", STAFF, path_params=path, body=body)
        assert (response.status, response.json["code"]) == (403, "forbidden"), action
        assert issued["pan"] not in response.text
    assert CardModel.get(issued["card_id"]).state == "active"
    assert len(list(CardModel.scan())) == 2  # no replacement was made


def test_the_owner_reveals_pan_and_cvv_with_the_card_pin(issued: dict[str, Any], api: Api) -> None:
    # Given Ada's card, When she reveals it with its PIN, Then she sees the same PAN and CVV as at issue
    shown = reveal(api, issued, "0042")
    assert shown.status == 200
    assert (shown.json["pan"], shown.json["cvv"]) == (issued["pan"], issued["cvv"])
    assert shown.json["card_id"] == issued["card_id"] and shown.json["state"] == "active"
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0)  # the right PIN gave its try back
    # A wrong PIN shows nothing and keeps its try
    wrong = reveal(api, issued, "0043")
    assert (wrong.status, wrong.json["code"]) == (422, "card_invalid")
    assert issued["pan"] not in wrong.text and '"cvv"' not in wrong.text
    assert (tries_taken(issued), wrong_answers(issued)) == (1, 1)
    malformed = reveal(api, issued, "42")
    assert (malformed.status, malformed.json["code"]) == (400, "validation_failed")


def test_three_wrong_reveals_block_the_card_until_staff_unblock_it(issued: dict[str, Any], api: Api) -> None:
    # When three wrong card PINs are tried
    codes = [reveal(api, issued, "9999").json["code"] for _ in range(3)]
    # Then the third blocks the card, and even the right PIN then reveals nothing
    assert codes == ["card_invalid", "card_invalid", "card_blocked"]
    right = reveal(api, issued, "0042")
    assert (right.status, right.json["code"]) == (422, "card_blocked")
    assert issued["pan"] not in right.text
    # And the owner cannot lift the block
    path = {"card_id": issued["card_id"]}
    refused = api("POST", "/cards/{card_id}/unblock", ADA, path_params=path)
    assert (refused.status, refused.json["code"]) == (409, "card_blocked_by_bank")
    # But staff can, which restores every try
    lifted = staff_card(api, issued, "unblock", "owner identified at the branch")
    assert (lifted.status, lifted.json["state"]) == (200, "active")
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0)  # staff unblock restores every try
    assert reveal(api, issued, "0042").json["pan"] == issued["pan"]
    assert card_trail(api, issued["card_id"]) == [
        ("card.unblock", "owner identified at the branch", "staff-1")
    ]


def test_a_card_the_bank_blocked_cannot_be_replaced_by_its_owner(issued: dict[str, Any], api: Api) -> None:
    # Given the card blocked by three wrong PINs (a replacement keeps the PIN and starts with fresh
    # tries, so replacing would be unblocking it and guessing again, three PINs per replacement)
    for _ in range(3):
        reveal(api, issued, "9999")
    path = {"card_id": issued["card_id"]}
    # When the owner replaces it, Then 409 card_blocked_by_bank, and no new card or PAN exists
    refused = api("POST", "/cards/{card_id}/replace", ADA, path_params=path)
    assert (refused.status, refused.json["code"]) == (409, "card_blocked_by_bank")
    assert '"pan"' not in refused.text
    assert [c.card_id for c in cards_stored()] == [issued["card_id"]]
    # And the same holds for a card staff blocked; the owner's own block is theirs to replace
    staff_card(api, issued, "unblock", "owner identified")
    staff_card(api, issued, "block", "reported stolen")
    assert (
        api("POST", "/cards/{card_id}/replace", ADA, path_params=path).json["code"] == "card_blocked_by_bank"
    )
    staff_card(api, issued, "unblock", "found")
    api("POST", "/cards/{card_id}/block", ADA, path_params=path, body={"reason": "lost"})
    replaced = api("POST", "/cards/{card_id}/replace", ADA, path_params=path)
    assert (replaced.status, replaced.json["replaces"]) == (201, issued["card_id"])


def test_staff_block_unblock_and_replace_cards_audited_and_never_see_pan_or_cvv(
    issued: dict[str, Any], api: Api
) -> None:
    card_id = issued["card_id"]
    # Given a customer, When they call the staff card routes, Then 403
    for action in ("block", "unblock", "replace"):
        assert staff_card(api, issued, action, "mine", who=ADA).status == 403
    # When staff block the card, Then the answer is the masked card, blocked by staff
    blocked = staff_card(api, issued, "block", "reported stolen")
    assert (blocked.status, blocked.json["state"], blocked.json["blocked_by"]) == (200, "blocked", "staff")
    assert blocked.json["masked_pan"] == issued["masked_pan"]
    assert issued["pan"] not in blocked.text and '"pan"' not in blocked.text and '"cvv"' not in blocked.text
    assert staff_card(api, issued, "block", "again").json["code"] == "card_already_blocked"
    # And the owner cannot lift a bank block
    path = {"card_id": card_id}
    refused = api("POST", "/cards/{card_id}/unblock", ADA, path_params=path)
    assert (refused.status, refused.json["code"]) == (409, "card_blocked_by_bank")
    unblocked = staff_card(api, issued, "unblock", "found by the owner")
    assert (unblocked.status, unblocked.json["state"]) == (200, "active")
    # When staff order a replacement, Then staff see only the masked new card
    replaced = staff_card(api, issued, "replace", "damaged chip")
    assert replaced.status == 201
    new = replaced.json
    assert "pan" not in new and "cvv" not in new
    assert new["replaces"] == card_id and new["card_id"] != card_id and new["state"] == "active"
    assert new["masked_pan"].startswith("506123******") and new["masked_pan"] != issued["masked_pan"]
    assert CardModel.get(card_id).state == "replaced"
    # And every staff action is on the card's audit trail, the replacement naming the new card
    assert card_trail(api, card_id) == [
        ("card.replace", "damaged chip", "staff-1"),
        ("card.unblock", "found by the owner", "staff-1"),
        ("card.block", "reported stolen", "staff-1"),
    ]
    (replacement_entry,) = [e for e in AuditModel.query(f"card:{card_id}") if e.action == "card.replace"]
    assert replacement_entry.details == {"new_card_id": new["card_id"]}
    # And only the owner ever sees the new PAN: she reveals it with her card PIN (it carried over)
    shown = reveal(api, new, "0042")
    assert shown.status == 200 and shown.json["masked_pan"] == new["masked_pan"]
    assert luhn.is_valid(shown.json["pan"]) and shown.json["pan"] != issued["pan"]
    assert (
        verify({**new, "pan": shown.json["pan"], "cvv": shown.json["cvv"]})["result"]["card_id"]
        == new["card_id"]
    )
    unknown = staff_card(api, {"card_id": "card_nope"}, "block", "x")
    assert (unknown.status, unknown.json["code"]) == (404, "card_not_found")


def test_cards_need_an_active_account(bank: FakePayments, api: Api, open_account: Opener) -> None:
    number = open_account(ADA)["account_number"]
    path = {"number": number}
    api("POST", "/accounts/{number}/block", ADA, path_params=path, body={"reason": "travel"})
    response = api("POST", "/accounts/{number}/cards", ADA, path_params=path, body={"pin": "1234"})
    # 422 like payments' answer for the same code (one kind per code: core.errors' catalogue)
    assert (response.status, response.json["code"]) == (422, "account_not_active")


def test_the_owners_block_unblock_and_replace_never_give_the_card_pin_fresh_tries(
    issued: dict[str, Any], api: Api
) -> None:
    path = {"card_id": issued["card_id"]}
    # Given two wrong card PINs
    for _ in range(2):
        assert reveal(api, issued, "9999").json["code"] == "card_invalid"
    assert (tries_taken(issued), wrong_answers(issued)) == (2, 2)
    # When the owner blocks and unblocks the card, Then the wrong answers still count
    api("POST", "/cards/{card_id}/block", ADA, path_params=path, body={"reason": "lost"})
    assert api("POST", "/cards/{card_id}/unblock", ADA, path_params=path).json["state"] == "active"
    assert (tries_taken(issued), wrong_answers(issued)) == (2, 2)
    # When the owner blocks it again and replaces it, Then the new card (same account, same PIN) has
    # the same count: its first wrong PIN is the third, and blocks it
    api("POST", "/cards/{card_id}/block", ADA, path_params=path, body={"reason": "lost"})
    new = api("POST", "/cards/{card_id}/replace", ADA, path_params=path).json
    assert new["replaces"] == issued["card_id"]
    assert (tries_taken(new), wrong_answers(new)) == (2, 2)
    third = reveal(api, new, "9999")
    assert (third.status, third.json["code"]) == (422, "card_blocked")
    stored = CardModel.get(new["card_id"])
    assert (stored.state, stored.blocked_by, stored.block_reason) == (
        "blocked",
        "system",
        "too_many_failures",
    )
    # And the owner can lift that block neither by unblocking nor by replacing the card
    new_path = {"card_id": new["card_id"]}
    for action in ("unblock", "replace"):
        refused = api("POST", f"/cards/{{card_id}}/{action}", ADA, path_params=new_path)
        assert (refused.status, refused.json["code"]) == (409, "card_blocked_by_bank"), action
    # Only staff unblocking it gives the card PIN fresh tries
    assert staff_card(api, new, "unblock", "owner identified").json["state"] == "active"
    assert (tries_taken(new), wrong_answers(new)) == (0, 0)
    assert reveal(api, new, "0042").status == 200


def test_a_staff_unblock_resets_the_tries_even_of_a_card_its_owner_blocked(
    issued: dict[str, Any], api: Api
) -> None:
    # Given two wrong card PINs, then the owner's own block
    for _ in range(2):
        verify(issued, pin="9999")
    path = {"card_id": issued["card_id"]}
    api("POST", "/cards/{card_id}/block", ADA, path_params=path, body={"reason": "lost"})
    # When staff unblock it (the owner at the branch), Then the count starts afresh
    assert staff_card(api, issued, "unblock", "found at the branch").json["state"] == "active"
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0)
    codes = [verify(issued, pin="9999")["error"]["code"] for _ in range(3)]
    assert codes == ["card_invalid", "card_invalid", "card_blocked"]
    assert (tries_taken(issued), wrong_answers(issued)) == (3, 3)
    # Staff unblocking it again gives fresh tries once more (a staff block after that changes nothing)
    assert staff_card(api, issued, "unblock", "owner identified").json["state"] == "active"
    assert staff_card(api, issued, "block", "reported stolen").json["state"] == "blocked"
    assert (tries_taken(issued), wrong_answers(issued)) == (0, 0)


def test_the_card_pin_tries_are_one_count_per_account(
    issued: dict[str, Any], api: Api, open_account: Opener
) -> None:
    # Given Ada's card on a second account, with a PIN of its own
    second = open_account(ADA, "savings")["account_number"]
    other = api(
        "POST", "/accounts/{number}/cards", ADA, path_params={"number": second}, body={"pin": "0042"}
    ).json
    # When the first card's PIN is guessed wrong twice
    for _ in range(2):
        verify(issued, pin="9999")
    # Then the other account's card keeps every try, and its counter is its account's
    assert (tries_taken(issued), wrong_answers(issued)) == (2, 2)
    assert (tries_taken(other), wrong_answers(other)) == (0, 0)
    assert "result" in verify(other)
    counters = sorted(c.card_id for c in CardModel.scan() if c.card_id.startswith("cardpin#"))
    assert counters == sorted({f"cardpin#{issued['account_number']}", f"cardpin#{second}"})


def test_a_card_pin_counter_is_never_served_as_a_card(issued: dict[str, Any], api: Api) -> None:
    # Given the counter item exists (a check took a try)
    verify(issued, pin="9999")
    counter_id = f"cardpin#{issued['account_number']}"
    assert pin_counter(issued)["tries"] == 1
    # When anyone names it as a card, Then it is a card that does not exist
    path = {"card_id": counter_id}
    for who, action, body in (
        (ADA, "block", {"reason": "x"}),
        (ADA, "unblock", {}),
        (ADA, "replace", {}),
        (ADA, "reveal", {"pin": "0042"}),
    ):
        response = api("POST", f"/cards/{{card_id}}/{action}", who, path_params=path, body=body)
        assert (response.status, response.json["code"]) == (404, "card_not_found"), action
    for action in ("block", "unblock", "replace"):
        response = staff_card(api, {"card_id": counter_id}, action, "x")
        assert (response.status, response.json["code"]) == (404, "card_not_found"), action
    # And none of that touched the count
    assert (tries_taken(issued), wrong_answers(issued)) == (1, 1)
