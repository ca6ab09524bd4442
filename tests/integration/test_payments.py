"""Payments through the deployed gateway: atomic, idempotent transfers, holds, reversals, outbox → SNS."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from tests.integration.conftest import PIN, Bank, Customer, User, eventually
from tools.api import Api


def transfer(
    api: Api, sender: Customer, to: str, amount: Any = 10_000, key: str | None = None, **extra: Any
) -> Any:
    body = {
        "from_account": sender.account,
        "to_account": to,
        "amount": amount,
        "pin": PIN,
        "description": "it",
    }
    body.update(extra)
    return api.post(
        "/transfers",
        token=sender.token,
        json=body,
        headers={
            "Idempotency-Key": key or secrets.token_hex(8),
            "X-Correlation-Id": f"it-{secrets.token_hex(4)}",
        },
    )


def balances(api: Api, who: Customer) -> tuple[int, int]:
    response = api.get(f"/accounts/{who.account}", token=who.token)
    assert response.status_code == 200, response.text
    return int(response.json()["ledger_balance"]), int(response.json()["available_balance"])


def count_items(bank: Bank, logical_id: str) -> int:
    table = bank.physical_id(logical_id)
    return int(bank.client("dynamodb").scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"])


@pytest.fixture(scope="module")
def subscriber(bank: Bank) -> Callable[[], list[dict[str, Any]]]:
    """An SQS queue subscribed (raw) to the events topic: returns every message received so far."""
    sqs, sns = bank.client("sqs"), bank.client("sns")
    queue = sqs.create_queue(QueueName=f"payments-it-{secrets.token_hex(4)}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=bank.output("EventsTopicArn"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    seen: list[dict[str, Any]] = []

    def received() -> list[dict[str, Any]]:
        while batch := sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages"):
            for message in batch:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return seen

    return received


def events_for(received: Callable[[], list[dict[str, Any]]], payment_id: str) -> list[dict[str, Any]]:
    return [e for e in received() if e.get("data", {}).get("payment_id") == payment_id]


def test_a_transfer_moves_money_and_reaches_sns_once(
    api: Api, customer: Callable[[], Customer], subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    alice, bob = customer(), customer()
    response = transfer(api, alice, bob.account, 25_000)
    assert response.status_code == 201, response.text
    payment = response.json()
    assert balances(api, alice) == (75_000, 75_000)
    assert balances(api, bob) == (125_000, 125_000)
    events = eventually(lambda: events_for(subscriber, payment["payment_id"]), timeout=20)
    time.sleep(2)  # anything duplicated would have arrived by now
    events = events_for(subscriber, payment["payment_id"])
    assert len(events) == 1
    assert events[0]["type"] == "money.moved"
    assert events[0]["data"]["legs"] == [
        {"from_account": alice.account, "to_account": bob.account, "amount": 25_000}
    ]


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (-1, 400, "validation_failed"),
        (0, 400, "validation_failed"),
        (10_000.5, 400, "validation_failed"),
        ("10000", 400, "validation_failed"),
        (4_999, 422, "amount_below_minimum"),
        (100_001, 422, "insufficient_funds"),
    ],
)
def test_refused_amounts_write_nothing(
    *, bank: Bank, api: Api, customer: Callable[[], Customer], amount: Any, status: int, code: str
) -> None:
    alice, bob = customer(), customer()
    before = (count_items(bank, "PaymentsPaymentsTable"), count_items(bank, "PaymentsOutboxTable"))
    response = transfer(api, alice, bob.account, amount)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert (count_items(bank, "PaymentsPaymentsTable"), count_items(bank, "PaymentsOutboxTable")) == before
    assert balances(api, alice) == (100_000, 100_000)


def test_refused_parties_write_nothing(bank: Bank, api: Api, customer: Callable[[], Customer]) -> None:
    alice, bob, carol = customer(), customer(), customer()
    assert (
        api.post(f"/accounts/{carol.account}/block", token=carol.token, json={"reason": "lost"}).status_code
        == 200
    )
    before = (count_items(bank, "PaymentsPaymentsTable"), count_items(bank, "PaymentsOutboxTable"))
    cases = [
        (transfer(api, alice, carol.account), 422, "account_not_active"),
        (transfer(api, alice, "0000000000"), 404, "account_not_found"),
        (transfer(api, alice, alice.account), 422, "same_account"),
        (transfer(api, alice, bob.account, pin="9999"), 422, "pin_invalid"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert (count_items(bank, "PaymentsPaymentsTable"), count_items(bank, "PaymentsOutboxTable")) == before
    assert balances(api, alice) == (100_000, 100_000)


def test_a_replay_returns_the_same_body_and_moves_money_once(
    api: Api, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    first = transfer(api, alice, bob.account, 10_000, key="replay-1")
    second = transfer(api, alice, bob.account, 10_000, key="replay-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotency-Replayed"] == "true"
    other = transfer(api, alice, bob.account, 20_000, key="replay-1")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert balances(api, alice) == (90_000, 90_000)


def test_sixteen_concurrent_clients_never_overdraw_and_conserve_money(
    api: Api, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    clients = [Api(api.base_url) for _ in range(16)]

    def send(index: int) -> Any:
        return transfer(clients[index], alice, bob.account, 8_000, key=f"hammer-{index}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(send, range(16)))
    succeeded = [r for r in responses if r.status_code == 201]
    refused = {r.json()["code"] for r in responses if r.status_code != 201}
    assert refused <= {"insufficient_funds", "velocity_limit_exceeded", "pin_busy"}
    assert 1 <= len(succeeded) <= 12
    alice_ledger, _ = balances(api, alice)
    bob_ledger, _ = balances(api, bob)
    assert alice_ledger == 100_000 - 8_000 * len(succeeded) >= 0
    assert alice_ledger + bob_ledger == 200_000


def card_for(api: Api, owner: Customer) -> dict[str, Any]:
    response = api.post(f"/accounts/{owner.account}/cards", token=owner.token, json={"pin": "4321"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def authorize(api: Api, merchant: Customer, holder: Customer, card: dict[str, Any], amount: int) -> Any:
    """The merchant asks for a payment; the cardholder confirms it with the bank (card + PIN)."""
    request = api.post(
        "/payment-requests",
        token=merchant.token,
        json={"merchant_account": merchant.account, "amount": amount, "description": "shop"},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert request.status_code == 201, request.text
    body = {
        "payment_request_id": request.json()["payment_request_id"],
        "pan": card["pan"],
        "expiry_month": card["expiry_month"],
        "expiry_year": card["expiry_year"],
        "cvv": card["cvv"],
        "pin": "4321",
    }
    return api.post("/card-authorizations", token=holder.token, json=body)


def test_hold_then_partial_capture_releases_the_rest(api: Api, customer: Callable[[], Customer]) -> None:
    holder, merchant = customer(), customer()
    card = card_for(api, holder)
    hold = authorize(api, merchant, holder, card, 40_000)
    assert hold.status_code == 201, hold.text
    assert balances(api, holder) == (100_000, 60_000)
    hold_id = hold.json()["authorization_id"]
    captured = api.post(
        f"/card-authorizations/{hold_id}/capture", token=merchant.token, json={"amount": 15_000}
    )
    assert captured.status_code == 200, captured.text
    assert balances(api, holder) == (85_000, 85_000)
    assert balances(api, merchant) == (115_000, 115_000)
    again = api.post(f"/card-authorizations/{hold_id}/capture", token=merchant.token, json={"amount": 1})
    assert again.status_code == 409


def test_hold_then_void(api: Api, customer: Callable[[], Customer]) -> None:
    holder, merchant = customer(), customer()
    hold = authorize(api, merchant, holder, card_for(api, holder), 30_000).json()
    voided = api.post(f"/card-authorizations/{hold['authorization_id']}/void", token=merchant.token)
    assert (voided.status_code, voided.json()["state"]) == (200, "voided")
    assert balances(api, holder) == (100_000, 100_000)


def test_an_expired_hold_is_released(bank: Bank, api: Api, customer: Callable[[], Customer]) -> None:
    holder, merchant = customer(), customer()
    hold = authorize(api, merchant, holder, card_for(api, holder), 30_000).json()
    time.sleep(16)  # the test stack's HoldTtlSeconds is 15
    bank.client("lambda").invoke(FunctionName=bank.output("PaymentsHoldExpiryFunctionName"), Payload=b"{}")
    shown = api.get(f"/card-authorizations/{hold['authorization_id']}", token=merchant.token)
    assert shown.json()["state"] == "expired"
    assert balances(api, holder) == (100_000, 100_000)


def test_staff_reverse_a_transfer_once(
    api: Api, admin: User, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    payment = transfer(api, alice, bob.account, 30_000).json()
    path = f"/staff/transfers/{payment['payment_id']}/reversal"
    proposed = api.post(path, token=staff.access_token, json={"reason": "sent in error"})
    assert (proposed.status_code, proposed.json()["status"]) == (202, "proposed"), proposed.text
    assert balances(api, alice) == (70_000, 70_000)  # nothing moves on a proposal
    approved = api.post(
        f"/staff/proposals/{proposed.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert approved.status_code == 200, approved.text
    reversal = approved.json()["result"]
    assert reversal["reverses"] == payment["payment_id"]
    lines = api.get(f"/accounts/{alice.account}/transactions", token=alice.token).json()["items"]
    marks = {line["payment_id"]: line["reversed_by"] for line in lines}
    assert marks[payment["payment_id"]] == reversal["payment_id"]  # the original is marked
    assert balances(api, alice) == (100_000, 100_000)
    second = api.post(path, token=admin.access_token, json={"reason": "again"})
    assert (second.status_code, second.json()["code"]) == (409, "already_reversed")
    assert api.post(path, token=alice.token, json={"reason": "me"}).status_code == 403


def test_history_pages_are_complete_without_duplicates(api: Api, customer: Callable[[], Customer]) -> None:
    alice, bob = customer(), customer()
    sent = [transfer(api, alice, bob.account, 5_000 + i).json()["payment_id"] for i in range(5)]
    ids: list[str] = []
    cursor = ""
    while True:
        page = api.get(
            f"/accounts/{alice.account}/transactions?limit=2" + (f"&cursor={cursor}" if cursor else ""),
            token=alice.token,
        ).json()
        ids.extend(item["payment_id"] for item in page["items"])
        cursor = page["next_cursor"] or ""
        if not cursor:
            break
    assert len(ids) == len(set(ids)) == 6
    assert ids[:5] == list(reversed(sent))
    assert api.get(f"/accounts/{alice.account}/transactions", token=bob.token).status_code == 404


def test_events_survive_a_publishing_outage_and_arrive_once(
    bank: Bank, api: Api, customer: Callable[[], Customer], subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    """The publisher cannot reach the topic for a while (wrong topic ARN), then can again."""
    lam = bank.client("lambda")
    name = bank.output("PaymentsOutboxPublisherFunctionName")
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    broken = {**variables, "EVENTS_TOPIC_ARN": variables["EVENTS_TOPIC_ARN"] + "-missing"}
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": broken})
    try:
        alice, bob = customer(), customer()
        payments = [transfer(api, alice, bob.account, 6_000).json()["payment_id"] for _ in range(3)]
        time.sleep(5)
        assert all(not events_for(subscriber, p) for p in payments)
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    for payment_id in payments:
        eventually(partial(events_for, subscriber, payment_id), timeout=60)
    time.sleep(3)
    assert [len(events_for(subscriber, p)) for p in payments] == [1, 1, 1]
