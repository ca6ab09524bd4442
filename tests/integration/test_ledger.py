"""The ledger on the deployed stack: payments → outbox → SNS → SQS → consumer → journal, exactly once,
balanced, reconciled with payments, tamper-evident, with statements and a DLQ that staff can redrive."""

from __future__ import annotations

import csv
import io
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.clock import iso, now
from tests.integration.conftest import PIN, Bank, Customer, User, eventually
from tools.api import Api

CARD_PIN = "4321"


def transfer(api: Api, sender: Customer, to: str, amount: int) -> dict[str, Any]:
    response = api.post(
        "/transfers",
        token=sender.token,
        json={
            "from_account": sender.account,
            "to_account": to,
            "amount": amount,
            "pin": PIN,
            "description": "it",
        },
        headers={"Idempotency-Key": secrets.token_hex(8), "X-Correlation-Id": f"it-{secrets.token_hex(4)}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def entries_of(api: Api, staff: User, payment_id: str) -> list[dict[str, Any]]:
    response = api.get("/staff/ledger/entries", token=staff.access_token, params={"payment_id": payment_id})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def account_entries(api: Api, staff: User, account: str) -> list[dict[str, Any]]:
    response = api.get(
        "/staff/ledger/entries", token=staff.access_token, params={"account": account, "limit": 100}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def posted(api: Api, staff: User, payment_id: str, count: int) -> Callable[[], list[dict[str, Any]] | None]:
    def check() -> list[dict[str, Any]] | None:
        found = entries_of(api, staff, payment_id)
        return found if len(found) >= count else None

    return check


def ledger_balance(api: Api, who: Customer) -> int:
    response = api.get(f"/accounts/{who.account}", token=who.token)
    assert response.status_code == 200, response.text
    return int(response.json()["ledger_balance"])


def bonus_posted(api: Api, staff: User, who: Customer) -> bool:
    return bool(account_entries(api, staff, who.account))


def outbox_body(bank: Bank, payment_id: str) -> str:
    """The exact event payments published for a payment (its outbox record's body)."""
    dynamodb = bank.client("dynamodb")
    for page in dynamodb.get_paginator("scan").paginate(TableName=bank.output("PaymentsOutboxTableName")):
        for item in page["Items"]:
            if payment_id in item["body"]["S"] and '"money.moved"' in item["body"]["S"]:
                return str(item["body"]["S"])
    raise AssertionError(f"no outbox record for {payment_id}")


def publish(bank: Bank, body: str) -> None:
    bank.client("sns").publish(TopicArn=bank.output("EventsTopicArn"), Message=body)


def test_a_transfer_shows_up_as_two_entries_within_two_seconds(
    api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    payment = transfer(api, alice, bob.account, 12_345)
    started = time.monotonic()
    entries = eventually(posted(api, admin, payment["payment_id"], 2), timeout=2.0, interval=0.1)
    assert time.monotonic() - started <= 2.0
    by_side = {e["side"]: e for e in entries}
    assert (by_side["debit"]["account_id"], by_side["credit"]["account_id"]) == (alice.account, bob.account)
    assert by_side["debit"]["amount"] == by_side["credit"]["amount"] == 12_345
    assert by_side["debit"]["correlation_id"] == by_side["credit"]["correlation_id"] != ""


def test_the_same_event_delivered_twice_posts_once(
    bank: Bank, api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    payment = transfer(api, alice, bob.account, 7_000)
    eventually(posted(api, admin, payment["payment_id"], 2), timeout=10)
    # When the very same event is delivered again, twice
    body = outbox_body(bank, payment["payment_id"])
    publish(bank, body)
    publish(bank, body)
    # A later event: once it is posted, the replays ahead of it have been handled.
    marker = transfer(api, bob, alice.account, 5_000)
    eventually(posted(api, admin, marker["payment_id"], 2), timeout=10)
    time.sleep(1)
    # Then the ledger still holds one posting for it
    assert len(entries_of(api, admin, payment["payment_id"])) == 2
    assert [e["seq"] for e in account_entries(api, admin, bob.account)] == [3, 2, 1]


def dlq_messages(api: Api, staff: User) -> list[dict[str, Any]]:
    response = api.get("/staff/dlq", token=staff.access_token)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def in_dlq(api: Api, staff: User, text: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        return next((m for m in dlq_messages(api, staff) if text in m["body_preview"]), None)

    return check


def test_a_malformed_event_lands_in_the_dlq_with_a_hint(bank: Bank, api: Api, admin: User) -> None:
    payment_id = f"pay_it_{secrets.token_hex(6)}"
    event = {
        "event_id": f"evt_it_{secrets.token_hex(6)}",
        "type": "money.moved",
        "version": 1,
        "source": "payments",
        "occurred_at": iso(now()),
        "correlation_id": "it-malformed",
        "data": {
            "payment_id": payment_id,
            "kind": "transfer",
            "legs": [{"from_account": "0000000001", "to_account": "bank:vault", "amount": 5}],
            "committed_at": iso(now()),
        },
    }
    publish(bank, json.dumps(event))
    message = eventually(in_dlq(api, admin, payment_id), timeout=90, interval=1)
    assert message["error_hint"].startswith("unknown_ledger_account")
    assert (message["event_id"], message["type"]) == (event["event_id"], "money.moved")
    assert message["receive_count"] >= 1
    assert entries_of(api, admin, payment_id) == []


class Outage:
    """Points the ledger consumer at a table that does not exist, and back (the fix)."""

    def __init__(self, bank: Bank) -> None:
        self.lam = bank.client("lambda")
        self.name = bank.output("LedgerConsumerFunctionName")
        self.variables = self.lam.get_function_configuration(FunctionName=self.name)["Environment"][
            "Variables"
        ]

    def _configure(self, values: dict[str, str]) -> None:
        self.lam.update_function_configuration(FunctionName=self.name, Environment={"Variables": values})
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=self.name)

    def start(self) -> None:
        broken = self.variables["LEDGER_ENTRIES_TABLE"] + "-missing"
        self._configure({**self.variables, "LEDGER_ENTRIES_TABLE": broken})

    def fix(self) -> None:
        self._configure(self.variables)


@pytest.fixture
def outage(bank: Bank) -> Iterator[Outage]:
    controller = Outage(bank)
    try:
        yield controller
    finally:
        controller.fix()


def test_an_event_failed_during_an_outage_is_posted_once_after_the_fix_and_a_redrive(
    api: Api, admin: User, customer: Callable[[], Customer], outage: Outage
) -> None:
    alice, bob = customer(), customer()
    eventually(lambda: bonus_posted(api, admin, alice) and bonus_posted(api, admin, bob), timeout=10)
    # Given a transfer whose event fails maxReceiveCount times while the ledger is broken
    outage.start()
    payment = transfer(api, alice, bob.account, 42_000)
    message = eventually(in_dlq(api, admin, payment["payment_id"]), timeout=90, interval=1)
    assert message["error_hint"].startswith("valid_now")
    assert entries_of(api, admin, payment["payment_id"]) == []
    # When the ledger is fixed and staff redrive the DLQ (twice, as an impatient operator would)
    outage.fix()
    first = api.post("/staff/dlq/redrive", token=admin.access_token, json={"max_messages": 1000})
    assert first.status_code == 200, first.text
    assert first.json()["moved"] >= 1
    api.post("/staff/dlq/redrive", token=admin.access_token, json={})
    # Then the transfer is posted, exactly once
    eventually(posted(api, admin, payment["payment_id"], 2), timeout=20)
    time.sleep(2)
    assert len(entries_of(api, admin, payment["payment_id"])) == 2
    assert in_dlq(api, admin, payment["payment_id"])() is None


def card_capture(api: Api, holder: Customer, merchant: Customer, amount: int, capture: int) -> None:
    card = api.post(f"/accounts/{holder.account}/cards", token=holder.token, json={"pin": CARD_PIN})
    assert card.status_code == 201, card.text
    details = card.json()
    request = api.post(
        "/payment-requests",
        token=merchant.token,
        json={"merchant_account": merchant.account, "amount": amount, "description": "shop"},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert request.status_code == 201, request.text
    hold = api.post(
        "/card-authorizations",
        token=holder.token,
        json={
            "payment_request_id": request.json()["payment_request_id"],
            "pan": details["pan"],
            "expiry_month": details["expiry_month"],
            "expiry_year": details["expiry_year"],
            "cvv": details["cvv"],
            "pin": CARD_PIN,
        },
    )
    assert hold.status_code == 201, hold.text
    captured = api.post(
        f"/card-authorizations/{hold.json()['authorization_id']}/capture",
        token=merchant.token,
        json={"amount": capture},
    )
    assert captured.status_code == 200, captured.text


def loan_repaid(api: Api, admin: User, who: Customer) -> None:
    applied = api.post(
        "/loans", token=who.token, json={"account_number": who.account, "amount": 300_000, "months": 1}
    )
    assert applied.status_code == 201, applied.text
    loan_id = applied.json()["loan_id"]
    decided = api.post(
        f"/staff/loans/{loan_id}/decision",
        token=admin.access_token,
        json={"decision": "approve", "reason": "ok"},
    )
    assert decided.status_code == 200, decided.text
    repaid = api.post(
        f"/loans/{loan_id}/repayments",
        token=who.token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={"account_number": who.account, "amount": 336_000},
    )
    assert repaid.status_code == 201, repaid.text


def reconciled(api: Api, admin: User) -> dict[str, Any] | None:
    body = api.get("/staff/ledger/reconciliation", token=admin.access_token).json()
    return body if body["matched"] else None


def test_after_a_mixed_workload_the_books_balance_and_reconcile(
    api: Api, admin: User, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    alice, bob, carol = customer(), customer(), customer()
    transfer(api, alice, bob.account, 20_000)
    transfer(api, bob, carol.account, 5_000)
    card_capture(api, carol, alice, amount=30_000, capture=25_000)
    wrong = transfer(api, alice, carol.account, 9_999)
    proposal = api.post(
        f"/staff/transfers/{wrong['payment_id']}/reversal", token=staff.access_token, json={"reason": "error"}
    )
    assert proposal.status_code == 202, proposal.text
    reversal = api.post(
        f"/staff/proposals/{proposal.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert reversal.status_code == 200, reversal.text
    loan_repaid(api, admin, bob)
    # Every movement reaches the ledger; then every balance agrees with payments
    body = eventually(lambda: reconciled(api, admin), timeout=60, interval=1)
    assert body["differences"] == [] and body["positions_checked"] >= 3
    trial = api.get("/staff/ledger/trial-balance", token=admin.access_token).json()
    assert (trial["difference"], trial["balanced"]) == (0, True)
    assert trial["total_debits"] == trial["total_credits"] > 0
    cats = trial["by_category"]
    assert cats["income"]["balance"] >= 36_000  # the loan's interest
    for who in (alice, bob, carol):
        assert api.get(f"/staff/ledger/accounts/{who.account}/balance", token=admin.access_token).json()[
            "balance"
        ] == ledger_balance(api, who)


def test_an_entry_edited_directly_in_dynamodb_is_caught_by_verify(
    bank: Bank, api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    payment = transfer(api, alice, bob.account, 5_000)
    eventually(posted(api, admin, payment["payment_id"], 2), timeout=10)
    verify = api.get("/staff/ledger/verify", token=admin.access_token, params={"account": bob.account}).json()
    assert verify["ok"] is True and verify["entries_checked"] == 2
    # When someone edits the amount of Bob's credit straight in the table
    dynamodb = bank.client("dynamodb")
    table = bank.output("LedgerEntriesTableName")
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="account_id = :a",
        ExpressionAttributeValues={":a": {"S": bob.account}},
    )["Items"]
    target = next(i for i in items if i["payment_id"]["S"] == payment["payment_id"])
    dynamodb.update_item(
        TableName=table,
        Key={"account_id": target["account_id"], "position": target["position"]},
        UpdateExpression="SET amount = :x",
        ExpressionAttributeValues={":x": {"N": "300000"}},
    )
    # Then verify names the account, the entry and why
    verify = api.get("/staff/ledger/verify", token=admin.access_token, params={"account": bob.account}).json()
    assert verify["ok"] is False
    assert verify["broken_accounts"] == [bob.account]
    assert {(b["entry_id"], b["reason"].split(":")[0]) for b in verify["breaks"]} >= {
        (target["entry_id"]["S"], "hash_mismatch")
    }
    assert api.get("/staff/ledger/verify", token=bob.token).status_code == 403


def test_a_statement_opening_plus_movements_equals_closing(
    api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    first = transfer(api, alice, bob.account, 10_000)
    eventually(posted(api, admin, first["payment_id"], 2), timeout=10)
    time.sleep(0.05)
    start = iso(now())
    later = [transfer(api, alice, bob.account, 5_000 + i) for i in range(3)]
    later.append(transfer(api, bob, alice.account, 6_000))
    eventually(posted(api, admin, later[-1]["payment_id"], 2), timeout=10)
    for payment in later:
        eventually(posted(api, admin, payment["payment_id"], 2), timeout=10)
    params = {"from": start, "limit": "2"}
    entries: list[dict[str, Any]] = []
    page: dict[str, Any] = {}
    while True:
        response = api.get(f"/accounts/{alice.account}/statement", token=alice.token, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["entries"]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert page["opening_balance"] == 100_000 - 10_000
    movements = sum(e["amount"] if e["side"] == "credit" else -e["amount"] for e in entries)
    assert page["opening_balance"] + movements == page["closing_balance"] == ledger_balance(api, alice)
    assert len(entries) == 4
    # The same statement as a CSV download
    csv_response = api.get(
        f"/accounts/{alice.account}/statement",
        token=alice.token,
        params={"from": start},
        headers={"Accept": "text/csv"},
    )
    assert csv_response.status_code == 200
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert [r["row"] for r in rows] == ["opening", "entry", "entry", "entry", "entry", "closing"]
    # Another customer cannot read it
    assert api.get(f"/accounts/{alice.account}/statement", token=bob.token).status_code == 404
