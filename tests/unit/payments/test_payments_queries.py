"""The read-only query function the ledger calls: every position listed shard by shard, one position's
owner and state. It moves no money and offers nothing that could."""

from __future__ import annotations

from typing import Any

import pytest

from core.pagination import encode_cursor
from payments.domain.rules import POSITION_SHARDS, shard_of
from payments.entrypoints import internal, queries
from payments.store.models import Position
from tests.unit.conftest import FakeContext

CUSTOMERS = 40


def query(action: str, **payload: Any) -> dict[str, Any]:
    return queries.handler({"action": action, "payload": payload}, FakeContext())


def open_many(count: int) -> list[str]:
    accounts = [f"{3000000000 + n * 7919:010d}" for n in range(count)]
    for n, account in enumerate(accounts):
        opened = internal.handler(
            {
                "action": "open_position",
                "payload": {"account_number": account, "owner_id": f"q-{n % 7}", "pin": "1234"},
            },
            FakeContext(),
        )
        assert "result" in opened, opened
    return accounts


def walk(limit: int) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    for _ in range(1_000):
        page = query("list_positions", limit=limit, **({"cursor": cursor} if cursor else {}))["result"]
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return pages
    raise AssertionError("the cursor never ended")


@pytest.fixture
def positions(bank: Any) -> set[str]:
    """Forty customer positions (spread over the shards) and the bank's four."""
    open_many(CUSTOMERS)
    every = {p.account for p in Position.scan()}
    assert len(every) == CUSTOMERS + 4
    return every


@pytest.mark.parametrize("limit", [1, 3, 7, 44, 100])
def test_list_positions_lists_every_position_exactly_once_across_the_shards(
    positions: set[str], limit: int
) -> None:
    # Given positions in many shards
    assert len({shard_of(a) for a in positions}) > 1
    # When the ledger walks them `limit` at a time
    pages = walk(limit)
    listed = [item["account"] for page in pages for item in page]
    # Then each is listed exactly once, and no page is longer than asked for
    assert sorted(listed) == sorted(positions)
    assert all(len(page) <= limit for page in pages)
    # And pages are full but for the last: the walk takes from the next shard to fill one
    assert all(len(page) == limit for page in pages[:-1])


def test_listed_positions_carry_their_balances_and_state(positions: set[str]) -> None:
    from payments.models import SetStatePayload
    from payments.service import positions as service

    blocked = sorted(positions - {"bank:pool", "bank:cash", "bank:loans_receivable", "bank:interest_income"})[
        0
    ]
    service.set_state(SetStatePayload(account_number=blocked, state="blocked", reason="fraud check"))
    items = {item["account"]: item for page in walk(10) for item in page}
    assert items["bank:pool"]["ledger_balance"] == int(Position.get("bank:pool").ledger_balance)
    assert items["bank:cash"]["ledger_balance"] == -(10**12)
    assert items[blocked] == {
        "account": blocked,
        "ledger_balance": int(Position.get(blocked).ledger_balance),
        "available_balance": int(Position.get(blocked).available),
        "state": "blocked",
    }
    assert sum(item["ledger_balance"] for item in items.values()) == 0


def test_every_position_knows_its_shard(positions: set[str]) -> None:
    for item in Position.scan():
        assert int(item.shard) == shard_of(item.account)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!not-a-cursor",
        encode_cursor({"shard": POSITION_SHARDS}),
        encode_cursor({"shard": -1}),
        encode_cursor({"shard": "0"}),
        encode_cursor({"shard": 1.5}),
        encode_cursor({"shard": True}),
        encode_cursor({"key": None}),
        encode_cursor({"shard": 0, "key": "3000000000"}),
        encode_cursor({"shard": 0, "key": ["3000000000"]}),
    ],
    ids=[
        "garbage",
        "past-the-shards",
        "negative",
        "text",
        "fraction",
        "true",
        "no-shard",
        "key-text",
        "key-list",
    ],
)
def test_a_forged_cursor_is_refused(bank: Any, cursor: str | None) -> None:
    open_many(3)
    result = query("list_positions", limit=5, cursor=cursor)
    assert result["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, 101, "5"])
def test_a_page_size_out_of_range_is_refused(bank: Any, limit: Any) -> None:
    assert query("list_positions", limit=limit)["error"]["code"] == "validation_failed"


def test_get_position_answers_owner_and_state_of_a_customer_account(bank: Any) -> None:
    from payments.models import SetStatePayload
    from payments.service import positions as service

    [account] = open_many(1)
    assert query("get_position", account_number=account)["result"] == {
        "account_number": account,
        "owner_id": "q-0",
        "state": "active",
    }
    service.set_state(SetStatePayload(account_number=account, state="blocked", reason="x"))
    assert query("get_position", account_number=account)["result"]["state"] == "blocked"


def test_get_position_of_an_unknown_or_a_bank_account_is_not_found(bank: Any) -> None:
    assert query("get_position", account_number="9999999999")["error"]["code"] == "account_not_found"
    # The bank's own positions are no customer's account (and not even a valid number)
    assert query("get_position", account_number="bank:pool")["error"]["code"] == "validation_failed"


def test_the_query_function_offers_nothing_that_moves_money(bank: Any) -> None:
    for action in ("move", "open_position", "set_state", "reverse", "close_with_payout", "unlock_pin"):
        assert query(action)["error"]["code"] == "unknown_action"
