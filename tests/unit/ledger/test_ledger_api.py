"""The ledger's HTTP routes against moto: statements, balances, reports, verification, DLQ."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from core.events import MovementKind as K
from ledger.app import app
from ledger.service import posting
from tests.unit.ledger.ledger_helpers import (
    ALICE,
    ALICE_ID,
    BOB,
    CASH,
    INTEREST,
    LOANS,
    POOL,
    STAFF,
    TABLES,
    FakeInternal,
    at,
    envelope,
    movement,
)

pytestmark = pytest.mark.usefixtures("ledger_tables")
Call = Callable[..., Any]
STATEMENT = "/accounts/{number}/statement"
AS_ALICE = {"sub": ALICE_ID, "role": "customer"}


def post(event_id: str, kind: K, legs: list[tuple[str, str, int]], when: str, **kw: Any) -> None:
    m = movement(kind, legs, payment_id=f"pay_{event_id}", **kw)
    assert posting.post_movement(event_id, f"corr-{event_id}", m, now=at(when)) is not None


@pytest.fixture
def history(ledger_tables: None) -> None:
    """A month of Alice's life: bonus, transfers in and out, a loan and its repayment."""
    post("e0", K.OPENING, [(CASH, POOL, 10**12)], "2026-01-01T00:00:00")
    post("e1", K.WELCOME_BONUS, [(POOL, ALICE, 100_000)], "2026-01-02T09:00:00")
    post("e2", K.WELCOME_BONUS, [(POOL, BOB, 100_000)], "2026-01-02T09:30:00")
    post("e3", K.TRANSFER, [(ALICE, BOB, 30_000)], "2026-01-05T10:00:00", description="rent")
    post("e4", K.TRANSFER, [(BOB, ALICE, 7_000)], "2026-01-12T10:00:00")
    post("e5", K.LOAN_DISBURSEMENT, [(LOANS, ALICE, 500_000)], "2026-01-15T10:00:00")
    post("e6", K.LOAN_REPAYMENT, [(ALICE, LOANS, 50_000), (ALICE, INTEREST, 6_000)], "2026-01-20T10:00:00")
    post("e7", K.TRANSFER, [(ALICE, BOB, 1_000)], "2026-02-03T10:00:00", description="=HYPERLINK()")


# ---------------------------------------------------------------- statements
@pytest.mark.usefixtures("history")
def test_statement_opening_plus_movements_equals_closing(call_api: Call, internal: FakeInternal) -> None:
    # When Alice asks for a statement of a period in the middle of her history
    response = call_api(
        app, "GET", STATEMENT, path_params={"number": ALICE},
        query={"from": "2026-01-05", "to": "2026-01-31"}, principal=AS_ALICE,
    )  # fmt: skip
    # Then it opens with the balance before the period and closes with the balance after it
    assert response.status == 200, response.json
    body = response.json
    assert (body["from"], body["to"]) == ("2026-01-05T00:00:00.000Z", "2026-02-01T00:00:00.000Z")
    assert body["opening_balance"] == 100_000
    movements = sum(e["amount"] if e["side"] == "credit" else -e["amount"] for e in body["entries"])
    assert (
        body["opening_balance"] + movements
        == body["closing_balance"]
        == 100_000 - 30_000 + 7_000 + 500_000 - 56_000
    )
    assert [e["payment_id"] for e in body["entries"]] == ["pay_e3", "pay_e4", "pay_e5", "pay_e6", "pay_e6"]
    assert body["entries"][0]["correlation_id"] == "corr-e3"
    # And who owns the account was asked of payments' read-only query function, nothing else
    assert internal.calls == [("payments-query", "get_position", {"account_number": ALICE})]


@pytest.mark.usefixtures("history")
def test_statement_pages_follow_the_cursor(call_api: Call, internal: FakeInternal) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        query = {
            "from": "2026-01-01",
            "to": "2026-02-28",
            "limit": "2",
            **({"cursor": cursor} if cursor else {}),
        }
        body = call_api(
            app, "GET", STATEMENT, path_params={"number": ALICE}, query=query, principal=STAFF
        ).json
        seen += [e["entry_id"] for e in body["entries"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.usefixtures("history")
def test_statement_as_csv_download(call_api: Call, internal: FakeInternal) -> None:
    response = call_api(
        app, "GET", STATEMENT, path_params={"number": ALICE},
        query={"from": "2026-01-01", "to": "2026-02-28"}, headers={"Accept": "text/csv"}, principal=AS_ALICE,
    )  # fmt: skip
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="statement-{ALICE}-2026-01-01-2026-03-01.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["row"] for r in rows] == ["opening"] + ["entry"] * 7 + ["closing"]
    assert rows[0]["balance"] == "0"
    net = sum(int(r["credit"] or 0) - int(r["debit"] or 0) for r in rows[1:-1])
    assert int(rows[0]["balance"]) + net == int(rows[-1]["balance"])
    # A description that a spreadsheet would run as a formula is defused.
    assert rows[-2]["description"] == "'=HYPERLINK()"


@pytest.mark.usefixtures("history")
def test_another_customers_statement_is_not_found(call_api: Call, internal: FakeInternal) -> None:
    response = call_api(app, "GET", STATEMENT, path_params={"number": BOB}, principal=AS_ALICE)
    assert response.status == 404
    assert response.json["code"] == "account_not_found"
    unknown = call_api(app, "GET", STATEMENT, path_params={"number": "9999999999"}, principal=STAFF)
    assert unknown.status == 404 and unknown.json["code"] == "account_not_found"


@pytest.mark.parametrize("number", ["bank:pool", "12345", "01234567890", "０１２３４５６７８９"])
def test_a_statement_of_anything_but_a_customer_number_is_not_found_without_asking_payments(
    call_api: Call, internal: FakeInternal, number: str
) -> None:
    # Given staff, who may read any customer's statement
    # When they ask for the statement of something that is not a customer account number
    response = call_api(app, "GET", STATEMENT, path_params={"number": number}, principal=STAFF)
    # Then it is the same 404 as an unknown number, and payments was never asked
    assert (response.status, response.json["code"]) == (404, "account_not_found")
    assert internal.calls == []


@pytest.mark.usefixtures("history")
def test_without_the_query_function_configured_a_statement_is_unavailable_not_a_crash(
    call_api: Call, internal: FakeInternal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import settings

    monkeypatch.delenv("PAYMENTS_QUERY_FUNCTION")
    settings.cache_clear()
    response = call_api(app, "GET", STATEMENT, path_params={"number": ALICE}, principal=AS_ALICE)
    assert (response.status, response.json["code"]) == (503, "service_unavailable")
    assert internal.calls == []


@pytest.mark.parametrize(
    "query",
    [{"from": "yesterday"}, {"from": "2026-02-01", "to": "2026-01-01"}, {"limit": "0"}, {"cursor": "!!"}],
)
def test_bad_statement_queries_are_400(call_api: Call, internal: FakeInternal, query: dict[str, str]) -> None:
    response = call_api(app, "GET", STATEMENT, path_params={"number": ALICE}, query=query, principal=AS_ALICE)
    assert response.status == 400, response.json


# ---------------------------------------------------------------- balances and reports
@pytest.mark.usefixtures("history")
def test_balance_at_a_point_in_time(call_api: Call) -> None:
    path = "/staff/ledger/accounts/{account_id}/balance"

    def balance(account: str, **query: str) -> Any:
        return call_api(
            app, "GET", path, path_params={"account_id": account}, query=query or None, principal=STAFF
        )

    assert balance(ALICE, at="2026-01-04T00:00:00Z").json["balance"] == 100_000
    assert balance(ALICE, at="2026-01-05").json["balance"] == 70_000  # a date means the end of that day
    assert balance(ALICE, at="2025-12-31").json["balance"] == 0
    now = balance(ALICE).json
    assert (now["balance"], now["payments_convention_balance"]) == (520_000, 520_000)
    loans = balance(LOANS).json
    assert (loans["category"], loans["normal_side"], loans["balance"]) == ("asset", "debit", 450_000)
    assert loans["payments_convention_balance"] == -450_000
    assert balance("bank:vault").status == 404
    assert balance("5555555555").status == 404


@pytest.mark.usefixtures("history")
def test_trial_balance_is_zero(call_api: Call) -> None:
    body = call_api(app, "GET", "/staff/ledger/trial-balance", principal=STAFF).json
    assert body["total_debits"] == body["total_credits"]
    assert (body["difference"], body["balanced"]) == (0, True)
    cats = body["by_category"]
    # The accounting equation, every balance on its normal side: assets = liabilities + equity + income.
    assert (
        cats["asset"]["balance"]
        == cats["liability"]["balance"] + cats["equity"]["balance"] + cats["income"]["balance"]
    )
    assert {a["account_id"] for a in body["bank_accounts"]} == {CASH, POOL, LOANS, INTEREST}


@pytest.mark.usefixtures("history")
def test_reconciliation_lists_only_differences(call_api: Call, internal: FakeInternal) -> None:
    # Given payments' balances (credits − debits), equal to the ledger's except for Bob
    internal.positions = {
        CASH: -(10**12), POOL: 10**12 - 200_000, LOANS: -450_000, INTEREST: 6_000,
        ALICE: 520_000, BOB: 124_000 + 5, "3456789012": 0,
    }  # fmt: skip
    body = call_api(app, "GET", "/staff/ledger/reconciliation", principal=STAFF).json
    assert body["matched"] is False
    assert body["differences"] == [
        {"account": BOB, "payments_balance": 124_005, "ledger_balance": 124_000, "difference": 5}
    ]
    assert body["positions_checked"] == 7  # walked across four pages of two
    assert [(function, action) for function, action, _ in internal.calls] == [
        ("payments-query", "list_positions")
    ] * 4
    internal.positions[BOB] = 124_000
    assert call_api(app, "GET", "/staff/ledger/reconciliation", principal=STAFF).json["matched"] is True


@pytest.mark.usefixtures("history")
def test_entries_by_account_and_by_payment(call_api: Call) -> None:
    by_account = call_api(app, "GET", "/staff/ledger/entries", query={"account": BOB}, principal=STAFF).json
    assert [e["seq"] for e in by_account["items"]] == [4, 3, 2, 1]  # newest first
    by_payment = call_api(
        app, "GET", "/staff/ledger/entries", query={"payment_id": "pay_e6"}, principal=STAFF
    ).json
    assert sorted((e["account_id"], e["side"]) for e in by_payment["items"]) == [
        (ALICE, "debit"), (ALICE, "debit"), (INTEREST, "credit"), (LOANS, "credit"),
    ]  # fmt: skip
    assert call_api(app, "GET", "/staff/ledger/entries", principal=STAFF).status == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/ledger/trial-balance"),
        ("GET", "/staff/ledger/reconciliation"),
        ("GET", "/staff/ledger/verify"),
        ("GET", "/staff/ledger/entries"),
        ("GET", "/staff/dlq"),
        ("POST", "/staff/dlq/redrive"),
    ],
)
def test_staff_routes_refuse_customers(call_api: Call, method: str, path: str) -> None:
    assert call_api(app, method, path, principal=AS_ALICE).status == 403
    assert call_api(app, method, path).status == 401


# ---------------------------------------------------------------- verification
@pytest.mark.usefixtures("history")
def test_verify_catches_an_entry_edited_directly_in_dynamodb(call_api: Call) -> None:
    assert call_api(app, "GET", "/staff/ledger/verify", principal=STAFF).json["ok"] is True
    # Given someone edits an amount straight in the table
    table = boto3.resource("dynamodb").Table(TABLES["LEDGER_ENTRIES_TABLE"])
    items = table.query(KeyConditionExpression="account_id = :a", ExpressionAttributeValues={":a": BOB})[
        "Items"
    ]
    target = items[1]
    table.update_item(
        Key={"account_id": BOB, "position": target["position"]},
        UpdateExpression="SET amount = :x",
        ExpressionAttributeValues={":x": 1_000_000},
    )
    # Then verify reports Bob's account, the entry and why
    body = call_api(app, "GET", "/staff/ledger/verify", principal=STAFF).json
    assert body["ok"] is False
    assert body["broken_accounts"] == [BOB]
    assert {"account_id": BOB, "entry_id": target["entry_id"], "seq": 2} | {
        "reason": body["breaks"][0]["reason"]
    } == body["breaks"][0]
    assert body["breaks"][0]["reason"].startswith("hash_mismatch")
    one = call_api(app, "GET", "/staff/ledger/verify", query={"account": ALICE}, principal=STAFF).json
    assert (one["ok"], one["accounts_checked"]) == (True, 1)


@pytest.mark.usefixtures("history")
def test_verify_catches_an_entry_appended_without_its_head(call_api: Call) -> None:
    # Given someone copies Bob's last entry to a new seq, leaving the head alone
    table = boto3.resource("dynamodb").Table(TABLES["LEDGER_ENTRIES_TABLE"])
    items = table.query(KeyConditionExpression="account_id = :a", ExpressionAttributeValues={":a": BOB})[
        "Items"
    ]
    last = max(items, key=lambda item: int(item["seq"]))
    seq = int(last["seq"]) + 1
    table.put_item(Item={**last, "seq": seq, "position": f"{last['position']}~", "entry_id": "forged"})
    # Then verify names the orphan once the head, read again, does not cover it
    body = call_api(app, "GET", "/staff/ledger/verify", query={"account": BOB}, principal=STAFF).json
    assert body["ok"] is False
    assert [b["reason"] for b in body["breaks"]] == [f"orphan_entry: seq {seq} lies beyond the head"]


@pytest.mark.usefixtures("history")
def test_verify_pages_through_accounts(call_api: Call) -> None:
    checked, cursor = 0, None
    for _ in range(10):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = call_api(app, "GET", "/staff/ledger/verify", query=query, principal=STAFF).json
        checked += body["accounts_checked"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert checked == 6


# ---------------------------------------------------------------- dead-letter queue
def test_dlq_peek_explains_and_redrive_moves_back(call_api: Call, queues: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    good = movement(K.WELCOME_BONUS, [(POOL, ALICE, 100_000)]).model_dump(mode="json")
    bad = movement(K.TRANSFER, [(ALICE, "bank:vault", 5)]).model_dump(mode="json")
    sqs.send_message(QueueUrl=queues["dlq"], MessageBody=json.dumps(envelope(good, event_id="ev_good")),
                     MessageAttributes={"type": {"DataType": "String", "StringValue": "money.moved"}})  # fmt: skip
    sqs.send_message(QueueUrl=queues["dlq"], MessageBody=json.dumps(envelope(bad, event_id="ev_bad")))
    sqs.send_message(QueueUrl=queues["dlq"], MessageBody="garbage")
    # When staff peek
    body = call_api(app, "GET", "/staff/dlq", principal=STAFF).json
    # Then each message is described with a hint of what is wrong with it
    hints = {m["event_id"]: m["error_hint"] for m in body["messages"]}
    assert hints["ev_good"].startswith("valid_now")
    assert hints["ev_bad"].startswith("unknown_ledger_account")
    assert hints[None].startswith("invalid_event")
    assert body["approximate_messages"] == 3
    # And redrive moves every message back to the ledger queue (attributes kept)
    moved = call_api(app, "POST", "/staff/dlq/redrive", body={"max_messages": 10}, principal=STAFF).json
    assert moved == {"moved": 3, "approximate_remaining": 0}
    back = sqs.receive_message(
        QueueUrl=queues["main"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"][:20] for m in back) == sorted(
        [
            json.dumps(envelope(good, event_id="ev_good"))[:20],
            json.dumps(envelope(bad, event_id="ev_bad"))[:20],
            "garbage",
        ]
    )
    assert any(
        m.get("MessageAttributes", {}).get("type", {}).get("StringValue") == "money.moved" for m in back
    )


def test_redrive_rejects_bad_bodies(call_api: Call, queues: dict[str, str]) -> None:
    response = call_api(app, "POST", "/staff/dlq/redrive", body={"max_messages": 0}, principal=STAFF)
    assert response.status == 400
    response = call_api(app, "POST", "/staff/dlq/redrive", body={"everything": True}, principal=STAFF)
    assert response.status == 400


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("expression", "value"),
    [("SET side = :x", {"S": "sideways"}), ("SET amount = :x", {"S": "lots"}), ("REMOVE amount", None)],
    ids=["bad-side", "amount-as-text", "amount-removed"],
)
def test_verify_reports_an_entry_edited_out_of_shape(call_api: Call, expression: str, value: Any) -> None:
    client = boto3.client("dynamodb")
    table = TABLES["LEDGER_ENTRIES_TABLE"]
    items = client.query(
        TableName=table,
        KeyConditionExpression="account_id = :a",
        ExpressionAttributeValues={":a": {"S": BOB}},
    )["Items"]
    client.update_item(
        TableName=table,
        Key={"account_id": items[0]["account_id"], "position": items[0]["position"]},
        UpdateExpression=expression,
        **({"ExpressionAttributeValues": {":x": value}} if value else {}),
    )
    body = call_api(app, "GET", "/staff/ledger/verify", query={"account": BOB}, principal=STAFF).json
    assert body["ok"] is False
    assert body["breaks"][0]["reason"].startswith("unreadable_entry")
