"""core.dynamo against moto: item conversion and the try counter's conditional writes (decision 0008)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from core import aws as core_aws
from core.dynamo import (
    MAX_ROUNDS,
    GuardRefused,
    TriesExhausted,
    TryCounter,
    condition_failed,
    from_item,
    to_item,
)
from core.errors import ServiceUnavailable
from core.tries import TryLimit

TABLE = "tries"
RULE = TryLimit(limit=3, seconds=900)
T0 = 1_800_000_000


@pytest.fixture
def table(aws: None) -> Iterator[Any]:
    core_aws.forget_clients()
    resource = boto3.resource("dynamodb")
    created = resource.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield created
    core_aws.forget_clients()


def stored(table: Any, key: str = "k") -> dict[str, Any] | None:
    item: dict[str, Any] | None = table.get_item(Key={"id": key}, ConsistentRead=True).get("Item")
    return item


def counter(key: str = "k", **kw: Any) -> TryCounter:
    return TryCounter(table=TABLE, key={"id": key}, rule=RULE, **kw)


# ---------------------------------------------------------------- item conversion
def test_items_convert_both_ways_dropping_nones_and_numbers_come_back_as_python_numbers() -> None:
    item = to_item({"a": "x", "n": 5, "f": Decimal("1.5"), "b": True, "gone": None, "l": [1, "y"]})
    assert item == {
        "a": {"S": "x"},
        "n": {"N": "5"},
        "f": {"N": "1.5"},
        "b": {"BOOL": True},
        "l": {"L": [{"N": "1"}, {"S": "y"}]},
    }
    back = from_item(item)
    assert back == {"a": "x", "n": 5, "f": 1.5, "b": True, "l": [Decimal(1), "y"]}
    assert back is not None and type(back["n"]) is int and type(back["f"]) is float
    assert from_item(None) is None
    assert from_item({}) is None


def test_only_a_failed_condition_is_a_condition_failure() -> None:
    failed = ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "UpdateItem")
    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateItem")
    assert condition_failed(failed)
    assert not condition_failed(throttled)


# ---------------------------------------------------------------- take until exhausted
def test_tries_are_taken_until_the_limit_and_then_refused_with_the_counter_as_it_was(table: Any) -> None:
    # Given an item without any try taken
    table.put_item(Item={"id": "k", "owner": "alice"})
    tries = counter()
    # When three tries are taken a few seconds apart
    taken = [tries.take(T0 + seconds) for seconds in (0, 5, 10)]
    # Then each write returned the item as it is after, with one more try taken
    assert [int(item["tries"]) for item in taken] == [1, 2, 3]
    assert [item["owner"] for item in taken] == ["alice"] * 3
    # And a fourth is refused while the window is open, nothing written
    with pytest.raises(TriesExhausted) as refused:
        tries.take(T0 + 20)
    assert (refused.value.tries.taken, refused.value.tries.window_end) == (3, T0 + 10 + RULE.seconds)
    assert refused.value.tries.retry_after(T0 + 20) == RULE.seconds - 10
    item = stored(table)
    assert item is not None
    assert (item["tries"], item["tries_window_end"]) == (3, T0 + 10 + RULE.seconds)


def test_a_fresh_window_opens_once_the_last_one_ran_out(table: Any) -> None:
    # Given an exhausted counter with two wrong answers
    tries = counter()
    for seconds in (0, 1, 2):
        tries.take(T0 + seconds)
    tries.record_wrong()
    tries.record_wrong()
    end = T0 + 2 + RULE.seconds
    with pytest.raises(TriesExhausted):
        tries.take(end - 1)
    # When a try is taken the moment the window ended
    item = tries.take(end)
    # Then it is the first of a fresh window, with the wrong answers of the old one forgotten
    assert (item["tries"], item["tries_wrong"], item["tries_window_end"]) == (1, 0, end + RULE.seconds)


def test_the_window_moves_with_each_try_so_tries_less_than_the_window_apart_add_up(table: Any) -> None:
    # Given tries taken 14 minutes apart: the span (28 minutes) is longer than the 15-minute window
    tries = counter()
    for minutes in (0, 14, 28):
        tries.take(T0 + minutes * 60)
    # Then the third one extended the window: still exhausted 14 minutes after it
    with pytest.raises(TriesExhausted) as refused:
        tries.take(T0 + 42 * 60)
    assert refused.value.tries.window_end == T0 + 28 * 60 + RULE.seconds
    # And free again 15 minutes after the last try
    assert tries.take(T0 + 28 * 60 + RULE.seconds)["tries"] == 1


def test_a_take_on_a_missing_item_without_a_guard_opens_its_window(table: Any) -> None:
    # Sign-in counters live on items of their own: the first try creates the item.
    item = counter("new").take(T0)
    assert (item["id"], item["tries"], item["tries_wrong"], item["tries_window_end"]) == (
        "new",
        1,
        0,
        T0 + RULE.seconds,
    )
    assert stored(table, "new") == {
        "id": "new",
        "tries": 1,
        "tries_wrong": 0,
        "tries_window_end": T0 + RULE.seconds,
    }


# ---------------------------------------------------------------- give back, record wrong, reset
def test_a_try_given_back_is_free_again_and_a_counter_never_goes_below_zero(table: Any) -> None:
    # Given an exhausted counter
    tries = counter()
    for seconds in (0, 1, 2):
        tries.take(T0 + seconds)
    # When one try is given back (its answer was right)
    tries.give_back()
    # Then the next attempt may take it, and no more
    assert tries.take(T0 + 3)["tries"] == 3
    with pytest.raises(TriesExhausted):
        tries.take(T0 + 4)
    # And giving back more than was taken stops at zero
    for _ in range(5):
        tries.give_back()
    item = stored(table)
    assert item is not None and item["tries"] == 0


def test_giving_back_or_resetting_a_missing_item_writes_nothing(table: Any) -> None:
    counter("ghost").give_back()
    counter("ghost").reset()
    assert stored(table, "ghost") is None


def test_wrong_answers_are_counted_and_the_limit_of_them_locks(table: Any) -> None:
    tries = counter()
    for seconds in (0, 1, 2):
        tries.take(T0 + seconds)
        after = tries.record_wrong()
    assert (after.taken, after.wrong, after.window_end) == (3, 3, T0 + 2 + RULE.seconds)
    assert after.locked(T0 + 3, RULE.limit)
    assert after.left(RULE.limit) == 0
    with pytest.raises(TriesExhausted) as refused:
        tries.take(T0 + 3)
    assert refused.value.tries.locked(T0 + 3, RULE.limit)


def test_recording_a_wrong_answer_needs_a_try_taken(table: Any) -> None:
    # A wrong answer without a try held for it would be a verdict without a try: the write refuses it.
    with pytest.raises(ClientError) as refused:
        counter("never-taken").record_wrong()
    assert condition_failed(refused.value)
    assert stored(table, "never-taken") is None


def test_a_reset_closes_the_window_so_the_next_attempt_opens_a_fresh_one(table: Any) -> None:
    # Given a counter locked by wrong answers
    tries = counter()
    for seconds in (0, 1, 2):
        tries.take(T0 + seconds)
        tries.record_wrong()
    with pytest.raises(TriesExhausted):
        tries.take(T0 + 3)
    # When staff unlock it
    tries.reset()
    # Then the very next attempt, inside the old window's time, opens a fresh window
    item = tries.take(T0 + 4)
    assert (item["tries"], item["tries_wrong"], item["tries_window_end"]) == (1, 0, T0 + 4 + RULE.seconds)


# ---------------------------------------------------------------- the guard
def test_a_guard_refuses_a_try_on_an_item_that_is_not_the_callers_and_writes_nothing(table: Any) -> None:
    # Given Bob's item
    table.put_item(Item={"id": "k", "owner": "bob"})
    # When Alice takes a try on it
    with pytest.raises(GuardRefused) as refused:
        counter(require={"owner": "alice"}).take(T0)
    # Then she is refused, told nothing but the item as it was, and no try was taken
    assert refused.value.item == {"id": "k", "owner": "bob"}
    assert stored(table) == {"id": "k", "owner": "bob"}
    # And Bob takes his tries as usual
    assert counter(require={"owner": "bob"}).take(T0)["tries"] == 1


def test_a_guard_refuses_a_missing_item_rather_than_creating_it(table: Any) -> None:
    with pytest.raises(GuardRefused) as refused:
        counter("nobody", require={"owner": "alice"}).take(T0)
    assert refused.value.item is None
    assert stored(table, "nobody") is None


def test_a_guard_is_checked_before_the_tries_so_an_exhausted_item_of_someone_else_is_still_refused(
    table: Any,
) -> None:
    table.put_item(Item={"id": "k", "owner": "bob"})
    bobs = counter(require={"owner": "bob"})
    for seconds in (0, 1, 2):
        bobs.take(T0 + seconds)
    with pytest.raises(GuardRefused):
        counter(require={"owner": "alice"}).take(T0 + 3)
    with pytest.raises(TriesExhausted):
        bobs.take(T0 + 3)


# ---------------------------------------------------------------- TTL and attribute names
def test_the_ttl_attribute_follows_the_window_end_on_every_take(table: Any) -> None:
    tries = counter(expires="expires_at")
    assert tries.take(T0)["expires_at"] == T0 + RULE.seconds
    assert tries.take(T0 + 30)["expires_at"] == T0 + 30 + RULE.seconds
    # A fresh window sets it too
    tries.reset()
    assert tries.take(T0 + 40)["expires_at"] == T0 + 40 + RULE.seconds
    # Without `expires` no TTL attribute is written
    assert "expires_at" not in counter("plain").take(T0)


def test_the_attribute_names_are_the_counters_own(table: Any) -> None:
    tries = counter(taken="pin_tries", window_end="pin_window_end", wrong="pin_wrong")
    tries.take(T0)
    tries.record_wrong()
    assert stored(table) == {"id": "k", "pin_tries": 1, "pin_wrong": 1, "pin_window_end": T0 + RULE.seconds}
    assert tries.tries_of(stored(table)).wrong == 1


# ---------------------------------------------------------------- races
def test_a_window_opened_by_another_attempt_meanwhile_is_taken_from(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a counter whose window ran out, and another attempt that opens a fresh one just before ours
    tries = counter()
    real_write = TryCounter._write
    raced: list[str] = []

    def racing_write(self: TryCounter, expression: str, condition: str, values: dict[str, Any]) -> Any:
        if expression.startswith("SET #tk = :one") and not raced:
            raced.append("other")
            real_write(self, expression, condition, values)  # the other attempt's fresh window
        return real_write(self, expression, condition, values)

    monkeypatch.setattr(TryCounter, "_write", racing_write)
    # When ours takes a try
    item = tries.take(T0)
    # Then its own fresh-window write was refused and it took the second try of the other's window
    assert raced == ["other"]
    assert (item["tries"], item["tries_window_end"]) == (2, T0 + RULE.seconds)


def test_a_counter_that_keeps_changing_under_every_round_gives_up_as_unavailable(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[str] = []

    def always_refused(self: TryCounter, expression: str, condition: str, values: dict[str, Any]) -> Any:
        rounds.append(expression)
        # As DynamoDB answers when another request changed the counter between the rounds
        response: Any = {"Error": {"Code": "ConditionalCheckFailedException"}, "Item": {"id": {"S": "k"}}}
        raise ClientError(response, "UpdateItem")

    monkeypatch.setattr(TryCounter, "_write", always_refused)
    with pytest.raises(ServiceUnavailable):
        counter().take(T0)
    assert len(rounds) == 2 * MAX_ROUNDS  # a take and a fresh window per round


def test_errors_other_than_a_failed_condition_are_not_swallowed(table: Any) -> None:
    missing = TryCounter(table="no-such-table", key={"id": "k"}, rule=RULE)
    for attempt in (lambda: missing.take(T0), missing.give_back, missing.reset):
        with pytest.raises(ClientError) as raised:
            attempt()
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
